// ECMP in fib mode, end to end: a router with a two-nexthop route to a prefix that two hosts
// both hold, and 64 UDP flows from a third host. XDP must use both paths and keep every flow on
// one, as the kernel's own forwarding (fib_multipath_hash_policy 1) does with the same flows.
//
//   [src] veth0 ---- in [router] pa ---- veth0 [a]   203.0.113.10, 2001:db8:ff::10 on lo
//                              pb ---- veth0 [b]   the same addresses
//
// A keeper runs beside the forwarder: a multipath route keeps the route cache (keyed by ingress
// and destination only, no ports) off, so every packet takes the lookup and its hash.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <xdpfwd/xdpfwd.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

constexpr int flows = 64;
constexpr int datagrams_per_flow = 3;
constexpr std::uint16_t first_port = 40000;
constexpr std::uint16_t service_port = 5000;
const std::string service_v4 = "203.0.113.10";
const std::string service_v6 = "2001:db8:ff::10";

struct Ecmp {
	Netns router{"ecmp-rtr"};
	Netns src{"ecmp-src"};
	Netns a{"ecmp-a"};
	Netns b{"ecmp-b"};
	std::optional<PassProgram> src_pass, a_pass, b_pass;

	Ecmp()
	{
		add_veth(src, "veth0", router, "in");
		add_veth(router, "pa", a, "veth0");
		add_veth(router, "pb", b, "veth0");
		router.add_address("in", "192.0.2.1/24");
		router.add_address("in", "2001:db8:1::1/64");
		router.add_address("pa", "198.51.100.1/25");
		router.add_address("pa", "2001:db8:a::1/64");
		router.add_address("pb", "198.51.100.129/25");
		router.add_address("pb", "2001:db8:b::1/64");
		src.add_address("veth0", "192.0.2.2/24");
		src.add_address("veth0", "2001:db8:1::2/64");
		a.add_address("veth0", "198.51.100.2/25");
		a.add_address("veth0", "2001:db8:a::2/64");
		b.add_address("veth0", "198.51.100.130/25");
		b.add_address("veth0", "2001:db8:b::2/64");
		for (const Netns* host : {&a, &b}) {
			host->add_address("lo", service_v4 + "/32");
			host->add_address("lo", service_v6 + "/128");
		}
		must(src.ip("route add default via 192.0.2.1"));
		must(src.ip("-6 route add default via 2001:db8:1::1"));
		// software UDP checksums (see scenario.hpp); and no automatic flow labels: the kernel's
		// own forwarding hashes a packet's flow label, which the sender draws per socket, while
		// policy 1's lookup from XDP hashes the 5-tuple alone (measured: with labels the kernel's
		// split differs from XDP's, without them they agree flow by flow)
		must(src.exec("ethtool -K veth0 tx off"));
		must(src.exec("sysctl -qw net.ipv6.auto_flowlabels=0"));

		router.set_forwarding(true);
		must(router.exec("sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1"));
		// a fixed seed (kernel 6.11+) makes the split the same on every boot; otherwise it is
		// drawn at boot, and 64 flows stay within the 30-70 % bound with 99.9 % probability
		if (std::filesystem::exists("/proc/sys/net/ipv4/fib_multipath_hash_seed"))
			must(router.exec("sysctl -qw net.ipv4.fib_multipath_hash_seed=1"));
		must(router.ip("route add 203.0.113.0/24 nexthop via 198.51.100.2 dev pa nexthop via 198.51.100.130 dev pb"));
		must(router.ip("-6 route add 2001:db8:ff::/64 nexthop via 2001:db8:a::2 dev pa nexthop via 2001:db8:b::2 dev pb"));
		// a veth needs an XDP program on the peer to receive redirected frames (every port of the
		// forwarder may be an egress, so src's too)
		src.inside([&] { src_pass.emplace().attach("veth0"); });
		a.inside([&] { a_pass.emplace().attach("veth0"); });
		b.inside([&] { b_pass.emplace().attach("veth0"); });
		// the router knows both nexthops, so no flow's first packet waits for the kernel (NO_NEIGH)
		for (const char* next_hop : {"198.51.100.2", "198.51.100.130", "2001:db8:a::2", "2001:db8:b::2"})
			must(router.exec(std::string("ping -n -c 1 -W 2 ") + next_hop));
	}

	/// Datagrams the router's kernel forwarded so far (what XDP forwards never shows here).
	[[nodiscard]] std::uint64_t kernel_forwarded() const
	{
		std::uint64_t total = 0;
		const std::string text = output(router.exec("nstat -asz -j Ip6OutForwDatagrams IpForwDatagrams"));
		const auto json = nlohmann::json::parse(text);
		for (const auto& [name, value] : json["kernel"].items())
			total += value.get<std::uint64_t>();
		return total;
	}
};

UniqueFd udp_socket(const Netns& ns, Family family, std::uint16_t port, const std::string& address = {})
{
	const auto scope = ns.enter();
	const int domain = family == Family::v4 ? AF_INET : AF_INET6;
	UniqueFd fd(::socket(domain, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!fd)
		throw Error(errno, "open UDP socket in " + ns.name());
	sockaddr_storage where{};
	socklen_t length = 0;
	if (family == Family::v4) {
		auto& in = reinterpret_cast<sockaddr_in&>(where);
		in.sin_family = AF_INET;
		in.sin_port = htons(port);
		if (!address.empty())
			::inet_pton(AF_INET, address.c_str(), &in.sin_addr);
		length = sizeof(in);
	} else {
		auto& in = reinterpret_cast<sockaddr_in6&>(where);
		in.sin6_family = AF_INET6;
		in.sin6_port = htons(port);
		if (!address.empty())
			::inet_pton(AF_INET6, address.c_str(), &in.sin6_addr);
		length = sizeof(in);
	}
	if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&where), length) != 0)
		throw Error(errno, "bind UDP socket to port " + std::to_string(port) + " in " + ns.name());
	return fd;
}

