// Fib mode with VLAN devices (802.1Q, 802.1ad and QinQ stacked two deep) on a trunk port. Runs
// where the kernel has VLAN devices (8021q): in the VM on Debian's 6.1 (meson test vm_vlan).
//
//   [plain] veth0 ---- plain [router] trunk ---- veth0 [tagged]
//   192.0.2.2/24     192.0.2.1       trunk.100       veth0.100        198.51.100.1 / .2
//   2001:db8:1::2/64 2001:db8:1::1   (802.1Q 100)                     2001:db8:2::1 / ::2
//                                    trunk.300.10    veth0.300.10     203.0.113.1 / .2 (/25)
//                                    (802.1ad 300, then 802.1Q 10)    2001:db8:3::1 / ::2
//                                    trunk.200 (802.1ad 200, a single S-tag; packet tests only)
//                                                                     203.0.113.129/25, 2001:db8:4::1
//
// The tagged host sends its tags in the frame (txvlan off on veth0): a veth hands a tag its
// sender offloaded to the receiver's XDP out of band, where no XDP program sees it.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "support/checks.hpp"
#include "support/pinned.hpp"
#include "support/errors.hpp"
#include "support/netns.hpp"
#include "support/ping.hpp"

using namespace xdpfwd;
using namespace std::chrono_literals;
namespace test = xdpfwd::test;
using test::Bytes;
using test::Netns;
using test::must;

namespace {

constexpr std::uint16_t q = test::ethertype_8021q;
constexpr std::uint16_t ad = test::ethertype_8021ad;

const MacAddress plain_host_mac = MacAddress::parse("02:00:00:00:01:02");
const MacAddress tagged_host_mac = MacAddress::parse("02:00:00:00:02:02");
const MacAddress vlan200_neighbour_mac = MacAddress::parse("02:00:00:00:04:02");

struct VlanLab {
	Netns router{"router"};
	Netns plain{"plain"};
	Netns tagged{"tagged"};
	std::optional<PassProgram> plain_pass, tagged_pass;

	VlanLab()
	{
		for (const Netns* ns : {&router, &plain, &tagged})
			must(ns->exec("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"));
		router.set_forwarding(true);
		test::add_veth(router, "plain", plain, "veth0", {std::nullopt, plain_host_mac});
		test::add_veth(router, "trunk", tagged, "veth0", {std::nullopt, tagged_host_mac});

		// the router's VLAN devices, and the tagged host's matching ones
		for (const auto& [ns, lower] : {std::pair{&router, "trunk"}, std::pair{&tagged, "veth0"}}) {
			const std::string l = lower;
			must(ns->ip("link add link " + l + " name " + l + ".100 type vlan id 100"));
			must(ns->ip("link add link " + l + " name " + l + ".300 type vlan proto 802.1ad id 300"));
			must(ns->ip("link add link " + l + ".300 name " + l + ".300.10 type vlan id 10"));
			for (const char* device : {".100", ".300", ".300.10"})
				must(ns->ip("link set " + l + device + " up"));
		}
		must(router.ip("link add link trunk name trunk.200 type vlan proto 802.1ad id 200"));
		must(router.ip("link set trunk.200 up"));

		router.add_address("plain", "192.0.2.1/24");
		router.add_address("plain", "2001:db8:1::1/64");
		router.add_address("trunk.100", "198.51.100.1/24");
		router.add_address("trunk.100", "2001:db8:2::1/64");
		router.add_address("trunk.300.10", "203.0.113.1/25");
		router.add_address("trunk.300.10", "2001:db8:3::1/64");
		router.add_address("trunk.200", "203.0.113.129/25");
		router.add_address("trunk.200", "2001:db8:4::1/64");
		plain.add_address("veth0", "192.0.2.2/24");
		plain.add_address("veth0", "2001:db8:1::2/64");
		tagged.add_address("veth0.100", "198.51.100.2/24");
		tagged.add_address("veth0.100", "2001:db8:2::2/64");
		tagged.add_address("veth0.300.10", "203.0.113.2/25");
		tagged.add_address("veth0.300.10", "2001:db8:3::2/64");

		must(plain.ip("route add default via 192.0.2.1"));
		must(plain.ip("-6 route add default via 2001:db8:1::1"));
		// the tagged host answers from each VLAN through that VLAN: its QinQ address by a rule
		must(tagged.ip("route add 192.0.2.0/24 via 198.51.100.1"));
		must(tagged.ip("-6 route add 2001:db8:1::/64 via 2001:db8:2::1"));
		must(tagged.ip("route add 192.0.2.0/24 via 203.0.113.1 table 300"));
		must(tagged.ip("-6 route add 2001:db8:1::/64 via 2001:db8:3::1 table 300"));
		must(tagged.ip("rule add from 203.0.113.2 table 300"));
		must(tagged.ip("-6 rule add from 2001:db8:3::2 table 300"));
		must(tagged.exec("ethtool -K veth0 txvlan off tx-vlan-stag-hw-insert off"));

		// the router's neighbours, fixed: the packet tests know the MACs, and nothing waits for ARP/ND
		for (const auto& [address, device, mac] :
		     {std::tuple{"192.0.2.2", "plain", plain_host_mac}, {"2001:db8:1::2", "plain", plain_host_mac},
		      {"198.51.100.2", "trunk.100", tagged_host_mac}, {"2001:db8:2::2", "trunk.100", tagged_host_mac},
		      {"203.0.113.2", "trunk.300.10", tagged_host_mac}, {"2001:db8:3::2", "trunk.300.10", tagged_host_mac},
		      {"203.0.113.130", "trunk.200", vlan200_neighbour_mac},
		      {"2001:db8:4::2", "trunk.200", vlan200_neighbour_mac}})
			must(router.ip(std::string("neigh replace ") + address + " lladdr " + mac.to_string() + " dev " +
				       device + " nud permanent"));

		plain.inside([&] { plain_pass.emplace().attach("veth0"); });
		tagged.inside([&] { tagged_pass.emplace().attach("veth0"); });
	}

