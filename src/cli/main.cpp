// Owns: the `s2s` binary's entry point: subcommand dispatch and top-level error handling.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "commands.h"
#include "s2s/core/error.h"
#include "s2s/checkpoint/checkpoint.h"

namespace {

// Weak fallbacks let the binary link while a subcommand is still being written; a real
// definition in its own file replaces the fallback.
#define S2S_PENDING_COMMAND(NAME)                                                              \
  __attribute__((weak)) s2s::cli::CommandRunner s2s::cli::setup_##NAME(CLI::App&) {           \
    return [] {                                                                                \
      std::fprintf(stderr, "s2s " #NAME ": not available in this build\n");                    \
      return 2;                                                                                \
    };                                                                                         \
  }

}  // namespace

S2S_PENDING_COMMAND(conformance)
S2S_PENDING_COMMAND(prepare)
S2S_PENDING_COMMAND(train)
S2S_PENDING_COMMAND(decode)
S2S_PENDING_COMMAND(eval)
S2S_PENDING_COMMAND(inspect)
S2S_PENDING_COMMAND(demo)
S2S_PENDING_COMMAND(score)
S2S_PENDING_COMMAND(export)
S2S_PENDING_COMMAND(average)

int main(int argc, char** argv) {
  using namespace s2s::cli;
  // Every diagnostic goes to stderr (spdlog's default logger writes to stdout): stdout carries
  // only a command's output, which scripts parse (decode's lines, eval --json).
  spdlog::set_default_logger(spdlog::stderr_color_mt("s2s"));
  const std::vector<CommandInfo> commands = {
      {"prepare", "Tokenize parallel text into a bucketed HDF5 dataset", setup_prepare},
      {"train", "Train a seq2seq model (translate's loop; MPI data-parallel)", setup_train},
      {"eval", "Perplexity of a checkpoint; BLEU/chrF of its translations with --source/--target", setup_eval},
      {"decode", "Greedy decoding with a checkpoint (stdin -> stdout)", setup_decode},
      {"export", "Write an inference-only model file from a checkpoint", setup_export},
      {"average", "Average the parameters of several checkpoints into a model file", setup_average},
      {"score", "Corpus BLEU and chrF of a hypothesis file (sacrebleu's defaults)", setup_score},
      {"inspect", "Show what a dataset or checkpoint file holds", setup_inspect},
      {"conformance", "Check the seed functions against conformance fixtures", setup_conformance},
      {"demo", "Fit a tiny model with the autograd tape and print the loss", setup_demo},
  };
  CLI::App app{"s2s: data-parallel trainer for legacy_seq2seq models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("s2s ") + s2s::checkpoint::kS2sVersion);
  std::vector<std::pair<CLI::App*, CommandRunner>> runners;
  for (const auto& c : commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runners.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "s2s: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s2s: unexpected error: %s\n", e.what());
    return 1;
  }
  return 0;
}
