// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The FIB-scale route tables, as `ip -batch` lines. IPv6: routes in 2001:db8:8000::/33 (their
// prefixes in bench_abi.h, shared with the generator). IPv4: /32s and more-specifics covering
// the documentation destinations the traffic goes to, plus filler prefixes from anywhere else
// (no traffic goes there, and no link leads out of the router), for a table of realistic size
// and shape.
#pragma once

#include <functional>
#include <string>

namespace bench {

using RouteLine = std::function<void(const std::string&)>;

/// "route add" lines of the first `count` IPv6 FIB-scale routes, via `gateway` on `dev`.
void ipv6_scale_routes(unsigned count, const std::string& gateway, const std::string& dev, const RouteLine& line);

/// How many IPv4 routes cover the BENCH_DEST4_COUNT destinations.
unsigned ipv4_destination_route_count();

/// "route add" lines of an IPv4 table of max(count, ipv4_destination_route_count()) routes: the
/// destinations' routes, then filler. Filler prefixes are /16../24 with the length mix of a
/// public table (most /24, some /22 and /23, few shorter), pseudo-random (fixed seed) over unicast
/// space outside 0/8, 127/8 and the documentation ranges, distinct.
void ipv4_scale_routes(unsigned count, const std::string& gateway, const std::string& dev, const RouteLine& line);

} // namespace bench
