// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program a veth peer needs so that frames redirected into it are accepted (veth only runs
 * its NAPI receive path when its peer has XDP); it hands everything to the stack and counts.
 */
#include "lib/stats.h"

SEC("xdp")
int xdpfwd_pass(struct xdp_md *ctx)
{
	return count_action(ctx, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
