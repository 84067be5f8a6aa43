#include "frame_sets.hpp"

#include <utility>

namespace xdpfwd::test {

Bytes ipv4_frame(const Ipv4Header& h, std::vector<VlanTag> tags, std::size_t udp_data)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4(h, udp(1024, 5353, udp_data)), tags);
}

Bytes ipv4_frame_with_checksum(const Ipv4Header& h, std::uint16_t checksum)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4_with_checksum(h, udp(1024, 5353, 18), checksum));
}

Bytes ipv6_frame(const Ipv6Header& h, std::vector<VlanTag> tags, std::size_t udp_data)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, udp(1024, 5353, udp_data)), tags);
}

Bytes icmpv6_frame(const std::string& dst, std::uint8_t type, std::uint8_t hop_limit)
{
	Ipv6Header h;
	h.dst = dst;
	h.hop_limit = hop_limit;
	h.next_header = IPPROTO_ICMPV6;
	return ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, icmp(type)));
}

std::vector<NamedFrame> forwardable_ipv4_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t ttl : {2, 3, 64, 128, 255})
		for (const std::uint8_t tos : {0x00, 0x10, 0xb8, 0xff})
			for (const std::uint16_t id : {0x0000, 0x1234, 0xffff}) {
				Ipv4Header h;
				h.ttl = ttl;
				h.tos = tos;
				h.id = id;
				frames.push_back({"IPv4 ttl " + std::to_string(ttl) + " tos " + std::to_string(tos) + " id " +
							  std::to_string(id),
						  ipv4_frame(h)});
			}
	for (const std::uint16_t checksum : wrapping_checksums)
		for (const std::uint8_t ttl : {2, 255}) {
			Ipv4Header h;
			h.ttl = ttl;
			frames.push_back({"IPv4 ttl " + std::to_string(ttl) + " checksum " + std::to_string(checksum),
					  ipv4_frame_with_checksum(h, checksum)});
		}
	for (std::size_t options = 4; options <= 40; options += 4) {
		Ipv4Header h;
		h.option_bytes = options;
		h.id = static_cast<std::uint16_t>(options * 997); // vary the checksum too
		frames.push_back({"IPv4 ihl " + std::to_string(5 + options / 4), ipv4_frame(h)});
	}
	const std::pair<const char*, std::uint16_t> fragments[] = {
	    {"first fragment (MF, offset 0)", ipv4_more_fragments},
	    {"middle fragment (MF, offset 1480)", ipv4_more_fragments | 185},
	    {"last fragment (offset 2960)", 370},
	    {"DF set", ipv4_dont_fragment},
	};
	for (const auto& [name, frag] : fragments) {
		Ipv4Header h;
		h.frag = frag;
		h.id = 0xbeef;
		frames.push_back({std::string("IPv4 ") + name, ipv4_frame(h)});
	}
	Ipv4Header ping;
	ping.protocol = IPPROTO_ICMP;
	frames.push_back({"IPv4 ICMP echo request",
			  ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4(ping, icmp(8, 0, 56)))});
	return frames;
}

std::vector<NamedFrame> forwardable_ipv6_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t hop_limit : {2, 64, 255})
		for (const std::uint8_t traffic_class : {0x00, 0xb8})
			for (const std::uint32_t flow_label : {0u, 0xabcdeu}) {
				Ipv6Header h;
				h.hop_limit = hop_limit;
				h.traffic_class = traffic_class;
				h.flow_label = flow_label;
				frames.push_back({"IPv6 hop limit " + std::to_string(hop_limit) + " class " +
							  std::to_string(traffic_class) + " flow " + std::to_string(flow_label),
						  ipv6_frame(h)});
			}
	frames.push_back({"ICMPv6 echo request hop limit 255", icmpv6_frame("2001:db8:2::2", 128)});
	frames.push_back({"ICMPv6 type 138 hop limit 255", icmpv6_frame("2001:db8:2::2", 138)});
	frames.push_back({"ICMPv6 type 135 hop limit 64 (not valid ND)", icmpv6_frame("2001:db8:2::2", 135, 64)});
	return frames;
}