	[[nodiscard]] unsigned router_ifindex(const std::string& name) const
	{
		return router.inside([&] { return ifindex_of(name); });
	}
	[[nodiscard]] MacAddress router_mac(const std::string& name) const
	{
		return router.inside([&] { return mac_of(ifindex_of(name)); });
	}
};

/// The lab's forwarder on both router ports, receive VLAN offload turned off on them.
struct Forwarding {
	FibForwarder fib;
	explicit Forwarding(const VlanLab& lab)
	{
		const auto scope = lab.router.enter();
		fib.add_port("plain", {.turn_off_vlan_offload = true});
		fib.add_port("trunk", {.turn_off_vlan_offload = true});
	}
};

/// The tags of a frame, outermost first, as {TPID, TCI}.
std::vector<std::pair<std::uint16_t, std::uint16_t>> tags_of(const Bytes& frame)
{
	std::vector<std::pair<std::uint16_t, std::uint16_t>> tags;
	for (std::size_t at = 12; test::get16(frame, at) == q || test::get16(frame, at) == ad; at += 4)
		tags.emplace_back(test::get16(frame, at), test::get16(frame, at + 2));
	return tags;
}

using Tags = std::vector<test::VlanTag>;

/// `in`, as it arrives on `ingress` with `in_tags`, is redirected with `out_tags` (priority 0),
/// the neighbour's and the egress VLAN device's MACs, one hop less and a correct checksum.
void check_retagged(const Program& program, unsigned ingress, bool ipv6, const std::string& dst, const Tags& in_tags,
		    const Tags& out_tags, const MacAddress& dst_mac, const MacAddress& src_mac)
{
	test::Ipv4Header h4;
	test::Ipv6Header h6;
	h4.dst = h6.dst = dst;
	if (dst.rfind("192.0.2.", 0) == 0)
		h4.src = "198.51.100.2";
	if (dst.rfind("2001:db8:1::", 0) == 0)
		h6.src = "2001:db8:2::2";
	const Bytes frame = ipv6 ? test::ipv6_frame(h6, in_tags) : test::ipv4_frame(h4, in_tags);
	CAPTURE(dst);
	CAPTURE(in_tags.size());
	CAPTURE(out_tags.size());
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	const test::RunResult result = test::run(program, frame, ingress);
	const StatsSnapshot after = stats.snapshot();
	REQUIRE(result.action == XdpAction::redirect);
	const Bytes& out = result.frame;
	CHECK(out.size() == frame.size() - 4 * in_tags.size() + 4 * out_tags.size());
	std::vector<std::pair<std::uint16_t, std::uint16_t>> wanted;
	for (const auto& tag : out_tags)
		wanted.emplace_back(tag.tpid, tag.tci);
	CHECK(tags_of(out) == wanted);
	CHECK(test::l3_ethertype(out) == (ipv6 ? test::ethertype_ipv6 : test::ethertype_ipv4));
	CHECK(test::dst_mac(out) == dst_mac);
	CHECK(test::src_mac(out) == src_mac);
	if (ipv6) {
		CHECK(test::ipv6_hop_limit(out) == 63);
	} else {
		CHECK(test::ipv4_ttl(out) == 63);
		CHECK(test::ipv4_checksum(out) == test::ipv4_checksum_from_scratch(out));
	}
	// what follows the IP header's TTL and checksum is the frame's own
	const std::size_t l3_in = test::l3_offset(frame), l3_out = test::l3_offset(out);
	CHECK(Bytes(out.begin() + static_cast<std::ptrdiff_t>(l3_out) + 12, out.end()) ==
	      Bytes(frame.begin() + static_cast<std::ptrdiff_t>(l3_in) + 12, frame.end()));
	CHECK(after[XdpAction::redirect].packets - before[XdpAction::redirect].packets == 1);
	CHECK(after[Reason::vlan].packets == before[Reason::vlan].packets);
}

void check_unknown_vlan(const Program& program, unsigned ingress, const Tags& tags)
{
	const Bytes frame = test::ipv4_frame({}, tags);
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	const test::RunResult result = test::run(program, frame, ingress);
	const StatsSnapshot after = stats.snapshot();
	CHECK(result.action == XdpAction::pass);
	CHECK(result.frame == frame);
	CHECK(after[Reason::vlan].packets - before[Reason::vlan].packets == 1);
}

/// Pings `count` times from `from` to `to` (with `source` as the source address when given).
test::PingResult ping_from(const Netns& from, const std::string& to, const std::string& source = {}, int count = 3)
{
	const std::string command = from.exec("ping -n -q -c " + std::to_string(count) + " -i 0.2 -W 2 " +
					      (source.empty() ? "" : "-I " + source + " ") + to);
	return test::parse_ping(test::output(command));
}

/// Pings twice while tcpdump watches `device` in `where`; returns what tcpdump printed (-e -v:
/// tags and TTLs). No filter: a pcap filter does not see past a QinQ frame's inner tag.
std::string ping_captured(const Netns& where, const std::string& device, const Netns& from, const std::string& to,
			  const std::string& source = {})
{
	const std::string file = "/tmp/xdpfwd-vlan-capture-" + std::to_string(::getpid());
	const std::string ping = from.exec("ping -n -q -c 2 -i 0.2 -W 2 " + (source.empty() ? "" : "-I " + source + " ") + to);
	return test::output("rm -f " + file + "; " + where.exec("timeout 30 tcpdump -l -e -n -v -i " + device) + " >" + file +
			    " 2>&1 & for i in $(seq 200); do grep -q 'listening on' " + file + " && break; sleep 0.05; done; " +
			    ping + " >/dev/null; sleep 0.3; kill -INT %1; wait; cat " + file + "; rm -f " + file);
}

} // namespace

