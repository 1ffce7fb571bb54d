// Owns: the checkpoint schema (docs/checkpoint-format.md) on top of the s2s::io HDF5 wrappers:
// writing every piece of CheckpointState as a dataset with a "crc32c" attribute over its raw
// bytes, reading it back with verification, and the atomic replace of the file.
// Everything a resume depends on is a checksummed dataset; attributes on the root only describe
// the file (format, versions, creation time).
#include "s2s/checkpoint/checkpoint.h"

#include <array>
#include <cstring>
#include <functional>

#include "s2s/core/error.h"
#include "s2s/io/atomic_file.h"
#include "s2s/checkpoint/checksummed.h"
#include "s2s/checkpoint/model_payload.h"
#include "s2s/io/h5_file.h"

namespace s2s::checkpoint {
namespace {

template <class T>
Tensor scalar_tensor(T value) {
  return Tensor::from_vector<T>({}, {value});
}

void write_contents(io::File& f, const CheckpointState& s) {
  write_file_description(f, kCheckpointFormatName, kCheckpointFormatVersion);

  write_model_payload(f, s.params, s.assets, s.config_yaml);
  io::Group opt = f.create_group("optimizer");
  for (const auto& [name, t] : s.optimizer_state) {
    check_dataset_name("optimizer state", name);
    put_tensor(opt, name, t);
  }
  io::Group st = f.create_group("state");
  put_tensor(st, "global_step", scalar_tensor<std::int64_t>(s.global_step));
  put_tensor(st, "learning_rate", scalar_tensor<double>(s.learning_rate));
  put_tensor(st, "previous_losses",
             Tensor::from_vector<double>({static_cast<std::int64_t>(s.previous_losses.size())}, s.previous_losses));
  put_string(st, "optimizer", s.optimizer);
  put_tensor(st, "optimizer_updates", scalar_tensor<std::int64_t>(s.optimizer_updates));
  put_tensor(st, "world_size", scalar_tensor<std::int64_t>(s.world_size));
  io::Group scalars = st.create_group("scalars");
  for (const auto& [name, v] : s.scalars) {
    check_dataset_name("scalar", name);
    put_tensor(scalars, name, scalar_tensor<double>(v));
  }
  io::Group rng = f.create_group("rng");
  for (const auto& [name, r] : s.rng) {
    check_dataset_name("rng", name);
    put_u64_triple(rng, name, {r.seed, r.stream, r.position});
  }
  io::Group sampler = f.create_group("sampler");
  io::Group cursor = sampler.create_group("cursor");
  for (const auto& [name, v] : s.sampler_cursor) {
    check_dataset_name("sampler cursor", name);
    put_tensor(cursor, name, scalar_tensor<std::int64_t>(v));
  }
  put_string(sampler, "state_json", s.sampler_json);
  put_string(st, "run_id", s.run_id);
  put_string(st, "dataset_fingerprint", s.dataset_fingerprint);
  write_manifest(f);  // last: it lists every dataset written above
}

// ---- reading --------------------------------------------------------------------------------
// How the checksums of a checkpoint of `format_version` are computed.
ChecksumScheme checkpoint_checksum_scheme(std::int64_t format_version) {
  return format_version >= kCheckpointFormatPathChecksums ? ChecksumScheme::PathAndData : ChecksumScheme::Data;
}

CheckpointState read_contents(const io::File& f) {
  CheckpointState s;
  S2S_CHECK(f.has_attribute("format") && f.attribute_string("format") == kCheckpointFormatName,
            "not an s2s checkpoint (root attribute 'format' is not '", kCheckpointFormatName, "')");
  s.info.format = f.attribute_string("format");
  s.info.format_version = f.attribute_int("format_version");
  S2S_CHECK(s.info.format_version >= 1 && s.info.format_version <= kCheckpointFormatVersion,
            "checkpoint format version ", s.info.format_version, " is not supported (this s2s reads 1..",
            kCheckpointFormatVersion, "; written by a newer s2s?)");
  s.info.s2s_version = f.attribute_string("s2s_version");
  s.info.hdf5_version = f.attribute_string("hdf5_version");
  s.info.created_unix_s = f.attribute_double("created_unix_s");

  ChecksummedReader r(f, checkpoint_checksum_scheme(s.info.format_version));
  if (s.info.format_version >= kCheckpointFormatPathChecksums) r.verify_manifest();
  read_model_payload(r, s.params, s.assets, s.config_yaml);
  for (const auto& name : r.datasets_under("optimizer")) s.optimizer_state[name] = r.tensor("optimizer/" + name);
  s.global_step = r.scalar<std::int64_t>("state/global_step");
  s.learning_rate = r.scalar<double>("state/learning_rate");
  s.previous_losses = r.tensor("state/previous_losses").to_vector<double>();
  s.optimizer = r.string("state/optimizer");
  s.optimizer_updates = r.scalar<std::int64_t>("state/optimizer_updates");
  s.world_size = r.scalar<std::int64_t>("state/world_size");
  for (const auto& name : r.datasets_under("state/scalars"))
    s.scalars[name] = r.scalar<double>("state/scalars/" + name);
  for (const auto& name : r.datasets_under("rng")) {
    auto v = r.u64_triple("rng/" + name);
    s.rng[name] = PhiloxStream::State{v[0], v[1], v[2]};
  }
  for (const auto& name : r.datasets_under("sampler/cursor"))
    s.sampler_cursor[name] = r.scalar<std::int64_t>("sampler/cursor/" + name);
  s.sampler_json = r.string("sampler/state_json");
  if (s.info.format_version >= kCheckpointFormatPathChecksums) {
    s.run_id = r.string("state/run_id");
    s.dataset_fingerprint = r.string("state/dataset_fingerprint");
  }
  return s;
}

bool tensors_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

template <class Map, class Eq>
bool maps_equal(const Map& a, const Map& b, const char* what, Eq eq, std::string* why) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || !eq(v, it->second)) {
      if (why) *why = std::string(what) + " '" + k + "' differs or is missing";
      return false;
    }
  }
  if (a.size() != b.size()) {
    if (why) *why = std::string(what) + ": different number of entries";
    return false;
  }
  return true;
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointState& state) {
  try {
    io::AtomicFile out(path, /*overwrite=*/true);
    {
      io::File f = io::File::create(out.temp_path(), /*truncate=*/true);
      write_contents(f, state);
      f.close();
    }
    out.commit();
  } catch (const Error& e) {
    S2S_FAIL("writing checkpoint ", path, " failed (the previous file, if any, is unchanged): ", e.what());
  }
}

