// A probe of s2s::dist::World for tests/multinode: every rank prints, through log_all, the host
// it runs on, its rank, its local rank and local size (World's split by shared memory node) and
// the device it would take with 2 GPUs per host (device_for_local_rank), next to Open MPI's own
// view (OMPI_COMM_WORLD_LOCAL_RANK / _LOCAL_SIZE). run.sh compares them with the launch layout.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "s2s/dist/log.h"
#include "s2s/dist/world.h"

int main() {
  s2s::dist::World world;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  const char* ompi_local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  const char* ompi_local_size = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  s2s::dist::log_all(fmt::format("probe host={} rank={} local_rank={} local_size={} device_of_2={} ompi_local_rank={} "
                                 "ompi_local_size={}",
                                 host, world.rank(), world.local_rank(), world.local_size(),
                                 world.device_for_local_rank(2), ompi_local ? ompi_local : "-",
                                 ompi_local_size ? ompi_local_size : "-"));
  world.barrier("probe");
  return 0;
}