TEST_CASE("fib VLANs: a trunk with receive VLAN offload on is refused, naming the fix; the option turns it off")
{
	VlanLab lab;
	const auto scope = lab.router.enter();
	REQUIRE(!rx_vlan_offloads(ifindex_of("trunk")).empty()); // a veth's default
	FibForwarder fib;
	const int code = test::errno_of([&] { fib.add_port("trunk"); });
	const std::string message = test::message_of([&] { fib.add_port("trunk"); });
	INFO(message);
	CHECK(code == EOPNOTSUPP);
	CHECK(message.find("ethtool -K trunk rxvlan off") != std::string::npos);
	CHECK_FALSE(fib.is_egress(ifindex_of("trunk")));
	CHECK(fib.vlans().empty());
	// a port without VLAN devices needs nothing
	fib.add_port("plain");

	fib.add_port("trunk", {.turn_off_vlan_offload = true});
	CHECK(rx_vlan_offloads(ifindex_of("trunk")).empty());
	const auto vlans = fib.vlans();
	REQUIRE(vlans.size() == 4); // trunk.100, trunk.200, trunk.300 and trunk.300.10
	for (const VlanDevice& vlan : vlans)
		CHECK(vlan.port == ifindex_of("trunk"));
}

TEST_CASE("fib VLANs (BPF_PROG_RUN): tags are pushed, popped and rewritten, 802.1Q, 802.1ad and QinQ")
{
	VlanLab lab;
	Forwarding forwarding(lab);
	const auto scope = lab.router.enter();
	const Program& program = forwarding.fib.program();
	const unsigned plain = ifindex_of("plain"), trunk = ifindex_of("trunk");
	const MacAddress plain_mac = lab.router_mac("plain");
	const MacAddress trunk_mac = lab.router_mac("trunk"); // the VLAN devices inherit it
	const Tags vlan100{{q, 100}}, vlan100_priority{{q, 0x6064}}, qinq{{ad, 300}, {q, 10}}, s_vlan200{{ad, 200}};

	for (const bool ipv6 : {false, true}) {
		CAPTURE(ipv6);
		const auto addr = [&](const char* v4, const char* v6) { return std::string(ipv6 ? v6 : v4); };
		// untagged in, tagged out (one 802.1Q tag; QinQ; one 802.1ad tag)
		check_retagged(program, plain, ipv6, addr("198.51.100.2", "2001:db8:2::2"), {}, vlan100, tagged_host_mac, trunk_mac);
		check_retagged(program, plain, ipv6, addr("203.0.113.2", "2001:db8:3::2"), {}, qinq, tagged_host_mac, trunk_mac);
		check_retagged(program, plain, ipv6, addr("203.0.113.130", "2001:db8:4::2"), {}, s_vlan200,
			       vlan200_neighbour_mac, trunk_mac);
		// tagged in, untagged out; the priority bits are no part of the VLAN
		check_retagged(program, trunk, ipv6, addr("192.0.2.2", "2001:db8:1::2"), vlan100, {}, plain_host_mac, plain_mac);
		check_retagged(program, trunk, ipv6, addr("192.0.2.2", "2001:db8:1::2"), vlan100_priority, {}, plain_host_mac,
			       plain_mac);
		check_retagged(program, trunk, ipv6, addr("192.0.2.2", "2001:db8:1::2"), qinq, {}, plain_host_mac, plain_mac);
		check_retagged(program, trunk, ipv6, addr("192.0.2.2", "2001:db8:1::2"), s_vlan200, {}, plain_host_mac, plain_mac);
		// tagged in, tagged out: another VID and TPID; QinQ to one tag and back
		check_retagged(program, trunk, ipv6, addr("203.0.113.130", "2001:db8:4::2"), vlan100, s_vlan200,
			       vlan200_neighbour_mac, trunk_mac);
		check_retagged(program, trunk, ipv6, addr("198.51.100.2", "2001:db8:2::2"), qinq, vlan100, tagged_host_mac,
			       trunk_mac);
		check_retagged(program, trunk, ipv6, addr("203.0.113.2", "2001:db8:3::2"), vlan100, qinq, tagged_host_mac,
			       trunk_mac);
	}

	// the front (vlan_slots) and the hash maps each find a device alone: the program computes
	// the slots user space filled, and a device whose slot another holds is still found
	{
		const unsigned device = ifindex_of("trunk.100");
		auto ingress = program.map<xdpfwd_vlan_link, std::uint32_t>(XDPFWD_MAP_VLAN_INGRESS);
		auto egress = program.map<std::uint32_t, xdpfwd_vlan_link>(XDPFWD_MAP_VLAN_EGRESS);
		auto slots = program.map<std::uint32_t, xdpfwd_vlan_slot>(XDPFWD_MAP_VLAN_SLOTS);
		xdpfwd_vlan_link link{};
		link.port = trunk;
		link.tags = VlanTags(VlanTag{tpid_8021q, 100}).to_abi();
		const std::uint32_t in_slot = detail::VlanMaps::ingress_slot(link), out_slot = xdpfwd_vlan_egress_slot(device);
		REQUIRE(slots.get(in_slot)->device == device);
		REQUIRE(slots.get(out_slot)->device == device);
		const auto both_ways = [&] {
			check_retagged(program, trunk, false, "192.0.2.2", vlan100, {}, plain_host_mac, plain_mac);
			check_retagged(program, plain, false, "198.51.100.2", {}, vlan100, tagged_host_mac, trunk_mac);
		};
		REQUIRE(ingress.erase(link));
		REQUIRE(egress.erase(device));
		both_ways(); // the front alone
		const xdpfwd_vlan_slot in_front = *slots.get(in_slot), out_front = *slots.get(out_slot);
		slots.set(in_slot, {});
		slots.set(out_slot, {});
		ingress.set(link, device);
		egress.set(device, link);
		both_ways(); // the hash maps alone
		ingress.erase(link);
		check_unknown_vlan(program, trunk, vlan100); // neither
		slots.set(in_slot, in_front);
		slots.set(out_slot, out_front);
		CHECK(forwarding.fib.refresh_vlans().size() == 4); // and user space restores both
		CHECK(ingress.get(link) == device);
		both_ways();
	}

	// tags no VLAN device on the port has: the kernel's, counted as vlan
	check_unknown_vlan(program, trunk, {{q, 999}});
	check_unknown_vlan(program, trunk, {{ad, 100}});      // VID 100, but an S-tag
	check_unknown_vlan(program, trunk, {{q, 300}});       // VID 300, but a C-tag
	check_unknown_vlan(program, trunk, {{ad, 300}, {q, 11}});
	check_unknown_vlan(program, plain, {{q, 100}});       // trunk's VLAN, on another port
}

