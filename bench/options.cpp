// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "bench_abi.h"

namespace bench {

Options parse_options(int argc, char** argv)
{
	Options o;
	CLI::App app("xdpfwd benchmark. Needs root. Writes DIR/results.json and DIR/results.md; bench/plot.py draws "
		     "DIR/results.png.",
		     "xdpfwd_bench");
	app.add_flag("--smoke", o.smoke,
		     "one repetition, 0.5 s per configuration, routes 1,100,1000,10000, per-packet repeat 100000, "
		     "10 route changes per family; "
		     "checks only that frames went through (prints a doctest-style summary line)");
	const auto* reps = app.add_option("--reps", o.reps, "round-robin repetitions, medians reported")
			       ->check(CLI::PositiveNumber)
			       ->capture_default_str();
	const auto* seconds = app.add_option("--seconds", o.seconds, "timed traffic per configuration and repetition")
				  ->check(CLI::PositiveNumber)
				  ->capture_default_str();
	const auto* routes = app.add_option("--routes", o.routes, "FIB-scale route counts, smallest is the reference")
				 ->delimiter(',')
				 ->check(CLI::Range(1u, BENCH_MAX_ROUTES))
				 ->capture_default_str();
	app.add_option("--zipf", o.zipf, "exponent of the FIB-scale Zipf destinations, measured besides uniform ones")
	    ->check(CLI::Range(0.0, 10.0))
	    ->capture_default_str();
	app.add_option("--cache-entries", o.cache_entries, "route cache size (entries) of every cached fib forwarder")
	    ->check(CLI::PositiveNumber)
	    ->capture_default_str();
	const auto* changes = app.add_option("--changes", o.changes, "coherence benchmark: route changes per family")
				  ->check(CLI::PositiveNumber)
				  ->capture_default_str();
	const auto* repeat = app.add_option("--cost-repeat", o.cost_repeat, "BPF_PROG_RUN repeat for per-packet costs")
				 ->check(CLI::PositiveNumber)
				 ->capture_default_str();
	app.add_option("--cpu", o.cpu, "CPU the generator thread is pinned to (default: the last one)");
	app.add_option("--batch", o.batch, "BPF_PROG_RUN live-frames batch size (default: the kernel's, 64)");
	app.add_option("--only", o.only,
		       "run only these traffic modes (kernel, bare_redirect, bare_devmap, static, map, fib_full, "
		       "fib_vlan, fib_vlan_tagged (both need VLAN devices: left out where the kernel cannot make them), fib_direct, fib_full_cache, fib_direct_cache, fib_scale, coherence), e.g. to profile one with "
		       "perf; per-packet costs still run")
	    ->delimiter(',');
	app.add_option("--revision", o.revision, "the sources' revision, recorded with the results (scripts/bench.sh sets it)");
	app.add_option("--output-dir", o.output_dir, "where results.json and results.md go")->capture_default_str();
	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError& e) {
		std::exit(app.exit(e) == 0 ? 0 : 2);
	}

	if (o.smoke) {
		if (reps->count() == 0)
			o.reps = 1;
		if (seconds->count() == 0)
			o.seconds = 0.5;
		if (routes->count() == 0)
			o.routes = {1, 100, 1000, 10000};
		if (repeat->count() == 0)
			o.cost_repeat = 100000;
		if (changes->count() == 0)
			o.changes = 10;
	}
	std::sort(o.routes.begin(), o.routes.end());
	o.routes.erase(std::unique(o.routes.begin(), o.routes.end()), o.routes.end());
	if (o.cpu < 0)
		o.cpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)) - 1;
	return o;
}

} // namespace bench