std::vector<NamedFrame> tagged_frames()
{
	const VlanTag inner{ethertype_8021q, 0x2064}; // priority 1, VLAN 100
	const VlanTag outer{ethertype_8021ad, 200};
	const VlanTag outer_q{ethertype_8021q, 300};
	return {
	    {"IPv4 in 802.1Q", ipv4_frame({}, {inner})},
	    {"IPv6 in 802.1Q", ipv6_frame({}, {inner})},
	    {"IPv4 in 802.1ad + 802.1Q", ipv4_frame({}, {outer, inner})},
	    {"IPv6 in 802.1ad + 802.1Q", ipv6_frame({}, {outer, inner})},
	    {"IPv4 in 802.1Q + 802.1Q", ipv4_frame({}, {outer_q, inner})},
	};
}

std::vector<NamedFrame> expiring_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t ttl : {0, 1}) {
		Ipv4Header v4;
		v4.ttl = ttl;
		Ipv6Header v6;
		v6.hop_limit = ttl;
		frames.push_back({"IPv4 TTL " + std::to_string(ttl), ipv4_frame(v4)});
		frames.push_back({"IPv6 hop limit " + std::to_string(ttl), ipv6_frame(v6)});
	}
	return frames;
}

std::vector<NamedFrame> malformed_frames()
{
	const VlanTag inner{ethertype_8021q, 100};
	const VlanTag outer{ethertype_8021ad, 200};
	Ipv4Header with_options;
	with_options.option_bytes = 40; // ihl 15
	Ipv4Header one_option_word;
	one_option_word.option_bytes = 4; // ihl 6
	const std::vector<NamedFrame> complete = {
	    {"IPv4", ipv4_frame()},
	    {"IPv4 in 802.1Q", ipv4_frame({}, {inner})},
	    {"IPv4 in QinQ", ipv4_frame({}, {outer, inner})},
	    {"IPv4 ihl 6", ipv4_frame(one_option_word)},
	    {"IPv4 ihl 15", ipv4_frame(with_options)},
	    {"IPv4 ihl 15 in QinQ", ipv4_frame(with_options, {outer, inner})},
	    {"IPv6", ipv6_frame()},
	    {"IPv6 in 802.1Q", ipv6_frame({}, {inner})},
	    {"IPv6 in QinQ", ipv6_frame({}, {outer, inner})},
	};
	std::vector<NamedFrame> frames;
	for (const auto& [name, frame] : complete) {
		const std::size_t l3 = l3_offset(frame);
		const bool is_ipv4 = l3_ethertype(frame) == ethertype_ipv4;
		const std::size_t l3_end = l3 + (is_ipv4 ? (frame[l3] & 0xf) * 4u : ipv6_header_len);
		for (std::size_t length = eth_header_len; length < l3_end; ++length)
			frames.push_back({name + " cut to " + std::to_string(length) + " bytes",
					  Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length))});
	}

	Ipv4Header short_ihl;
	short_ihl.ihl = 4; // claims less than the fixed header
	Ipv4Header long_ihl;
	long_ihl.ihl = 15; // claims 40 bytes of options the frame does not have (only 18 + 8 follow)
	Ipv4Header not_v4;
	not_v4.version = 6;
	Ipv6Header not_v6;
	not_v6.version = 4;
	frames.push_back({"IPv4 ihl 4", ipv4_frame(short_ihl)});
	frames.push_back({"IPv4 ihl 15 without the options", ipv4_frame(long_ihl, {}, 0)});
	frames.push_back({"version 6 in an IPv4 ethertype", ipv4_frame(not_v4)});
	frames.push_back({"version 4 in an IPv6 ethertype", ipv6_frame(not_v6)});
	frames.push_back({"three VLAN tags", ipv4_frame({}, {outer, outer, inner})});
	return frames;
}

