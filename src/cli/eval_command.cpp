// Owns: `s2s eval`: the full-softmax perplexity of a checkpoint on a dataset split, per bucket
// and overall (spec §11.9), as a table or JSON.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "s2s/dist/world.h"
#include "s2s/dist/device_setup.h"
#include "s2s/eval/evaluate.h"
#include "s2s/model/model_loader.h"

namespace s2s::cli {
namespace {
struct EvalOptions {
  std::string checkpoint;
  std::string dataset;
  std::string split = "dev";
  std::int64_t batch_size = 64;
  bool json = false;
  std::string device = "cpu";
};

void print_result(const EvalOptions& o, const model::LoadedModel& m, const std::vector<eval::BucketEval>& buckets,
                  const eval::BucketEval& all);

int run_eval(const EvalOptions& o) {
  dist::World world(dist::world_options_from_environment());
  std::optional<std::string> dataset;
  if (!o.dataset.empty()) dataset = o.dataset;
  const Device device = o.device == "cuda" ? Device::CUDA : Device::CPU;
  dist::prepare_device(device, &world, "--device");
  model::LoadedModel m = model::load_model(o.checkpoint, dataset, device);
  S2S_CHECK(m.dataset->has_split(o.split), "dataset ", m.config.data.dataset, " has no split '", o.split, "'");
  auto buckets = eval::evaluate_full(*m.model, m.dataset, o.split, o.batch_size, world);
  auto all = eval::overall(buckets);
  // An Inf/NaN loss is a broken model, not a result: report it (after the numbers) and fail.
  const bool finite = std::isfinite(all.loss) && std::isfinite(all.perplexity);
  const int rc = finite ? 0 : 1;
  if (!world.is_root()) return rc;
  print_result(o, m, buckets, all);
  if (!finite)
    std::fprintf(stderr, "s2s eval: error: %s: the %s loss is not finite (loss %g, perplexity %g): the checkpoint's "
                 "model is broken (e.g. trained with too large a learning rate)\n",
                 m.checkpoint_path.c_str(), o.split.c_str(), all.loss, all.perplexity);
  return rc;
}

void print_result(const EvalOptions& o, const model::LoadedModel& m, const std::vector<eval::BucketEval>& buckets,
                  const eval::BucketEval& all) {
  if (o.json) {
    nlohmann::json j;
    j["checkpoint"] = m.checkpoint_path;
    j["step"] = m.global_step;
    j["split"] = o.split;
    for (const auto& b : buckets)
      j["buckets"].push_back({{"bucket", b.bucket}, {"examples", b.examples}, {"tokens", b.tokens},
                              {"loss", b.loss}, {"perplexity", b.perplexity}});
    j["overall"] = {{"examples", all.examples}, {"tokens", all.tokens}, {"loss", all.loss}, {"perplexity", all.perplexity}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s (step %lld), split %s, full softmax\n", m.checkpoint_path.c_str(),
              static_cast<long long>(m.global_step), o.split.c_str());
  std::printf("%-8s %10s %10s %10s %12s\n", "bucket", "examples", "tokens", "loss", "perplexity");
  for (const auto& b : buckets)
    std::printf("%-8d %10lld %10.0f %10.4f %12.3f\n", b.bucket, static_cast<long long>(b.examples), b.tokens, b.loss,
                b.perplexity);
  std::printf("%-8s %10lld %10.0f %10.4f %12.3f\n", "all", static_cast<long long>(all.examples), all.tokens, all.loss,
              all.perplexity);
}
}  // namespace

CommandRunner setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  app.add_option("--checkpoint", o->checkpoint, "checkpoint file, or a train_dir (its latest)")->required();
  app.add_option("--dataset", o->dataset, "dataset (default: the one the checkpoint names)");
  app.add_option("--split", o->split, "split to evaluate")->capture_default_str();
  app.add_option("--batch-size", o->batch_size, "examples per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--json", o->json, "print JSON instead of a table");
  app.add_option("--device", o->device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  return [o] { return run_eval(*o); };
}

}  // namespace s2s::cli
