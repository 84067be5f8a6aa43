// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "zipf.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "bench_abi.h"

namespace bench {

std::vector<std::uint32_t> zipf_table(unsigned n, double s)
{
	std::mt19937_64 rng(0x5eed0000ull ^ n ^ (static_cast<std::uint64_t>(s * 1000) << 32));
	std::vector<double> cumulative(n);
	double total = 0;
	for (unsigned r = 0; r < n; ++r)
		cumulative[r] = total += std::pow(static_cast<double>(r) + 1, -s);
	std::vector<std::uint32_t> route(n); // rank - 1 -> route index (Fisher-Yates, spelled out to be portable)
	std::iota(route.begin(), route.end(), 0u);
	for (std::size_t i = n; i > 1; --i)
		std::swap(route[i - 1], route[rng() % i]);
	std::uniform_real_distribution<double> uniform(0, total);
	std::vector<std::uint32_t> table(BENCH_DEST_SLOTS);
	for (auto& slot : table) {
		const auto rank = std::upper_bound(cumulative.begin(), cumulative.end(), uniform(rng)) - cumulative.begin();
		slot = route[std::min<std::size_t>(static_cast<std::size_t>(rank), n - 1)];
	}
	return table;
}

unsigned distinct_routes(std::vector<std::uint32_t> table)
{
	std::sort(table.begin(), table.end());
	return static_cast<unsigned>(std::unique(table.begin(), table.end()) - table.begin());
}

bool is_route_destination(std::uint32_t bits, unsigned routes)
{
	for (unsigned i = 0; i < routes; ++i) {
		const std::uint32_t len = bench_route_len(i);
		const std::uint32_t mask = len == 64 ? 0xffffffffu : ~((1u << (64 - len)) - 1);
		if ((bits & mask) == bench_route_bits(i))
			return true;
	}
	return false;
}

} // namespace bench
