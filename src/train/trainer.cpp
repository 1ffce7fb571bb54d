// Owns: run_training, the data-parallel translate training loop (see trainer.h).
#include "s2s/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include "s2s/autograd/var.h"
#include "s2s/kernels/clip.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/data/prefetch.h"
#include "s2s/data/sampler.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/log.h"
#include "s2s/dist/replicas.h"
#include "s2s/dist/world.h"
#include "s2s/checkpoint/checkpoint.h"
#include "s2s/checkpoint/checkpoint_manager.h"
#include "s2s/train/clip.h"
#include "s2s/dist/device_setup.h"
#include "s2s/eval/evaluate.h"
#include "s2s/train/lr_schedule.h"
#include "s2s/train/optimizer.h"
#include "s2s/train/run_state.h"
#include "s2s/model/model_file.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/train/nan_guard.h"
#include "s2s/train/signals.h"
#include "s2s/train/step_history.h"
#include "s2s/train/step_runner.h"
#include "s2s/train/training_log.h"

namespace s2s::train {
namespace {

using Clock = std::chrono::steady_clock;


// nan_policy skip: this many non-finite steps in a row means the run is not recovering (e.g. an
// update overflowed the parameters, so every later step is non-finite and global_step would never
// advance again): stop with an error instead of looping forever.
constexpr std::int64_t kMaxConsecutiveSkips = 100;

[[noreturn]] void fail_not_recovering(const std::vector<ag::Var>& params, std::int64_t step,
                                      const std::string& last_reason) {
  std::string why = "the parameters are finite but every batch gives a non-finite loss or gradient (an update may "
                    "have made them huge)";
  for (const auto& p : params)
    if (!kern::all_finite(p.value())) {
      why = "parameter " + p.name() + " is not finite (an update overflowed)";
      break;
    }
  S2S_FAIL("train.nan_policy=skip: ", kMaxConsecutiveSkips, " consecutive steps after step ", step,
           " were non-finite (last: ", last_reason, "); ", why,
           ". Stopping: lower optim.learning_rate, set optim.max_gradient_norm, or resume from an earlier checkpoint");
}

// The dataset's recorded buckets, or an explicit data.buckets that must equal them; vocabulary
// sizes 0 (from the dataset) or equal to it. The config helpers' errors name the key, both values,
// the dataset and what is accepted.
std::vector<model::Bucket> model_buckets(const data::Dataset& dataset, const config::TrainConfig& cfg) {
  std::vector<model::Bucket> recorded;
  for (const auto& b : dataset.buckets()) recorded.emplace_back(b.encoder_size, b.decoder_size);
  return config::config_resolve_buckets(cfg, recorded, dataset.path());
}


// Everything a step needs, built once.
struct Session {
  Session(const config::TrainConfig& c, dist::World& w) : cfg(c), world(w) {}
  const config::TrainConfig& cfg;
  dist::World& world;
  std::shared_ptr<const data::Dataset> dataset;
  std::unique_ptr<model::Seq2SeqModel> model;
  std::vector<ag::Var> params;
  std::vector<ParamRef> refs;
  std::vector<Tensor> grads;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<checkpoint::CheckpointManager> checkpoints;
  std::unique_ptr<data::Prefetcher> prefetcher;
  std::unique_ptr<dist::GradientReducer> reducer;
  // Loss, tokens, signal flags and gradient norm of the steps since the last sync point, on the
  // device; the aux part is all-reduced with the gradients.
  std::unique_ptr<StepHistory> history;
  std::unique_ptr<StepRunner> runner;
  LoopState loop;
};

void build(Session& s) {
  const config::TrainConfig& cfg = s.cfg;
  dist::prepare_device(cfg.model.device, &s.world, "model.device", /*one_device_per_rank=*/true);
  s.dataset = data::Dataset::open(cfg.data.dataset);
  const auto buckets = model_buckets(*s.dataset, cfg);
  const auto vs = config::config_resolve_vocab(cfg.model.source_vocab_size, s.dataset->source_vocab().size(),
                                       "model.source_vocab_size", s.dataset->path());
  const auto vt = config::config_resolve_vocab(cfg.model.target_vocab_size, s.dataset->target_vocab().size(),
                                       "model.target_vocab_size", s.dataset->path());
  s.model = std::make_unique<model::Seq2SeqModel>(cfg.model, vs, vt, buckets, cfg.train.seed,
                                           static_cast<std::uint64_t>(s.world.rank()));
  s.model->create_variables();
  s.params = s.model->params().parameters();
  for (auto& p : s.params) {
    s.grads.push_back(p.grad());
    s.refs.push_back({p.name(), p.value(), p.grad()});
  }
  s.optimizer = make_optimizer(cfg.optim);
  s.optimizer->init(s.refs);
  s.schedule = make_lr_schedule(cfg.optim);
  s.checkpoints = std::make_unique<checkpoint::CheckpointManager>(cfg.train.train_dir, cfg.train.keep_checkpoints,
                                                      [](const std::string& w) { dist::log_all("warning: " + w); });
  if (s.world.is_root())  // only rank 0 writes checkpoints, and it has not written any yet
    for (const auto& path : s.checkpoints->remove_stale_temporaries())
      dist::log_root("removed {} (left by a checkpoint write that was killed)", path);
  s.history = std::make_unique<StepHistory>(cfg.train.effective_sync_every(cfg.model.device), cfg.model.dtype,
                                            cfg.model.device);
  StepRunner::Options so;
  so.cuda_graphs = cfg.train.cuda_graphs;
  s.runner = std::make_unique<StepRunner>(*s.model, so, [](const std::string& w) { dist::log_all("warning: " + w); });
  dist::ReducerOptions ro;
  ro.bucket_bytes = static_cast<std::size_t>(cfg.dist.bucket_bytes);
  if (!cfg.is_explicit("dist.bucket_bytes")) {
    // The default is a cap: a bucket holding most of a small model's gradients fills only at the
    // end of backward and hides nothing (bench/RESULTS.md: 5-14 % hidden with 8 MiB vs 78-86 %
    // with 1 MiB on a 2x256 model), so aim for ~16 buckets per step, at least 1 MiB each.
    std::size_t total = 0;
    for (const auto& g : s.grads) total += g.nbytes();
    ro.bucket_bytes = std::clamp<std::size_t>(total / 16, std::size_t{1} << 20, ro.bucket_bytes);
  }
  std::string reducer = std::string(to_string(cfg.dist.reducer));
  if (cfg.dist.reducer == config::ReducerKind::Auto)
    reducer = s.world.size() == 1 ? "none" : cfg.model.device == Device::CUDA ? "nccl" : "mpi";
  s.reducer = dist::make_reducer(reducer, s.world, ro);
  std::vector<Tensor> reduced = s.grads;
  reduced.push_back(s.history->aux());
  s.reducer->prepare(reduced);
  dist::log_root("model: {} {}x{} {}, vocab {}/{}, {} parameters ({} tensors), {} softmax, buckets {}; "
                 "gradient buckets of {:.2f} MiB",
                 cfg.model.attention ? "attention" : "rnn", cfg.model.num_layers, cfg.model.size,
                 config::to_string(cfg.model.cell), vs, vt, s.model->params().total_elements(), s.params.size(),
                 s.model->sampled_softmax() ? fmt::format("sampled({})", cfg.model.num_samples) : "full",
                 data::format_buckets(s.dataset->buckets()), double(ro.bucket_bytes) / (1 << 20));
}

// Restores a checkpoint (read by rank 0, broadcast to all) or broadcasts rank 0's initial values.
std::optional<data::SamplerCursor> restore_or_broadcast(Session& s) {
  std::string meta;
  std::optional<checkpoint::CheckpointState> state;
  if (s.world.is_root()) {
    checkpoint::ResumeChoice choice = s.checkpoints->resolve_resume(s.cfg.train.resume);
    if (choice.path) {
      state = checkpoint::read_checkpoint(*choice.path);
      dist::log_root("resuming from {} (step {}, saved by {} rank(s))", *choice.path, state->global_step,
                     state->world_size);
      restore_model_values(*state, s.params, *s.optimizer);
      meta = run_state_to_json(*state);
    }
  }
  dist::broadcast_string(s.world, meta);
  std::vector<Tensor> values;
  for (auto& p : s.params) values.push_back(p.mutable_value());
  for (auto& [name, t] : s.optimizer->state()) values.push_back(t);
  dist::broadcast_tensors(s.world, values);
  if (meta.empty()) return std::nullopt;
  RunState rs = run_state_from_json(meta);
  std::map<std::string, Tensor> slots;  // broadcast values, re-loaded to restore the update count
  for (const auto& [name, t] : s.optimizer->state()) slots[name] = t.clone();
  s.optimizer->load_state(slots, rs.optimizer_updates);
  s.schedule->restore(rs.schedule);
  s.model->sampler_rng().set_state(rs.softmax_sampler);
  s.model->set_dropout_counter(rs.dropout_counter);
  s.loop = rs.loop;
  return rs.cursor;
}

void start_data(Session& s, const std::optional<data::SamplerCursor>& cursor) {
  data::SamplerOptions so;
  so.batch_size = s.cfg.train.batch_size;
  so.rank = s.world.rank();
  so.world_size = s.world.size();
  so.seed = s.cfg.data.seed;
  so.mode = s.cfg.data.sampler == config::SamplerMode::Fidelity ? data::SamplingMode::Fidelity : data::SamplingMode::Epoch;
  auto sampler = std::make_unique<data::BucketSampler>(s.dataset, so);
  if (cursor) sampler->restore(*cursor);
  s.prefetcher = std::make_unique<data::Prefetcher>(std::move(sampler));
}

// Rank 0 writes; the others only wait (collecting their values would copy every parameter and
// optimizer slot to the host for nothing: a full device read per checkpoint on a GPU).
std::string save(Session& s) {
  std::string path;
  if (s.world.is_root()) {
    checkpoint::CheckpointState st;
    st.global_step = s.loop.global_step;
    collect_model_values(st, s.params, *s.optimizer);
    RunState rs;
    rs.optimizer_updates = s.optimizer->updates();
    rs.schedule = s.schedule->state();
    rs.softmax_sampler = s.model->sampler_rng().state();
    rs.dropout_counter = s.model->dropout_counter();
    rs.loop = s.loop;
    rs.cursor = s.prefetcher->cursor();
    fill_checkpoint_run_state(st, rs);
    st.config_yaml = config::config_to_yaml(s.cfg);
    st.assets = model::assets_from_dataset(*s.dataset);  // what decoding needs without the dataset
    st.world_size = s.world.size();
    path = s.checkpoints->save(st);
  }
  s.world.barrier("checkpoint write");
  return path;
}

}  // namespace

TrainResult run_training(const config::TrainConfig& cfg, dist::World& world, const RunOptions& options) {
  // dist.timeout_s is the deadline of every collective of the run. An explicit key wins; left at
  // its default it yields to S2S_DIST_TIMEOUT_S when that is set (the World read it already).
  if (cfg.is_explicit("dist.timeout_s") || std::getenv("S2S_DIST_TIMEOUT_S") == nullptr)
    world.set_timeout_s(cfg.dist.timeout_s);
  // float32 matrix products of this run (kernels/gemm.h): float32, TF32 or bf16 operands.
  kern::set_matmul_precision(kern::parse_matmul_precision(to_string(cfg.train.precision)));
  Session s(cfg, world);
  build(s);
  dist::log_root("step on {}: {} matrix products, host reads every {} step(s){}",
                 cfg.model.device == Device::CUDA ? "cuda" : "cpu", to_string(cfg.train.precision), s.history->capacity(),
                 s.runner->graphs_active() ? ", a CUDA graph per bucket after 2 warm-up steps" : "");
  auto cursor = restore_or_broadcast(s);
  start_data(s, cursor);
  SignalHandlers signal_handlers;
  NanGuard nan_guard(cfg.train.nan_policy, s.loop.skipped_steps);
  TrainingLog log(cfg, world.is_root(), s.loop.global_step, world.size(), options.progress);
  TrainResult result;
  const auto& cfg_t = cfg.train;
  const int world_size = world.size();

  // Whether this run wrote a checkpoint, identical on every rank (save() returns the path on
  // rank 0 only, so the path cannot decide a collective).
  bool saved_this_run = false;
  std::int64_t consecutive_skips = 0;  // identical on every rank (decided on reduced values)
  const double max_norm = cfg.optim.max_gradient_norm;
  auto window_start = Clock::now();
  struct SyncResult {
    bool apply_last = true;  // the newest step's update may be applied (nan_policy)
    bool checkpoint = false, term = false, interrupt = false;
  };
  // A sync point: wait for the device (with the collective deadline), read the steps recorded
  // since the last one, then account, check and log each in order. Only the newest step can still
  // be skipped (nan_policy skip syncs every step); nan_policy stop throws naming the first bad step.
  auto sync_point = [&]() {
    SyncResult out;
    s.reducer->synchronize();
    const std::vector<StepRecord> steps = s.history->read(world_size);
    const auto now = Clock::now();
    const double per_step = std::chrono::duration<double>(now - window_start).count() / double(steps.size());
    window_start = now;
    for (const StepRecord& r : steps) {
      const bool newest = &r == &steps.back();
      StepReport report;
      report.loss = r.loss;
      report.tokens = r.tokens;
      report.grad_norm = r.grad_norm;
      report.bucket = r.info.bucket;
      report.learning_rate = r.info.learning_rate;
      report.reduce = r.info.reduce;
      report.step_seconds = per_step;
      out.checkpoint = out.checkpoint || r.checkpoint;
      out.term = out.term || r.term;
      out.interrupt = out.interrupt || r.interrupt;
      // The parameters' gradients are those of the newest step: name one only for that step.
      const bool ok = nan_guard.check(r.info.step, r.info.bucket, r.loss, r.grad_norm,
                                      newest ? std::span<const ParamRef>(s.refs) : std::span<const ParamRef>());
      if (ok) {
        s.loop.add(r.loss, r.tokens);
        consecutive_skips = 0;
        report.step = r.info.step;
      } else {
        S2S_CHECK(newest, "internal: a deferred step was found non-finite under nan_policy skip");
        out.apply_last = false;
        report.skipped = true;
        report.step = r.info.step - 1;
        s.loop.skipped_steps = nan_guard.skipped();
        if (++consecutive_skips >= kMaxConsecutiveSkips)
          fail_not_recovering(s.params, s.loop.global_step, nan_guard.last_reason());
      }
      s.loop.step_seconds += report.step_seconds;
      log.step(report);
    }
    return out;
  };

  while (cfg_t.max_steps == 0 || s.loop.global_step < cfg_t.max_steps) {
    const data::Batch batch = s.prefetcher->next();
    const model::StepFeed feed = s.model->make_feed(model::Seq2SeqBatch::from(batch), model::ForwardMode::Train);
    const StepRunner::Result ran =
        s.runner->run(feed, [&](const ag::Var& p) { s.reducer->ready(p.grad()); });
    if (!ran.gradients_reported)  // a graph step: hand every gradient over now, last layer first
      for (auto g = s.grads.rbegin(); g != s.grads.rend(); ++g) s.reducer->ready(*g);

    // The step's bookkeeping rides along with the gradients.
    const SignalRequest local = poll_signals();
    s.history->set_aux(ran.loss, kern::sum(batch.weights), local.checkpoint, local.exit && local.signal != 2,
                       local.exit && local.signal == 2);
    s.reducer->ready(s.history->aux());
    const dist::ReduceStats reduce = s.reducer->finish();
    const std::int64_t next_step = s.loop.global_step + 1;
    const double learning_rate = s.schedule->learning_rate(s.loop.global_step);
    const Tensor norm_sq = s.history->record(s.grads, {next_step, batch.bucket, learning_rate, reduce});

    const bool sync = s.history->full() || next_step % cfg_t.steps_per_checkpoint == 0 ||
                      (cfg_t.log_every > 0 && next_step % cfg_t.log_every == 0) ||
                      (cfg_t.max_steps > 0 && next_step >= cfg_t.max_steps);
    SyncResult synced;
    if (sync) synced = sync_point();
    if (synced.apply_last) {
      if (max_norm > 0)
        for (Tensor& g : s.grads) kern::scale_by_global_norm(g, norm_sq, max_norm);
      s.optimizer->step(s.refs, learning_rate);
      ++s.loop.global_step;
    }
    if (!sync) continue;

    bool saved = false;
    if (synced.apply_last && s.loop.global_step % cfg_t.steps_per_checkpoint == 0) {
      // translate.py: print, decay on plateau, save, reset the window, evaluate on dev.
      const double loss_avg = s.loop.window_loss();
      const double step_time = s.loop.window_steps ? s.loop.step_seconds / double(s.loop.window_steps) : 0.0;
      log.checkpoint_line(s.loop, s.schedule->state().learning_rate, step_time);
      s.schedule->on_checkpoint(loss_avg);
      dist::check_replicas(world, collect_values(s.params), s.model->params().names());
      s.loop.reset_window();
      result.last_loss = loss_avg;
      result.last_checkpoint = save(s);
      saved = saved_this_run = true;
      log.saved(result.last_checkpoint, s.loop.global_step);
      if (cfg_t.eval != config::EvalMode::Translate)
        log.evaluation("full", eval::evaluate_full(*s.model, s.dataset, "dev", cfg_t.batch_size, world), s.loop.global_step);
      if (cfg_t.eval != config::EvalMode::Full)
        log.evaluation("translate", eval::evaluate_translate(*s.model, s.dataset, "dev", cfg_t.batch_size,
                                                       cfg.data.seed ^ std::uint64_t(s.loop.global_step), world),
                       s.loop.global_step);
    }
    const bool exit_requested = synced.term || synced.interrupt;
    if ((synced.checkpoint || exit_requested) && !saved) {
      result.last_checkpoint = save(s);
      saved_this_run = true;
      log.saved(result.last_checkpoint, s.loop.global_step);
    }
    if (exit_requested) {
      result.stopped_by_signal = true;
      result.exit_code = synced.interrupt ? 130 : 143;
      log.message(fmt::format("stopping on a signal after step {} (exit code {})", s.loop.global_step, result.exit_code));
      break;
    }
  }
  if (!result.stopped_by_signal && s.loop.global_step > 0 &&
      (!saved_this_run || s.loop.global_step % cfg_t.steps_per_checkpoint != 0)) {
    result.last_checkpoint = save(s);
    log.saved(result.last_checkpoint, s.loop.global_step);
  }
  result.global_step = s.loop.global_step;
  result.skipped_steps = nan_guard.skipped();
  if (s.loop.window_steps > 0) result.last_loss = s.loop.window_loss();
  if (s.runner->graphs_active()) {
    const auto g = s.runner->graph_totals();
    log.message(fmt::format("cuda graphs: {} captured, {} replays, {} eager steps, {} failed captures", g.captures,
                            g.replays, g.eager, g.failures));
  }
  log.finish(*s.reducer);
  return result;
}

}  // namespace s2s::train
