// Fuzz target: the checkpoint reader (src/checkpoint/checkpoint.cpp, read_checkpoint) on crafted
// HDF5 files. A rejection must be an s2s::Error naming the file; any other exception, sanitizer
// report or allocation over -malloc_limit_mb is a crash. A file that reads must write back and
// read again to an equal state (checkpoint_states_equal): what was accepted is what a resume uses.
// libhdf5 is not instrumented: a crash inside it on a crafted file still shows as a crash here.
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_support.h"
#include "s2s/checkpoint/checkpoint.h"
#include "s2s/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = s2s::fuzz::write_temp_file(data, size, ".h5");
  s2s::checkpoint::CheckpointState state;
  try {
    state = s2s::checkpoint::read_checkpoint(path);
  } catch (const s2s::Error& e) {
    if (std::string(e.what()).find(path) == std::string::npos)
      s2s::fuzz::property_failed(std::string("error does not name the file: ") + e.what());
    return 0;
  }
  const std::string copy = path + ".copy.h5";
  try {
    s2s::checkpoint::write_checkpoint(copy, state);
  } catch (const s2s::Error&) {
    // e.g. a name the writer refuses (check_name) that the reader accepted: not a crash
    std::remove(copy.c_str());
    return 0;
  }
  s2s::checkpoint::CheckpointState again = s2s::checkpoint::read_checkpoint(copy);
  std::remove(copy.c_str());
  std::string why;
  if (!s2s::checkpoint::checkpoint_states_equal(state, again, &why))
    s2s::fuzz::property_failed("checkpoint read/write/read changed the state: " + why);
  return 0;
}
