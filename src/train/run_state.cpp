// Owns: RunState <-> CheckpointState mapping and model/optimizer tensor copies (run_state.h).
#include "s2s/train/run_state.h"

#include <bit>
#include <nlohmann/json.hpp>
#include <set>

namespace s2s::train {
namespace {
constexpr const char* kSamplerRng = "softmax_sampler";
constexpr const char* kDropoutRng = "dropout";

nlohmann::json rng_json(const PhiloxStream::State& s) { return {s.seed, s.stream, s.position}; }
PhiloxStream::State rng_from_json(const nlohmann::json& j) {
  return {j.at(0).get<std::uint64_t>(), j.at(1).get<std::uint64_t>(), j.at(2).get<std::uint64_t>()};
}
}  // namespace

void fill_checkpoint_run_state(checkpoint::CheckpointState& st, const RunState& run) {
  st.optimizer_updates = run.optimizer_updates;
  st.learning_rate = run.schedule.learning_rate;
  st.previous_losses = run.schedule.previous_losses;
  st.global_step = run.loop.global_step;
  st.rng[kSamplerRng] = run.softmax_sampler;
  st.rng[kDropoutRng] = {0, 0, run.dropout_counter};
  st.sampler_cursor = run.cursor.to_map();
  st.sampler_json = run.cursor.to_json().dump();
  st.scalars["window_loss_sum"] = run.loop.loss_sum;
  st.scalars["window_steps"] = double(run.loop.window_steps);
  st.scalars["window_tokens"] = run.loop.tokens_sum;
  st.scalars["window_seconds"] = run.loop.step_seconds;
  st.scalars["skipped_steps"] = double(run.loop.skipped_steps);
  // Counts below 2^53 are exact as doubles; the best value is stored as it is.
  st.scalars["validations"] = double(run.validation.validations);
  st.scalars["validation_has_best"] = run.validation.has_best ? 1.0 : 0.0;
  st.scalars["validation_best"] = run.validation.best;
  st.scalars["validation_best_step"] = double(run.validation.best_step);
  st.scalars["validations_since_best"] = double(run.validation.since_best);
}

RunState run_state_from_checkpoint(const checkpoint::CheckpointState& st) {
  auto scalar = [&](const char* key) {
    auto it = st.scalars.find(key);
    S2S_CHECK(it != st.scalars.end(), "checkpoint lacks the loop scalar '", key, "'");
    return it->second;
  };
  auto rng = [&](const char* key) {
    auto it = st.rng.find(key);
    S2S_CHECK(it != st.rng.end(), "checkpoint lacks the RNG state '", key, "'");
    return it->second;
  };
  RunState run;
  run.optimizer_updates = st.optimizer_updates;
  run.schedule.learning_rate = st.learning_rate;
  run.schedule.previous_losses = st.previous_losses;
  run.softmax_sampler = rng(kSamplerRng);
  run.dropout_counter = rng(kDropoutRng).position;
  run.loop.global_step = st.global_step;
  run.loop.loss_sum = scalar("window_loss_sum");
  run.loop.window_steps = static_cast<std::int64_t>(scalar("window_steps"));
  run.loop.tokens_sum = scalar("window_tokens");
  run.loop.step_seconds = scalar("window_seconds");
  run.loop.skipped_steps = static_cast<std::int64_t>(scalar("skipped_steps"));
  run.cursor = data::SamplerCursor::from_map(st.sampler_cursor);
  // Checkpoints written before validation existed have none of these: no validation yet.
  auto optional = [&](const char* key) {
    auto it = st.scalars.find(key);
    return it == st.scalars.end() ? 0.0 : it->second;
  };
  run.validation.validations = static_cast<std::int64_t>(optional("validations"));
  run.validation.has_best = optional("validation_has_best") != 0.0;
  run.validation.best = optional("validation_best");
  run.validation.best_step = static_cast<std::int64_t>(optional("validation_best_step"));
  run.validation.since_best = static_cast<std::int64_t>(optional("validations_since_best"));
  return run;
}

std::string run_state_to_json(const checkpoint::CheckpointState& st) {
  RunState r = run_state_from_checkpoint(st);
  nlohmann::json j;
  j["optimizer_updates"] = r.optimizer_updates;
  j["learning_rate"] = r.schedule.learning_rate;
  j["previous_losses"] = r.schedule.previous_losses;
  j["softmax_sampler"] = rng_json(r.softmax_sampler);
  j["dropout_counter"] = r.dropout_counter;
  j["loop"] = {r.loop.global_step, r.loop.loss_sum, r.loop.window_steps, r.loop.tokens_sum,
               r.loop.step_seconds, r.loop.skipped_steps};
  j["cursor"] = r.cursor.to_json();
  // The best value may be inf (perplexity), which JSON cannot hold: send its bits.
  j["validation"] = {r.validation.validations, r.validation.has_best, std::bit_cast<std::uint64_t>(r.validation.best),
                     r.validation.best_step, r.validation.since_best};
  // Doubles must survive bitwise (the plateau rule compares losses): nlohmann prints 17
  // significant digits, which round-trips IEEE doubles exactly.
  return j.dump();
}

RunState run_state_from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  RunState r;
  r.optimizer_updates = j.at("optimizer_updates").get<std::int64_t>();
  r.schedule.learning_rate = j.at("learning_rate").get<double>();
  r.schedule.previous_losses = j.at("previous_losses").get<std::vector<double>>();
  r.softmax_sampler = rng_from_json(j.at("softmax_sampler"));
  r.dropout_counter = j.at("dropout_counter").get<std::uint64_t>();
  const auto& l = j.at("loop");
  r.loop.global_step = l.at(0).get<std::int64_t>();
  r.loop.loss_sum = l.at(1).get<double>();
  r.loop.window_steps = l.at(2).get<std::int64_t>();
  r.loop.tokens_sum = l.at(3).get<double>();
  r.loop.step_seconds = l.at(4).get<double>();
  r.loop.skipped_steps = l.at(5).get<std::int64_t>();
  r.cursor = data::SamplerCursor::from_json(j.at("cursor"));
  const auto& v = j.at("validation");
  r.validation.validations = v.at(0).get<std::int64_t>();
  r.validation.has_best = v.at(1).get<bool>();
  r.validation.best = std::bit_cast<double>(v.at(2).get<std::uint64_t>());
  r.validation.best_step = v.at(3).get<std::int64_t>();
  r.validation.since_best = v.at(4).get<std::int64_t>();
  return r;
}

