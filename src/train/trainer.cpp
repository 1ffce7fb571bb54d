// Owns: run_training, the data-parallel translate training loop (see trainer.h), written as the
// recipe a reader follows: build, restore, then per step: step -> (sync point) -> apply ->
// checkpoint/validate cadence -> stop policy. WHEN things happen is cadence.h's, WHAT signals and
// NaNs lead to is stop_policy.h's and nan_guard.h's, when validation stops a run is
// early_stopping.h's; the objects are session.h's. This file only wires them in order.
#include "s2s/train/trainer.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <optional>

#include "s2s/autograd/var.h"
#include "s2s/dist/log.h"
#include "s2s/dist/replicas.h"
#include "s2s/eval/evaluate.h"
#include "s2s/kernels/clip.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/train/cadence.h"
#include "s2s/train/early_stopping.h"
#include "s2s/train/nan_guard.h"
#include "s2s/train/signals.h"
#include "s2s/train/stop_policy.h"
#include "s2s/train/training_log.h"
#include "session.h"

namespace s2s::train {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_not_recovering(const std::vector<ag::Var>& params, std::int64_t step, std::int64_t limit,
                                      const std::string& last_reason) {
  std::string why = "the parameters are finite but every batch gives a non-finite loss or gradient (an update may "
                    "have made them huge)";
  for (const auto& p : params)
    if (!kern::all_finite(p.value())) {
      why = "parameter " + p.name() + " is not finite (an update overflowed)";
      break;
    }
  S2S_FAIL("train.nan_policy=skip: ", limit, " consecutive steps after step ", step,
           " were non-finite (last: ", last_reason, "); ", why,
           ". Stopping: lower optim.learning_rate, set optim.max_gradient_norm, or resume from an earlier checkpoint");
}

// A step whose device work is queued but whose update is not applied yet.
struct QueuedStep {
  std::int64_t next_step = 0;  // the global step it becomes once applied
  double learning_rate = 0;
  Tensor norm_sq;              // global gradient norm², on the device (for the clip)
  bool sync = false;           // a sync point follows (cadence)
};

// What a sync point found.
struct SyncResult {
  bool apply_last = true;  // the newest step's update may be applied (nan_policy)
  StepSignals signals;     // any rank's, since the last sync point
};

enum class Ending { MaxSteps, Signal, EarlyStopping };

class TrainingLoop {
 public:
  TrainingLoop(Session& s, const RunOptions& options)
      : s_(s), cadence_(Cadence::from(s.cfg.train)), nan_guard_(s.cfg.train.nan_policy, s.loop.skipped_steps),
        log_(s.cfg, s.world.is_root(), s.loop.global_step, s.world.size(), options.progress),
        window_start_(Clock::now()) {}

  TrainResult run() {
    if (!already_stopped_early())
      while (cadence_.keep_running(s_.loop.global_step)) {
        const QueuedStep q = step();
        SyncResult synced;
        if (q.sync) synced = sync_point();
        if (synced.apply_last) apply(q);
        if (!q.sync) continue;
        const bool saved = synced.apply_last && cadence_.is_checkpoint(s_.loop.global_step) && checkpoint_step();
        if (stop_for_signals(synced.signals, saved) || ending_ == Ending::EarlyStopping) break;
      }
    if (ending_ == Ending::MaxSteps && cadence_.final_save_needed(s_.loop.global_step, saved_this_run_))
      save_and_log();
    return finish();
  }

 private:
  // A resumed run whose patience was already exhausted stops before any step.
  bool already_stopped_early() {
    if (!s_.validator || !patience_exhausted(s_.validation, s_.cfg.train.early_stopping_patience)) return false;
    ending_ = Ending::EarlyStopping;
    log_.message(fmt::format("early stopping: the run had already stopped ({}); nothing to do at step {}",
                             describe_early_stop(s_.validation, s_.cfg.train.best_metric), s_.loop.global_step));
    return true;
  }