TEST_CASE("fib VLANs with the route cache: a tagged frame's entry is its VLAN device's, and a hit leaves with the egress device's tags")
{
	VlanLab lab;
	Forwarding forwarding(lab);
	const auto scope = lab.router.enter();
	const test::Pinned pinned(::sched_getcpu()); // one CPU's cache (BPF_PROG_RUN runs where the caller does)
	const KeeperThread keeper(forwarding.fib);
	const Program& program = forwarding.fib.program();
	const StatsReader stats(program);
	const unsigned trunk = ifindex_of("trunk");
	const MacAddress trunk_mac = lab.router_mac("trunk");
	for (const bool ipv6 : {false, true}) {
		CAPTURE(ipv6);
		const StatsSnapshot before = stats.snapshot();
		// QinQ in, VLAN 100 out; a late link or address notification may empty the cache once
		for (int run = 0; run < 5 && stats.snapshot()[Reason::cache_hit].packets == before[Reason::cache_hit].packets; ++run)
			check_retagged(program, trunk, ipv6, ipv6 ? "2001:db8:2::2" : "198.51.100.2", {{ad, 300}, {q, 10}},
				       {{q, 100}}, tagged_host_mac, trunk_mac);
		CHECK(stats.snapshot()[Reason::cache_hit].packets > before[Reason::cache_hit].packets);
	}
	// the cache's entries are keyed by the VLAN device the frames arrived on
	const unsigned qinq_device = ifindex_of("trunk.300.10");
	bool keyed_by_vlan_device = false;
	program.per_cpu_map<std::uint32_t, xdpfwd_route_slot>(XDPFWD_MAP_ROUTE_CACHE).for_each(
	    [&](std::uint32_t, const xdpfwd_route_slot* per_cpu) {
		    keyed_by_vlan_device |= per_cpu[::sched_getcpu()].ingress == qinq_device;
	    });
	CHECK(keyed_by_vlan_device);
}

