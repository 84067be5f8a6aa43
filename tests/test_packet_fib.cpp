// Fib mode on single frames (BPF_PROG_RUN) in a real router namespace: the kernel's routes and
// neighbour entries decide. Each bpf_fib_lookup result is checked for its action and counter,
// with both the full (policy rules) and the direct (main table) lookup.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <functional>
#include <memory>

#include "support/checks.hpp"
#include "support/netns.hpp"
#include "support/scenario.hpp" // report()

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

const MacAddress r1_mac = MacAddress::parse("02:00:00:00:01:01");       // router's egress port
const MacAddress next_hop_mac = MacAddress::parse("02:00:00:00:02:02"); // permanent neighbour

/// left --(l0 | r0)-- router --(r1 | rt0)-- right. r0 (router_mac, where frames arrive) has
/// 192.0.2.1/24 and 2001:db8:1::1/64, r1 (r1_mac) 198.51.100.1/24 and 2001:db8:2::1/64; the
/// router forwards, and knows 198.51.100.2 and 2001:db8:2::2 as permanent neighbours at
/// next_hop_mac. Routes beyond them:
///   203.0.113.0/25, 2001:db8:100::/64  via the neighbour
///   203.0.113.128/27, 2001:db8:201::/64 blackhole
///   203.0.113.160/27, 2001:db8:202::/64 unreachable
///   203.0.113.192/27, 2001:db8:203::/64 prohibit
/// The program is not attached: BPF_PROG_RUN needs no attachment, and the IPv6 chatter of a live
/// link (DAD, MLD) would move the counters these tests compare exactly. tx_ports is filled
/// directly, from inside the router, where the kernel resolves the egress ifindex.
struct Router {
	Netns left{"fib-left"};
	Netns router{"fib-rtr"};
	Netns right{"fib-right"};
	FibForwarder fib;
	unsigned r0 = 0;
	unsigned r1 = 0;

	explicit Router(FibLookup lookup, bool enable_r1 = true) : fib(lookup)
	{
		add_veth(left, "l0", router, "r0", {.b_mac = router_mac});
		add_veth(router, "r1", right, "rt0", {.a_mac = r1_mac});
		for (const std::string& command : {
			 std::string("addr add 192.0.2.1/24 dev r0"),
			 std::string("addr add 2001:db8:1::1/64 dev r0 nodad"),
			 std::string("addr add 198.51.100.1/24 dev r1"),
			 std::string("addr add 2001:db8:2::1/64 dev r1 nodad"),
			 "neigh add 198.51.100.2 lladdr " + next_hop_mac.to_string() + " nud permanent dev r1",
			 "neigh add 2001:db8:2::2 lladdr " + next_hop_mac.to_string() + " nud permanent dev r1",
			 std::string("route add 203.0.113.0/25 via 198.51.100.2"),
			 std::string("route add blackhole 203.0.113.128/27"),
			 std::string("route add unreachable 203.0.113.160/27"),
			 std::string("route add prohibit 203.0.113.192/27"),
			 std::string("route add 2001:db8:100::/64 via 2001:db8:2::2"),
			 std::string("-6 route add blackhole 2001:db8:201::/64"),
			 std::string("-6 route add unreachable 2001:db8:202::/64"),
			 std::string("-6 route add prohibit 2001:db8:203::/64"),
		     })
			must(router.ip(command));
		router.set_forwarding(true);

		const auto scope = router.enter();
		r0 = ifindex_of("r0");
		r1 = ifindex_of("r1");
		fib.enable_egress(r0);
		if (enable_r1)
			fib.enable_egress(r1);
	}

	[[nodiscard]] const Program& program() const { return fib.program(); }
};

/// Runs `body` once per lookup flavour, each on a fresh router.
void for_each_lookup(const std::function<void(FibLookup)>& body)
{
	for (const FibLookup lookup : {FibLookup::full, FibLookup::direct}) {
		INFO("lookup " << std::string(lookup == FibLookup::full ? "full" : "direct"));
		body(lookup);
	}
}

Bytes ipv4_to(const std::string& dst, std::size_t udp_data = 18)
{
	Ipv4Header h;
	h.dst = dst;
	return ipv4_frame(h, {}, udp_data);
}

