// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The generator of the VLAN row: bench_gen's frames with an 802.1Q tag (VID BENCH_VLAN_ID) after
 * the MACs, so they arrive on the router's port as a VLAN device stacked on it would receive
 * them. A separate object rather than a switch in bench_gen, so that the untagged rows'
 * generator stays exactly what it was.
 */
#include "frame.h"

SEC("xdp")
int bench_gen_vlan(struct xdp_md *ctx)
{
	return write_tagged_frame(ctx) ? XDP_TX : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
