// Owns: building, restoring, feeding and saving a training run (see session.h).
#include "session.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <fmt/format.h>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/core/environment.h"
#include "s2s/data/sampler.h"
#include "s2s/decode/translator.h"
#include "s2s/dist/device_setup.h"
#include "s2s/dist/launch_check.h"
#include "s2s/dist/log.h"
#include "s2s/dist/replicas.h"
#include "s2s/kernels/gemm.h"
#include "s2s/model/model_file.h"
#include "s2s/train/resume_check.h"

namespace s2s::train {
namespace {

// The dataset's recorded buckets, or an explicit data.buckets that must equal them; vocabulary
// sizes 0 (from the dataset) or equal to it. The config helpers' errors name the key, both values,
// the dataset and what is accepted.
std::vector<model::Bucket> model_buckets(const data::Dataset& dataset, const config::TrainConfig& cfg) {
  std::vector<model::Bucket> recorded;
  for (const auto& b : dataset.buckets()) recorded.emplace_back(b.encoder_size, b.decoder_size);
  return config::config_resolve_buckets(cfg, recorded, dataset.path());
}

// Validation needs dev sentences. Asked for explicitly, their absence is an error; at the default
// cadence it only turns validation off (a dataset prepared without --dev-source still trains).
void build_validator(Session& s) {
  const config::TrainConfig& cfg = s.cfg;
  if (cfg.train.validate_every == 0) return;
  auto validator = std::make_unique<Validator>(*s.model, s.dataset, decode::make_beam_translator(*s.model, *s.dataset, cfg.train.validation_beam),
                                               cfg.train.batch_size, s.world);
  if (validator->dev_size() == 0) {
    const bool asked = cfg.is_explicit("train.validate_every") || cfg.is_explicit("train.early_stopping_patience") ||
                       cfg.is_explicit("train.best_metric");
    S2S_CHECK(!asked, "train.validate_every = ", cfg.train.validate_every, ": dataset ", s.dataset->path(),
              " has no dev sentences to validate on (prepare it with --dev-source/--dev-target, or set "
              "train.validate_every=0)");
    dist::log_root("validation: off (dataset {} has no dev split; train.validate_every needs one)", s.dataset->path());
    return;
  }
  dist::log_root("validation: {} decoding of {} dev sentences every {} checkpoint(s) ({} steps), best by {}{}",
                 validator->decoder_name(), validator->dev_size(), cfg.train.validate_every,
                 cfg.train.validate_every * cfg.train.steps_per_checkpoint, config::to_string(cfg.train.best_metric),
                 cfg.train.early_stopping_patience > 0
                     ? fmt::format(", early stopping after {} without improvement", cfg.train.early_stopping_patience)
                     : std::string());
  s.validator = std::move(validator);
}

// 128 random bits as 32 hex digits: unique enough to tell runs apart, and no clock or host in it
// (two runs started at once on two hosts must still differ).
std::string new_run_id() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", static_cast<std::uint32_t>(rd()));
  return id;
}

}  // namespace

