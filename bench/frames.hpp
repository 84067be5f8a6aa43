// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The frames the generator sends, as templates in its read-only data (see bpf/frame.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "support/packet.hpp"

namespace bench {

using xdpfwd::test::Bytes;

/// UDP from 192.0.2.1 to 203.0.113.2, port 9, TTL 64, DF; the header checksum is left 0 for the
/// generator, which computes it for every frame. BENCH_FRAME4_LEN bytes.
Bytes frame_ipv4();

/// UDP from 2001:db8:1::1 to 2001:db8:ffff::2, port 9, hop limit 64, with its UDP checksum (the
/// generator patches it when it changes the destination). BENCH_FRAME6_LEN bytes.
Bytes frame_ipv6();

/// `frame` with an 802.1Q tag (VID `vid`, priority 0) after its MACs.
Bytes with_vlan_tag(const Bytes& frame, std::uint16_t vid);

/// Copies a template into a skeleton's .rodata words (volatile there).
template <class Words>
void set_template(Words& words, const Bytes& frame)
{
	static_assert(sizeof(words[0]) == 8);
	if (frame.size() != sizeof(words))
		throw std::logic_error("frame template size");
	for (std::size_t i = 0; i < frame.size() / 8; ++i) {
		std::uint64_t word = 0;
		std::memcpy(&word, frame.data() + i * 8, 8);
		words[i] = word;
	}
}

} // namespace bench
