// Owns: MpiReducer (see s2s/dist/mpi_reducer.h): packing into host fusion buckets, launching
// MPI_Iallreduce per full bucket, progress polling during backward, the deadline-guarded wait,
// unpacking with the division by the world size, and the step statistics.
#include "s2s/dist/mpi_reducer.h"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "s2s/core/mpi_check.h"

namespace s2s::dist {
namespace {
template <class T>
void unpack_average(T* dst, const T* src, std::size_t n, int size) {
  const T divisor = static_cast<T>(size);
  for (std::size_t i = 0; i < n; ++i) dst[i] = src[i] / divisor;
}
}  // namespace

MpiReducer::MpiReducer(World& world, const ReducerOptions& options)
    : world_(world), options_(options) {
  S2S_CHECK(options.bucket_bytes >= 8 && options.bucket_bytes <= (std::size_t{1} << 30),
            "bucket_bytes must be in [8 B, 1 GiB], got ", options.bucket_bytes);
}

MpiReducer::~MpiReducer() {
  // A step abandoned by an exception: requests of non-blocking collectives cannot be freed, only
  // completed (the other ranks take part in them anyway).
  if (pending_ > 0) {
    try {
      world_.wait(requests_, "gradient all-reduce abandoned by an exception");
    } catch (...) {
    }
  }
}

double MpiReducer::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void MpiReducer::prepare(std::vector<Tensor> grads) {
  plan_.configure_for(options_.bucket_bytes, grads, Device::CPU, "mpi", "nccl");
  grads_ = std::move(grads);
  S2S_CHECK(world_.all_equal(plan_.layout_hash(), "reducer prepare: gradient layout check"),
            "ranks prepared different gradient lists (count, shapes or dtypes differ); this rank has ",
            grads_.size(), " gradients");
}

void MpiReducer::ready(const Tensor& grad) {
  if (const std::size_t index = plan_.index_of(grad); index != BucketPlan::kNone) ready(index);
}

void MpiReducer::ready(std::size_t index) {
  if (!plan_.in_step()) {
    step_ = ReduceStats{};
    t_first_ready_ = now();
  }
  plan_.add(
      index,
      [&](const BucketPlan::Segment& s) {
        const double t0 = now();
        pack(s);
        step_.pack_s += now() - t0;
      },
      [&](std::size_t bucket) { launch(bucket); });
  poll();
}

void MpiReducer::pack(const BucketPlan::Segment& s) {
  while (s.bucket >= buffers_.size())  // buffers are kept across steps; double[] keeps 8-byte alignment
    buffers_.push_back(std::make_unique<double[]>(plan_.capacity() / sizeof(double)));
  std::memcpy(reinterpret_cast<std::byte*>(buffers_[s.bucket].get()) + s.bucket_offset,
              static_cast<const std::byte*>(grads_[s.tensor].raw()) + s.tensor_offset, s.bytes);
}

void MpiReducer::launch(std::size_t b) {
  const BucketPlan::Bucket& bucket = plan_.buckets()[b];
  if (t_first_launch_ < 0) t_first_launch_ = now();
  ++step_.buckets;
  step_.bytes += bucket.bytes;
  step_.bucket_bytes_min =
      step_.buckets == 1 ? bucket.bytes : std::min(step_.bucket_bytes_min, bucket.bytes);
  step_.bucket_bytes_max = std::max(step_.bucket_bytes_max, bucket.bytes);
  if (!in_finish_) ++step_.buckets_during_backward;
  if (!world_.uses_mpi()) return;  // Local world: the sum over one rank is the buffer itself
  const bool f64 = bucket.dtype == DType::F64;
  const int count = static_cast<int>(bucket.bytes / (f64 ? 8 : 4));
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, buffers_[b].get(), count, f64 ? MPI_DOUBLE : MPI_FLOAT,
                               MPI_SUM, world_.comm(), &req));
  requests_.push_back(req);
  ++pending_;
}

void MpiReducer::poll() {
  if (pending_ == 0) return;
  int done = 0;
  indices_.resize(requests_.size());
  S2S_MPI_CHECK(MPI_Testsome(static_cast<int>(requests_.size()), requests_.data(), &done,
                             indices_.data(), MPI_STATUSES_IGNORE));
  if (done == MPI_UNDEFINED || done == 0) return;
  pending_ -= static_cast<std::size_t>(done);
  if (pending_ == 0) t_last_done_ = now();
}

ReduceStats MpiReducer::finish() {
  const double t_finish = now();
  if (!plan_.in_step()) {
    step_ = ReduceStats{};
    t_first_ready_ = t_finish;
  }
  step_.backward_s = t_finish - t_first_ready_;
  in_finish_ = true;
  plan_.flush(
      [&](const BucketPlan::Segment& s) { pack(s); },
      [&](std::size_t bucket) { launch(bucket); });
  step_.pack_s += now() - t_finish;  // packing of the not-ready gradients (flush) included

  // The order check rides along with the buckets: one extra 16-byte all-reduce.
  std::uint64_t order[2] = {plan_.order_hash(), ~plan_.order_hash()};
  const bool check_order = options_.verify_order && world_.uses_mpi() && world_.size() > 1;
  if (check_order) {
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, order, 2, MPI_UINT64_T, MPI_MAX, world_.comm(), &req));
    requests_.push_back(req);
  }
  const double t_wait = now();
  if (!requests_.empty()) {
    world_.wait(requests_, fmt::format("gradient all-reduce of reducer step {} ({} bucket(s), {} B)",
                                       step_index_, step_.buckets, step_.bytes));
    if (pending_ > 0) t_last_done_ = now();
  }
  step_.wait_s = now() - t_wait;
  if (t_first_launch_ >= 0) step_.comm_s = std::max(0.0, t_last_done_ - t_first_launch_);
  const bool order_ok = !check_order || order[0] == ~order[1];

  const double t_unpack = now();
  if (order_ok) {
    const int size = world_.size();
    for (const BucketPlan::Segment& s : plan_.segments()) {
      auto* dst = static_cast<std::byte*>(grads_[s.tensor].raw()) + s.tensor_offset;
      const auto* src = reinterpret_cast<const std::byte*>(buffers_[s.bucket].get()) + s.bucket_offset;
      if (size == 1) {
        std::memcpy(dst, src, s.bytes);
      } else if (plan_.entry(s.tensor).dtype == DType::F64) {
        unpack_average(reinterpret_cast<double*>(dst), reinterpret_cast<const double*>(src),
                       s.bytes / 8, size);
      } else {
        unpack_average(reinterpret_cast<float*>(dst), reinterpret_cast<const float*>(src),
                       s.bytes / 4, size);
      }
    }
  }
  step_.unpack_s = now() - t_unpack;
  step_.steps = 1;
  step_.timed_steps = 1;  // comm_s and wait_s are this step's (synchronize() has nothing to do)

  // End of step.
  plan_.reset();
  requests_.clear();
  pending_ = 0;
  in_finish_ = false;
  t_first_ready_ = t_first_launch_ = t_last_done_ = -1;
  ++step_index_;
  S2S_CHECK(order_ok, "gradients became ready in a different order on different ranks (reducer "
            "step ", step_index_ - 1, "): every rank must run the same graph each step");
  totals_.accumulate(step_);
  return step_;
}

}  // namespace s2s::dist
