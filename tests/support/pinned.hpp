// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Pinning the calling thread to one CPU (the benchmark's generator: everything a frame goes
// through then runs there; a test whose BPF_PROG_RUN calls must all see one CPU's per-CPU route
// cache), or keeping it off that CPU (the control plane of the coherence benchmark: there it
// would take turns with the generator, and stop the traffic while it runs).
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <xdpfwd/error.hpp>

namespace xdpfwd::test {

enum class Pin { to, away_from };

/// Pins the calling thread to `cpu` (or to every other CPU, when there is one) until destroyed.
/// Threads it starts meanwhile inherit that.
class Pinned {
public:
	explicit Pinned(int cpu, Pin how = Pin::to)
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
		for (long i = 0; i < cpus; ++i)
			if ((i == cpu) == (how == Pin::to) || (how == Pin::away_from && cpus == 1))
				CPU_SET(i, &set);
		if (::sched_setaffinity(0, sizeof(set), &set) != 0)
			throw xdpfwd::Error(errno, std::string("pin a thread ") + (how == Pin::to ? "to" : "away from") + " CPU " +
							   std::to_string(cpu));
	}
	Pinned(const Pinned&) = delete;
	Pinned& operator=(const Pinned&) = delete;
	~Pinned()
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		for (long i = 0; i < ::sysconf(_SC_NPROCESSORS_ONLN); ++i)
			CPU_SET(i, &set);
		::sched_setaffinity(0, sizeof(set), &set);
	}
};

} // namespace xdpfwd::test
