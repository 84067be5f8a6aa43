// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Options {
	bool smoke = false;
	int reps = 5;
	double seconds = 2.0;                          ///< timed traffic per configuration and repetition
	std::vector<unsigned> routes{1, 10000, 100000, 1000000}; ///< sorted, distinct
	double zipf = 1.0;                             ///< exponent of the FIB-scale Zipf destinations
	std::uint32_t cache_entries = 65536;           ///< route cache size of every cached fib forwarder
	unsigned changes = 200;                        ///< coherence benchmark: route changes per family
	std::uint32_t cost_repeat = 2000000;           ///< BPF_PROG_RUN repeat for per-packet costs
	int cpu = -1;                                  ///< generator CPU (parse_options: -1 becomes the last online one)
	std::uint32_t batch = 0;                       ///< live-frames batch size; 0: the kernel's (64)
	std::string output_dir = "bench/results";
	std::string revision;                          ///< of the xdpfwd sources measured, for the record
	std::vector<std::string> only;                 ///< traffic modes to run (all when empty), for profiling
};

/// Parses the command line; prints help (exit 0) or a usage error (exit 2) and exits.
Options parse_options(int argc, char** argv);

} // namespace bench