void collect_model_values(checkpoint::CheckpointState& st, std::span<const ag::Var> params, const Optimizer& optimizer) {
  for (const auto& p : params) st.params[p.name()] = p.value().to(Device::CPU).clone();
  for (const auto& [name, t] : optimizer.state()) st.optimizer_state[name] = t.to(Device::CPU).clone();
  st.optimizer = std::string(optimizer.tf_name());
  st.optimizer_updates = optimizer.updates();
}

void restore_model_values(const checkpoint::CheckpointState& st, std::span<ag::Var> params, Optimizer& optimizer) {
  std::set<std::string> unused;
  for (const auto& [name, t] : st.params) unused.insert(name);
  for (auto& p : params) {
    auto it = st.params.find(p.name());
    S2S_CHECK(it != st.params.end(), "the checkpoint has no parameter ", p.name(), " ",
              shape_str(p.shape()), " (was it written by another model configuration?)");
    S2S_CHECK(it->second.shape() == p.shape() && it->second.dtype() == p.dtype(), "parameter ", p.name(),
              " is ", shape_str(it->second.shape()), " ", dtype_name(it->second.dtype()),
              " in the checkpoint but ", shape_str(p.shape()), " ", dtype_name(p.dtype()), " in the model");
    p.mutable_value().copy_from(it->second);
    unused.erase(p.name());
  }
  S2S_CHECK(unused.empty(), "the checkpoint has ", unused.size(), " parameter(s) the model does not, e.g. ",
            unused.empty() ? "" : *unused.begin());
  S2S_CHECK(st.optimizer == optimizer.tf_name(), "the checkpoint was trained with the ", st.optimizer,
            " optimizer, the config asks for ", optimizer.tf_name(), " (optim.optimizer)");
  optimizer.load_state(st.optimizer_state, st.optimizer_updates);
}

std::vector<Tensor> collect_values(std::span<const ag::Var> params) {
  std::vector<Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.value());
  return out;
}

}  // namespace s2s::train
