#pragma once
// Owns: what the fuzz targets share: writing an input to a private temporary file (the dataset
// and checkpoint readers take paths) and failing loudly when a checked property does not hold.
#include <cstddef>
#include <cstdint>
#include <string>

namespace s2s::fuzz {

// A file in $S2S_FUZZ_TMPDIR, else /dev/shm (else the temp folder) unique to this process,
// rewritten with `data` on every call; removed at a normal exit.
const std::string& write_temp_file(const std::uint8_t* data, std::size_t size, const char* suffix);

// A property the target checks failed: print it and abort, so libFuzzer records a crash.
[[noreturn]] void property_failed(const std::string& what);

}  // namespace s2s::fuzz