  // Forward, backward and the gradient all-reduce of one batch, queued without waiting for the
  // device; the step's bookkeeping (loss, tokens, signal flags) rides along with the gradients.
  QueuedStep step() {
    const data::Batch batch = s_.prefetcher->next();
    const model::StepFeed feed = s_.model->make_feed(model::Seq2SeqBatch::from(batch), model::ForwardMode::Train);
    const StepRunner::Result ran = s_.runner->run(feed, [&](const ag::Var& p) { gradient_ready(p); });
    if (!ran.gradients_reported)  // a graph step: hand every gradient over now, last layer first
      for (auto g = s_.grads.rbegin(); g != s_.grads.rend(); ++g) s_.reducer->ready(*g);
    const StepSignals sig = step_signals(poll_signals());
    s_.history->set_aux(ran.loss, kern::sum(batch.weights), sig.checkpoint, sig.terminate, sig.interrupt);
    s_.reducer->ready(s_.history->aux());
    dist::ReduceStats reduce = s_.reducer->finish();
    exchange_sparse(reduce);
    QueuedStep q;
    q.next_step = s_.loop.global_step + 1;
    q.learning_rate = s_.schedule->learning_rate(s_.loop.global_step);
    q.norm_sq = s_.history->record(norm_terms(), {q.next_step, batch.bucket, q.learning_rate, reduce});
    q.sync = cadence_.sync_after(q.next_step, s_.history->full());
    return q;
  }

  // Backward's on_ready hook: a row-sparse parameter's gradient is taken (coalesced) for
  // exchange_sparse(); every other one goes to the reducer's buckets at once.
  void gradient_ready(const ag::Var& p) {
    if (!p.sparse_grad()) {
      s_.reducer->ready(p.grad());
      return;
    }
    if (pending_.size() != s_.params.size()) pending_.resize(s_.params.size());
    for (std::size_t i : s_.sparse_params)
      if (s_.params[i].node() == p.node()) pending_[i] = p.take_sparse_grad();
  }

  // After the reducer's step: average each row-sparse gradient over the ranks (same order on
  // every rank: parameter order). refs[i].sparse gets the average over the union of touched rows;
  // it is undefined (the dense buffer holds a dense average) only when an op used the table
  // densely this step (take_sparse_grad's fallback).
  void exchange_sparse(dist::ReduceStats& reduce) {
    if (!s_.sparse) return;
    if (pending_.size() != s_.params.size()) pending_.resize(s_.params.size());
    for (std::size_t i : s_.sparse_params) {
      // A table backward never reached (no lookup this step) still takes part, with no rows.
      const RowSparse g = pending_[i] ? *pending_[i] : s_.params[i].take_sparse_grad();
      pending_[i].reset();
      const std::string& name = s_.refs[i].name;
      if (g.defined()) {
        s_.refs[i].sparse = s_.sparse->average(g, s_.grads[i], name);
      } else {
        s_.refs[i].sparse = RowSparse{};
        s_.sparse->average_dense(s_.grads[i], name);
      }
    }
    const dist::SparseExchangeStats st = s_.sparse->take_step();
    reduce.sparse_bytes = st.payload_bytes();
    reduce.sparse_dense_bytes = st.dense_bytes;
    reduce.sparse_tensors = st.tensors;
    reduce.sparse_dense_tensors = st.dense_fallbacks;
    reduce.sparse_ids = st.id_bytes / sizeof(std::int32_t);
    reduce.sparse_union_rows = st.union_rows_sent;
  }

  // What the global norm sums and the clip scales: each parameter's gradient once, the rows of a
  // row-sparse one (its dense buffer may hold the same average when the exchange went dense).
  std::vector<Tensor> norm_terms() const {
    std::vector<Tensor> terms;
    terms.reserve(s_.grads.size());
    for (std::size_t i = 0; i < s_.grads.size(); ++i) {
      const RowSparse& g = s_.refs[i].sparse;
      if (!g.defined())
        terms.push_back(s_.grads[i]);
      else if (g.count() > 0)
        terms.push_back(g.rows);
    }
    return terms;
  }

