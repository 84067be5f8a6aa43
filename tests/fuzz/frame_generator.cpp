#include "frame_generator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <span>
#include <stdexcept>

#include "support/checksum.hpp"

namespace xdpfwd::test::fuzz {
namespace {

// Where the fuzzer's frames come from and go to: mostly ordinary addresses, so that a good share
// of the frames is forwardable, else the special ones. The routed destinations are the fib
// test's (198.51.100.2 and 2001:db8:2::2 are its neighbours, 203.0.113.0/25 and 2001:db8:100::/64
// lie behind them); the other ordinary ones are the router's own, unrouted, without a neighbour
// or blackholed. Nothing is sent anywhere: BPF_PROG_RUN only runs the program.
const char* const v4_sources[] = {"192.0.2.2", "192.0.2.77", "198.51.100.9", "203.0.113.200", "192.0.2.255"};
const char* const v4_special_sources[] = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.5", "239.1.2.3", "240.0.0.1",
					  "255.255.255.255", "169.254.1.1"};
const char* const v4_destinations[] = {"198.51.100.2", "203.0.113.5", "203.0.113.127", "198.51.100.1", "198.51.100.3",
				       "198.51.100.255", "192.0.2.1", "192.0.2.2", "203.0.113.130", "203.0.113.170",
				       "240.0.0.1"};
const char* const v4_special_destinations[] = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.250",
					       "255.255.255.255", "169.254.0.1", "169.254.255.254"};
const char* const v6_sources[] = {"2001:db8:1::2", "2001:db8:1::99", "2001:db8:300::1", "::ffff:192.0.2.2"};
const char* const v6_special_sources[] = {"::", "::1", "ff02::1", "ff0e::101", "fe80::1", "febf:ffff::1"};
const char* const v6_destinations[] = {"2001:db8:2::2", "2001:db8:100::10", "2001:db8:100::ffff", "2001:db8:2::1",
				       "2001:db8:2::3", "2001:db8:1::2", "2001:db8:201::1", "::ffff:198.51.100.2"};
const char* const v6_special_destinations[] = {"::", "::1", "ff02::1", "ff02::1:ff00:2", "ff05::2", "fe80::1", "febf::2"};

const std::uint8_t ttls[] = {0, 1, 2, 2, 3, 64, 64, 128, 254, 255, 255};

/// An ordinary address three times in four, else a special one.
template <std::size_t N, std::size_t M>
const char* address(Rng& rng, const char* const (&ordinary)[N], const char* const (&special)[M])
{
	return rng.one_in(4) ? rng.pick(special) : rng.pick(ordinary);
}

/// A TTL or hop limit: mostly around expiry and the usual starting values.
std::uint8_t hops(Rng& rng) { return rng.one_in(8) ? rng.byte() : rng.pick(ttls); }
const std::uint16_t vlan_tpids[] = {ethertype_8021q, ethertype_8021ad};

template <std::size_t N>
std::array<std::uint8_t, N> binary(int family, const char* text)
{
	std::array<std::uint8_t, N> address{};
	if (::inet_pton(family, text, address.data()) != 1)
		throw std::invalid_argument(std::string("bad address ") + text);
	return address;
}

template <class Describe>
void say(std::string* trace, Describe&& describe)
{
	if (trace)
		*trace += (trace->empty() ? "" : "; ") + describe();
}

void set16(Bytes& frame, std::size_t at, std::uint16_t value)
{
	frame[at] = static_cast<std::uint8_t>(value >> 8);
	frame[at + 1] = static_cast<std::uint8_t>(value);
}

std::uint16_t get(const Bytes& frame, std::size_t at) { return static_cast<std::uint16_t>(frame[at] << 8 | frame[at + 1]); }

Bytes random_bytes(Rng& rng, std::size_t length)
{
	Bytes bytes(length);
	for (auto& byte : bytes)
		byte = rng.byte();
	return bytes;
}

/// Where the mutations aim: the ethertype after up to three tags, and the L3 offset.
struct Layout {
	std::size_t type_at = 12;
	std::uint16_t type = 0;
	[[nodiscard]] std::size_t l3() const { return type_at + 2; }
};

Layout layout(const Bytes& frame)
{
	Layout l;
	if (frame.size() < 14)
		return l;
	l.type = get(frame, 12);
	for (int tags = 0; tags < 3 && (l.type == ethertype_8021q || l.type == ethertype_8021ad) && l.type_at + 6 <= frame.size();
	     ++tags) {
		l.type_at += 4;
		l.type = get(frame, l.type_at);
	}
	return l;
}

