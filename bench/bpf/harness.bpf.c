// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-packet cost harness for BPF_PROG_RUN with repeat (not live): the kernel runs a program
 * repeatedly on the same buffer, so a forwarder would see its own rewritten frame (one TTL less
 * each time, expiring after 63 runs). The harness restores the frame, then tail-calls the program
 * under test; the cost of the harness itself is measured with bench_noop as the target.
 */
#include "frame.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

SEC("xdp")
int bench_harness(struct xdp_md *ctx)
{
	if (!write_frame(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED; /* no target set */
}

SEC("xdp")
int bench_noop(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
