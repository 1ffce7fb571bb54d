#pragma once
// Owns: deadline-guarded all-reduce sums of host values, so parts above dist/ (validation's
// BLEU/chrF statistics, evaluation's loss sums) need no MPI of their own. Integer sums are exact
// in any order, so every rank gets the same result whatever the world size; double sums are
// MPI_SUM's (every rank gets the same bits, the order of the ranks' terms is MPI's). Local world /
// one rank: the identity.
#include <cstdint>
#include <span>
#include <string_view>

#include "s2s/dist/world.h"

namespace s2s::dist {

// values[i] <- Σ over ranks of values[i]; every rank passes the same count. `what` names the
// operation in a timeout message.
void allreduce_sum(World& world, std::span<std::int64_t> values, std::string_view what);
void allreduce_sum(World& world, std::span<double> values, std::string_view what);

}  // namespace s2s::dist
