// Owns: `s2s decode`: greedy translation of stdin (or --input) with a checkpoint, one line in,
// one line out, as translate's decode mode (spec §8).
#include <fstream>
#include <iostream>

#include "commands.h"
#include "s2s/decode/greedy.h"
#include "s2s/train/model_loader.h"

namespace s2s::cli {
namespace {
struct DecodeOptions {
  std::string checkpoint;
  std::string dataset;
  std::string input;
  std::string output;
  std::string device = "cpu";
};

int run_decode(const DecodeOptions& o) {
  std::optional<std::string> dataset;
  if (!o.dataset.empty()) dataset = o.dataset;
  train::LoadedModel loaded = train::load_model(o.checkpoint, dataset, o.device == "cuda" ? Device::CUDA : Device::CPU);
  decode::GreedyDecoder decoder(*loaded.model, *loaded.dataset);
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (!o.input.empty()) {
    in_file.open(o.input);
    S2S_CHECK(in_file.good(), "cannot open input file ", o.input);
    in = &in_file;
  }
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  if (!o.output.empty()) {
    out_file.open(o.output);
    S2S_CHECK(out_file.good(), "cannot write output file ", o.output);
    out = &out_file;
  }
  std::cerr << "s2s decode: " << loaded.checkpoint_path << " (step " << loaded.global_step << ")\n";
  std::string line;
  while (std::getline(*in, line)) {
    decode::Translation t = decoder.translate(line);
    if (!t.warning.empty()) std::cerr << t.warning << "\n";
    *out << t.text << "\n";
    out->flush();
  }
  return 0;
}
}  // namespace

CommandRunner setup_decode(CLI::App& app) {
  auto o = std::make_shared<DecodeOptions>();
  app.add_option("--checkpoint", o->checkpoint, "checkpoint file, or a train_dir (its latest)")->required();
  app.add_option("--dataset", o->dataset, "dataset for the vocabularies (default: the one the checkpoint names)");
  app.add_option("--input,-i", o->input, "input file (default: stdin), one sentence per line");
  app.add_option("--output,-o", o->output, "output file (default: stdout)");
  app.add_option("--device", o->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  return [o] { return run_decode(*o); };
}

}  // namespace s2s::cli