void build(Session& s) {
  const config::TrainConfig& cfg = s.cfg;
  // dist.timeout_s is the deadline of every collective of the run. An explicit key wins; left at
  // its default it yields to S2S_DIST_TIMEOUT_S when that is set (the World read it already).
  if (cfg.is_explicit("dist.timeout_s") || env_value("S2S_DIST_TIMEOUT_S") == nullptr)
    s.world.set_timeout_s(cfg.dist.timeout_s);
  // float32 matrix products of this run (kernels/gemm.h): float32, TF32 or bf16 operands.
  kern::set_matmul_precision(kern::parse_matmul_precision(to_string(cfg.train.precision)));
  const dist::DeviceChoice device =
      dist::prepare_device(cfg.model.device, &s.world, "model.device", /*one_device_per_rank=*/true);
  // Every rank's host, device, launcher and view of the dataset and train_dir, judged once by all
  // (dist/launch_check.h): a bad launch fails here, naming the ranks and hosts, before any work.
  dist::LaunchCheckOptions launch;
  launch.dataset = cfg.data.dataset;
  launch.train_dir = cfg.train.train_dir;
  launch.device = device.label;
  launch.device_id = device.uuid;
  launch.one_device_per_rank = cfg.model.device == Device::CUDA;  // NCCL: one GPU per rank
  launch.require_shared_train_dir = cfg.dist.require_shared_train_dir;
  dist::enforce_launch(s.world, dist::check_launch(s.world, launch));
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
  if (s.world.is_root()) {
    // Only rank 0 writes into train_dir; the lock keeps a second job out of it (its rank 0 throws,
    // and the CLI aborts that job) before anything there is touched.
    s.lock = std::make_unique<checkpoint::TrainDirLock>(cfg.train.train_dir);
    // With the lock held no other s2s job writes here, so every temporary left is a dead writer's.
    for (const auto& path : s.checkpoints->remove_stale_temporaries())
      dist::log_root("removed {} (left by a checkpoint write that was killed)", path);
  }
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
  std::vector<Tensor> reduced;
  if (cfg.dist.sparse_gradients != config::SparseGradients::Off) {
    // Read only through embedding_lookup in training: the embedding tables and, with sampled
    // softmax, proj_w. Another use would still be correct (take_sparse_grad's dense fallback).
    for (std::size_t i = 0; i < s.params.size(); ++i) {
      const std::string& name = s.params[i].name();
      const bool table = name == "proj_w" || (name.size() >= 10 && name.ends_with("/embedding"));
      if (!table || s.params[i].ndim() != 2) continue;
      s.params[i].set_sparse_grad(true);
      s.sparse_params.push_back(i);
    }
    const auto mode = cfg.dist.sparse_gradients == config::SparseGradients::Sparse  ? dist::SparseMode::Sparse
                      : cfg.dist.sparse_gradients == config::SparseGradients::Dense ? dist::SparseMode::Dense
                                                                                    : dist::SparseMode::Auto;
    s.sparse = std::make_unique<dist::SparseExchange>(s.world, mode);
  }
  for (std::size_t i = 0; i < s.grads.size(); ++i)
    if (s.params[i].sparse_grad() == false) reduced.push_back(s.grads[i]);
  reduced.push_back(s.history->aux());
  s.reducer->prepare(reduced);
  dist::log_root("model: {} {}x{} {}, vocab {}/{}, {} parameters ({} tensors), {} softmax, buckets {}; "
                 "gradient buckets of {:.2f} MiB",
                 cfg.model.attention ? "attention" : "rnn", cfg.model.num_layers, cfg.model.size,
                 config::to_string(cfg.model.cell), vs, vt, s.model->params().total_elements(), s.params.size(),
                 s.model->sampled_softmax() ? fmt::format("sampled({})", cfg.model.num_samples) : "full",
                 data::format_buckets(s.dataset->buckets()), double(ro.bucket_bytes) / (1 << 20));
  dist::log_root("step on {}: {} matrix products, host reads every {} step(s){}",
                 cfg.model.device == Device::CUDA ? "cuda" : "cpu", to_string(cfg.train.precision), s.history->capacity(),
                 s.runner->graphs_active() ? ", a CUDA graph per bucket after 2 warm-up steps" : "");
  build_validator(s);
}

// Restores a checkpoint (read by rank 0, broadcast to all) or broadcasts rank 0's initial values.
std::optional<data::SamplerCursor> restore_or_broadcast(Session& s) {
  std::string meta;
  std::optional<checkpoint::CheckpointState> state;
  if (s.world.is_root()) {
    checkpoint::ResumeChoice choice = s.checkpoints->resolve_resume(s.cfg.train.resume);
    if (choice.path) {
      state = checkpoint::read_checkpoint(*choice.path);
      const ResumeCheck check = check_resume(*state, *choice.path, s.cfg, s.world.size(),
                                             model::assets_from_dataset(*s.dataset), dataset_fingerprint(*s.dataset),
                                             s.allow_config_change);
      s.run_id = state->run_id.empty() ? new_run_id() : state->run_id;
      dist::log_root("resuming from {} (step {}, saved by {} rank(s))", *choice.path, state->global_step,
                     state->world_size);
      dist::log_root("run {}{}", s.run_id, state->run_id.empty() ? " (new: the checkpoint predates run ids)" : "");
      for (const auto& note : check.notes) dist::log_root("{}", note);
      for (const auto& c : check.changes)
        if (c.key == "optim.learning_rate")  // only reached when allowed: the new rate replaces the schedule's
          state->learning_rate = s.cfg.optim.learning_rate;
      restore_model_values(*state, s.params, *s.optimizer);
      meta = run_state_to_json(*state);
    } else {
      s.run_id = new_run_id();
      dist::log_root("run {} (fresh start)", s.run_id);
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
  s.validation = rs.validation;
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
    rs.validation = s.validation;
    fill_checkpoint_run_state(st, rs);
    st.config_yaml = config::config_to_yaml(s.cfg);
    st.assets = model::assets_from_dataset(*s.dataset);  // what decoding needs without the dataset
    st.world_size = s.world.size();
    st.run_id = s.run_id;
    st.dataset_fingerprint = dataset_fingerprint(*s.dataset);
    path = s.checkpoints->save(st);
  }
  s.world.barrier("checkpoint write");
  return path;
}

}  // namespace s2s::train
