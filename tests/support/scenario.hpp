// The original case's topology as a fixture: a router namespace between two hosts.
//
//   [uno] veth0 ---- uno [router] dos ---- veth0 [dos]
//   192.0.2.2/24        .1        .1        198.51.100.2/24
//   2001:db8:1::2/64    ::1       ::1       2001:db8:2::2/64
//
// Hosts route everything through the router, which forwards in the kernel (v4 and v6) until a
// test attaches a forwarder to its `uno` / `dos`. Each host's veth0 runs PassProgram, which a
// veth needs for frames redirected into its peer. Everything is gone when the fixture is.
//
// The hosts' veth0 compute transmit checksums in software (ethtool -K veth0 tx off): a veth
// hands its peer TCP/UDP packets with the checksum left to "hardware" (CHECKSUM_PARTIAL), a
// promise that lives in the skb and is lost when XDP redirects the frame, so the far host would
// drop every datagram as a checksum error (ICMP, checksummed by the stack, is unaffected).
// Any veth lab that redirects locally originated TCP/UDP needs the same.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include "capture.hpp"
#include "netns.hpp"
#include "ping.hpp"

namespace xdpfwd::test {

enum class Family { v4, v6 };

inline const char* to_string(Family f) { return f == Family::v4 ? "IPv4" : "IPv6"; }

/// One host's addresses (and the router's on the same link).
struct HostAddresses {
	std::string v4;
	std::string v6;
	std::string router_v4;
	std::string router_v6;
	[[nodiscard]] const std::string& of(Family f) const { return f == Family::v4 ? v4 : v6; }
};

inline const HostAddresses uno_addresses{"192.0.2.2", "2001:db8:1::2", "192.0.2.1", "2001:db8:1::1"};
inline const HostAddresses dos_addresses{"198.51.100.2", "2001:db8:2::2", "198.51.100.1", "2001:db8:2::1"};

class Scenario {
public:
	Netns router{"router"};
	Netns uno{"uno"};
	Netns dos{"dos"};
	unsigned uno_port = 0; ///< ifindex of the router's port towards uno
	unsigned dos_port = 0;

	Scenario()
	{
		for (const Netns* ns : {&router, &uno, &dos})
			must(ns->exec("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"));
		router.set_forwarding(true);

		add_veth(router, "uno", uno, "veth0");
		add_veth(router, "dos", dos, "veth0");
		link_host(uno, "uno", uno_addresses);
		link_host(dos, "dos", dos_addresses);
		uno_port = router_ifindex("uno");
		dos_port = router_ifindex("dos");
		// an attachment remembers its namespace: the programs detach there when they go
		uno.inside([&] { uno_pass_.emplace().attach("veth0"); });
		dos.inside([&] { dos_pass_.emplace().attach("veth0"); });
	}
	Scenario(const Scenario&) = delete;
	Scenario& operator=(const Scenario&) = delete;

	/// Runs `command` inside `ns`; returns its exit status.
	static int run_in(const Netns& ns, const std::string& command) { return run(ns.exec(command)); }
	/// Runs `command` inside `ns`; returns what it printed.
	static std::string output_in(const Netns& ns, const std::string& command, int* status = nullptr)
	{
		return output(ns.exec(command), status);
	}

	/// Pings host `to` from host `from` (uno <-> dos) through the router.
	[[nodiscard]] PingResult ping_host(const Netns& from, const Netns& to, Family family, int count = 2) const
	{
		return test::ping(from.name(), addresses(to).of(family), {.count = count});
	}

	/// Addresses of host `host` (uno or dos).
	[[nodiscard]] const HostAddresses& addresses(const Netns& host) const
	{
		return &host == &uno ? uno_addresses : dos_addresses;
	}

	/// ifindex of a router interface ("uno" or "dos").
	[[nodiscard]] unsigned router_ifindex(const std::string& name) const
	{
		return router.inside([&] { return ifindex_of(name); });
	}

	/// Hardware address of interface `name` in `ns`.
	static MacAddress mac(const Netns& ns, const std::string& name)
	{
		return ns.inside([&] { return mac_of(ifindex_of(name)); });
	}

	/// Map mode's route towards `host` ("uno" or "dos"): out of the router's port of that name,
	/// to the host's veth0 MAC, from the router port's own MAC.
	[[nodiscard]] MapRoute map_route_to(const std::string& host) const
	{
		const Netns& host_ns = host == "uno" ? uno : dos;
		return {router_ifindex(host), mac(host_ns, "veth0"), mac(router, host)};
	}

	/// Detaches the pass program from a host's veth0 (inside the host's namespace).
	void remove_pass(const Netns& host) { (&host == &uno ? uno_pass_ : dos_pass_).reset(); }

	/// The pass program on a host's veth0 (its counters show what the host received by XDP).
	[[nodiscard]] const PassProgram& pass_on(const Netns& host) const
	{
		const auto& pass = &host == &uno ? uno_pass_ : dos_pass_;
		if (!pass)
			throw std::logic_error("no pass program on " + host.name());
		return *pass;
	}

