#pragma once
// Owns: deadline-guarded all-reduce sums of host integers, so parts above dist/ (validation's
// BLEU/chrF statistics) need no MPI of their own. Integer sums are exact in any order, so every
// rank gets the same result whatever the world size. Local world / one rank: the identity.
#include <cstdint>
#include <span>
#include <string_view>

#include "s2s/dist/world.h"

namespace s2s::dist {

// values[i] <- Σ over ranks of values[i]; every rank passes the same count. `what` names the
// operation in a timeout message.
void allreduce_sum(World& world, std::span<std::int64_t> values, std::string_view what);

}  // namespace s2s::dist
