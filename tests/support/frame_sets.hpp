// The frames the packet tests run through every program: what a forwarder must forward (to the
// default destinations 198.51.100.2, 2001:db8:2::2), and what its gate must leave to the kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xdpfwd/stats.hpp>

#include "packet.hpp"

namespace xdpfwd::test {

struct NamedFrame {
	std::string name;
	Bytes frame;
};

inline const MacAddress peer_mac = MacAddress::parse("02:00:00:00:00:01");   // the sender
inline const MacAddress router_mac = MacAddress::parse("02:00:00:00:00:02"); // what it sent to

/// UDP from peer_mac to router_mac, 1024 -> 5353, `udp_data` bytes of data.
Bytes ipv4_frame(const Ipv4Header& h = {}, std::vector<VlanTag> tags = {}, std::size_t udp_data = 18);
Bytes ipv4_frame_with_checksum(const Ipv4Header& h, std::uint16_t checksum);
Bytes ipv6_frame(const Ipv6Header& h = {}, std::vector<VlanTag> tags = {}, std::size_t udp_data = 18);
Bytes icmpv6_frame(const std::string& dst, std::uint8_t type, std::uint8_t hop_limit = 255);

/// Header checksums around the points where the incremental update wraps: decrementing the TTL
/// adds 0x0100 to the checksum in one's complement, so 0xfeff becomes 0x0000 and 0xff00 becomes
/// 0x0001 (0xffff never occurs: see ipv4_with_checksum()).
inline constexpr std::uint16_t wrapping_checksums[] = {0x0000, 0x0001, 0x00ff, 0x0100, 0xfeff, 0xff00, 0xfffe};

// ---- forwarded by every mode that has a route ------------------------------------------------

/// Untagged IPv4: many TTL / TOS / id combinations, the checksum edge cases, every options
/// length (ihl 6..15), fragments, and a non-UDP protocol.
std::vector<NamedFrame> forwardable_ipv4_frames();

/// Untagged IPv6, including ICMPv6 that only looks like neighbour discovery (a type outside
/// 133..137, or a hop limit other than 255).
std::vector<NamedFrame> forwardable_ipv6_frames();

/// IPv4 and IPv6 behind one 802.1Q tag, two 802.1Q tags, and 802.1ad + 802.1Q (QinQ).
std::vector<NamedFrame> tagged_frames();

// ---- left to the kernel by every forwarding mode, whatever its configuration -----------------

/// TTL / hop limit 0 or 1: forwarding would expire them; the kernel sends Time Exceeded.
std::vector<NamedFrame> expiring_frames();

/// Every length from a bare Ethernet header up to one byte short of the complete L3 header,
/// for untagged, tagged and QinQ frames, IPv4 with and without options, and IPv6; plus headers
/// that are complete but inconsistent.
std::vector<NamedFrame> malformed_frames();

/// Not IP at all (possibly behind a tag): ARP and ethertypes nobody here knows.
std::vector<NamedFrame> non_ip_frames();

/// Traffic that belongs to the link the router receives it on.
std::vector<NamedFrame> link_scoped_frames();

/// IPv4 headers whose checksum is wrong (RFC 1812 5.2.2 says drop; the kernel does).
std::vector<NamedFrame> bad_checksum_frames();

/// IPv4 total length below the header or beyond the frame; IPv6 payload length beyond the frame.
std::vector<NamedFrame> bad_length_frames();

/// Addresses no router forwards: IPv4 sources in 0/8, 127/8, multicast and class E, destinations
/// in 0/8 and 127/8 (RFC 1812 5.3.7); IPv6 ::, ::1 either way and multicast sources.
std::vector<NamedFrame> martian_frames();

/// IPv6 with a hop-by-hop options header: the options are for the kernel to process.
std::vector<NamedFrame> hop_by_hop_frames();

/// The sets above, each with the reason the gate counts for it.
struct GatedFrames {
	Reason reason;
	std::vector<NamedFrame> frames;
};
std::vector<GatedFrames> gated_frames();

} // namespace xdpfwd::test