TEST_CASE("fib VLANs end to end: pings between a VLAN 100 subinterface, a QinQ stack and an untagged host go through XDP")
{
	VlanLab lab;
	Forwarding forwarding(lab);
	const StatsReader stats = forwarding.fib.stats();
	struct Path {
		const char* label;
		const Netns& from;
		std::string to;
		std::string source;
	};
	const std::vector<Path> paths{
	    {"untagged -> VLAN 100, IPv4", lab.plain, "198.51.100.2", ""},
	    {"VLAN 100 -> untagged, IPv4", lab.tagged, "192.0.2.2", "198.51.100.2"},
	    {"untagged -> VLAN 100, IPv6", lab.plain, "2001:db8:2::2", ""},
	    {"VLAN 100 -> untagged, IPv6", lab.tagged, "2001:db8:1::2", "2001:db8:2::2"},
	    {"untagged -> QinQ 300.10, IPv4", lab.plain, "203.0.113.2", ""},
	    {"QinQ 300.10 -> untagged, IPv4", lab.tagged, "192.0.2.2", "203.0.113.2"},
	    {"untagged -> QinQ 300.10, IPv6", lab.plain, "2001:db8:3::2", ""},
	    {"QinQ 300.10 -> untagged, IPv6", lab.tagged, "2001:db8:1::2", "2001:db8:3::2"},
	};
	// the hosts' own neighbours first (the router's are permanent)
	for (const Path& path : paths)
		(void)ping_from(path.from, path.to, path.source, 1);

	for (const Path& path : paths) {
		INFO(std::string(path.label));
		const StatsSnapshot before = stats.snapshot();
		const test::PingResult result = ping_from(path.from, path.to, path.source, 5);
		const StatsSnapshot after = stats.snapshot();
		const auto grew = [&](auto counter) { return after[counter].packets - before[counter].packets; };
		MESSAGE(std::string(path.label) << ": " << result.received << "/" << result.transmitted << " replies, REDIRECT +"
				   << grew(XdpAction::redirect) << ", vlan +" << grew(Reason::vlan) << ", port_disabled +"
				   << grew(Reason::port_disabled));
		CHECK(result.transmitted == 5);
		CHECK(result.received == 5);
		CHECK(grew(XdpAction::redirect) == 10); // each request and each reply, once
		CHECK(grew(Reason::vlan) == 0);
		CHECK(grew(Reason::port_disabled) == 0);
	}

	// what the hosts receive: the requests with the VLAN's tags and TTL 63, the replies untagged
	const std::string to_vlan100 = ping_captured(lab.tagged, "veth0", lab.plain, "198.51.100.2");
	INFO(to_vlan100);
	CHECK(std::regex_search(to_vlan100, std::regex(R"(vlan 100, p 0, ethertype IPv4[^\n]*\n?[^\n]*ttl 63[^\n]*\n?[^\n]*192\.0\.2\.2 > 198\.51\.100\.2: ICMP echo request)")));
	const std::string to_qinq = ping_captured(lab.tagged, "veth0", lab.plain, "2001:db8:3::2");
	INFO(to_qinq);
	CHECK(std::regex_search(to_qinq, std::regex(R"(802\.1Q-QinQ \(0x88a8\)[^\n]*vlan 300, p 0, ethertype 802\.1Q[^\n]*vlan 10, p 0, ethertype IPv6[^\n]*\n?[^\n]*hlim 63[^\n]*\n?[^\n]*2001:db8:1::2 > 2001:db8:3::2: \[icmp6 sum ok\] ICMP6, echo request)")));
	const std::string from_qinq = ping_captured(lab.plain, "veth0", lab.tagged, "192.0.2.2", "203.0.113.2");
	INFO(from_qinq);
	CHECK(std::regex_search(from_qinq, std::regex(R"(ethertype IPv4 \(0x0800\)[^\n]*\n?[^\n]*ttl 63[^\n]*\n?[^\n]*203\.0\.113\.2 > 192\.0\.2\.2: ICMP echo request)")));
	CHECK(from_qinq.find("vlan") == std::string::npos);
}

