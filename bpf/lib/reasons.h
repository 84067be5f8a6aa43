/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why a forwarder did not forward (enum xdpfwd_reason), counted per CPU like the actions. Only the
 * forwarding modes have this map: the pass program decides nothing.
 */
#ifndef XDPFWD_BPF_REASONS_H
#define XDPFWD_BPF_REASONS_H

#include "stats.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPFWD_REASON_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpfwd_counter);
} reason_stats SEC(".maps");

static __always_inline void count_reason(struct xdp_md *ctx, enum xdpfwd_reason reason)
{
	count_in(&reason_stats, reason, ctx);
}

#endif
