// A consumer of the installed s2s library (tests/package/run.sh builds it with find_package):
// generates a tiny reverse-task dataset, trains a tiny model for a few steps on a one-process
// world and prints the final step and loss in the format of `s2s train`'s "done:" line, so the
// test can compare it with the installed binary trained on the same data and settings.
//   s2s_consumer WORK_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "s2s/config/config.h"
#include "s2s/core/error.h"
#include "s2s/data/prepare.h"
#include "s2s/data/synthetic.h"
#include "s2s/dist/world.h"
#include "s2s/train/trainer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: s2s_consumer WORK_DIR\n");
    return 2;
  }
  const std::string work = argv[1];
  try {
    s2s::data::PrepareOptions prep;
    s2s::data::SyntheticOptions syn;
    syn.pairs = 64;
    syn.dev_pairs = 8;
    syn.seed = 5;
    syn.alphabet = 8;
    syn.min_length = 2;
    syn.max_length = 4;
    prep.synthetic = syn;
    prep.output_path = work + "/tiny.h5";
    prep.force = true;
    prep.buckets = s2s::data::parse_buckets("3,4:5,6");
    s2s::data::prepare_dataset(prep);

    s2s::config::TrainConfig cfg;
    std::vector<std::string> sets;
    // The same assignments tests/package/run.sh passes to the installed binary.
    for (const char* s : {"model.num_layers=1", "model.size=8", "model.embedding_size=8", "model.num_samples=0",
                          "data.sampler=epochs", "data.seed=3", "optim.optimizer=sgd", "optim.learning_rate=0.5",
                          "train.batch_size=4", "train.max_steps=6", "train.steps_per_checkpoint=3",
                          "train.log_every=0", "train.seed=7", "train.eval=full"})
      sets.emplace_back(s);
    sets.push_back("data.dataset=" + prep.output_path);
    sets.push_back("train.train_dir=" + work + "/consumer_run");
    s2s::config::config_apply_overrides(cfg, sets);
    s2s::config::config_validate(cfg);
    s2s::dist::WorldOptions local;
    local.use_mpi = false;
    s2s::dist::World world(local);
    s2s::train::RunOptions run;
    run.progress = s2s::train::ProgressMode::None;
    const s2s::train::TrainResult r = s2s::train::run_training(cfg, world, run);
    std::printf("done: step %lld, loss %.4f\n", static_cast<long long>(r.global_step), r.last_loss);
    return 0;
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "s2s_consumer: %s\n", e.what());
    return 1;
  }
}
