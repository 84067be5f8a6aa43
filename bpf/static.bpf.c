// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static mode: every forwardable IP packet arriving where this program is attached leaves through
 * one egress port with a fixed destination MAC. The port and MACs are read-only data set by user
 * space before load, so the verifier sees constants and nothing is compiled in.
 */
#include "lib/forward.h"

const volatile __u32 egress_ifindex = 0;
const volatile unsigned char dst_mac[ETH_ALEN] = {};
const volatile unsigned char src_mac[ETH_ALEN] = {};
const volatile bool rewrite_src_mac = false;

SEC("xdp")
int xdpfwd_static(struct xdp_md *ctx)
{
	struct packet pkt;
	int action = forwarding_gate(ctx, &pkt);

	if (action != GATE_OPEN)
		return count_action(ctx, action);
	if (!egress_ifindex)
		return count_action(ctx, pass_for(ctx, XDPFWD_REASON_PORT_DISABLED));

	/*
	 * Read the MACs through their volatile type: a pointer cast that drops volatile lets clang
	 * fold the all-zero initialiser into the program, whatever user space set before load.
	 */
	unsigned char dst[ETH_ALEN], src[ETH_ALEN];
	for (int i = 0; i < ETH_ALEN; i++) {
		dst[i] = dst_mac[i];
		src[i] = src_mac[i];
	}

	action = bpf_redirect(egress_ifindex, 0);
	action = forward_rewritten(ctx, &pkt, action, dst, rewrite_src_mac ? src : 0);
	return count_action(ctx, action);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
