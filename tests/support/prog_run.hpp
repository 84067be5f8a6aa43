// Runs an XDP program on a frame through BPF_PROG_RUN: once, to see what it does to the frame
// (the packet tests), or many times, timed or as live frames (the benchmark).
#pragma once

#include <cstdint>

#include <xdpfwd/program.hpp>
#include <xdpfwd/stats.hpp>

#include "packet.hpp"

namespace xdpfwd::test {

struct RunOptions {
	std::uint32_t repeat = 1;
	bool live = false;       ///< BPF_F_TEST_XDP_LIVE_FRAMES: each frame really goes where the program sends it
	std::uint32_t batch = 0; ///< live frames per batch; 0: the kernel's (64)
};

struct RunResult {
	XdpAction action = XdpAction::aborted;
	Bytes frame;                   ///< the frame as the program left it (empty for live frames)
	std::uint32_t duration_ns = 0; ///< the kernel's average per repetition
};

/// Runs `program` on a copy of `frame` as if it had arrived on `ingress_ifindex`. The kernel
/// looks that ifindex up in the calling thread's network namespace (enter it first: Netns::enter),
/// and the program's fib lookups and devmap redirects see that device. Returns 0, or the
/// kernel's refusal as a negative errno.
int try_run(const Program& program, const Bytes& frame, unsigned ingress_ifindex, RunResult& result,
	    const RunOptions& options = {});

/// The same; throws xdpfwd::Error naming the program when the kernel refuses.
RunResult run(const Program& program, const Bytes& frame, unsigned ingress_ifindex, const RunOptions& options = {});

} // namespace xdpfwd::test