	/// Datagrams the router's kernel forwarded so far (IPv4 ForwDatagrams / Ip6OutForwDatagrams):
	/// what XDP forwards never shows here.
	[[nodiscard]] std::uint64_t kernel_forwarded(Family family) const
	{
		if (family == Family::v4) {
			// two "Ip:" lines: names, then values
			std::istringstream in(output_in(router, "cat /proc/net/snmp"));
			std::string names, values, line;
			while (std::getline(in, line)) {
				if (line.rfind("Ip: ", 0) != 0)
					continue;
				if (names.empty())
					names = line;
				else {
					values = line;
					break;
				}
			}
			std::istringstream n(names), v(values);
			std::string name, value;
			while (n >> name && v >> value)
				if (name == "ForwDatagrams")
					return std::stoull(value);
			throw std::runtime_error("no ForwDatagrams in /proc/net/snmp");
		}
		std::istringstream in(output_in(router, "cat /proc/net/snmp6"));
		std::string name, value;
		while (in >> name >> value)
			if (name == "Ip6OutForwDatagrams")
				return std::stoull(value);
		throw std::runtime_error("no Ip6OutForwDatagrams in /proc/net/snmp6");
	}

	/// True when `ip link show` in the router lists an XDP program on any interface.
	[[nodiscard]] bool router_shows_xdp() const
	{
		return output(router.ip("link show")).find("xdp") != std::string::npos;
	}

private:
	// Addresses on both ends of one link, the host's default routes through the router.
	void link_host(const Netns& host, const std::string& router_side, const HostAddresses& a)
	{
		must(router.exec("sysctl -qw net.ipv6.conf." + router_side + ".accept_dad=0"));
		must(host.exec("sysctl -qw net.ipv6.conf.veth0.accept_dad=0"));
		router.add_address(router_side, a.router_v4 + "/24");
		router.add_address(router_side, a.router_v6 + "/64");
		must(host.exec("ethtool -K veth0 tx off"));
		host.add_address("veth0", a.v4 + "/24");
		host.add_address("veth0", a.v6 + "/64");
		must(host.ip("route add default via " + a.router_v4));
		must(host.ip("-6 route add default via " + a.router_v6));
	}

	std::optional<PassProgram> uno_pass_;
	std::optional<PassProgram> dos_pass_;
};

/// What one probe (pings or datagrams from one host to the other) saw: how much was sent and
/// arrived, how the forwarder's counters and the router kernel's forwarding counter moved, and
/// the first matching frame captured on the far host's veth0.
struct Observed {
	int sent = 0;
	int arrived = 0;
	std::uint64_t redirects = 0;         ///< XDP_REDIRECT packets counted meanwhile
	std::uint64_t kernel_forwarded = 0;  ///< datagrams the router's kernel forwarded meanwhile
	std::optional<Frame> frame;          ///< an echo request as the far host received it
	StatsSnapshot before, after;         ///< the forwarder's counters around the probe

	[[nodiscard]] std::uint64_t delta(XdpAction a) const { return after[a].packets - before[a].packets; }
	[[nodiscard]] std::uint64_t delta(Reason r) const { return after[r].packets - before[r].packets; }

