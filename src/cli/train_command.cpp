// Owns: `s2s train --config FILE [--set key=value ...] [--resume auto|none|PATH]
// [--allow-config-change] [--progress auto|bar|plain|none]`.
// Exit codes (train/stop_policy.h): 0 done (max_steps reached, or early stopping); 1 error (an
// s2s::Error; in a multi-rank job every rank is aborted so none hangs); 130/143 checkpointed and
// stopped on SIGINT/SIGTERM (signals.h); 75/76 a rank or NCCL failed (dist/exit_codes.h).
#include <cstdio>

#include "commands.h"
#include "s2s/core/error.h"
#include "s2s/dist/log.h"
#include "s2s/dist/world.h"
#include "s2s/config/config.h"
#include "s2s/train/trainer.h"

namespace s2s::cli {
namespace {
struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;
  bool print_config = false;
  bool no_cuda_graphs = false;
  bool allow_config_change = false;
  std::string progress = "auto";
};

int run_train(const TrainOptions& o) {
  config::TrainConfig cfg = o.config.empty() ? config::TrainConfig() : config::config_from_yaml_file(o.config);
  config::config_apply_overrides(cfg, o.overrides);
  if (!o.resume.empty()) config::config_apply_override(cfg, "train.resume=" + o.resume);
  if (o.no_cuda_graphs) config::config_apply_override(cfg, "train.cuda_graphs=false");
  config::config_validate(cfg);
  if (o.print_config) {
    std::printf("%s", config::config_to_yaml(cfg).c_str());
    return 0;
  }
  dist::World world(dist::world_options_from_environment());
  try {
    train::RunOptions run;
    run.progress = train::parse_progress_mode(o.progress);
    run.allow_config_change = o.allow_config_change;
    train::TrainResult r = train::run_training(cfg, world, run);
    dist::log_root("done: step {}, loss {:.4f}, checkpoint {}", r.global_step, r.last_loss,
                   r.last_checkpoint.empty() ? "(none)" : r.last_checkpoint);
    if (r.best_step >= 0)
      dist::log_root("best: step {} ({} {:.4g}, {} validation(s){})", r.best_step, config::to_string(cfg.train.best_metric),
                     r.best_value, r.validations, r.stopped_early ? ", stopped early" : "");
    return r.exit_code;
  } catch (const s2s::Error& e) {
    if (world.size() > 1) world.abort(1, std::string("error: ") + e.what());  // no rank may hang
    throw;
  }
}
}  // namespace

CommandRunner setup_train(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  app.add_option("--config,-c", o->config, "YAML config (configs/quickstart.yaml, configs/translate.yaml)");
  app.add_option("--set", o->overrides, "override a key: --set optim.learning_rate=0.3 (repeatable)");
  app.add_option("--resume", o->resume, "auto (latest valid checkpoint in train_dir), none, or a checkpoint path");
  app.add_flag("--print-config", o->print_config, "print the effective config and exit");
  app.add_flag("--no-cuda-graphs", o->no_cuda_graphs, "run every step eagerly (same as --set train.cuda_graphs=false)");
  app.add_flag("--allow-config-change", o->allow_config_change,
               "resume even when settings that change results (model, data, optimizer, batch, seeds) differ from "
               "the checkpoint's; each change is logged and the new value applies (docs/config.md)");
  app.add_option("--progress", o->progress,
                 "auto (a live bar on a terminal, plain lines in files and under mpirun/srun), bar, "
                 "plain (a timestamped line every train.log_every steps) or none (no step lines)")
      ->check(CLI::IsMember({"auto", "bar", "plain", "none"}))
      ->capture_default_str();
  return [o] { return run_train(*o); };
}

}  // namespace s2s::cli
