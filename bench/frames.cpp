// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "frames.hpp"

#include "bench_abi.h"
#include "addresses.hpp"

namespace bench {

namespace t = xdpfwd::test;

Bytes frame_ipv4()
{
	t::Ipv4Header h;
	h.src = gen_ip4;
	h.dst = dst_ip4;
	h.frag = t::ipv4_dont_fragment;
	const std::size_t data = BENCH_FRAME4_LEN - t::eth_header_len - t::ipv4_header_len - t::udp_header_len;
	Bytes frame = t::ethernet(rin_mac, gen_mac, t::ethertype_ipv4, t::ipv4(h, t::udp(1024, BENCH_UDP_PORT, data)));
	const std::size_t check = t::ipv4_checksum_offset(frame);
	frame[check] = frame[check + 1] = 0; // the generator sums the header with this field 0
	return frame;
}

Bytes frame_ipv6()
{
	t::Ipv6Header h;
	h.src = gen_ip6;
	h.dst = dst_ip6;
	const std::size_t data = BENCH_FRAME6_LEN - t::eth_header_len - t::ipv6_header_len - t::udp_header_len;
	Bytes frame = t::ethernet(rin_mac, gen_mac, t::ethertype_ipv6, t::ipv6(h, t::udp(1024, BENCH_UDP_PORT, data)));
	t::fill_ipv6_udp_checksum(frame);
	return frame;
}

} // namespace bench