std::vector<NamedFrame> non_ip_frames()
{
	const Bytes arp = arp_request(peer_mac, "192.0.2.2", "192.0.2.1");
	const MacAddress broadcast = MacAddress::parse("ff:ff:ff:ff:ff:ff");
	return {
	    {"ARP request", ethernet(broadcast, peer_mac, ethertype_arp, arp)},
	    {"ARP request in 802.1Q", ethernet(broadcast, peer_mac, ethertype_arp, arp, {{ethertype_8021q, 100}})},
	    {"LLDP", ethernet(MacAddress::parse("01:80:c2:00:00:0e"), peer_mac, 0x88cc, Bytes(46, 0))},
	    {"local experimental ethertype 0x88b5", ethernet(router_mac, peer_mac, 0x88b5, Bytes(46, 0x5a))},
	    {"bare Ethernet header, unknown ethertype", ethernet(router_mac, peer_mac, 0x1234, {})},
	};
}

std::vector<NamedFrame> link_scoped_frames()
{
	std::vector<NamedFrame> frames;
	for (const char* dst : {"224.0.0.1", "224.0.0.251", "239.255.255.250", "255.255.255.255", "169.254.0.1", "169.254.255.254"}) {
		Ipv4Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv4 to ") + dst, ipv4_frame(h)});
	}
	// a link-local source may not be routed off its link, even to a global destination
	for (const char* src : {"169.254.1.1", "169.254.255.255"}) {
		Ipv4Header h;
		h.src = src;
		frames.push_back({std::string("IPv4 from ") + src, ipv4_frame(h)});
	}
	for (const char* src : {"fe80::1", "febf::2"}) {
		Ipv6Header h;
		h.src = src;
		frames.push_back({std::string("IPv6 from ") + src, ipv6_frame(h)});
	}
	for (const char* dst : {"ff02::1", "ff02::1:ff00:2", "ff05::2", "ff0e::101", "fe80::1", "febf:ffff::1"}) {
		Ipv6Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv6 to ") + dst, ipv6_frame(h)});
	}
	// neighbour discovery to a global address: the router answers it, whatever the destination
	for (std::uint8_t type = 133; type <= 137; ++type)
		frames.push_back({"ICMPv6 type " + std::to_string(type) + " hop limit 255", icmpv6_frame("2001:db8:2::2", type)});
	Ipv6Header truncated_nd;
	truncated_nd.hop_limit = 255;
	truncated_nd.next_header = IPPROTO_ICMPV6;
	frames.push_back({"ICMPv6 hop limit 255 without the ICMPv6 type",
			  ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(truncated_nd, {}))});
	return frames;
}

namespace {

// `frame` with the 16-bit word at `offset` of its L3 header set to `value`; for IPv4 the header
// checksum is made right again unless `keep_checksum` (so only the changed field is wrong).
Bytes with_l3_word(Bytes frame, std::size_t offset, std::uint16_t value, bool keep_checksum = false)
{
	const std::size_t at = l3_offset(frame) + offset;
	frame.at(at) = static_cast<std::uint8_t>(value >> 8);
	frame.at(at + 1) = static_cast<std::uint8_t>(value);
	if (l3_ethertype(frame) == ethertype_ipv4 && !keep_checksum) {
		const std::uint16_t sum = ipv4_checksum_from_scratch(frame);
		frame.at(ipv4_checksum_offset(frame)) = static_cast<std::uint8_t>(sum >> 8);
		frame.at(ipv4_checksum_offset(frame) + 1) = static_cast<std::uint8_t>(sum);
	}
	return frame;
}

} // namespace