Bytes ipv6_to(const std::string& dst, std::size_t udp_data = 18)
{
	Ipv6Header h;
	h.dst = dst;
	return ipv6_frame(h, {}, udp_data);
}

} // namespace

TEST_CASE("fib: SUCCESS redirects with the neighbour's and the egress port's MACs, TTL - 1")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		CHECK(net.fib.lookup() == lookup);
		const auto scope = net.router.enter();
		const std::initializer_list<Reason> reasons{Reason::fib_success};

		for (const char* dst : {"198.51.100.2", "203.0.113.10", "203.0.113.127"}) {
			INFO(std::string(dst));
			check_forwarded(net.program(), net.r0, ipv4_to(dst), next_hop_mac, r1_mac, reasons);
		}
		for (const char* dst : {"2001:db8:2::2", "2001:db8:100::10"}) {
			INFO(std::string(dst));
			check_forwarded(net.program(), net.r0, ipv6_to(dst), next_hop_mac, r1_mac, reasons);
		}
		for (const auto& frames : {forwardable_ipv4_frames(), forwardable_ipv6_frames()})
			check_all_forwarded(net.program(), net.r0, frames, next_hop_mac, r1_mac, reasons);
	});
}

TEST_CASE("fib: NO_NEIGH leaves the frame to the kernel, which resolves the neighbour")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		const auto scope = net.router.enter();
		check_verdict(net.program(), net.r0, ipv4_to("198.51.100.3"), XdpAction::pass, {Reason::fib_no_neighbour});
		check_verdict(net.program(), net.r0, ipv6_to("2001:db8:2::3"), XdpAction::pass, {Reason::fib_no_neighbour});
	});
}

TEST_CASE("fib: blackhole, unreachable and prohibit routes drop")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		const auto scope = net.router.enter();
		// a struct, not a tuple taken apart: INFO's lambda cannot capture a structured binding
		// in clang < 16 (the ASan build's)
		struct Route {
			const char* v4;
			const char* v6;
			Reason reason;
		};
		const Route routes[] = {
		    {"203.0.113.130", "2001:db8:201::1", Reason::fib_blackhole},
		    {"203.0.113.170", "2001:db8:202::1", Reason::fib_unreachable},
		    {"203.0.113.200", "2001:db8:203::1", Reason::fib_prohibit},
		};
		for (const Route& route : routes) {
			INFO(to_string(route.reason));
			check_verdict(net.program(), net.r0, ipv4_to(route.v4), XdpAction::drop, {route.reason});
			check_verdict(net.program(), net.r0, ipv6_to(route.v6), XdpAction::drop, {route.reason});
		}
	});
}

TEST_CASE("fib: with forwarding disabled the kernel gets the frame")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		net.router.set_forwarding(false);
		const auto scope = net.router.enter();
		check_verdict(net.program(), net.r0, ipv4_to("198.51.100.2"), XdpAction::pass, {Reason::fib_forwarding_disabled});
		check_verdict(net.program(), net.r0, ipv6_to("2001:db8:2::2"), XdpAction::pass, {Reason::fib_forwarding_disabled});
	});
}

TEST_CASE("fib: a local destination is not forwarded")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		const auto scope = net.router.enter();
		for (const char* dst : {"192.0.2.1", "198.51.100.1"}) {
			INFO(std::string(dst));
			check_verdict(net.program(), net.r0, ipv4_to(dst), XdpAction::pass, {Reason::fib_not_forwarded});
		}
		// the direct lookup reads the main table only. IPv4 keeps local routes there while no
		// `ip rule` exists (the kernel merges its local table into main); IPv6 keeps them in
		// table local, so the direct lookup finds the connected prefix route instead, has no
		// neighbour for the router's own address, and the frame still reaches the kernel
		const Reason v6_reason = lookup == FibLookup::full ? Reason::fib_not_forwarded : Reason::fib_no_neighbour;
		for (const char* dst : {"2001:db8:1::1", "2001:db8:2::1"}) {
			INFO(std::string(dst));
			check_verdict(net.program(), net.r0, ipv6_to(dst), XdpAction::pass, {v6_reason});
		}
	});
}

