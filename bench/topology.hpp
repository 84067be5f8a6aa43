// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's namespaces: a generator, the router under test, a sink, and one more router
// per FIB-scale route count (so that every configuration can be measured round-robin without
// touching a route table between runs). Addresses come from documentation ranges only.
//
//   gen:g0  <-> router:rin   router:rout <-> sink:s0        (main router)
//   gen:g<i> <-> fib<N>:rin  fib<N>:rout <-> sink:s<i>      (FIB-scale router i, N routes)
//   gen:idle0 <-> gen:idle1                                 (where the generators and the harness
//   gen:idle2 <-> gen:idle3                                  stay attached)
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_abi.h"
#include "support.hpp"

namespace bench {

// Every router looks the same from outside: same MACs on every link (they are separate links),
// so one frame template serves them all.
inline const xdpfwd::MacAddress gen_mac = xdpfwd::MacAddress::parse("02:00:00:00:01:01");
inline const xdpfwd::MacAddress rin_mac = xdpfwd::MacAddress::parse("02:00:00:00:01:02");
inline const xdpfwd::MacAddress rout_mac = xdpfwd::MacAddress::parse("02:00:00:00:02:01");
inline const xdpfwd::MacAddress sink_mac = xdpfwd::MacAddress::parse("02:00:00:00:02:02");

inline constexpr const char* gen_ip4 = "192.0.2.1";
inline constexpr const char* rin_ip4 = "192.0.2.2";
inline constexpr const char* rout_ip4 = "198.51.100.1";
inline constexpr const char* sink_ip4 = "198.51.100.2";
inline constexpr const char* dst_ip4 = "203.0.113.2";       // routed via the sink
inline constexpr const char* gen_ip6 = "2001:db8:1::1";
inline constexpr const char* rin_ip6 = "2001:db8:1::2";
inline constexpr const char* rout_ip6 = "2001:db8:2::1";
inline constexpr const char* sink_ip6 = "2001:db8:2::2";
inline constexpr const char* dst_ip6 = "2001:db8:ffff::2";   // main router: 2001:db8:ffff::/48 via the sink

/// One router namespace and the names of its links on the generator and sink sides.
struct Router {
	std::unique_ptr<Netns> ns;
	std::string gen_if;   ///< in the generator namespace, peer of rin
	std::string sink_if;  ///< in the sink namespace, peer of rout
	unsigned routes = 0;  ///< FIB-scale routes installed (0 for the main router)
	double install_seconds = 0;
};

class Topology {
public:
	/// The main router, plus one router per entry of `scale_routes`.
	explicit Topology(const std::vector<unsigned>& scale_routes) : gen_("gen"), sink_("sink")
	{
		for (const char* pair : {"idle0 type veth peer name idle1", "idle2 type veth peer name idle3"})
			must(gen_.ip("link add " + std::string(pair)));
		for (const char* link : {"idle0", "idle1", "idle2", "idle3"})
			must(gen_.ip("link set " + std::string(link) + " up"));
		add_router("router", 0);
		for (const unsigned routes : scale_routes)
			add_router("fib" + std::to_string(routes), routes);
		// the main link's ends get addresses too, for anyone looking at the topology
		must(gen_.ip("addr add " + std::string(gen_ip4) + "/24 dev g0"));
		must(gen_.ip("-6 addr add " + std::string(gen_ip6) + "/64 dev g0 nodad"));
		must(sink_.ip("addr add " + std::string(sink_ip4) + "/24 dev s0"));
		must(sink_.ip("-6 addr add " + std::string(sink_ip6) + "/64 dev s0 nodad"));
	}

	/// Installs the FIB-scale routes; slow for a million (ip -batch), so done once, up front.
	void install_scale_routes()
	{
		for (auto& router : routers_) {
			if (!router.routes)
				continue;
			std::fprintf(stderr, "bench: installing %u IPv6 routes in %s\n", router.routes, router.ns->name().c_str());
			const auto start = std::chrono::steady_clock::now();
			install_routes(*router.ns, router.routes);
			router.install_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
			std::fprintf(stderr, "bench:   %.1f s\n", router.install_seconds);
		}
	}

	[[nodiscard]] const Netns& gen() const { return gen_; }
	[[nodiscard]] const Netns& sink() const { return sink_; }
	[[nodiscard]] const std::vector<Router>& routers() const { return routers_; }

private:
	void add_router(const std::string& role, unsigned routes)
	{
		const std::size_t index = routers_.size();
		Router router{std::make_unique<Netns>(role), "g" + std::to_string(index), "s" + std::to_string(index), routes, 0};
		const Netns& r = *router.ns;
		must("ip link add " + router.gen_if + " netns " + gen_.name() + " address " + gen_mac.to_string() +
		     " type veth peer name rin netns " + r.name() + " address " + rin_mac.to_string());
		must("ip link add rout netns " + r.name() + " address " + rout_mac.to_string() + " type veth peer name " +
		     router.sink_if + " netns " + sink_.name() + " address " + sink_mac.to_string());
		must(gen_.ip("link set " + router.gen_if + " up"));
		must(sink_.ip("link set " + router.sink_if + " up"));
		for (const char* link : {"rin", "rout"})
			must(r.ip("link set " + std::string(link) + " up"));
		// bpf_fib_lookup honours the forwarding sysctls, as the kernel's own forwarding does
		must(r.exec("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"));
		must(r.ip("addr add " + std::string(rin_ip4) + "/24 dev rin"));
		must(r.ip("addr add " + std::string(rout_ip4) + "/24 dev rout"));
		must(r.ip("-6 addr add " + std::string(rin_ip6) + "/64 dev rin nodad"));
		must(r.ip("-6 addr add " + std::string(rout_ip6) + "/64 dev rout nodad"));
		// the sink answers nothing (it drops everything in XDP): its neighbour entries are permanent
		must(r.ip("neigh replace " + std::string(sink_ip4) + " lladdr " + sink_mac.to_string() + " dev rout nud permanent"));
		must(r.ip("-6 neigh replace " + std::string(sink_ip6) + " lladdr " + sink_mac.to_string() +
			  " dev rout nud permanent"));
		if (!routes) {
			must(r.ip("route add 203.0.113.0/24 via " + std::string(sink_ip4) + " dev rout"));
			must(r.ip("-6 route add 2001:db8:ffff::/48 via " + std::string(sink_ip6) + " dev rout"));
		}
		routers_.push_back(std::move(router));
	}

	static void install_routes(const Netns& ns, unsigned count)
	{
		const std::string command = ns.ip("-6 -batch - >/dev/null");
		FILE* pipe = ::popen(command.c_str(), "w");
		if (!pipe)
			throw std::runtime_error("popen failed: " + command);
		char line[128];
		for (unsigned i = 0; i < count && !stop_signal(); ++i) {
			const unsigned bits = bench_route_bits(i);
			std::snprintf(line, sizeof(line), "route add 2001:db8:%x:%x::/%u via %s dev rout\n", bits >> 16,
				      bits & 0xffff, bench_route_len(i), sink_ip6);
			std::fputs(line, pipe);
		}
		const int rc = ::pclose(pipe);
		check_stop();
		if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
			throw std::runtime_error("installing " + std::to_string(count) + " routes in " + ns.name() + " failed");
	}

	Netns gen_;
	Netns sink_;
	std::vector<Router> routers_; // [0] is the main router
};

} // namespace bench
