// Owns: BucketSampler (bucket choice, epoch/fidelity example selection, shard caching, cursor).
#include "s2s/data/sampler.h"

#include <algorithm>
#include <numeric>

#include "s2s/core/error.h"
#include "s2s/core/philox.h"

namespace s2s::data {

namespace {
// Philox stream ids: kind in the top 2 bits, split tag in the next 6, then bucket (16 bits) and
// epoch (40 bits), so no two uses ever share a stream.
constexpr std::uint64_t kBucketChoice = 1, kPermutation = 2, kFidelity = 3;

std::uint64_t split_tag(const std::string& split) {
  return stable_hash(split.data(), split.size()) & 0x3F;
}
}  // namespace

std::uint64_t BucketSampler::stream_id(std::uint64_t kind, std::uint64_t bucket, std::uint64_t epoch) const {
  return kind << 62 | split_tag(options_.split) << 56 | (bucket & 0xFFFF) << 40 | (epoch & 0xFFFFFFFFFFull);
}

BucketSampler::BucketSampler(std::shared_ptr<const Dataset> dataset, SamplerOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  S2S_CHECK(dataset_ != nullptr, "BucketSampler: no dataset");
  S2S_CHECK(options_.batch_size >= 1, "batch size ", options_.batch_size, " (expected >= 1)");
  S2S_CHECK(options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size, "rank ",
            options_.rank, " of world size ", options_.world_size);
  sizes_ = dataset_->bucket_sizes(options_.split);
  S2S_CHECK(sizes_.size() <= 0xFFFF, "too many buckets");
  const double total = static_cast<double>(std::accumulate(sizes_.begin(), sizes_.end(), std::int64_t{0}));
  S2S_CHECK(total > 0, dataset_->path(), ": split '", options_.split,
            "' has no examples in any bucket (nothing to sample)");
  std::int64_t running = 0;
  for (std::int64_t n : sizes_) {
    running += n;
    scale_.push_back(static_cast<double>(running) / total);
  }
  bucket_rng_ = PhiloxStream(options_.seed, stream_id(kBucketChoice, 0, 0));
  cursor_.seed = options_.seed;
  cursor_.mode = options_.mode;
  cursor_.positions.assign(sizes_.size(), 0);
  cursor_.bucket_sizes = sizes_;
  cursor_.bucket_rng = bucket_rng_.state();
  epoch_shards_.resize(sizes_.size());
  whole_.resize(sizes_.size());
  fidelity_shards_.resize(sizes_.size());
  fidelity_lo_.assign(sizes_.size(), 0);
}

int BucketSampler::choose_bucket() {
  const double r = bucket_rng_.uniform();
  cursor_.bucket_rng = bucket_rng_.state();
  for (std::size_t i = 0; i < scale_.size(); ++i)
    if (scale_[i] > r) return static_cast<int>(i);
  return static_cast<int>(scale_.size()) - 1;  // unreachable: the last scale is 1 > r
}

Batch BucketSampler::next() {
  int bucket = choose_bucket();
  Batch batch = next_in_bucket(bucket);
  ++cursor_.step;
  return batch;
}

bool BucketSampler::keep_whole(int bucket) const {
  const Bucket& b = dataset_->buckets()[static_cast<std::size_t>(bucket)];
  const std::int64_t bound = sizes_[static_cast<std::size_t>(bucket)] * (b.encoder_size + b.decoder_size) * 4;
  return options_.world_size == 1 || bound <= options_.resident_bucket_bytes;
}

const BucketSampler::EpochShard& BucketSampler::epoch_shard(int bucket, std::int64_t epoch) {
  auto& cache = epoch_shards_[static_cast<std::size_t>(bucket)];
  auto it = cache.find(epoch);
  if (it != cache.end()) return it->second;
  const std::int64_t n = sizes_[static_cast<std::size_t>(bucket)];
  const int w = options_.world_size;
  std::vector<std::uint32_t> perm = philox_permutation(options_.seed, stream_id(kPermutation, static_cast<std::uint64_t>(bucket),
                                                                                static_cast<std::uint64_t>(epoch)), n);
  std::vector<std::uint32_t> wanted;
  for (std::int64_t j = first_shard_position(epoch, n, options_.rank, w); j < n; j += w)
    wanted.push_back(perm[static_cast<std::size_t>(j)]);
  perm = {};
  EpochShard shard;
  if (keep_whole(bucket)) {
    auto& whole = whole_[static_cast<std::size_t>(bucket)];
    if (!whole) {
      std::vector<std::uint32_t> all(static_cast<std::size_t>(n));
      std::iota(all.begin(), all.end(), 0u);
      whole = std::make_shared<const ShardTable>(ShardTable::load(*dataset_, options_.split, bucket, all));
    }
    shard.table = whole;
    shard.slots = std::move(wanted);  // slot k of the whole table is example k
  } else {
    shard.table = std::make_shared<const ShardTable>(ShardTable::load(*dataset_, options_.split, bucket, wanted));
  }
  return cache.emplace(epoch, std::move(shard)).first->second;
}

const ShardTable& BucketSampler::fidelity_shard(int bucket) {
  auto& slot = fidelity_shards_[static_cast<std::size_t>(bucket)];
  if (slot) return *slot;
  const std::int64_t n = sizes_[static_cast<std::size_t>(bucket)];
  const std::int64_t w = options_.world_size, r = options_.rank;
  std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
  if (lo == hi) {  // a bucket smaller than the world: this rank shares the whole bucket
    lo = 0;
    hi = n;
  }
  std::vector<std::uint32_t> wanted(static_cast<std::size_t>(hi - lo));
  std::iota(wanted.begin(), wanted.end(), static_cast<std::uint32_t>(lo));
  fidelity_lo_[static_cast<std::size_t>(bucket)] = lo;
  slot = std::make_unique<ShardTable>(ShardTable::load(*dataset_, options_.split, bucket, wanted));
  return *slot;
}

BatchExample BucketSampler::example_at(int bucket, std::int64_t g) {
  const std::int64_t n = sizes_[static_cast<std::size_t>(bucket)];
  const int w = options_.world_size;
  if (options_.mode == SamplingMode::Fidelity) {
    const ShardTable& shard = fidelity_shard(bucket);
    const std::uint64_t stream = stream_id(kFidelity, static_cast<std::uint64_t>(bucket), 0);
    const auto i = static_cast<std::uint64_t>(g);
    double u = philox_uniform_double(philox_u32_at(options_.seed, stream, 2 * i), philox_u32_at(options_.seed, stream, 2 * i + 1));
    auto slot = static_cast<std::int64_t>(u * static_cast<double>(shard.size()));
    return shard.example(std::min(slot, shard.size() - 1));
  }
  const std::int64_t epoch = g / n, j = g % n;
  const EpochShard& shard = epoch_shard(bucket, epoch);
  const std::int64_t j0 = first_shard_position(epoch, n, options_.rank, w);
  S2S_CHECK((j - j0) % w == 0, "internal: position ", g, " is not rank ", options_.rank, "'s");
  return shard.example((j - j0) / w);
}

Batch BucketSampler::next_in_bucket(int bucket) {
  S2S_CHECK(bucket >= 0 && bucket < static_cast<int>(sizes_.size()), "bucket ", bucket, " out of range (",
            sizes_.size(), " buckets)");
  const std::int64_t n = sizes_[static_cast<std::size_t>(bucket)];
  S2S_CHECK(n > 0, dataset_->path(), ": ", options_.split, " bucket ", bucket, " is empty (no batch to draw)");
  const std::int64_t B = options_.batch_size, W = options_.world_size, r = options_.rank;
  std::int64_t& position = cursor_.positions[static_cast<std::size_t>(bucket)];
  const std::int64_t first = position + ((r - position) % W + W) % W;  // first g >= position with g = r (mod W)
  std::vector<BatchExample> examples;
  examples.reserve(static_cast<std::size_t>(B));
  for (std::int64_t k = 0; k < B; ++k) examples.push_back(example_at(bucket, first + k * W));
  Batch batch = make_batch(dataset_->buckets()[static_cast<std::size_t>(bucket)], bucket, examples, B);
  position += B * W;
  if (options_.mode == SamplingMode::Epoch) {  // drop shards of finished epochs
    auto& cache = epoch_shards_[static_cast<std::size_t>(bucket)];
    const std::int64_t current = position / n;
    while (!cache.empty() && cache.begin()->first < current) cache.erase(cache.begin());
  }
  return batch;
}

void BucketSampler::restore(const SamplerCursor& c) {
  S2S_CHECK(c.bucket_sizes == sizes_, "sampler cursor was saved for bucket sizes that differ from ", dataset_->path(),
            " split '", options_.split, "' (expected the same dataset)");
  S2S_CHECK(c.mode == options_.mode, "sampler cursor was saved in ", sampling_mode_name(c.mode),
            " mode, this sampler runs in ", sampling_mode_name(options_.mode), " mode");
  S2S_CHECK(c.positions.size() == sizes_.size(), "sampler cursor has ", c.positions.size(), " buckets");
  if (c.seed != options_.seed) {  // the cursor's seed wins: it defines the order being resumed
    options_.seed = c.seed;
    for (auto& cache : epoch_shards_) cache.clear();  // permutations depend on the seed
    for (auto& s : fidelity_shards_) s.reset();
  }
  cursor_ = c;
  bucket_rng_.set_state(c.bucket_rng);
}

std::size_t BucketSampler::resident_bytes() const {
  std::size_t total = 0;
  for (std::size_t b = 0; b < epoch_shards_.size(); ++b)
    for (const auto& [epoch, shard] : epoch_shards_[b]) {
      total += shard.slots.capacity() * sizeof(std::uint32_t);
      if (shard.table != whole_[b]) total += shard.table->memory_bytes();  // whole tables: below
    }
  for (const auto& w : whole_)
    if (w) total += w->memory_bytes();
  for (const auto& s : fidelity_shards_)
    if (s) total += s->memory_bytes();
  return total;
}

}  // namespace s2s::data
