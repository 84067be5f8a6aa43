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

Bytes with_vlan_tag(const Bytes& frame, std::uint16_t vid)
{
	if (frame.size() < t::eth_header_len)
		throw std::logic_error("with_vlan_tag: no Ethernet header");
	Bytes tagged(frame.begin(), frame.begin() + 12);
	t::put16(tagged, t::ethertype_8021q);
	t::put16(tagged, vid);
	tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
	return tagged;
}

} // namespace bench