  // A sync point: wait for the device (with the collective deadline), read the steps recorded
  // since the last one, then account, check and log each in order. Only the newest step can still
  // be skipped (nan_policy skip syncs every step); nan_policy stop throws naming the first bad step.
  SyncResult sync_point() {
    SyncResult out;
    s_.reducer->synchronize();
    const std::vector<StepRecord> steps = s_.history->read(s_.world.size());
    const auto now = Clock::now();
    const double per_step = std::chrono::duration<double>(now - window_start_).count() / double(steps.size());
    window_start_ = now;
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
      out.signals |= StepSignals{r.checkpoint, r.term, r.interrupt};
      // The parameters' gradients are those of the newest step: name one only for that step.
      const bool ok = nan_guard_.check(r.info.step, r.info.bucket, r.loss, r.grad_norm,
                                       newest ? std::span<const ParamRef>(s_.refs) : std::span<const ParamRef>());
      if (ok) {
        s_.loop.add(r.loss, r.tokens);
        skips_.on_finite();
        report.step = r.info.step;
      } else {
        S2S_CHECK(newest, "internal: a deferred step was found non-finite under nan_policy skip");
        out.apply_last = false;
        report.skipped = true;
        report.step = r.info.step - 1;
        s_.loop.skipped_steps = nan_guard_.skipped();
        if (skips_.on_skipped())
          fail_not_recovering(s_.params, s_.loop.global_step, skips_.limit(), nan_guard_.last_reason());
      }
      s_.loop.step_seconds += report.step_seconds;
      log_.step(report);
    }
    return out;
  }

  // Clip by the global norm (on the device) and update: the step becomes global step q.next_step.
  void apply(const QueuedStep& q) {
    if (const double max_norm = s_.cfg.optim.max_gradient_norm; max_norm > 0)
      for (Tensor& g : norm_terms()) kern::scale_by_global_norm(g, q.norm_sq, max_norm);
    s_.optimizer->step(s_.refs, q.learning_rate);
    ++s_.loop.global_step;
  }

  // translate.py's checkpoint: print, decay on plateau, evaluate on dev; then (every
  // validate_every checkpoints) validate, save, and name the best checkpoint. Evaluation and
  // validation come before the save so the checkpoint holds this validation's record (a resume
  // from it continues with the same best and patience). Returns true (it saved).
  bool checkpoint_step() {
    const double loss_avg = s_.loop.window_loss();
    const double step_time = s_.loop.window_steps ? s_.loop.step_seconds / double(s_.loop.window_steps) : 0.0;
    log_.checkpoint_line(s_.loop, s_.schedule->state().learning_rate, step_time);
    s_.schedule->on_checkpoint(loss_avg);
    dist::check_replicas(s_.world, collect_values(s_.params), s_.model->params().names());
    s_.loop.reset_window();
    result_.last_loss = loss_avg;
    const double dev_perplexity = evaluate();
    const ValidationOutcome validated = validate(dev_perplexity);
    save_and_log();
    if (validated.improved && s_.world.is_root()) {
      const std::string best = s_.checkpoints->mark_best(result_.last_checkpoint);
      log_.message(fmt::format("best checkpoint {} (step {})", best, s_.loop.global_step));
    }
    if (validated.stop) {
      ending_ = Ending::EarlyStopping;
      result_.stopped_early = true;
      log_.message(fmt::format("early stopping after step {}: {}; best checkpoint {}", s_.loop.global_step,
                               describe_early_stop(s_.validation, s_.cfg.train.best_metric),
                               s_.checkpoints->best_path()));
    }
    return true;
  }

  // Dev perplexity (train.eval); returns the full-softmax dev perplexity, NaN when not evaluated.
  double evaluate() {
    const auto& t = s_.cfg.train;
    double perplexity = std::numeric_limits<double>::quiet_NaN();
    if (t.eval != config::EvalMode::Translate) {
      const auto buckets = eval::evaluate_full(*s_.model, s_.dataset, "dev", t.batch_size, s_.world);
      log_.evaluation("full", buckets, s_.loop.global_step);
      if (!buckets.empty()) perplexity = eval::overall(buckets).perplexity;
    }
    if (t.eval != config::EvalMode::Full)
      log_.evaluation("translate", eval::evaluate_translate(*s_.model, s_.dataset, "dev", t.batch_size,
                                                            s_.cfg.data.seed ^ std::uint64_t(s_.loop.global_step),
                                                            s_.world),
                      s_.loop.global_step);
    return perplexity;
  }

