// What a conforming router may do with a frame, judged from the bytes alone by rules written from
// the RFCs (RFC 1812 for IPv4, RFC 8200 / 4291 / 4861 for IPv6), not from the BPF code: the frame
// fuzzer's oracle. It parses Ethernet and up to two VLAN tags, then the IP header, and says
// whether the frame must be forwarded, must be left to the kernel, or may go either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <xdpfwd/mac_address.hpp>

#include "support/packet.hpp"

namespace xdpfwd::test::fuzz {

enum class Expect : std::uint8_t {
	forward, ///< a router that has a route for it forwards it
	keep,    ///< a router must not forward it (the kernel drops it, answers it or owns it)
	either,  ///< leaving it to the kernel is a safe choice the rules allow
};

struct Judgement {
	Expect expect = Expect::keep;
	const char* why = "";   ///< the first rule the frame breaks (keep / either), for the summary
	std::size_t tags = 0;   ///< VLAN tags before the IP header
	std::size_t l3 = 0;     ///< offset of the IP header (valid when is_ip)
	bool is_ip = false;
	bool ipv4 = false;

	// Not failures by the rules above; counted and reported (a stricter router would keep these).
	bool options_to_process = false; ///< IPv4 options besides EOL/NOP: the kernel checks and acts on them
	bool group_mac = false;          ///< link-layer broadcast or multicast destination (RFC 1812 5.3.4)
	bool foreign_mac = false;        ///< a unicast destination MAC that is not the ingress port's
};

/// Judges `frame` as arriving on a port whose MAC is `ingress_mac`. Routes are not considered:
/// a frame judged `forward` is one a router forwards if it has a route and a neighbour.
Judgement judge(const Bytes& frame, const MacAddress& ingress_mac);

/// The destination address of an IP frame judged above (4 or 16 bytes at this offset).
inline std::size_t destination_offset(const Judgement& j) { return j.l3 + (j.ipv4 ? 16 : 24); }

/// What is wrong with `out`, the frame a program redirected after receiving `in`: the MACs
/// must be `dst`/`src`, the TTL / hop limit one less, the IPv4 header checksum must verify,
/// and every other byte must be as it came in. Empty when it is right.
std::string check_rewrite(const Bytes& in, const Bytes& out, const Judgement& j, const MacAddress& dst,
			  const MacAddress& src);

} // namespace xdpfwd::test::fuzz