	[[nodiscard]] std::string describe() const
	{
		return "sent " + std::to_string(sent) + ", arrived " + std::to_string(arrived) + ", XDP_REDIRECT +" +
		       std::to_string(redirects) + ", kernel forwarded +" +
		       std::to_string(kernel_forwarded) +
		       (frame ? ", frame ttl " + std::to_string(frame->ttl) + " " + frame->src_mac.to_string() + " -> " +
				    frame->dst_mac.to_string()
			      : std::string(", no frame captured"));
	}
};

/// Prints `what` when XDPFWD_TEST_VERBOSE is set (the numbers a report quotes).
inline void report(const std::string& what)
{
	if (std::getenv("XDPFWD_TEST_VERBOSE"))
		std::fprintf(stderr, "  %s\n", what.c_str());
}

/// Pings host `to` from host `from` (`count` echo requests with TTL 64) while capturing on
/// `to`'s veth0 and reading `stats` (nullptr: no forwarder counters) before and after.
inline Observed ping_through(const Scenario& s, const Netns& from, const Netns& to, Family family,
			     const StatsReader* stats, int count = 3)
{
	Capture capture(to, "veth0");
	Observed seen;
	seen.before = stats ? stats->snapshot() : StatsSnapshot{};
	const auto kernel_before = s.kernel_forwarded(family);
	const PingResult ping = s.ping_host(from, to, family, count);
	seen.after = stats ? stats->snapshot() : StatsSnapshot{};
	seen.sent = ping.transmitted;
	seen.arrived = ping.received;
	seen.redirects = seen.delta(XdpAction::redirect);
	seen.kernel_forwarded = s.kernel_forwarded(family) - kernel_before;
	const std::string src = s.addresses(from).of(family), dst = s.addresses(to).of(family);
	seen.frame = capture.next([&](const Frame& f) { return f.is_echo_request(src, dst); }, 500ms);
	return seen;
}

/// Sends `count` UDP datagrams from host `from` to host `to` and counts what arrives.
inline Observed udp_through(const Scenario& s, const Netns& from, const Netns& to, Family family,
			    const StatsReader* stats, int count = 20, std::uint16_t port = 40000)
{
	UdpFlow flow(from, to, s.addresses(to).of(family), port);
	Observed seen;
	seen.before = stats ? stats->snapshot() : StatsSnapshot{};
	const auto kernel_before = s.kernel_forwarded(family);
	seen.sent = count;
	seen.arrived = flow.send_and_count(count);
	seen.after = stats ? stats->snapshot() : StatsSnapshot{};
	seen.redirects = seen.delta(XdpAction::redirect);
	seen.kernel_forwarded = s.kernel_forwarded(family) - kernel_before;
	return seen;
}

/// Resolves neighbours on every hop (ARP / ND) through kernel forwarding, so that counted
/// traffic afterwards loses nothing to resolution. Throws when the scenario cannot forward.
inline void warm_up(const Scenario& s)
{
	for (const Family family : {Family::v4, Family::v6})
		for (const auto& [from, to] : {std::pair{&s.dos, &s.uno}, std::pair{&s.uno, &s.dos}})
			if (!s.ping_host(*from, *to, family, 1).all() && !s.ping_host(*from, *to, family, 2).all())
				throw std::runtime_error(std::string("scenario does not forward ") + to_string(family) +
							 " from " + from->name() + " to " + to->name() + " by itself");
}

/// The router interface facing host `host` ("uno" or "dos").
inline std::string router_side(const Scenario& s, const Netns& host) { return &host == &s.uno ? "uno" : "dos"; }

/// Asserts that pings (v4, v6) and UDP (v4, v6) from `from` to `to` arrive in full, forwarded
/// by XDP alone: `stats` counts a redirect for every packet, the router's kernel forwards none,
/// and the far host receives the echo requests with TTL 63 (sent with 64) and the MACs of that
/// link: its own as destination, the router's as source. The echo replies are forwarded by XDP
/// too, or, for a forwarder that works one way only, by the router's kernel.
enum class Replies { xdp, kernel };
inline void check_xdp_forwards(const Scenario& s, const StatsReader& stats, const Netns& from, const Netns& to,
			       const std::string& label, Replies replies = Replies::xdp)
{
	const MacAddress host_mac = Scenario::mac(to, "veth0");
	const MacAddress router_mac = Scenario::mac(s.router, router_side(s, to));
	for (const Family family : {Family::v4, Family::v6}) {
		const std::string what = label + " " + router_side(s, from) + "->" + router_side(s, to) + " " + to_string(family);
		CAPTURE(what);
		const Observed ping = ping_through(s, from, to, family, &stats);
		report(what + " ping: " + ping.describe());
		INFO(ping.describe());
		CHECK(ping.sent == 3);
		CHECK(ping.arrived == 3);
		CHECK(ping.redirects >= (replies == Replies::xdp ? 6u : 3u));
		CHECK(ping.kernel_forwarded == (replies == Replies::xdp ? 0u : 3u));
		REQUIRE(ping.frame);
		CHECK(ping.frame->ttl == 63);
		CHECK(ping.frame->dst_mac == host_mac);
		CHECK(ping.frame->src_mac == router_mac);
		if (family == Family::v4)
			CHECK(ping.frame->ipv4_checksum_ok);

		const Observed udp = udp_through(s, from, to, family, &stats);
		report(what + " UDP: " + udp.describe());
		INFO(udp.describe());
		CHECK(udp.arrived == udp.sent);
		CHECK(udp.redirects >= static_cast<std::uint64_t>(udp.sent));
		CHECK(udp.kernel_forwarded == 0);
	}
}

/// Asserts that both router ports run `program`.
inline void check_router_runs(const Scenario& s, const Program& program)
{
	const auto in_router = s.router.enter();
	for (const unsigned port : {s.uno_port, s.dos_port}) {
		const auto attached = find_attached(port);
		REQUIRE(attached);
		CHECK(attached->program.id() == program.id());
	}
}

/// Asserts that with no forwarder on the router (neither port has an XDP program, and `ip link
/// show` lists none there), pings both ways (v4, v6) arrive through the router's kernel.
inline void check_kernel_forwards(const Scenario& s, const std::string& label)
{
	s.router.inside([&] {
		CHECK_FALSE(find_attached(s.uno_port));
		CHECK_FALSE(find_attached(s.dos_port));
	});
	CHECK_FALSE(s.router_shows_xdp());
	for (const Family family : {Family::v4, Family::v6})
		for (const auto& [from, to] : {std::pair{&s.dos, &s.uno}, std::pair{&s.uno, &s.dos}}) {
			const std::string what = label + " " + router_side(s, *from) + "->" + router_side(s, *to) + " " + to_string(family);
			CAPTURE(what);
			const Observed ping = ping_through(s, *from, *to, family, nullptr);
			report(what + " ping: " + ping.describe());
			CHECK(ping.arrived == 3);
			CHECK(ping.kernel_forwarded == 6);
			REQUIRE(ping.frame);
			CHECK(ping.frame->ttl == 63);
		}
}

} // namespace xdpfwd::test