  // BLEU/chrF on the dev split when the cadence says so; records it for best/early stopping.
  ValidationOutcome validate(double dev_perplexity) {
    if (!s_.validator || !cadence_.is_validation(s_.loop.global_step)) return {};
    const ValidationScores v = s_.validator->run();
    const auto metric = s_.cfg.train.best_metric;
    double value = metric == config::BestMetric::Bleu   ? v.bleu
                   : metric == config::BestMetric::Chrf ? v.chrf
                                                        : dev_perplexity;
    // BLEU/chrF come from integer sums, equal on every rank by construction; the perplexity is a
    // floating-point all-reduce, so take rank 0's bits to be sure every rank decides alike.
    if (metric == config::BestMetric::Perplexity && s_.world.size() > 1) {
      std::string bits = std::to_string(std::bit_cast<std::uint64_t>(value));
      dist::broadcast_string(s_.world, bits);
      value = std::bit_cast<double>(static_cast<std::uint64_t>(std::stoull(bits)));
    }
    const ValidationOutcome out = record_validation(s_.validation, metric, value, s_.loop.global_step,
                                                    s_.cfg.train.early_stopping_patience);
    log_.validation(v, dev_perplexity, s_.validator->decoder_name(), s_.validation, metric, out.improved,
                    s_.loop.global_step);
    return out;
  }

  // Signals seen at a sync point: checkpoint unless this step just did, and stop on an exit.
  bool stop_for_signals(const StepSignals& seen, bool saved_this_step) {
    const SignalAction a = signal_action(seen, saved_this_step);
    if (a.save) save_and_log();
    if (!a.stop) return false;
    ending_ = Ending::Signal;
    result_.stopped_by_signal = true;
    result_.exit_code = a.exit_code;
    log_.message(fmt::format("stopping on a signal after step {} (exit code {})", s_.loop.global_step, a.exit_code));
    return true;
  }

  void save_and_log() {
    result_.last_checkpoint = save(s_);
    saved_this_run_ = true;
    log_.saved(result_.last_checkpoint, s_.loop.global_step);
  }

  TrainResult finish() {
    result_.global_step = s_.loop.global_step;
    result_.skipped_steps = nan_guard_.skipped();
    if (s_.loop.window_steps > 0) result_.last_loss = s_.loop.window_loss();
    if (s_.validator) {
      result_.validations = s_.validation.validations;
      result_.best_step = s_.validation.has_best ? s_.validation.best_step : -1;
      result_.best_value = s_.validation.has_best ? s_.validation.best : std::numeric_limits<double>::quiet_NaN();
    }
    if (s_.runner->graphs_active()) {
      const auto g = s_.runner->graph_totals();
      log_.message(fmt::format("cuda graphs: {} captured, {} replays, {} eager steps, {} failed captures", g.captures,
                               g.replays, g.eager, g.failures));
    }
    log_.finish(*s_.reducer);
    if (s_.sparse) log_.message(s_.sparse->totals().summary());
    return result_;
  }

  Session& s_;
  std::vector<std::optional<RowSparse>> pending_;  // row-sparse gradients taken during backward
  const Cadence cadence_;
  SignalHandlers signal_handlers_;
  NanGuard nan_guard_;
  SkipStreak skips_;  // identical on every rank (decided on reduced values)
  TrainingLog log_;
  Clock::time_point window_start_;
  TrainResult result_;
  Ending ending_ = Ending::MaxSteps;
  // Whether this run wrote a checkpoint, identical on every rank (save() returns the path on
  // rank 0 only, so the path cannot decide a collective).
  bool saved_this_run_ = false;
};

}  // namespace

TrainResult run_training(const config::TrainConfig& cfg, dist::World& world, const RunOptions& options) {
  Session s(cfg, world, options.allow_config_change);
  build(s);
  start_data(s, restore_or_broadcast(s));
  return TrainingLoop(s, options).run();
}

}  // namespace s2s::train