/// Where each flow's datagrams arrived: source port -> host ("a"/"b") -> datagrams.
using Arrivals = std::map<std::uint16_t, std::map<std::string, int>>;

/// Sends datagrams_per_flow datagrams on each of the 64 flows (source ports 40000..40063) and
/// collects them at both hosts, until all arrived or nothing came for a second.
Arrivals send_flows(const Ecmp& net, Family family)
{
	const std::string& service = family == Family::v4 ? service_v4 : service_v6;
	UniqueFd at_a = udp_socket(net.a, family, service_port, service);
	UniqueFd at_b = udp_socket(net.b, family, service_port, service);
	std::vector<UniqueFd> senders;
	for (int i = 0; i < flows; ++i)
		senders.push_back(udp_socket(net.src, family, static_cast<std::uint16_t>(first_port + i)));

	const SocketAddress to = socket_address(service, service_port);
	const char payload[] = "ecmp";
	for (int round = 0; round < datagrams_per_flow; ++round)
		for (const auto& sender : senders)
			if (::sendto(sender.get(), payload, sizeof(payload), 0, to.get(), to.length) < 0)
				throw Error(errno, "send a UDP datagram");

	Arrivals arrivals;
	int received = 0;
	pollfd fds[2] = {{at_a.get(), POLLIN, 0}, {at_b.get(), POLLIN, 0}};
	while (received < flows * datagrams_per_flow && ::poll(fds, 2, 1000) > 0) {
		for (int i = 0; i < 2; ++i) {
			sockaddr_storage from{};
			socklen_t from_length = sizeof(from);
			char buffer[64];
			while (::recvfrom(fds[i].fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &from_length) >= 0) {
				const std::uint16_t port = ntohs(family == Family::v4 ? reinterpret_cast<sockaddr_in&>(from).sin_port
										      : reinterpret_cast<sockaddr_in6&>(from).sin6_port);
				++arrivals[port][i == 0 ? "a" : "b"];
				++received;
				from_length = sizeof(from);
			}
		}
	}
	return arrivals;
}

/// Asserts what a user checks: every datagram arrived, each flow at exactly one host, and each
/// host got 30-70 % of the flows. Returns the host of each flow.
std::map<std::uint16_t, std::string> check_spread(const Arrivals& arrivals, const std::string& what)
{
	CAPTURE(what);
	std::map<std::uint16_t, std::string> path;
	int at_a = 0;
	CHECK(arrivals.size() == flows);
	for (const auto& arrival : arrivals) {
		const std::uint16_t port = arrival.first; // no structured binding: clang 14 cannot INFO it
		const auto& hosts = arrival.second;
		INFO("flow from port " << port);
		CHECK(hosts.size() == 1); // a flow keeps its path
		const auto& [host, count] = *hosts.begin();
		CHECK(count == datagrams_per_flow);
		path[port] = host;
		at_a += host == "a";
	}
	report(what + ": " + std::to_string(at_a) + " flows to a, " + std::to_string(flows - at_a) + " to b");
	CHECK(at_a >= flows * 30 / 100);
	CHECK(at_a <= flows * 70 / 100);
	return path;
}

} // namespace

TEST_CASE("ecmp: a two-nexthop route carries UDP flows on both paths in XDP, each flow on one, as the kernel does")
{
	Ecmp net;
	for (const Family family : {Family::v4, Family::v6}) {
		const std::string label = to_string(family);
		CAPTURE(label);
		std::map<std::uint16_t, std::string> xdp_path;
		{
			const auto in_router = net.router.enter();
			FibForwarder forwarder(FibLookup::full);
			for (const char* port : {"in", "pa", "pb"})
				forwarder.add_port(port);
			KeeperThread keeper(forwarder);
			const StatsReader stats = forwarder.stats();
			const StatsSnapshot before = stats.snapshot();
			const std::uint64_t kernel_before = net.kernel_forwarded();

			xdp_path = check_spread(send_flows(net, family), label + " XDP");

			const StatsSnapshot after = stats.snapshot();
			const auto redirects = after[XdpAction::redirect].packets - before[XdpAction::redirect].packets;
			report(label + " XDP: XDP_REDIRECT +" + std::to_string(redirects) + ", cache hits +" +
			       std::to_string(after[Reason::cache_hit].packets - before[Reason::cache_hit].packets));
			CHECK(redirects >= flows * datagrams_per_flow);
			CHECK(net.kernel_forwarded() == kernel_before);
			// the cache's key has no ports: with a multipath route it must stay off
			const KeeperStats kept = keeper.stats();
			CHECK_FALSE(kept.cache_on);
			CHECK(kept.off_reason.find("multipath") != std::string::npos);
			CHECK(after[Reason::cache_hit].packets == before[Reason::cache_hit].packets);
		}

		const std::uint64_t kernel_before = net.kernel_forwarded();
		const auto kernel_path = check_spread(send_flows(net, family), label + " kernel");
		CHECK(net.kernel_forwarded() - kernel_before >= flows * datagrams_per_flow);
		int same = 0;
		for (const auto& [port, host] : xdp_path)
			same += kernel_path.count(port) && kernel_path.at(port) == host;
		report(label + ": " + std::to_string(same) + "/" + std::to_string(flows) + " flows took the same path in XDP and in the kernel");
	}
}