void fix_ipv4_checksum(Bytes& frame, std::size_t l3)
{
	const std::size_t header = (frame[l3] & 0xfu) * 4;
	if (header < 20 || l3 + header > frame.size())
		return;
	set16(frame, l3 + 10, 0);
	set16(frame, l3 + 10, internet_checksum(frame.data() + l3, header));
}

/// IPv4 options a router must act on or reject, written over the NOPs the builder made.
void write_options(Rng& rng, Bytes& packet, std::string* trace)
{
	const std::size_t length = (packet[0] & 0xfu) * 4 - 20;
	std::uint8_t* options = packet.data() + 20;
	switch (rng.below(5)) {
	case 0: // record route: type, length, pointer, then room for addresses
		options[0] = 7, options[1] = static_cast<std::uint8_t>(std::min<std::size_t>(length, 39)), options[2] = 4;
		say(trace, [] { return std::string("record route option"); });
		break;
	case 1: // timestamp
		options[0] = 68, options[1] = static_cast<std::uint8_t>(std::min<std::size_t>(length, 40)), options[2] = 5;
		say(trace, [] { return std::string("timestamp option"); });
		break;
	case 2: // router alert (RFC 2113), four bytes
		options[0] = 148, options[1] = 4, options[2] = 0, options[3] = 0;
		say(trace, [] { return std::string("router alert option"); });
		break;
	case 3: // loose source route with one address
		if (length >= 8) {
			options[0] = 131, options[1] = 7, options[2] = 4;
			std::copy_n(binary<4>(AF_INET, "198.51.100.2").begin(), 4, options + 3);
		}
		say(trace, [] { return std::string("loose source route option"); });
		break;
	default:
		for (std::size_t i = 0; i < length; ++i)
			options[i] = rng.byte();
		say(trace, [] { return std::string("random option bytes"); });
		break;
	}
	set16(packet, 10, 0);
	set16(packet, 10, internet_checksum(packet.data(), 20 + length));
}

} // namespace

FrameGenerator::FrameGenerator(std::uint64_t seed, const MacAddress& router_mac, const MacAddress& peer_mac)
    : seed_(seed), router_mac_(router_mac), peer_mac_(peer_mac)
{
	using Pool = std::span<const char* const>;
	for (const Pool pool : {Pool(v4_sources), Pool(v4_special_sources), Pool(v4_destinations), Pool(v4_special_destinations)})
		for (const char* text : pool)
			v4_addresses_.push_back(binary<4>(AF_INET, text));
	for (const Pool pool : {Pool(v6_sources), Pool(v6_special_sources), Pool(v6_destinations), Pool(v6_special_destinations)})
		for (const char* text : pool)
			v6_addresses_.push_back(binary<16>(AF_INET6, text));
}

void FrameGenerator::make(std::uint64_t index, Bytes& frame, std::string* trace) const
{
	// each frame its own stream: frame i does not depend on the frames before it
	Rng rng(Rng(seed_ ^ Rng(index).next()).next());
	frame = base(rng, trace);
	const std::size_t roll = rng.below(10);
	const std::size_t mutations = roll < 4 ? 0 : roll < 7 ? 1 : 2 + rng.below(4);
	for (std::size_t i = 0; i < mutations; ++i)
		mutate(rng, frame, trace);
	// a header field changed with its checksum kept right reaches the checks after the checksum
	const Layout l = layout(frame);
	if (mutations && l.type == ethertype_ipv4 && rng.one_in(2) && l.l3() < frame.size()) {
		fix_ipv4_checksum(frame, l.l3());
		say(trace, [] { return std::string("IPv4 checksum made right"); });
	}
}