CheckpointState read_checkpoint(const std::string& path) {
  try {
    io::File f = io::File::open(path, io::FileAccess::ReadOnly);
    CheckpointState s = read_contents(f);
    f.close();
    return s;
  } catch (const Error& e) {
    S2S_FAIL("checkpoint ", path, " is unreadable or corrupt: ", e.what());
  }
}

void verify_checkpoint(const std::string& path) { (void)read_checkpoint(path); }

std::optional<std::string> read_checkpoint_run_id(const std::string& path) {
  try {
    io::File f = io::File::open(path, io::FileAccess::ReadOnly);
    if (!f.has_attribute("format_version") || f.attribute_int("format_version") < kCheckpointFormatPathChecksums)
      return std::nullopt;
    ChecksummedReader r(f, ChecksumScheme::PathAndData);
    std::string id = r.string("state/run_id");
    f.close();
    return id;
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool checkpoint_states_equal(const CheckpointState& a, const CheckpointState& b, std::string* why) {
  auto fail = [&](const char* what) {
    if (why) *why = what;
    return false;
  };
  if (!maps_equal(a.params, b.params, "parameter", tensors_equal, why)) return false;
  if (!maps_equal(a.optimizer_state, b.optimizer_state, "optimizer state", tensors_equal, why)) return false;
  if (a.optimizer != b.optimizer) return fail("optimizer");
  if (a.optimizer_updates != b.optimizer_updates) return fail("optimizer_updates");
  if (a.global_step != b.global_step) return fail("global_step");
  if (std::memcmp(&a.learning_rate, &b.learning_rate, sizeof(double)) != 0) return fail("learning_rate");
  if (a.previous_losses.size() != b.previous_losses.size() ||
      (!a.previous_losses.empty() && std::memcmp(a.previous_losses.data(), b.previous_losses.data(),
                                                 a.previous_losses.size() * sizeof(double)) != 0))
    return fail("previous_losses");
  auto rng_eq = [](const PhiloxStream::State& x, const PhiloxStream::State& y) {
    return x.seed == y.seed && x.stream == y.stream && x.position == y.position;
  };
  if (!maps_equal(a.rng, b.rng, "rng", rng_eq, why)) return false;
  if (!maps_equal(a.sampler_cursor, b.sampler_cursor, "sampler cursor", std::equal_to<>(), why)) return false;
  auto bits_eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof(double)) == 0; };
  if (!maps_equal(a.scalars, b.scalars, "scalar", bits_eq, why)) return false;
  if (a.sampler_json != b.sampler_json) return fail("sampler_json");
  if (a.config_yaml != b.config_yaml) return fail("config_yaml");
  if (!(a.assets == b.assets)) return fail("model assets (vocabularies, tokenizer, buckets)");
  if (a.world_size != b.world_size) return fail("world_size");
  if (a.run_id != b.run_id) return fail("run_id");
  if (a.dataset_fingerprint != b.dataset_fingerprint) return fail("dataset_fingerprint");
  return true;
}

}  // namespace s2s::checkpoint