TEST_CASE("fib VLANs: the keeper adds and removes VLAN devices as they come and go")
{
	VlanLab lab;
	Forwarding forwarding(lab);
	const auto scope = lab.router.enter();
	const auto has_vlan = [&](const std::string& name) {
		const unsigned ifindex = ::if_nametoindex(name.c_str());
		const auto vlans = forwarding.fib.vlans();
		return ifindex && std::any_of(vlans.begin(), vlans.end(), [&](const VlanDevice& v) { return v.ifindex == ifindex; });
	};
	const auto eventually = [&](auto condition) {
		for (const auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;
		     std::this_thread::sleep_for(20ms))
			if (condition())
				return true;
		return condition();
	};
	{
		KeeperThread keeper(forwarding.fib);
		must(lab.router.ip("link add link trunk name trunk.400 type vlan id 400"));
		CHECK(eventually([&] { return has_vlan("trunk.400"); }));
		const unsigned gone = ifindex_of("trunk.400");
		must(lab.router.ip("link del trunk.400"));
		CHECK(eventually([&] {
			const auto vlans = forwarding.fib.vlans();
			return std::none_of(vlans.begin(), vlans.end(), [&](const VlanDevice& v) { return v.ifindex == gone; });
		}));
	}
	// without a keeper, refresh_vlans() catches up
	must(lab.router.ip("link add link trunk name trunk.500 type vlan id 500"));
	CHECK_FALSE(has_vlan("trunk.500"));
	CHECK(forwarding.fib.refresh_vlans().size() == 5);
	CHECK(has_vlan("trunk.500"));
}

