// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static mode: every forwardable IP packet arriving where this program is attached leaves through
 * one egress port with a fixed destination MAC. The port and MACs are read-only data set by user
 * space before load, so the verifier sees constants and nothing is compiled in.
 */
#include "lib/forward.h"

const volatile __u32 egress_ifindex = 0;
/* as 16-bit words, so that the MACs cost three loads each (see copy_mac) */
const volatile __u16 dst_mac[ETH_ALEN / 2] = {};
const volatile __u16 src_mac[ETH_ALEN / 2] = {};
const volatile bool rewrite_src_mac = false;

static __always_inline int static_forward(struct xdp_md *ctx, struct packet *pkt, const int family)
{
	int action = forwarding_gate(pkt, family);

	if (action != GATE_OPEN)
		return action;
	if (!egress_ifindex) /* the lookup: a constant, decided before load */
		return pass_for(pkt, XDPFWD_REASON_PORT_DISABLED);

	/*
	 * Read the MACs through their volatile type: a pointer cast that drops volatile lets clang
	 * fold the all-zero initialiser into the program, whatever user space set before load.
	 */
	__u16 dst[ETH_ALEN / 2] = {dst_mac[0], dst_mac[1], dst_mac[2]};
	__u16 src[ETH_ALEN / 2] = {src_mac[0], src_mac[1], src_mac[2]};

	action = bpf_redirect(egress_ifindex, 0);
	return forward_rewritten(pkt, family, action, (unsigned char *)dst,
				 rewrite_src_mac ? (unsigned char *)src : 0);
}

SEC("xdp")
int xdpfwd_static(struct xdp_md *ctx)
{
	return count_action(ctx, forward_by_family(ctx, static_forward));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
