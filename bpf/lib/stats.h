/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-CPU packet and byte counters, one slot per XDP action (xdpfwd/abi.h), kept by every program.
 * Per-CPU arrays need no atomics on the hot path; user space sums the CPUs when it reads.
 */
#ifndef XDPFWD_BPF_STATS_H
#define XDPFWD_BPF_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpfwd/abi.h>

/* XDP_REDIRECT is the highest action (enum xdp_action) */
_Static_assert(XDP_ABORTED == 0 && XDP_REDIRECT < XDPFWD_ACTION_SLOTS, "action_stats has a slot per XDP action");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPFWD_ACTION_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpfwd_counter);
} action_stats SEC(".maps");

static __always_inline __u64 frame_len(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

static __always_inline void count_in(void *map, __u32 slot, struct xdp_md *ctx)
{
	struct xdpfwd_counter *counter = bpf_map_lookup_elem(map, &slot);

	if (counter) {
		counter->packets++;
		counter->bytes += frame_len(ctx);
	}
}

/* Every program's entry point is `return count_action(ctx, decision)`: one count per packet. */
static __always_inline int count_action(struct xdp_md *ctx, int action)
{
	count_in(&action_stats, action, ctx);
	return action;
}

#endif
