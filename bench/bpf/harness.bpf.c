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

/*
 * The same for the VLAN row's tagged frames. A forwarder pops the tag (the frame starts 4 bytes
 * later, and a repeated run keeps that), so the frame's start is put back first, with the helper
 * called on every run (offset 0 after a no-op target) so that the no-op baseline pays it too.
 */
SEC("xdp")
int bench_harness_vlan(struct xdp_md *ctx)
{
	const int wanted = BENCH_VLAN_TAG_LEN + (family == BENCH_IPV4 ? BENCH_FRAME4_LEN : BENCH_FRAME6_LEN);

	if (bpf_xdp_adjust_head(ctx, (int)(ctx->data_end - ctx->data) - wanted))
		return XDP_ABORTED;
	if (!write_tagged_frame(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int bench_noop(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
