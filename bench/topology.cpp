// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "topology.hpp"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "bench_abi.h"
#include "stop.hpp"

namespace bench {
namespace {

using xdpfwd::test::add_veth;
using xdpfwd::test::must;

void install_routes(const Netns& ns, unsigned count)
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

} // namespace

Topology::Topology(const std::vector<unsigned>& scale_routes)
{
	// The idle links only host attached programs. Without IPv6 they send no DAD, RS or MLD frame
	// at link-up that the harness attached there could turn into a bench frame for the forwarder
	// to bounce between them forever (seen: a CPU livelocked in softirq).
	must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=1"));
	add_veth(gen_, "idle0", gen_, "idle1");
	add_veth(gen_, "idle2", gen_, "idle3");
	must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=0"));
	add_router("router", 0);
	for (const unsigned routes : scale_routes)
		add_router("fib" + std::to_string(routes), routes);
	// the main link's ends get addresses too, for anyone looking at the topology
	gen_.add_address("g0", std::string(gen_ip4) + "/24");
	gen_.add_address("g0", std::string(gen_ip6) + "/64");
	sink_.add_address("s0", std::string(sink_ip4) + "/24");
	sink_.add_address("s0", std::string(sink_ip6) + "/64");
}

void Topology::install_scale_routes()
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

void Topology::add_router(const std::string& role, unsigned routes)
{
	check_stop();
	const std::size_t index = routers_.size();
	Router router{std::make_unique<Netns>(role), "g" + std::to_string(index), "s" + std::to_string(index), routes, 0};
	const Netns& r = *router.ns;
	add_veth(gen_, router.gen_if, r, "rin", {.a_mac = gen_mac, .b_mac = rin_mac});
	add_veth(r, "rout", sink_, router.sink_if, {.a_mac = rout_mac, .b_mac = sink_mac});
	r.set_forwarding(true);
	r.add_address("rin", std::string(rin_ip4) + "/24");
	r.add_address("rout", std::string(rout_ip4) + "/24");
	r.add_address("rin", std::string(rin_ip6) + "/64");
	r.add_address("rout", std::string(rout_ip6) + "/64");
	// the sink answers nothing (it drops everything in XDP): its neighbour entries are permanent
	must(r.ip("neigh replace " + std::string(sink_ip4) + " lladdr " + sink_mac.to_string() + " dev rout nud permanent"));
	must(r.ip("-6 neigh replace " + std::string(sink_ip6) + " lladdr " + sink_mac.to_string() + " dev rout nud permanent"));
	if (!routes) {
		must(r.ip("route add 203.0.113.0/24 via " + std::string(sink_ip4) + " dev rout"));
		must(r.ip("-6 route add 2001:db8:ffff::/48 via " + std::string(sink_ip6) + " dev rout"));
	}
	routers_.push_back(std::move(router));
}

} // namespace bench
