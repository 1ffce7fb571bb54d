// Owns: integer all-reduce sums (see s2s/dist/sums.h).
#include "s2s/dist/sums.h"

#include <climits>

#include "s2s/core/error.h"
#include "s2s/core/mpi_check.h"

namespace s2s::dist {

namespace {

template <class T>
void allreduce_sum_of(World& world, std::span<T> values, MPI_Datatype type, std::string_view what) {
  if (!world.uses_mpi() || world.size() == 1 || values.empty()) return;
  S2S_CHECK(values.size() <= static_cast<std::size_t>(INT_MAX), "allreduce_sum: ", values.size(),
            " values (at most INT_MAX)");
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), type, MPI_SUM,
                               world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), what);
}

}  // namespace

void allreduce_sum(World& world, std::span<std::int64_t> values, std::string_view what) {
  allreduce_sum_of(world, values, MPI_INT64_T, what);
}

void allreduce_sum(World& world, std::span<double> values, std::string_view what) {
  allreduce_sum_of(world, values, MPI_DOUBLE, what);
}

}  // namespace s2s::dist
