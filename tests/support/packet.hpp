// Frames built field by field, so that a test (or the benchmark's generator templates) says
// what it sends, and readers that look at a frame the way a user checking the forwarded packet
// would.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xdpfwd/mac_address.hpp>

namespace xdpfwd::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_8021q = 0x8100;
inline constexpr std::uint16_t ethertype_8021ad = 0x88a8;
inline constexpr std::uint16_t ethertype_ipv6 = 0x86dd;

inline constexpr std::size_t eth_header_len = 14;
inline constexpr std::size_t vlan_tag_len = 4;
inline constexpr std::size_t ipv4_header_len = 20; // without options
inline constexpr std::size_t ipv6_header_len = 40;
inline constexpr std::size_t udp_header_len = 8;

/// IPv4 flags/fragment-offset word: "more fragments"; the offset is in 8-byte units.
inline constexpr std::uint16_t ipv4_more_fragments = 0x2000;
inline constexpr std::uint16_t ipv4_dont_fragment = 0x4000;

void put16(Bytes& out, std::uint16_t value);
std::uint16_t get16(const Bytes& frame, std::size_t offset);

// ---- builders -------------------------------------------------------------------------------

struct VlanTag {
	std::uint16_t tpid = ethertype_8021q; ///< 0x8100, or 0x88a8 for the outer tag of QinQ
	std::uint16_t tci = 0;                ///< priority, DEI and VLAN id as on the wire
};

/// Ethernet header, the tags in order (outermost first), then `payload` of `ethertype`.
Bytes ethernet(const MacAddress& dst, const MacAddress& src, std::uint16_t ethertype, const Bytes& payload,
	       const std::vector<VlanTag>& tags = {});

struct Ipv4Header {
	std::string src = "192.0.2.2";
	std::string dst = "198.51.100.2";
	std::uint8_t ttl = 64;
	std::uint8_t tos = 0;
	std::uint16_t id = 0;
	std::uint16_t frag = 0;              ///< flags | offset/8, e.g. ipv4_more_fragments | 185
	std::uint8_t protocol = IPPROTO_UDP;
	std::size_t option_bytes = 0;        ///< NOP options; a multiple of 4, at most 40
	std::optional<std::uint8_t> ihl;     ///< to lie about the header length (default: true length)
	std::uint8_t version = 4;            ///< to build an inconsistent header
};

/// An IPv4 packet with tot_len and a correct header checksum.
Bytes ipv4(const Ipv4Header& h, const Bytes& payload);

struct Ipv6Header {
	std::string src = "2001:db8:1::2";
	std::string dst = "2001:db8:2::2";
	std::uint8_t hop_limit = 64;
	std::uint8_t next_header = IPPROTO_UDP;
	std::uint8_t traffic_class = 0;
	std::uint32_t flow_label = 0;
	std::uint8_t version = 6;
};

Bytes ipv6(const Ipv6Header& h, const Bytes& payload);

/// A UDP datagram with `data_len` bytes of counting data. The checksum is left 0: forwarding
/// never reads or changes L4, and the tests check that those bytes come out as they went in
/// (fill_ipv6_udp_checksum() sets it where a receiver checks it).
Bytes udp(std::uint16_t src_port, std::uint16_t dst_port, std::size_t data_len);

/// ICMP (v4) or ICMPv6 message: type, code, checksum 0 (see udp()), then `body_len` bytes.
Bytes icmp(std::uint8_t type, std::uint8_t code = 0, std::size_t body_len = 4);

/// An ARP request (Ethernet/IPv4) as the ethertype-0x0806 payload.
Bytes arp_request(const MacAddress& sender_mac, const std::string& sender_ip, const std::string& target_ip);

/// An IPv4 packet whose identification is chosen so that its header checksum is `wanted`: a way
/// to reach the values where the incremental update wraps (0x0000, 0xfeff, 0xff00, 0xfffe...).
/// Throws for 0xffff, which no from-scratch sum over a non-zero header produces.
Bytes ipv4_with_checksum(Ipv4Header h, const Bytes& payload, std::uint16_t wanted);

/// Writes the UDP checksum of an IPv6/UDP frame (no extension headers), as a receiver checks it.
void fill_ipv6_udp_checksum(Bytes& frame);

// ---- readers --------------------------------------------------------------------------------

MacAddress read_mac(const Bytes& frame, std::size_t offset);
inline MacAddress dst_mac(const Bytes& frame) { return read_mac(frame, 0); }
inline MacAddress src_mac(const Bytes& frame) { return read_mac(frame, 6); }

/// Offset of the L3 header: after the Ethernet header and any 802.1Q / 802.1ad tags.
std::size_t l3_offset(const Bytes& frame);
/// The ethertype after the tags.
inline std::uint16_t l3_ethertype(const Bytes& frame) { return get16(frame, l3_offset(frame) - 2); }

inline std::size_t ipv4_ttl_offset(const Bytes& frame) { return l3_offset(frame) + 8; }
inline std::size_t ipv4_checksum_offset(const Bytes& frame) { return l3_offset(frame) + 10; }
inline std::size_t ipv6_hop_limit_offset(const Bytes& frame) { return l3_offset(frame) + 7; }

inline std::uint8_t ipv4_ttl(const Bytes& frame) { return frame.at(ipv4_ttl_offset(frame)); }
inline std::uint8_t ipv6_hop_limit(const Bytes& frame) { return frame.at(ipv6_hop_limit_offset(frame)); }

/// The header checksum as carried in the frame.
inline std::uint16_t ipv4_checksum(const Bytes& frame) { return get16(frame, ipv4_checksum_offset(frame)); }

/// The header checksum a receiver expects: recomputed over the whole header (options included,
/// per the frame's ihl) with the checksum field taken as zero.
std::uint16_t ipv4_checksum_from_scratch(const Bytes& frame);

/// The UDP checksum over an IPv6/UDP frame and its pseudo-header, as carried: 0 when the
/// checksum field is right (or when it is 0 and nothing else is).
std::uint16_t ipv6_udp_checksum(const Bytes& frame);

} // namespace xdpfwd::test