TEST_CASE("fib VLANs: `xdpfwd run fib --no-cache` follows VLAN devices that come and go, and logs them")
{
	const char* cli = std::getenv("XDPFWD_CLI");
	REQUIRE_MESSAGE(cli, "XDPFWD_CLI names the xdpfwd binary (meson test sets it)");
	VlanLab lab;
	must(lab.router.exec("ethtool -K trunk rxvlan off rx-vlan-stag-hw-parse off"));
	const std::string log = "/tmp/xdpfwd-vlan-run-" + std::to_string(::getpid()) + ".log";
	// stops by itself: SIGTERM below, or timeout's after 120 s
	must("rm -f " + log + "; " + lab.router.exec("timeout 120 " + std::string(cli)) +
	     " run fib plain trunk --no-cache --summary-interval 0 >" + log + " 2>&1 &");
	const auto logged = [&](const std::string& text) {
		for (const auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;
		     std::this_thread::sleep_for(50ms))
			if (test::output("cat " + log).find(text) != std::string::npos)
				return true;
		return false;
	};
	REQUIRE_MESSAGE(logged("started: xdpfwd_fib"), test::output("cat " + log));
	const FibForwarder fib = lab.router.inside([] { return FibForwarder::attached_to("trunk"); });
	CHECK(fib.vlans().size() == 4);
	const std::string status = test::output(lab.router.exec(std::string(cli) + " status trunk"));
	CHECK_MESSAGE(status.find("VLAN devices: trunk.100 (ifindex ") != std::string::npos, status);
	CHECK_MESSAGE(status.find("[300.10 on trunk (ifindex ") != std::string::npos, status);
	must(lab.router.ip("link add link trunk name trunk.600 type vlan id 600"));
	CHECK_MESSAGE(logged("trunk.600 (600)"), test::output("cat " + log));
	CHECK(fib.vlans().size() == 5);
	must(lab.router.ip("link del trunk.600"));
	// the second change logged: the four again
	const std::string four = "VLAN devices forwarded on the ports: trunk.100 (100), trunk.300 (ad:300), trunk.300.10 (300.10), trunk.200 (ad:200)\n";
	CHECK_MESSAGE(logged(four), test::output("cat " + log));
	CHECK(fib.vlans().size() == 4);
	// plain strips tags (a veth's default): its first VLAN device gets a warning naming the fix
	must(lab.router.ip("link add link plain name plain.700 type vlan id 700"));
	CHECK_MESSAGE(logged("warning: forward the VLAN devices on plain (ifindex "), test::output("cat " + log));
	CHECK_MESSAGE(logged("ethtool -K plain rxvlan off"), test::output("cat " + log));
	must(lab.router.ip("link del plain.700"));
	(void)test::run(lab.router.exec("pkill -TERM -f 'run fib plain trunk --no-cache'"));
	CHECK(logged("detached"));
	must("rm -f " + log);
}

TEST_CASE("fib VLANs: `xdpfwd attach fib --replace` (a change of mode) checks the offload and fills the VLAN maps")
{
	const char* cli = std::getenv("XDPFWD_CLI");
	REQUIRE_MESSAGE(cli, "XDPFWD_CLI names the xdpfwd binary (meson test sets it)");
	VlanLab lab;
	const std::string xdpfwd = lab.router.exec(std::string(cli));
	int status = 0;
	std::string out = test::output(xdpfwd + " attach map plain trunk", &status);
	REQUIRE_MESSAGE(status == 0, out);
	out = test::output(xdpfwd + " attach fib --replace plain trunk", &status);
	CHECK_MESSAGE(status != 0, out);
	CHECK_MESSAGE(out.find("ethtool -K trunk") != std::string::npos, out);
	CHECK_MESSAGE(out.find("--vlan-offload-off") != std::string::npos, out);
	out = test::output(xdpfwd + " attach fib --replace plain trunk --vlan-offload-off", &status);
	CHECK_MESSAGE(status == 0, out);
	const FibForwarder fib = lab.router.inside([] { return FibForwarder::attached_to("trunk"); });
	CHECK(fib.vlans().size() == 4);
	CHECK(lab.router.inside([] { return rx_vlan_offloads(ifindex_of("trunk")); }).empty());
	// and it forwards them: a ping through VLAN 100
	CHECK(ping_from(lab.plain, "198.51.100.2").received == 3);
	const StatsSnapshot before = fib.stats().snapshot();
	CHECK(ping_from(lab.plain, "198.51.100.2").received == 3);
	CHECK(fib.stats().snapshot()[XdpAction::redirect].packets - before[XdpAction::redirect].packets == 6);
	out = test::output(xdpfwd + " detach plain trunk", &status);
	CHECK_MESSAGE(status == 0, out);
}
