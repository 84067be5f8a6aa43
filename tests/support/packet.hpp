// Frames for BPF_PROG_RUN, built field by field so that a test says what it sends, and readers
// that look at a frame the way a user checking the forwarded packet would.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
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

/// IPv4 flags/fragment-offset word: "more fragments"; the offset is in 8-byte units.
inline constexpr std::uint16_t ipv4_more_fragments = 0x2000;
inline constexpr std::uint16_t ipv4_dont_fragment = 0x4000;

inline void put16(Bytes& out, std::uint16_t value)
{
	out.push_back(static_cast<std::uint8_t>(value >> 8));
	out.push_back(static_cast<std::uint8_t>(value));
}

inline std::uint16_t get16(const Bytes& frame, std::size_t offset)
{
	return static_cast<std::uint16_t>(frame.at(offset) << 8 | frame.at(offset + 1));
}

inline void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

/// RFC 1071 over `length` bytes, computed from nothing: what a receiver verifies.
inline std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length)
{
	std::uint32_t sum = 0;
	for (std::size_t i = 0; i + 1 < length; i += 2)
		sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
	if (length % 2)
		sum += static_cast<std::uint32_t>(data[length - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(~sum);
}

template <std::size_t N>
std::array<std::uint8_t, N> parse_address(int family, const std::string& text)
{
	std::array<std::uint8_t, N> address{};
	if (::inet_pton(family, text.c_str(), address.data()) != 1)
		throw std::invalid_argument("bad address " + text);
	return address;
}

// ---- builders -------------------------------------------------------------------------------

struct VlanTag {
	std::uint16_t tpid = ethertype_8021q; ///< 0x8100, or 0x88a8 for the outer tag of QinQ
	std::uint16_t tci = 0;                ///< priority, DEI and VLAN id as on the wire
};

/// Ethernet header, the tags in order (outermost first), then `payload` of `ethertype`.
inline Bytes ethernet(const MacAddress& dst, const MacAddress& src, std::uint16_t ethertype, const Bytes& payload,
		      const std::vector<VlanTag>& tags = {})
{
	Bytes frame(dst.bytes.begin(), dst.bytes.end());
	frame.insert(frame.end(), src.bytes.begin(), src.bytes.end());
	for (const VlanTag& tag : tags) {
		put16(frame, tag.tpid);
		put16(frame, tag.tci);
	}
	put16(frame, ethertype);
	append(frame, payload);
	return frame;
}

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
inline Bytes ipv4(const Ipv4Header& h, const Bytes& payload)
{
	if (h.option_bytes % 4 != 0 || h.option_bytes > 40)
		throw std::invalid_argument("IPv4 options must be 0..40 bytes in 4-byte words");
	const std::size_t header_len = ipv4_header_len + h.option_bytes;
	const std::uint8_t ihl = h.ihl.value_or(static_cast<std::uint8_t>(header_len / 4));
	Bytes packet;
	packet.push_back(static_cast<std::uint8_t>(h.version << 4 | (ihl & 0xf)));
	packet.push_back(h.tos);
	put16(packet, static_cast<std::uint16_t>(header_len + payload.size()));
	put16(packet, h.id);
	put16(packet, h.frag);
	packet.push_back(h.ttl);
	packet.push_back(h.protocol);
	put16(packet, 0); // checksum, below
	for (auto byte : parse_address<4>(AF_INET, h.src))
		packet.push_back(byte);
	for (auto byte : parse_address<4>(AF_INET, h.dst))
		packet.push_back(byte);
	packet.insert(packet.end(), h.option_bytes, 1); // IPOPT_NOP
	const std::uint16_t checksum = internet_checksum(packet.data(), header_len);
	packet[10] = static_cast<std::uint8_t>(checksum >> 8);
	packet[11] = static_cast<std::uint8_t>(checksum);
	append(packet, payload);
	return packet;
}

struct Ipv6Header {
	std::string src = "2001:db8:1::2";
	std::string dst = "2001:db8:2::2";
	std::uint8_t hop_limit = 64;
	std::uint8_t next_header = IPPROTO_UDP;
	std::uint8_t traffic_class = 0;
	std::uint32_t flow_label = 0;
	std::uint8_t version = 6;
};

inline Bytes ipv6(const Ipv6Header& h, const Bytes& payload)
{
	Bytes packet;
	const std::uint32_t first_word = static_cast<std::uint32_t>(h.version) << 28 |
					 static_cast<std::uint32_t>(h.traffic_class) << 20 | (h.flow_label & 0xfffff);
	put16(packet, static_cast<std::uint16_t>(first_word >> 16));
	put16(packet, static_cast<std::uint16_t>(first_word));
	put16(packet, static_cast<std::uint16_t>(payload.size()));
	packet.push_back(h.next_header);
	packet.push_back(h.hop_limit);
	for (auto byte : parse_address<16>(AF_INET6, h.src))
		packet.push_back(byte);
	for (auto byte : parse_address<16>(AF_INET6, h.dst))
		packet.push_back(byte);
	append(packet, payload);
	return packet;
}

/// A UDP datagram with `data_len` bytes of counting data. The checksum is left 0: forwarding
/// never reads or changes L4, and the tests check that those bytes come out as they went in.
inline Bytes udp(std::uint16_t src_port, std::uint16_t dst_port, std::size_t data_len)
{
	Bytes datagram;
	put16(datagram, src_port);
	put16(datagram, dst_port);
	put16(datagram, static_cast<std::uint16_t>(8 + data_len));
	put16(datagram, 0);
	for (std::size_t i = 0; i < data_len; ++i)
		datagram.push_back(static_cast<std::uint8_t>(i));
	return datagram;
}

/// ICMP (v4) or ICMPv6 message: type, code, checksum 0 (see udp()), then `body_len` bytes.
inline Bytes icmp(std::uint8_t type, std::uint8_t code = 0, std::size_t body_len = 4)
{
	Bytes message{type, code, 0, 0};
	message.insert(message.end(), body_len, 0xab);
	return message;
}

/// An ARP request (Ethernet/IPv4) as the ethertype-0x0806 payload.
inline Bytes arp_request(const MacAddress& sender_mac, const std::string& sender_ip, const std::string& target_ip)
{
	Bytes arp;
	put16(arp, 1);      // hardware: Ethernet
	put16(arp, 0x0800); // protocol: IPv4
	arp.push_back(6);
	arp.push_back(4);
	put16(arp, 1); // request
	arp.insert(arp.end(), sender_mac.bytes.begin(), sender_mac.bytes.end());
	for (auto byte : parse_address<4>(AF_INET, sender_ip))
		arp.push_back(byte);
	arp.insert(arp.end(), 6, 0);
	for (auto byte : parse_address<4>(AF_INET, target_ip))
		arp.push_back(byte);
	return arp;
}

/// An IPv4 packet whose identification is chosen so that its header checksum is `wanted`: a way
/// to reach the values where the incremental update wraps (0x0000, 0xfeff, 0xff00, 0xfffe...).
/// Throws for 0xffff, which no from-scratch sum over a non-zero header produces.
inline Bytes ipv4_with_checksum(Ipv4Header h, const Bytes& payload, std::uint16_t wanted)
{
	for (std::uint32_t id = 0; id <= 0xffff; ++id) {
		h.id = static_cast<std::uint16_t>(id);
		Bytes packet = ipv4(h, payload);
		if (get16(packet, 10) == wanted)
			return packet;
	}
	throw std::invalid_argument("no IPv4 identification gives checksum " + std::to_string(wanted));
}

// ---- readers --------------------------------------------------------------------------------

inline MacAddress read_mac(const Bytes& frame, std::size_t offset)
{
	MacAddress mac;
	for (std::size_t i = 0; i < mac.bytes.size(); ++i)
		mac.bytes[i] = frame.at(offset + i);
	return mac;
}
inline MacAddress dst_mac(const Bytes& frame) { return read_mac(frame, 0); }
inline MacAddress src_mac(const Bytes& frame) { return read_mac(frame, 6); }

/// Offset of the L3 header: after the Ethernet header and any 802.1Q / 802.1ad tags.
inline std::size_t l3_offset(const Bytes& frame)
{
	std::size_t offset = 12;
	while (get16(frame, offset) == ethertype_8021q || get16(frame, offset) == ethertype_8021ad)
		offset += vlan_tag_len;
	return offset + 2;
}

inline std::size_t ipv4_ttl_offset(const Bytes& frame) { return l3_offset(frame) + 8; }
inline std::size_t ipv4_checksum_offset(const Bytes& frame) { return l3_offset(frame) + 10; }
inline std::size_t ipv6_hop_limit_offset(const Bytes& frame) { return l3_offset(frame) + 7; }

inline std::uint8_t ipv4_ttl(const Bytes& frame) { return frame.at(ipv4_ttl_offset(frame)); }
inline std::uint8_t ipv6_hop_limit(const Bytes& frame) { return frame.at(ipv6_hop_limit_offset(frame)); }

/// The header checksum as carried in the frame.
inline std::uint16_t ipv4_checksum(const Bytes& frame) { return get16(frame, ipv4_checksum_offset(frame)); }

/// The header checksum a receiver expects: recomputed over the whole header (options included,
/// per the frame's ihl) with the checksum field taken as zero.
inline std::uint16_t ipv4_checksum_from_scratch(const Bytes& frame)
{
	const std::size_t l3 = l3_offset(frame);
	const std::size_t header_len = (frame.at(l3) & 0xf) * 4u;
	Bytes header(frame.begin() + static_cast<std::ptrdiff_t>(l3),
		     frame.begin() + static_cast<std::ptrdiff_t>(l3 + header_len));
	header[10] = header[11] = 0;
	return internet_checksum(header.data(), header.size());
}

} // namespace xdpfwd::test
