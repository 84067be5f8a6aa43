// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's namespaces: a generator, the router under test, a sink, one more router per
// FIB-scale route count (so that every configuration can be measured round-robin without
// touching a route table between runs), and a router with two egress ports for the coherence
// benchmark. Addresses come from documentation ranges only.
//
//   gen:g0  <-> router:rin   router:rout <-> sink:s0        (main router)
//   gen:g<i> <-> fib<N>:rin  fib<N>:rout <-> sink:s<i>      (FIB-scale router i, N routes)
//   gen:gc  <-> coherence:rin  coherence:rout  <-> sink:c0  (a route switched between rout
//                              coherence:rout2 <-> sink:c1   and rout2)
//   gen:gv  <-> vlan:rin  vlan:rout <-> sink:sv             (VLAN router: rin.100 on rin holds
//               vlan:rin.100                                 what the main router has on rin)
//   gen:gw  <-> vlantag:rin  vlantag:rout <-> sink:sw       (the same, and rout.200 on rout holds
//               vlantag:rin.100  vlantag:rout.200            what the main router has on rout)
//   gen:idle0 <-> gen:idle1                                 (where the generators and the harness
//   gen:idle2 <-> gen:idle3                                  stay attached)
//   gen:idle4 <-> gen:idle5                                 (the VLAN generator and harness)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "support/netns.hpp"

namespace bench {

using xdpfwd::test::Netns;

/// One router namespace and the names of its links on the generator and sink sides.
struct Router {
	std::unique_ptr<Netns> ns;
	std::string gen_if;   ///< in the generator namespace, peer of rin
	std::string sink_if;  ///< in the sink namespace, peer of rout
	unsigned routes = 0;  ///< FIB-scale IPv6 routes installed (0 for the main router)
	unsigned routes4 = 0; ///< FIB-scale IPv4 routes installed (0: no IPv4 FIB-scale traffic here)
	double install_seconds = 0, install_seconds4 = 0;
};

class Topology {
public:
	/// The main router, one router per entry of `scale_routes` (the smallest and the largest
	/// also get an IPv4 table), the coherence router, and with `vlan` the two VLAN routers if
	/// this kernel can make VLAN devices (vlan_unavailable() says why not).
	Topology(const std::vector<unsigned>& scale_routes, bool vlan);

	/// Installs the FIB-scale routes; slow for a million (ip -batch), so done once, up front.
	void install_scale_routes();

	[[nodiscard]] const Netns& gen() const { return gen_; }
	[[nodiscard]] const Netns& sink() const { return sink_; }
	[[nodiscard]] const Netns& coherence() const { return coherence_; }
	[[nodiscard]] const std::vector<Router>& routers() const { return routers_; }
	/// A VLAN router: frames tagged BENCH_VLAN_ID on rin belong to rin.100, which has the
	/// addresses the main router has on rin; with `tagged_egress`, rout.200 (BENCH_VLAN_EGRESS_ID
	/// on rout) also has rout's, and the routes go through it. Null when there is none.
	[[nodiscard]] const Router* vlan_router(bool tagged_egress = false) const
	{
		const auto& router = tagged_egress ? vlan_tagged_router_ : vlan_router_;
		return router ? &*router : nullptr;
	}
	/// Why there is no VLAN router (empty when there is one, or none was asked for).
	[[nodiscard]] const std::string& vlan_unavailable() const { return vlan_unavailable_; }

private:
	void add_router(const std::string& role, unsigned routes, unsigned routes4);
	void add_coherence_router();
	/// False when VLAN devices cannot be made here (vlan_unavailable_ says why).
	bool add_vlan_router(bool tagged_egress);
	/// The veths of a router: gen_if <-> rin, rout <-> sink_if, with the fixed MACs.
	void link_router(const Router& router);
	/// Forwarding on, the generator side's addresses on `ingress`, the sink side's on `egress`,
	/// the sink's permanent neighbour entries there and, with `template_routes`, the template's
	/// destinations through it.
	static void address_router(const Netns& r, const std::string& ingress, const std::string& egress,
				   bool template_routes);

	Netns gen_{"gen"};
	Netns sink_{"sink"};
	Netns coherence_{"coherence"};
	std::vector<Router> routers_; // [0] is the main router
	std::optional<Router> vlan_router_, vlan_tagged_router_;
	std::string vlan_unavailable_;
};

} // namespace bench
