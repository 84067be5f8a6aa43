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

#include <memory>
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
	unsigned routes = 0;  ///< FIB-scale routes installed (0 for the main router)
	double install_seconds = 0;
};

class Topology {
public:
	/// The main router, plus one router per entry of `scale_routes`.
	explicit Topology(const std::vector<unsigned>& scale_routes);

	/// Installs the FIB-scale routes; slow for a million (ip -batch), so done once, up front.
	void install_scale_routes();

	[[nodiscard]] const Netns& gen() const { return gen_; }
	[[nodiscard]] const Netns& sink() const { return sink_; }
	[[nodiscard]] const std::vector<Router>& routers() const { return routers_; }

private:
	void add_router(const std::string& role, unsigned routes);

	Netns gen_{"gen"};
	Netns sink_{"sink"};
	std::vector<Router> routers_; // [0] is the main router
};

} // namespace bench