Bytes FrameGenerator::base(Rng& rng, std::string* trace) const
{
	static const MacAddress broadcast = MacAddress::parse("ff:ff:ff:ff:ff:ff");
	static const MacAddress ipv4_multicast = MacAddress::parse("01:00:5e:00:00:01");
	static const MacAddress ipv6_multicast = MacAddress::parse("33:33:00:00:00:01");
	static const MacAddress other_host = MacAddress::parse("02:00:00:00:00:99");
	MacAddress dst = router_mac_;
	if (rng.one_in(8)) {
		const MacAddress* others[] = {&broadcast, &ipv4_multicast, &ipv6_multicast, &other_host};
		dst = *rng.pick(others);
		say(trace, [&] { return "to MAC " + dst.to_string(); });
	}

	std::vector<VlanTag> tags;
	const std::size_t roll = rng.below(20);
	const std::size_t tag_count = roll < 11 ? 0 : roll < 15 ? 1 : roll < 19 ? 2 : 3;
	for (std::size_t i = 0; i < tag_count; ++i)
		tags.push_back({rng.pick(vlan_tpids), static_cast<std::uint16_t>(rng.next())});
	say(trace, [&] {
		std::string text = std::to_string(tags.size()) + " VLAN tag(s)";
		for (const VlanTag& tag : tags)
			text += tag.tpid == ethertype_8021q ? " 802.1Q" : " 802.1ad";
		return text;
	});

	const std::size_t kind = rng.below(20);
	Bytes frame;
	if (kind < 9) {
		frame = ethernet(dst, peer_mac_, ethertype_ipv4, ipv4_packet(rng, trace), tags);
	} else if (kind < 18) {
		frame = ethernet(dst, peer_mac_, ethertype_ipv6, ipv6_packet(rng, trace), tags);
	} else if (kind == 18) {
		say(trace, [] { return std::string("ARP request"); });
		frame = ethernet(dst, peer_mac_, ethertype_arp, arp_request(peer_mac_, "192.0.2.2", "192.0.2.1"), tags);
	} else {
		const std::uint16_t type = static_cast<std::uint16_t>(rng.next());
		say(trace, [&] { return "ethertype " + std::to_string(type); });
		frame = ethernet(dst, peer_mac_, type, random_bytes(rng, rng.below(64)), tags);
	}
	if (rng.one_in(10)) { // link-layer padding after the IP packet, as short frames carry
		const std::size_t padding = 1 + rng.below(30);
		say(trace, [&] { return std::to_string(padding) + " bytes of padding"; });
		const Bytes more = random_bytes(rng, padding);
		frame.insert(frame.end(), more.begin(), more.end());
	}
	return frame;
}

Bytes FrameGenerator::ipv4_packet(Rng& rng, std::string* trace) const
{
	Ipv4Header h;
	h.src = address(rng, v4_sources, v4_special_sources);
	h.dst = address(rng, v4_destinations, v4_special_destinations);
	h.ttl = hops(rng);
	h.tos = rng.byte();
	h.id = static_cast<std::uint16_t>(rng.next());
	const std::uint16_t frags[] = {0, ipv4_dont_fragment, ipv4_more_fragments, ipv4_more_fragments | 185, 370,
				       static_cast<std::uint16_t>(rng.next())};
	h.frag = rng.pick(frags);
	const bool with_options = rng.one_in(3);
	if (with_options)
		h.option_bytes = 4 * (1 + rng.below(10));
	Bytes payload;
	switch (rng.below(4)) {
	case 0:
		h.protocol = IPPROTO_ICMP;
		payload = icmp(rng.pick({std::uint8_t{0}, std::uint8_t{3}, std::uint8_t{8}, std::uint8_t{11}}), 0, 4 + rng.below(60));
		break;
	case 1:
		h.protocol = IPPROTO_TCP;
		payload = random_bytes(rng, 20 + rng.below(40));
		break;
	default:
		payload = udp(static_cast<std::uint16_t>(rng.next()), 5353, rng.below(100));
		break;
	}
	say(trace, [&] {
		return "IPv4 " + h.src + " -> " + h.dst + " ttl " + std::to_string(h.ttl) + " protocol " +
		       std::to_string(h.protocol) + " frag " + std::to_string(h.frag) + " options " + std::to_string(h.option_bytes);
	});
	Bytes packet = ipv4(h, payload);
	if (with_options && rng.one_in(2))
		write_options(rng, packet, trace);
	return packet;
}

