#pragma once
// Owns: all_gather_strings, every rank's string of any length delivered to every rank (the launch
// self-check's per-rank facts). Collective and deadline-guarded by the World; a Local world
// returns {mine}.
#include <string>
#include <string_view>
#include <vector>

#include "s2s/dist/world.h"

namespace s2s::dist {

// result[r] is rank r's `mine`. Sizes go first (one all-gather), then the bytes (an all-gatherv).
std::vector<std::string> all_gather_strings(World& world, std::string_view mine);

}  // namespace s2s::dist