std::vector<NamedFrame> bad_checksum_frames()
{
	std::vector<NamedFrame> frames;
	Ipv4Header with_options;
	with_options.option_bytes = 40;
	for (const auto& [name, frame] : {NamedFrame{"IPv4", ipv4_frame()}, NamedFrame{"IPv4 ihl 15", ipv4_frame(with_options)},
					  NamedFrame{"IPv4 in 802.1Q", ipv4_frame({}, {{ethertype_8021q, 100}})}}) {
		const std::uint16_t right = ipv4_checksum(frame);
		for (const std::uint16_t wrong : {static_cast<std::uint16_t>(right ^ 0x0001), static_cast<std::uint16_t>(right + 0x0100),
						  static_cast<std::uint16_t>(~right)})
			frames.push_back({name + " checksum " + std::to_string(wrong) + " instead of " + std::to_string(right),
					  with_l3_word(frame, 10, wrong, true)});
	}
	// a changed TTL whose checksum was not updated: what a broken middlebox leaves
	Bytes stale = ipv4_frame();
	stale.at(ipv4_ttl_offset(stale)) = 17;
	frames.push_back({"IPv4 TTL changed, checksum not", stale});
	return frames;
}

std::vector<NamedFrame> bad_length_frames()
{
	const Bytes v4 = ipv4_frame();
	const Bytes v6 = ipv6_frame();
	const auto v4_total = static_cast<std::uint16_t>(v4.size() - l3_offset(v4));
	const auto v6_payload = static_cast<std::uint16_t>(v6.size() - l3_offset(v6) - ipv6_header_len);
	Ipv4Header with_options;
	with_options.option_bytes = 8;
	return {
	    {"IPv4 total length one beyond the frame", with_l3_word(v4, 2, v4_total + 1)},
	    {"IPv4 total length 65535", with_l3_word(v4, 2, 0xffff)},
	    {"IPv4 total length 19, below the header", with_l3_word(v4, 2, 19)},
	    {"IPv4 total length 0", with_l3_word(v4, 2, 0)},
	    {"IPv4 ihl 7, total length 24", with_l3_word(ipv4_frame(with_options), 2, 24)},
	    {"IPv6 payload length one beyond the frame", with_l3_word(v6, 4, v6_payload + 1)},
	    {"IPv6 payload length 65535", with_l3_word(v6, 4, 0xffff)},
	};
}

std::vector<NamedFrame> martian_frames()
{
	std::vector<NamedFrame> frames;
	for (const char* src : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "224.0.0.5", "239.1.2.3", "240.0.0.1",
				"255.255.255.255"}) {
		Ipv4Header h;
		h.src = src;
		frames.push_back({std::string("IPv4 from ") + src, ipv4_frame(h)});
	}
	for (const char* dst : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.1.2.3"}) {
		Ipv4Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv4 to ") + dst, ipv4_frame(h)});
	}
	for (const char* src : {"::", "::1", "ff02::1", "ff0e::101"}) {
		Ipv6Header h;
		h.src = src;
		frames.push_back({std::string("IPv6 from ") + src, ipv6_frame(h)});
	}
	for (const char* dst : {"::", "::1"}) {
		Ipv6Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv6 to ") + dst, ipv6_frame(h)});
	}
	return frames;
}

std::vector<NamedFrame> hop_by_hop_frames()
{
	// next header UDP, length 0 (8 bytes), a PadN option filling the rest
	Bytes options = {IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0};
	const Bytes datagram = udp(1024, 5353, 18);
	options.insert(options.end(), datagram.begin(), datagram.end());
	Ipv6Header h;
	h.next_header = IPPROTO_HOPOPTS;
	Ipv6Header router_alert = h;
	router_alert.dst = "2001:db8:2::99";
	return {
	    {"IPv6 with a hop-by-hop header", ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, options))},
	    {"IPv6 with a hop-by-hop header, in 802.1Q",
	     ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(router_alert, options), {{ethertype_8021q, 100}})},
	};
}

std::vector<GatedFrames> gated_frames()
{
	return {
	    {Reason::bad_checksum, bad_checksum_frames()},
	    {Reason::bad_length, bad_length_frames()},
	    {Reason::martian, martian_frames()},
	    {Reason::hop_by_hop, hop_by_hop_frames()},
	    {Reason::ttl_expired, expiring_frames()},
	    {Reason::malformed, malformed_frames()},
	    {Reason::not_ip, non_ip_frames()},
	    {Reason::link_scoped, link_scoped_frames()},
	};
}

} // namespace xdpfwd::test