Bytes FrameGenerator::ipv6_packet(Rng& rng, std::string* trace) const
{
	Ipv6Header h;
	h.src = address(rng, v6_sources, v6_special_sources);
	h.dst = address(rng, v6_destinations, v6_special_destinations);
	h.hop_limit = hops(rng);
	h.traffic_class = rng.byte();
	h.flow_label = static_cast<std::uint32_t>(rng.next()) & 0xfffff;

	std::uint8_t next = IPPROTO_UDP;
	Bytes payload;
	switch (rng.below(5)) {
	case 0:
	case 1: {
		next = IPPROTO_ICMPV6;
		const std::uint8_t types[] = {1, 3, 128, 129, 133, 134, 135, 136, 137, 138, 143};
		payload = icmp(rng.one_in(8) ? rng.byte() : rng.pick(types), 0, 4 + rng.below(40));
		break;
	}
	case 2:
		next = IPPROTO_NONE;
		break;
	default:
		payload = udp(static_cast<std::uint16_t>(rng.next()), 5353, rng.below(100));
		break;
	}
	// extension headers, innermost first: each 8 bytes, naming the header after it
	const std::uint8_t extension_types[] = {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS};
	const std::size_t extensions = rng.one_in(3) ? 1 + rng.below(3) : 0;
	std::string chain;
	for (std::size_t i = 0; i < extensions; ++i) {
		const std::uint8_t type = rng.pick(extension_types);
		Bytes header = {next, 0, 0, 0, 0, 0, 0, 0};
		if (type == IPPROTO_ROUTING)
			header[2] = rng.pick({std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{4}}), header[3] = rng.byte() & 3;
		else if (type == IPPROTO_FRAGMENT)
			std::copy_n(random_bytes(rng, 6).begin(), 6, header.begin() + 2);
		else
			header[2] = 1, header[3] = 4; // PadN filling the rest
		payload.insert(payload.begin(), header.begin(), header.end());
		next = type;
		chain = std::to_string(type) + (chain.empty() ? "" : ",") + chain;
	}
	h.next_header = next;
	say(trace, [&] {
		return "IPv6 " + h.src + " -> " + h.dst + " hop limit " + std::to_string(h.hop_limit) + " headers " +
		       (chain.empty() ? std::string("none") : chain) + " then " + std::to_string(payload.empty() ? 59 : payload[0]);
	});
	return ipv6(h, payload);
}