TEST_CASE("fib: an egress port not in tx_ports is left to the kernel, unmodified")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup, /*enable_r1=*/false);
		const auto scope = net.router.enter();
		const std::initializer_list<Reason> reasons{Reason::fib_success, Reason::port_disabled};
		check_verdict(net.program(), net.r0, ipv4_to("198.51.100.2"), XdpAction::pass, reasons);
		check_verdict(net.program(), net.r0, ipv6_to("2001:db8:2::2"), XdpAction::pass, reasons);

		// enabling the port is all it takes
		net.fib.enable_egress(net.r1);
		check_forwarded(net.program(), net.r0, ipv4_to("198.51.100.2"), next_hop_mac, r1_mac,
				{Reason::fib_success});
	});
}

TEST_CASE("fib: a packet larger than the egress MTU needs the kernel (FRAG_NEEDED)")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		must(net.router.ip("link set r1 mtu 1280"));
		const auto scope = net.router.enter();
		const std::initializer_list<Reason> forwarded{Reason::fib_success};
		// UDP data sizes that make a 1280-byte L3 packet: 1280 - 20 - 8 and 1280 - 40 - 8
		check_forwarded(net.program(), net.r0, ipv4_to("198.51.100.2", 1252), next_hop_mac, r1_mac, forwarded);
		check_forwarded(net.program(), net.r0, ipv6_to("2001:db8:2::2", 1232), next_hop_mac, r1_mac, forwarded);
		check_verdict(net.program(), net.r0, ipv4_to("198.51.100.2", 1253), XdpAction::pass, {Reason::fib_fragmentation_needed});
		check_verdict(net.program(), net.r0, ipv6_to("2001:db8:2::2", 1233), XdpAction::pass, {Reason::fib_fragmentation_needed});
		check_verdict(net.program(), net.r0, ipv4_to("203.0.113.10", 1400), XdpAction::pass, {Reason::fib_fragmentation_needed});
	});
}

TEST_CASE("fib: policy rules bind the full lookup only")
{
	// a rule sending 203.0.113.0/24 to a table that blackholes it: the full lookup honours it,
	// the direct lookup reads the main table and forwards via the neighbour
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		must(net.router.ip("route add blackhole 203.0.113.0/24 table 100"));
		must(net.router.ip("rule add to 203.0.113.0/24 table 100 priority 100"));
		const auto scope = net.router.enter();
		const Bytes frame = ipv4_to("203.0.113.10");
		if (lookup == FibLookup::full)
			check_verdict(net.program(), net.r0, frame, XdpAction::drop, {Reason::fib_blackhole});
		else
			check_forwarded(net.program(), net.r0, frame, next_hop_mac, r1_mac, {Reason::fib_success});
	});
}

TEST_CASE("fib: VLAN-tagged frames belong to the VLAN device")
{
	Router net(FibLookup::full);
	const auto scope = net.router.enter();
	for (const NamedFrame& named : tagged_frames()) {
		INFO(named.name); // not a structured binding: INFO's lambda cannot capture one in clang < 16
		check_left_to_kernel(net.program(), net.r0, named.frame, Reason::vlan);
	}
}

TEST_CASE("fib: what must not be forwarded reaches the kernel unchanged, with its reason")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		const auto scope = net.router.enter();
		check_gate(net.program(), net.r0);
	});
}

TEST_CASE("fib: the counters add up to what was run")
{
	Router net(FibLookup::full);
	const auto scope = net.router.enter();

	ActionTally tally(net.program(), net.r0);
	CHECK(tally.run(ipv4_to("198.51.100.2", 10)) == XdpAction::redirect);
	CHECK(tally.run(ipv4_to("203.0.113.10", 300)) == XdpAction::redirect);
	CHECK(tally.run(ipv6_to("2001:db8:2::2", 900)) == XdpAction::redirect);
	CHECK(tally.run(ipv4_to("203.0.113.130")) == XdpAction::drop);
	CHECK(tally.run(ipv6_to("2001:db8:202::1", 40)) == XdpAction::drop);
	CHECK(tally.run(ipv4_to("198.51.100.3")) == XdpAction::pass);
	CHECK(tally.run(tagged_frames().front().frame) == XdpAction::pass);

	const StatsSnapshot snap = tally.check_counters();
	CHECK(snap[XdpAction::redirect].packets == 3);
	CHECK(snap[XdpAction::drop].packets == 2);
	CHECK(snap[XdpAction::pass].packets == 2);
	CHECK(snap[Reason::fib_success].packets == 3);
	CHECK(snap[Reason::fib_blackhole].packets == 1);
	CHECK(snap[Reason::fib_unreachable].packets == 1);
	CHECK(snap[Reason::fib_no_neighbour].packets == 1);
	CHECK(snap[Reason::vlan].packets == 1);
}


