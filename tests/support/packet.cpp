#include "packet.hpp"

#include <arpa/inet.h>

#include <array>
#include <stdexcept>

#include "checksum.hpp"

namespace xdpfwd::test {
namespace {

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

template <std::size_t N>
void put_address(Bytes& out, int family, const std::string& text)
{
	std::array<std::uint8_t, N> address{};
	if (::inet_pton(family, text.c_str(), address.data()) != 1)
		throw std::invalid_argument("bad address " + text);
	out.insert(out.end(), address.begin(), address.end());
}

} // namespace

void put16(Bytes& out, std::uint16_t value)
{
	out.push_back(static_cast<std::uint8_t>(value >> 8));
	out.push_back(static_cast<std::uint8_t>(value));
}

std::uint16_t get16(const Bytes& frame, std::size_t offset)
{
	return static_cast<std::uint16_t>(frame.at(offset) << 8 | frame.at(offset + 1));
}

Bytes ethernet(const MacAddress& dst, const MacAddress& src, std::uint16_t ethertype, const Bytes& payload,
	       const std::vector<VlanTag>& tags)
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

Bytes ipv4(const Ipv4Header& h, const Bytes& payload)
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
	put_address<4>(packet, AF_INET, h.src);
	put_address<4>(packet, AF_INET, h.dst);
	packet.insert(packet.end(), h.option_bytes, 1); // IPOPT_NOP
	const std::uint16_t checksum = internet_checksum(packet.data(), header_len);
	packet[10] = static_cast<std::uint8_t>(checksum >> 8);
	packet[11] = static_cast<std::uint8_t>(checksum);
	append(packet, payload);
	return packet;
}

Bytes ipv6(const Ipv6Header& h, const Bytes& payload)
{
	Bytes packet;
	const std::uint32_t first_word = static_cast<std::uint32_t>(h.version) << 28 |
					 static_cast<std::uint32_t>(h.traffic_class) << 20 | (h.flow_label & 0xfffff);
	put16(packet, static_cast<std::uint16_t>(first_word >> 16));
	put16(packet, static_cast<std::uint16_t>(first_word));
	put16(packet, static_cast<std::uint16_t>(payload.size()));
	packet.push_back(h.next_header);
	packet.push_back(h.hop_limit);
	put_address<16>(packet, AF_INET6, h.src);
	put_address<16>(packet, AF_INET6, h.dst);
	append(packet, payload);
	return packet;
}

Bytes udp(std::uint16_t src_port, std::uint16_t dst_port, std::size_t data_len)
{
	Bytes datagram;
	put16(datagram, src_port);
	put16(datagram, dst_port);
	put16(datagram, static_cast<std::uint16_t>(udp_header_len + data_len));
	put16(datagram, 0);
	for (std::size_t i = 0; i < data_len; ++i)
		datagram.push_back(static_cast<std::uint8_t>(i));
	return datagram;
}

Bytes icmp(std::uint8_t type, std::uint8_t code, std::size_t body_len)
{
	Bytes message{type, code, 0, 0};
	message.insert(message.end(), body_len, 0xab);
	return message;
}

Bytes arp_request(const MacAddress& sender_mac, const std::string& sender_ip, const std::string& target_ip)
{
	Bytes arp;
	put16(arp, 1);      // hardware: Ethernet
	put16(arp, 0x0800); // protocol: IPv4
	arp.push_back(6);
	arp.push_back(4);
	put16(arp, 1); // request
	arp.insert(arp.end(), sender_mac.bytes.begin(), sender_mac.bytes.end());
	put_address<4>(arp, AF_INET, sender_ip);
	arp.insert(arp.end(), 6, 0);
	put_address<4>(arp, AF_INET, target_ip);
	return arp;
}

Bytes ipv4_with_checksum(Ipv4Header h, const Bytes& payload, std::uint16_t wanted)
{
	for (std::uint32_t id = 0; id <= 0xffff; ++id) {
		h.id = static_cast<std::uint16_t>(id);
		Bytes packet = ipv4(h, payload);
		if (get16(packet, 10) == wanted)
			return packet;
	}
	throw std::invalid_argument("no IPv4 identification gives checksum " + std::to_string(wanted));
}

void fill_ipv6_udp_checksum(Bytes& frame)
{
	const std::size_t check = l3_offset(frame) + ipv6_header_len + 6;
	frame.at(check) = frame.at(check + 1) = 0;
	std::uint16_t sum = ipv6_udp_checksum(frame);
	if (sum == 0)
		sum = 0xffff; // 0 means "no checksum", which IPv6 forbids
	frame[check] = static_cast<std::uint8_t>(sum >> 8);
	frame[check + 1] = static_cast<std::uint8_t>(sum);
}

MacAddress read_mac(const Bytes& frame, std::size_t offset)
{
	MacAddress mac;
	for (std::size_t i = 0; i < mac.bytes.size(); ++i)
		mac.bytes[i] = frame.at(offset + i);
	return mac;
}

std::size_t l3_offset(const Bytes& frame)
{
	std::size_t offset = 12;
	while (get16(frame, offset) == ethertype_8021q || get16(frame, offset) == ethertype_8021ad)
		offset += vlan_tag_len;
	return offset + 2;
}

std::uint16_t ipv4_checksum_from_scratch(const Bytes& frame)
{
	const std::size_t l3 = l3_offset(frame);
	const std::size_t header_len = (frame.at(l3) & 0xf) * 4u;
	Bytes header(frame.begin() + static_cast<std::ptrdiff_t>(l3),
		     frame.begin() + static_cast<std::ptrdiff_t>(l3 + header_len));
	header[10] = header[11] = 0;
	return internet_checksum(header.data(), header.size());
}

std::uint16_t ipv6_udp_checksum(const Bytes& frame)
{
	const std::size_t l3 = l3_offset(frame);
	const std::size_t l4 = l3 + ipv6_header_len;
	if (frame.size() < l4 + udp_header_len)
		throw std::invalid_argument("not a whole IPv6/UDP frame");
	const std::size_t udp_len = frame.size() - l4;
	std::uint32_t sum = ones_complement_sum(frame.data() + l3 + 8, 32); // source and destination
	sum += static_cast<std::uint32_t>(udp_len) + IPPROTO_UDP;
	return checksum_of_sum(ones_complement_sum(frame.data() + l4, udp_len, sum));
}

} // namespace xdpfwd::test
