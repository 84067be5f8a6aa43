#include "frame_oracle.hpp"

#include <algorithm>
#include <cstdio>

#include "support/checksum.hpp"

namespace xdpfwd::test::fuzz {
namespace {

constexpr std::uint8_t next_header_hop_by_hop = 0;
constexpr std::uint8_t next_header_icmpv6 = 58;

std::uint16_t be16(const std::uint8_t* at) { return static_cast<std::uint16_t>(at[0] << 8 | at[1]); }
std::uint32_t be32(const std::uint8_t* at) { return static_cast<std::uint32_t>(be16(at)) << 16 | be16(at + 2); }

Judgement keep(Judgement j, const char* why, Expect expect = Expect::keep)
{
	j.expect = expect;
	j.why = why;
	return j;
}

/// Anything but End of Option List and No Operation asks a router to act (RFC 791, RFC 1812
/// 5.2.4: record route, timestamps, source routes) or to reject a malformed option.
bool options_to_process(const std::uint8_t* options, std::size_t length)
{
	for (std::size_t i = 0; i < length; ++i) {
		if (options[i] == 0)
			return false; // End of Option List: the rest is padding
		if (options[i] != 1)
			return true;
	}
	return false;
}

Judgement judge_ipv4(const Bytes& frame, Judgement j)
{
	const std::uint8_t* ip = frame.data() + j.l3;
	const std::size_t available = frame.size() - j.l3;
	if (available < 20)
		return keep(j, "IPv4 header truncated");
	if (ip[0] >> 4 != 4)
		return keep(j, "IPv4 version is not 4");
	const std::size_t header = (ip[0] & 0xfu) * 4;
	if (header < 20)
		return keep(j, "IPv4 ihl below 5");
	if (header > available)
		return keep(j, "IPv4 options truncated");
	// RFC 1812 5.2.2: total length at least the header, and no more than the frame holds
	const std::size_t total = be16(ip + 2);
	if (total < header || total > available)
		return keep(j, "IPv4 total length inconsistent");
	if (internet_checksum(ip, header) != 0)
		return keep(j, "IPv4 header checksum wrong");
	// RFC 1812 5.3.7: no source in 0/8, 127/8, 224/4 or 240/4; no destination in 0/8 or 127/8
	const std::uint32_t src = be32(ip + 12);
	const std::uint32_t dst = be32(ip + 16);
	if (src >> 24 == 0 || src >> 24 == 127 || src >> 28 >= 0xe)
		return keep(j, "IPv4 martian source");
	if (dst >> 24 == 0 || dst >> 24 == 127)
		return keep(j, "IPv4 martian destination");
	if (dst >> 28 == 0xe || dst == 0xffffffff)
		return keep(j, "IPv4 multicast or broadcast destination");
	if (dst >> 16 == 0xa9fe || src >> 16 == 0xa9fe)
		return keep(j, "IPv4 link-local address (169.254/16)");
	if (ip[8] <= 1)
		return keep(j, "IPv4 TTL would expire");
	j.options_to_process = options_to_process(ip + 20, header - 20);
	j.expect = Expect::forward;
	return j;
}

bool unspecified_or_loopback(const std::uint8_t* address)
{
	return std::all_of(address, address + 15, [](std::uint8_t byte) { return byte == 0; }) && address[15] <= 1;
}

bool link_local(const std::uint8_t* address) { return address[0] == 0xfe && (address[1] & 0xc0) == 0x80; }

Judgement judge_ipv6(const Bytes& frame, Judgement j)
{
	const std::uint8_t* ip = frame.data() + j.l3;
	const std::size_t available = frame.size() - j.l3;
	if (available < 40)
		return keep(j, "IPv6 header truncated");
	if (ip[0] >> 4 != 6)
		return keep(j, "IPv6 version is not 6");
	const std::size_t payload = be16(ip + 4);
	if (40 + payload > available)
		return keep(j, "IPv6 payload length beyond the frame");
	const std::uint8_t* src = ip + 8;
	const std::uint8_t* dst = ip + 24;
	// RFC 4291 2.5.2, 2.5.3, 2.7: ::, ::1 either way and a multicast source are never routed
	if (unspecified_or_loopback(src) || unspecified_or_loopback(dst))
		return keep(j, "IPv6 :: or ::1");
	if (src[0] == 0xff)
		return keep(j, "IPv6 multicast source");
	if (dst[0] == 0xff)
		return keep(j, "IPv6 multicast destination");
	if (link_local(src) || link_local(dst))
		return keep(j, "IPv6 link-local address (fe80::/10)");
	const std::uint8_t next = ip[6];
	const std::uint8_t hop_limit = ip[7];
	if (next == next_header_hop_by_hop) // RFC 8200 4.3: every node on the path processes it
		return keep(j, "IPv6 hop-by-hop header");
	if (hop_limit <= 1)
		return keep(j, "IPv6 hop limit would expire");
	if (next == next_header_icmpv6 && hop_limit == 255) {
		// RFC 4861: neighbour discovery (133..137) is sent with hop limit 255 and answered on the link
		if (payload == 0)
			return keep(j, "ICMPv6 without a type, hop limit 255", Expect::either);
		if (ip[40] >= 133 && ip[40] <= 137)
			return keep(j, "IPv6 neighbour discovery");
	}
	j.expect = Expect::forward;
	return j;
}

std::string hex(std::uint8_t byte)
{
	char text[8];
	std::snprintf(text, sizeof(text), "0x%02x", byte);
	return text;
}

} // namespace

Judgement judge(const Bytes& frame, const MacAddress& ingress_mac)
{
	Judgement j;
	if (frame.size() < 14)
		return keep(j, "shorter than an Ethernet header");
	j.group_mac = (frame[0] & 1) != 0;
	j.foreign_mac = !j.group_mac && !std::equal(ingress_mac.bytes.begin(), ingress_mac.bytes.end(), frame.begin());
	std::size_t type_at = 12;
	std::uint16_t type = be16(&frame[type_at]);
	while (type == ethertype_8021q || type == ethertype_8021ad) {
		if (j.tags == 2)
			return keep(j, "more than two VLAN tags");
		if (type_at + 6 > frame.size())
			return keep(j, "VLAN tag truncated");
		type_at += 4;
		type = be16(&frame[type_at]);
		++j.tags;
	}
	j.l3 = type_at + 2;
	if (type == ethertype_ipv4) {
		j.is_ip = j.ipv4 = true;
		return judge_ipv4(frame, j);
	}
	if (type == ethertype_ipv6) {
		j.is_ip = true;
		return judge_ipv6(frame, j);
	}
	return keep(j, "not IP");
}

std::string check_rewrite(const Bytes& in, const Bytes& out, const Judgement& j, const MacAddress& dst,
			  const MacAddress& src)
{
	if (out.size() != in.size())
		return "length changed from " + std::to_string(in.size()) + " to " + std::to_string(out.size());
	Bytes expected = in;
	std::copy(dst.bytes.begin(), dst.bytes.end(), expected.begin());
	std::copy(src.bytes.begin(), src.bytes.end(), expected.begin() + 6);
	if (j.ipv4) {
		const std::size_t header = (in[j.l3] & 0xfu) * 4;
		if (internet_checksum(out.data() + j.l3, header) != 0)
			return "IPv4 header checksum does not verify after the rewrite";
		--expected[j.l3 + 8];
		// either form of a verifying checksum (0x0000 or 0xffff for a zero sum) is right
		expected[j.l3 + 10] = out[j.l3 + 10];
		expected[j.l3 + 11] = out[j.l3 + 11];
	} else {
		--expected[j.l3 + 7];
	}
	const auto [want, got] = std::mismatch(expected.begin(), expected.end(), out.begin());
	if (want == expected.end())
		return {};
	return "byte " + std::to_string(want - expected.begin()) + " is " + hex(*got) + ", expected " + hex(*want);
}

} // namespace xdpfwd::test::fuzz
