// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The coherence latency benchmark: how soon after the kernel acknowledged a route change the
// cached fib forwarder's packets follow the new route, under load.
#pragma once

#include "frames.hpp"
#include "options.hpp"
#include "programs.hpp"
#include "results.hpp"
#include "topology.hpp"

namespace bench {

/// Switches the coherence router's route for the template's destination between its two ports
/// `o.changes` times while the generator sends `family` frames through a cached fib forwarder.
CoherenceResult measure_coherence(const Options& o, const Topology& topo, Programs& p, int family, const Bytes& frame);

} // namespace bench
