// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's link addresses (documentation ranges only). Every router looks the same from
// outside: same MACs on every link (they are separate links), so one frame template serves all.
#pragma once

#include <xdpfwd/mac_address.hpp>

namespace bench {

inline const xdpfwd::MacAddress gen_mac = xdpfwd::MacAddress::parse("02:00:00:00:01:01");
inline const xdpfwd::MacAddress rin_mac = xdpfwd::MacAddress::parse("02:00:00:00:01:02");
inline const xdpfwd::MacAddress rout_mac = xdpfwd::MacAddress::parse("02:00:00:00:02:01");
inline const xdpfwd::MacAddress sink_mac = xdpfwd::MacAddress::parse("02:00:00:00:02:02");
inline const xdpfwd::MacAddress rout2_mac = xdpfwd::MacAddress::parse("02:00:00:00:03:01"); // coherence router

inline constexpr const char* gen_ip4 = "192.0.2.1";
inline constexpr const char* rin_ip4 = "192.0.2.2";
inline constexpr const char* rout_ip4 = "198.51.100.1";
inline constexpr const char* sink_ip4 = "198.51.100.2";
inline constexpr const char* dst_ip4 = "203.0.113.2";       // routed via the sink
inline constexpr const char* gen_ip6 = "2001:db8:1::1";
inline constexpr const char* rin_ip6 = "2001:db8:1::2";
inline constexpr const char* rout_ip6 = "2001:db8:2::1";
inline constexpr const char* sink_ip6 = "2001:db8:2::2";
inline constexpr const char* dst_ip6 = "2001:db8:ffff::2";   // main router: 2001:db8:ffff::/48 via the sink

// The coherence router's links to the sink: rout 198.51.100.0/25 and 2001:db8:2::/64 (sink .2
// and ::2 as above), rout2 198.51.100.128/25 and 2001:db8:3::/64.
inline constexpr const char* rout2_ip4 = "198.51.100.129";
inline constexpr const char* sink2_ip4 = "198.51.100.130";
inline constexpr const char* rout2_ip6 = "2001:db8:3::1";
inline constexpr const char* sink2_ip6 = "2001:db8:3::2";
inline constexpr const char* dst_prefix4 = "203.0.113.0/24";    // what the template's destinations are routed by
inline constexpr const char* dst_prefix6 = "2001:db8:ffff::/48";

// The VLAN routers' ingress: a VLAN device on their rin (VID BENCH_VLAN_ID, bench_abi.h),
// holding rin_ip4 and rin_ip6; the tagged-egress router's egress, on its rout
// (BENCH_VLAN_EGRESS_ID), holding rout_ip4 and rout_ip6.
inline constexpr const char* vlan_ingress = "rin.100";
inline constexpr const char* vlan_egress = "rout.200";

} // namespace bench
