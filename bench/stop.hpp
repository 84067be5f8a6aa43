// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Stopping on SIGINT / SIGTERM / SIGHUP. The test-support library records the first signal (and
// a running BPF_PROG_RUN returns EINTR); the benchmark checks between steps and unwinds, its
// destructors removing what it made. A second signal has the library's cleanup thread remove the
// namespaces and end the process at once.
#pragma once

#include <stdexcept>
#include <string>

#include "support/cleanup.hpp"

namespace bench {

using xdpfwd::test::stop_signal;

struct Interrupted : std::runtime_error {
	Interrupted() : std::runtime_error("interrupted by signal " + std::to_string(stop_signal())) {}
};

inline void check_stop()
{
	if (stop_signal())
		throw Interrupted();
}

} // namespace bench
