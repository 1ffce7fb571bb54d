#pragma once
// Owns: MpiReducer, the CPU GradientReducer: host float32/float64 gradients are packed into
// fusion buckets (BucketPlan) and each full bucket is all-reduced in place with MPI_Iallreduce
// (MPI_SUM) at once; finish() waits with the World's deadline, unpacks and divides by the size.
//
// Progress: Open MPI's non-blocking collectives advance only inside MPI calls, and the World is
// MPI_THREAD_FUNNELED (no progress thread), so every ready() also polls the in-flight requests
// (MPI_Testsome). Communication therefore overlaps backward at the granularity of ready() calls.
// In a Local (fake) World the all-reduce is the identity and nothing is sent.
#include <cstddef>
#include <memory>
#include <vector>

#include <mpi.h>

#include "s2s/dist/bucket_plan.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/world.h"

namespace s2s::dist {

class MpiReducer final : public GradientReducer {
 public:
  MpiReducer(World& world, const ReducerOptions& options);
  ~MpiReducer() override;

  std::string_view name() const override { return "mpi"; }
  int world_size() const override { return world_.size(); }
  void prepare(std::vector<Tensor> grads) override;
  void ready(std::size_t index) override;
  void ready(const Tensor& grad) override;
  ReduceStats finish() override;
  const ReduceStats& totals() const override { return totals_; }

 private:
  void pack(const BucketPlan::Segment& segment);
  void launch(std::size_t bucket);
  void poll();  // progress + completion times of finished buckets
  double now() const;

  World& world_;
  ReducerOptions options_;
  BucketPlan plan_;
  std::vector<Tensor> grads_;
  std::vector<std::unique_ptr<double[]>> buffers_;  // one per bucket, capacity bytes, reused
  std::vector<MPI_Request> requests_;  // per launched bucket (MPI_REQUEST_NULL once complete)
  std::vector<int> indices_;           // scratch for MPI_Testsome
  std::size_t pending_ = 0;            // requests not yet complete
  bool in_finish_ = false;
  ReduceStats step_;
  ReduceStats totals_;
  double t_first_ready_ = -1, t_first_launch_ = -1, t_last_done_ = -1;
  std::size_t step_index_ = 0;
};

}  // namespace s2s::dist
