// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// How the FIB-scale traffic picks its destinations among the installed routes.
#pragma once

#include <cstdint>
#include <vector>

namespace bench {

enum class Distribution { uniform, zipf };

inline const char* distribution_name(Distribution d) { return d == Distribution::zipf ? "zipf" : "uniform"; }

/// BENCH_DEST_SLOTS draws of route indexes in 0..n-1 from Zipf(n, s): rank r (1..n) with
/// probability proportional to 1/r^s. Ranks map to route indexes through a random permutation,
/// so the popular routes are scattered over the whole table (and trie). Seeded by n and s: the
/// same table every run.
std::vector<std::uint32_t> zipf_table(unsigned n, double s);

/// How many distinct route indexes a table holds.
unsigned distinct_routes(std::vector<std::uint32_t> table);

/// Whether `bits` (bits 32..63 of an IPv6 destination) fall in one of the first `routes` routes
/// (their /48, /56 or /64 prefix).
bool is_route_destination(std::uint32_t bits, unsigned routes);

} // namespace bench
