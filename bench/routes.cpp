// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "routes.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <unordered_set>
#include <vector>

#include "bench_abi.h"

namespace bench {
namespace {

struct Prefix4 {
	std::uint32_t address; // host order
	unsigned length;
};

std::string text(const Prefix4& p)
{
	char address[INET_ADDRSTRLEN];
	const std::uint32_t network = htonl(p.address);
	::inet_ntop(AF_INET, &network, address, sizeof(address));
	return std::string(address) + "/" + std::to_string(p.length);
}

std::uint32_t mask(unsigned length) { return length ? ~0u << (32 - length) : 0; }

/// The destinations' routes: in each group of 16 hosts one of four shapes (a /28; 16 /32s; a
/// /29 and 8 /32s; 4 /30s), so that the traffic's routes have every length from /28 to /32.
std::vector<Prefix4> destination_routes()
{
	std::vector<Prefix4> routes;
	for (std::uint32_t first = 0; first < BENCH_DEST4_COUNT; first += 16) {
		const std::uint32_t base = bench_dest4(first);
		switch (first / 16 % 4) {
		case 0:
			routes.push_back({base, 28});
			break;
		case 1:
			for (std::uint32_t i = 0; i < 16; ++i)
				routes.push_back({base + i, 32});
			break;
		case 2:
			routes.push_back({base, 29});
			for (std::uint32_t i = 8; i < 16; ++i)
				routes.push_back({base + i, 32});
			break;
		default:
			for (std::uint32_t i = 0; i < 16; i += 4)
				routes.push_back({base + i, 30});
		}
	}
	return routes;
}

bool excluded(const Prefix4& p)
{
	const std::uint32_t first = p.address >> 24;
	if (first == 0 || first == 127 || first >= 224) // "this network", loopback, multicast and class E
		return true;
	for (const std::uint32_t documentation : {0xc0000200u, 0xc6336400u, 0xcb007100u})
		if ((documentation & mask(p.length)) == p.address)
			return true;
	return false;
}

} // namespace

void ipv6_scale_routes(unsigned count, const std::string& gateway, const std::string& dev, const RouteLine& line)
{
	char prefix[64];
	for (unsigned i = 0; i < count; ++i) {
		const unsigned bits = bench_route_bits(i);
		std::snprintf(prefix, sizeof(prefix), "2001:db8:%x:%x::/%u", bits >> 16, bits & 0xffff, bench_route_len(i));
		line("route add " + std::string(prefix) + " via " + gateway + " dev " + dev);
	}
}

unsigned ipv4_destination_route_count() { return static_cast<unsigned>(destination_routes().size()); }

void ipv4_scale_routes(unsigned count, const std::string& gateway, const std::string& dev, const RouteLine& line)
{
	const std::string via = " via " + gateway + " dev " + dev;
	const std::vector<Prefix4> mine = destination_routes();
	for (const Prefix4& p : mine)
		line("route add " + text(p) + via);

	// lengths /16../24, weighted roughly as in a public IPv4 table
	const std::array<double, 9> weights{1.4, 0.8, 1.5, 3.0, 4.0, 5.0, 13.0, 10.0, 58.0};
	std::discrete_distribution<unsigned> length_of(weights.begin(), weights.end());
	std::mt19937_64 rng(0x5eed0004ull);
	std::unordered_set<std::uint64_t> seen;
	for (std::size_t filled = mine.size(); filled < count;) {
		const unsigned length = 16 + length_of(rng);
		const Prefix4 p{static_cast<std::uint32_t>(rng()) & mask(length), length};
		if (excluded(p) || !seen.insert(static_cast<std::uint64_t>(p.address) << 8 | length).second)
			continue;
		line("route add " + text(p) + via);
		++filled;
	}
}

} // namespace bench
