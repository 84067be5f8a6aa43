// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "topology.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "bench_abi.h"
#include "routes.hpp"
#include "stop.hpp"

namespace bench {
namespace {

using xdpfwd::test::add_veth;
using xdpfwd::test::must;
using xdpfwd::test::output;

/// Feeds `ip -batch` the lines `write` makes; returns the seconds it took.
double install_routes(const Netns& ns, bool ipv6, unsigned count,
		      void (*write)(unsigned, const std::string&, const std::string&, const RouteLine&))
{
	const char* family = ipv6 ? "IPv6" : "IPv4";
	std::fprintf(stderr, "bench: installing %u %s routes in %s\n", count, family, ns.name().c_str());
	const auto start = std::chrono::steady_clock::now();
	const std::string command = ns.ip(std::string(ipv6 ? "-6" : "-4") + " -batch - >/dev/null");
	FILE* pipe = ::popen(command.c_str(), "w");
	if (!pipe)
		throw std::runtime_error("popen failed: " + command);
	try {
		write(count, ipv6 ? sink_ip6 : sink_ip4, "rout", [&](const std::string& line) {
			check_stop();
			std::fputs(line.c_str(), pipe);
			std::fputc('\n', pipe);
		});
	} catch (...) {
		::pclose(pipe);
		throw;
	}
	const int rc = ::pclose(pipe);
	check_stop();
	if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		throw std::runtime_error("installing " + std::to_string(count) + " " + family + " routes in " + ns.name() + " failed");
	const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::fprintf(stderr, "bench:   %.1f s\n", seconds);
	return seconds;
}

/// The sink answers nothing (it drops everything in XDP): its neighbour entries are permanent.
void permanent_neighbour(const Netns& r, const std::string& address, const std::string& dev)
{
	must(r.ip("neigh replace " + address + " lladdr " + sink_mac.to_string() + " dev " + dev + " nud permanent"));
}

} // namespace

Topology::Topology(const std::vector<unsigned>& scale_routes, bool vlan)
{
	// The idle links only host attached programs. Without IPv6 they send no DAD, RS or MLD frame
	// at link-up that the harness attached there could turn into a bench frame for the forwarder
	// to bounce between them forever (seen: a CPU livelocked in softirq).
	must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=1"));
	add_veth(gen_, "idle0", gen_, "idle1");
	add_veth(gen_, "idle2", gen_, "idle3");
	must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=0"));
	add_router("router", 0, 0);
	// IPv4 tables only at both ends of the scale: the IPv6 ones show the curve between
	const unsigned smallest4 = std::max(scale_routes.front(), ipv4_destination_route_count());
	for (const unsigned routes : scale_routes) {
		const bool ipv4 = routes == scale_routes.front() || routes == scale_routes.back();
		add_router("fib" + std::to_string(routes), routes,
			   !ipv4 ? 0 : routes == scale_routes.front() ? smallest4 : std::max(routes, smallest4));
	}
	add_coherence_router();
	if (vlan && add_vlan_router(false) && !add_vlan_router(true))
		vlan_router_.reset(); // both VLAN rows or neither
	if (vlan_router_) {
		// one more idle pair, for the VLAN generator and harness (no IPv6 on it, as for the others)
		must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=1"));
		add_veth(gen_, "idle4", gen_, "idle5");
		must(gen_.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=0"));
	}
	// the main link's ends get addresses too, for anyone looking at the topology
	gen_.add_address("g0", std::string(gen_ip4) + "/24");
	gen_.add_address("g0", std::string(gen_ip6) + "/64");
	sink_.add_address("s0", std::string(sink_ip4) + "/24");
	sink_.add_address("s0", std::string(sink_ip6) + "/64");
}

void Topology::install_scale_routes()
{
	for (auto& router : routers_) {
		if (router.routes)
			router.install_seconds = install_routes(*router.ns, true, router.routes, ipv6_scale_routes);
		if (router.routes4)
			router.install_seconds4 = install_routes(*router.ns, false, router.routes4, ipv4_scale_routes);
	}
}

void Topology::add_router(const std::string& role, unsigned routes, unsigned routes4)
{
	check_stop();
	const std::size_t index = routers_.size();
	Router router{std::make_unique<Netns>(role), "g" + std::to_string(index), "s" + std::to_string(index), routes, routes4};
	link_router(router);
	address_router(*router.ns, "rin", "rout", routes == 0);
	routers_.push_back(std::move(router));
}

void Topology::link_router(const Router& router)
{
	add_veth(gen_, router.gen_if, *router.ns, "rin", {.a_mac = gen_mac, .b_mac = rin_mac});
	add_veth(*router.ns, "rout", sink_, router.sink_if, {.a_mac = rout_mac, .b_mac = sink_mac});
}

void Topology::address_router(const Netns& r, const std::string& ingress, const std::string& egress, bool template_routes)
{
	r.set_forwarding(true);
	r.add_address(ingress, std::string(rin_ip4) + "/24");
	r.add_address(egress, std::string(rout_ip4) + "/24");
	r.add_address(ingress, std::string(rin_ip6) + "/64");
	r.add_address(egress, std::string(rout_ip6) + "/64");
	permanent_neighbour(r, sink_ip4, egress);
	permanent_neighbour(r, sink_ip6, egress);
	if (template_routes) {
		must(r.ip("route add " + std::string(dst_prefix4) + " via " + sink_ip4 + " dev " + egress));
		must(r.ip("-6 route add " + std::string(dst_prefix6) + " via " + sink_ip6 + " dev " + egress));
	}
}

bool Topology::add_vlan_router(bool tagged_egress)
{
	check_stop();
	Router router{std::make_unique<Netns>(tagged_egress ? "vlantag" : "vlan"), tagged_egress ? "gw" : "gv",
		      tagged_egress ? "sw" : "sv"};
	const Netns& r = *router.ns;
	link_router(router);
	// needs the kernel's 8021q module; without it the VLAN rows are left out (the namespace goes)
	int status = 0;
	std::string why = output(r.ip("link add link rin name " + std::string(vlan_ingress) + " type vlan id " +
				      std::to_string(BENCH_VLAN_ID)),
				 &status);
	if (status != 0) {
		while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
			why.pop_back();
		vlan_unavailable_ = "this kernel cannot make VLAN devices (ip link add ... type vlan: " +
				    (why.empty() ? "exit status " + std::to_string(status) : why) + ")";
		return false;
	}
	must(r.ip("link set " + std::string(vlan_ingress) + " up"));
	if (tagged_egress) {
		must(r.ip("link add link rout name " + std::string(vlan_egress) + " type vlan id " +
			  std::to_string(BENCH_VLAN_EGRESS_ID)));
		must(r.ip("link set " + std::string(vlan_egress) + " up"));
	}
	// rin (and rout) keep no address: what crosses them untagged is not this router's traffic.
	// The generator writes the tag into its frames itself (an XDP_TX-ed frame carries no
	// offloaded tag), so its veth's transmit VLAN offload does not matter here.
	address_router(r, vlan_ingress, tagged_egress ? vlan_egress : "rout", true);
	(tagged_egress ? vlan_tagged_router_ : vlan_router_) = std::move(router);
	return true;
}

void Topology::add_coherence_router()
{
	const Netns& r = coherence_;
	add_veth(gen_, "gc", r, "rin", {.a_mac = gen_mac, .b_mac = rin_mac});
	add_veth(r, "rout", sink_, "c0", {.a_mac = rout_mac, .b_mac = sink_mac});
	add_veth(r, "rout2", sink_, "c1", {.a_mac = rout2_mac, .b_mac = sink_mac});
	r.set_forwarding(true);
	r.add_address("rin", std::string(rin_ip4) + "/24");
	r.add_address("rin", std::string(rin_ip6) + "/64");
	r.add_address("rout", std::string(rout_ip4) + "/25");
	r.add_address("rout", std::string(rout_ip6) + "/64");
	r.add_address("rout2", std::string(rout2_ip4) + "/25");
	r.add_address("rout2", std::string(rout2_ip6) + "/64");
	permanent_neighbour(r, sink_ip4, "rout");
	permanent_neighbour(r, sink_ip6, "rout");
	permanent_neighbour(r, sink2_ip4, "rout2");
	permanent_neighbour(r, sink2_ip6, "rout2");
	must(r.ip("route add " + std::string(dst_prefix4) + " via " + sink_ip4 + " dev rout"));
	must(r.ip("-6 route add " + std::string(dst_prefix6) + " via " + sink_ip6 + " dev rout"));
}

} // namespace bench
