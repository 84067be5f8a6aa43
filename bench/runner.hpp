// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Running the benchmark: builds the topology, loads the programs, checks the generator's frames,
// measures every configuration round-robin, and returns what it measured.
#pragma once

#include "options.hpp"
#include "results.hpp"

namespace bench {

Results measure(const Options& o, const Machine& machine);

} // namespace bench