namespace {

const MacAddress second_hop_mac = MacAddress::parse("02:00:00:00:02:03"); // the other nexthop

/// Which of the two nexthops a frame went to (its new destination MAC); it must be forwarded.
MacAddress path_of(const Program& program, unsigned ingress, const Bytes& frame)
{
	const RunResult result = run(program, frame, ingress);
	REQUIRE(result.action == XdpAction::redirect);
	const MacAddress to = dst_mac(result.frame);
	CHECK((to == next_hop_mac || to == second_hop_mac));
	return to;
}

/// A TCP SYN header (the ports are all a multipath hash reads).
Bytes tcp(std::uint16_t src_port, std::uint16_t dst_port)
{
	Bytes segment;
	put16(segment, src_port);
	put16(segment, dst_port);
	segment.insert(segment.end(), 8, 0);      // sequence and acknowledgement numbers
	segment.push_back(0x50);                  // data offset: 5 words
	segment.push_back(0x02);                  // SYN
	put16(segment, 64240);                    // window
	segment.insert(segment.end(), 4, 0);      // checksum, urgent pointer
	return segment;
}

/// An IPv6 extension header of 8 bytes (routing, destination options, fragment) before `next`.
Bytes extension_header(std::uint8_t next, std::uint8_t type)
{
	if (type == IPPROTO_FRAGMENT) // offset 0 with M set: a first fragment, which has the ports
		return {next, 0, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78};
	if (type == IPPROTO_ROUTING) // type 0 segments-left 0: nothing for a router to do
		return {next, 0, 0, 0, 0, 0, 0, 0};
	return {next, 0, 1, 4, 0, 0, 0, 0}; // destination options: one PadN
}

constexpr int flow_count = 64;
constexpr std::uint16_t first_port = 40000;

} // namespace