void FrameGenerator::mutate(Rng& rng, Bytes& frame, std::string* trace) const
{
	const Layout l = layout(frame);
	const std::size_t l3 = l.l3();
	const bool v4 = l.type == ethertype_ipv4;
	const bool v6 = l.type == ethertype_ipv6;
	auto fits = [&](std::size_t end) { return end <= frame.size(); };
	// mostly in the headers, where the decisions are
	auto offset = [&] { return rng.below(4) ? rng.below(std::min(frame.size(), l3 + 60)) : rng.below(frame.size()); };

	switch (rng.below(13)) {
	case 0:
		if (frame.size() > 14) {
			frame.resize(14 + rng.below(frame.size() - 14));
			say(trace, [&] { return "cut to " + std::to_string(frame.size()) + " bytes"; });
		}
		break;
	case 1: {
		const std::size_t at = offset();
		const int bit = static_cast<int>(rng.below(8));
		frame[at] ^= static_cast<std::uint8_t>(1 << bit);
		say(trace, [&] { return "bit " + std::to_string(bit) + " of byte " + std::to_string(at) + " flipped"; });
		break;
	}
	case 2: {
		const std::size_t at = offset();
		frame[at] = rng.byte();
		say(trace, [&] { return "byte " + std::to_string(at) + " set to " + std::to_string(frame[at]); });
		break;
	}
	case 3: // the stated length against the frame
		if (v4 && fits(l3 + 4)) {
			const auto actual = static_cast<std::uint16_t>(frame.size() - l3);
			const auto header = static_cast<std::uint16_t>((frame[l3] & 0xf) * 4);
			const std::uint16_t lengths[] = {0, 1, 19, 20, static_cast<std::uint16_t>(header - 1), header,
							 static_cast<std::uint16_t>(actual - 1), actual, static_cast<std::uint16_t>(actual + 1),
							 0xffff, static_cast<std::uint16_t>(rng.next())};
			set16(frame, l3 + 2, rng.pick(lengths));
			say(trace, [&] { return "IPv4 total length " + std::to_string(get(frame, l3 + 2)); });
		} else if (v6 && fits(l3 + 6)) {
			const auto actual = static_cast<std::uint16_t>(frame.size() - std::min(frame.size(), l3 + 40));
			const std::uint16_t lengths[] = {0, static_cast<std::uint16_t>(actual - 1), actual,
							 static_cast<std::uint16_t>(actual + 1), 0xffff, static_cast<std::uint16_t>(rng.next())};
			set16(frame, l3 + 4, rng.pick(lengths));
			say(trace, [&] { return "IPv6 payload length " + std::to_string(get(frame, l3 + 4)); });
		}
		break;
	case 4:
		if (fits(l3 + 1)) {
			if (v4 || rng.one_in(2)) {
				frame[l3] = static_cast<std::uint8_t>((frame[l3] & 0xf0) | rng.below(16));
				say(trace, [&] { return "ihl " + std::to_string(frame[l3] & 0xf); });
			} else {
				frame[l3] = static_cast<std::uint8_t>((frame[l3] & 0x0f) | rng.below(16) << 4);
				say(trace, [&] { return "version " + std::to_string(frame[l3] >> 4); });
			}
		}
		break;
	case 5:
		if ((v4 && fits(l3 + 9)) || (v6 && fits(l3 + 8))) {
			const std::size_t at = l3 + (v4 ? 8 : 7);
			frame[at] = rng.pick({std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{255}});
			say(trace, [&] { return "TTL / hop limit " + std::to_string(frame[at]); });
		}
		break;
	case 6:
		if (v4 && fits(l3 + 12)) {
			const auto flip = static_cast<std::uint16_t>(1 + rng.below(0xffff));
			set16(frame, l3 + 10, get(frame, l3 + 10) ^ flip);
			say(trace, [&] { return "IPv4 checksum xor " + std::to_string(flip); });
		}
		break;
	case 7:
		if (v4 && fits(l3 + 20)) {
			const bool source = rng.one_in(2);
			const V4& address = v4_addresses_[rng.below(v4_addresses_.size())];
			std::copy(address.begin(), address.end(), frame.begin() + static_cast<std::ptrdiff_t>(l3 + (source ? 12 : 16)));
			say(trace, [&] { return std::string(source ? "IPv4 source" : "IPv4 destination") + " replaced"; });
		} else if (v6 && fits(l3 + 40)) {
			const bool source = rng.one_in(2);
			const V6& address = v6_addresses_[rng.below(v6_addresses_.size())];
			std::copy(address.begin(), address.end(), frame.begin() + static_cast<std::ptrdiff_t>(l3 + (source ? 8 : 24)));
			say(trace, [&] { return std::string(source ? "IPv6 source" : "IPv6 destination") + " replaced"; });
		}
		break;
	case 8: { // a tag more, outermost
		const std::uint16_t tpid = rng.pick(vlan_tpids);
		const Bytes tag = {static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid), rng.byte(), rng.byte()};
		frame.insert(frame.begin() + 12, tag.begin(), tag.end());
		say(trace, [&] { return "tag " + std::to_string(tpid) + " added"; });
		break;
	}
	case 9:
		if (l.type_at > 12) {
			frame.erase(frame.begin() + 12, frame.begin() + 16);
			say(trace, [] { return std::string("outer tag removed"); });
		}
		break;
	case 10: {
		const std::uint16_t types[] = {ethertype_ipv4, ethertype_ipv6, ethertype_8021q, ethertype_8021ad, ethertype_arp,
					       static_cast<std::uint16_t>(rng.next())};
		set16(frame, l.type_at, rng.pick(types));
		say(trace, [&] { return "ethertype " + std::to_string(get(frame, l.type_at)); });
		break;
	}
	case 11: {
		const Bytes more = random_bytes(rng, 1 + rng.below(40));
		frame.insert(frame.end(), more.begin(), more.end());
		say(trace, [&] { return std::to_string(more.size()) + " bytes appended"; });
		break;
	}
	default: // an extension header right after the IPv6 header
		if (v6 && fits(l3 + 40)) {
			const std::uint8_t type = rng.pick({std::uint8_t{IPPROTO_HOPOPTS}, std::uint8_t{IPPROTO_ROUTING},
							    std::uint8_t{IPPROTO_FRAGMENT}, std::uint8_t{IPPROTO_DSTOPTS}});
			const Bytes header = {frame[l3 + 6], 0, 1, 4, 0, 0, 0, 0};
			frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(l3 + 40), header.begin(), header.end());
			frame[l3 + 6] = type;
			set16(frame, l3 + 4, static_cast<std::uint16_t>(get(frame, l3 + 4) + 8));
			say(trace, [&] { return "extension header " + std::to_string(type) + " inserted"; });
		}
		break;
	}
}

} // namespace xdpfwd::test::fuzz
