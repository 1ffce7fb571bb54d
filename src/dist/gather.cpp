// Owns: all_gather_strings (see s2s/dist/gather.h).
#include "s2s/dist/gather.h"

#include <climits>
#include <cstdint>

#include "s2s/core/error.h"
#include "s2s/core/mpi_check.h"

namespace s2s::dist {

std::vector<std::string> all_gather_strings(World& world, std::string_view mine) {
  if (!world.uses_mpi()) return {std::string(mine)};
  const auto n = static_cast<std::size_t>(world.size());
  std::vector<std::int64_t> sizes(n, 0);
  std::int64_t my_size = static_cast<std::int64_t>(mine.size());
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Iallgather(&my_size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), "all_gather_strings sizes");
  std::vector<int> counts(n), displs(n);
  std::int64_t total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    displs[r] = static_cast<int>(total);
    counts[r] = static_cast<int>(sizes[r]);
    total += sizes[r];
    S2S_CHECK(total <= INT_MAX, "all_gather_strings: ", total, " bytes in all, more than one MPI call carries");
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  std::string send(mine);  // MPI wants a non-const, non-null send buffer
  send.reserve(1);
  S2S_MPI_CHECK(MPI_Iallgatherv(send.data(), static_cast<int>(send.size()), MPI_CHAR, all.data(), counts.data(),
                                displs.data(), MPI_CHAR, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), "all_gather_strings bytes");
  std::vector<std::string> out(n);
  for (std::size_t r = 0; r < n; ++r) out[r] = all.substr(static_cast<std::size_t>(displs[r]), sizes[r]);
  return out;
}

}  // namespace s2s::dist