// fib_multipath_hash_policy 1 hashes addresses, protocol and ports: with the ports in the lookup a
// two-nexthop route carries some flows on each path, and every frame of a flow on the same one.
// Without them (or where a packet has none) every flow between two hosts takes one path.
TEST_CASE("fib: a multipath route spreads flows over its nexthops by their ports, each flow on one path")
{
	for_each_lookup([](FibLookup lookup) {
		Router net(lookup);
		for (const std::string& command : {
			 "neigh add 198.51.100.3 lladdr " + second_hop_mac.to_string() + " nud permanent dev r1",
			 "neigh add 2001:db8:2::3 lladdr " + second_hop_mac.to_string() + " nud permanent dev r1",
			 std::string("route add 203.0.113.64/26 nexthop via 198.51.100.2 nexthop via 198.51.100.3"),
			 std::string("-6 route add 2001:db8:300::/64 nexthop via 2001:db8:2::2 nexthop via 2001:db8:2::3"),
		     })
			must(net.router.ip(command));
		must(net.router.exec("sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1"));
		const auto scope = net.router.enter();

		const auto v4 = [](std::uint16_t frag, const Bytes& l4, std::uint8_t protocol = IPPROTO_UDP) {
			Ipv4Header h;
			h.dst = "203.0.113.70";
			h.frag = frag;
			h.protocol = protocol;
			return ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4(h, l4));
		};
		const auto v6 = [](const Bytes& l4, std::uint8_t protocol = IPPROTO_UDP, std::uint32_t flow_label = 0) {
			Ipv6Header h;
			h.dst = "2001:db8:300::70";
			h.next_header = protocol;
			h.flow_label = flow_label;
			return ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, l4));
		};
		const auto behind = [](std::uint8_t type, const Bytes& l4) {
			Bytes payload = extension_header(IPPROTO_UDP, type);
			payload.insert(payload.end(), l4.begin(), l4.end());
			return payload;
		};

		// name -> the frame of flow i (its source port), its size varied by `size`
		using Flow = std::function<Bytes(std::uint16_t port, std::size_t size)>;
		const std::pair<const char*, Flow> spread[] = {
		    {"IPv4 UDP", [&](std::uint16_t p, std::size_t n) { return v4(0, udp(p, 5000, n)); }},
		    {"IPv4 TCP", [&](std::uint16_t p, std::size_t) { return v4(0, tcp(p, 443), IPPROTO_TCP); }},
		    {"IPv6 UDP", [&](std::uint16_t p, std::size_t n) { return v6(udp(p, 5000, n)); }},
		    {"IPv6 TCP", [&](std::uint16_t p, std::size_t) { return v6(tcp(p, 443), IPPROTO_TCP); }},
		    {"IPv6 UDP behind destination options",
		     [&](std::uint16_t p, std::size_t n) { return v6(behind(IPPROTO_DSTOPTS, udp(p, 5000, n)), IPPROTO_DSTOPTS); }},
		    {"IPv6 UDP behind a routing header",
		     [&](std::uint16_t p, std::size_t n) { return v6(behind(IPPROTO_ROUTING, udp(p, 5000, n)), IPPROTO_ROUTING); }},
		};
		for (const auto& entry : spread) {
			// named, not bound: clang 14 (the ASan build) can't capture a structured binding in INFO
			const auto& name = entry.first;
			const auto& flow = entry.second;
			INFO(name);
			int first_path = 0;
			for (int i = 0; i < flow_count; ++i) {
				const auto port = static_cast<std::uint16_t>(first_port + i);
				const MacAddress path = path_of(net.program(), net.r0, flow(port, 18));
				first_path += path == next_hop_mac;
				INFO("flow from port " << port);
				CHECK(path_of(net.program(), net.r0, flow(port, 300)) == path); // a flow keeps its path
			}
			report(std::string(name) + ": " + std::to_string(first_path) + "/" + std::to_string(flow_count - first_path));
			CHECK(first_path > 0);
			CHECK(first_path < flow_count);
		}

		// the kernel hashes the ports behind IPv6 extension headers as if they were not there
		for (int i = 0; i < flow_count; ++i) {
			const auto port = static_cast<std::uint16_t>(first_port + i);
			INFO("flow from port " << port);
			CHECK(path_of(net.program(), net.r0, v6(behind(IPPROTO_DSTOPTS, udp(port, 5000, 18)), IPPROTO_DSTOPTS)) ==
			      path_of(net.program(), net.r0, v6(udp(port, 5000, 18))));
		}

		// fragments have no ports to hash (only the first carries them): every fragment of a flow,
		// whatever its "ports", takes the path of the flow's addresses
		const std::pair<const char*, Flow> one_path[] = {
		    {"IPv4 first fragments", [&](std::uint16_t p, std::size_t n) { return v4(ipv4_more_fragments, udp(p, 5000, n)); }},
		    {"IPv4 later fragments", [&](std::uint16_t p, std::size_t n) { return v4(ipv4_more_fragments | 185, udp(p, 5000, n)); }},
		    {"IPv6 first fragments",
		     [&](std::uint16_t p, std::size_t n) { return v6(behind(IPPROTO_FRAGMENT, udp(p, 5000, n)), IPPROTO_FRAGMENT); }},
		};
		for (const auto& entry : one_path) {
			// named, not bound: clang 14 (the ASan build) can't capture a structured binding in INFO
			const auto& name = entry.first;
			const auto& flow = entry.second;
			INFO(name);
			const MacAddress path = path_of(net.program(), net.r0, flow(first_port, 18));
			for (int i = 1; i < flow_count; ++i)
				CHECK(path_of(net.program(), net.r0, flow(static_cast<std::uint16_t>(first_port + i), 18)) == path);
		}

		// IPv6's flow label is the L3 hash's entropy (policy 0): flows with equal ports spread by it
		must(net.router.exec("sysctl -qw net.ipv6.fib_multipath_hash_policy=0"));
		int first_path = 0;
		for (int i = 0; i < flow_count; ++i) {
			const auto label = static_cast<std::uint32_t>(0x12340 + i);
			const MacAddress path = path_of(net.program(), net.r0, v6(udp(first_port, 5000, 18), IPPROTO_UDP, label));
			first_path += path == next_hop_mac;
			CHECK(path_of(net.program(), net.r0, v6(udp(first_port, 5000, 300), IPPROTO_UDP, label)) == path);
		}
		report("IPv6 flow labels, policy 0: " + std::to_string(first_path) + "/" + std::to_string(flow_count - first_path));
		CHECK(first_path > 0);
		CHECK(first_path < flow_count);
	});
}
