// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Map mode: user space decides, per ingress port, the egress port (route_egress) and the MACs to
 * write (port_macs). A port user space does not know is left to the kernel.
 */
#include "lib/devmap.h"
#include "lib/forward.h"

/* ingress ifindex -> egress port */
struct ifindex_devmap route_egress SEC(".maps");

/* ingress ifindex -> the MACs written into a frame that arrived there */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct xdpfwd_macs);
} port_macs SEC(".maps");

SEC("xdp")
int xdpfwd_map(struct xdp_md *ctx)
{
	__u32 ingress = ctx->ingress_ifindex;
	struct xdpfwd_macs *macs;
	struct packet pkt;
	int action = forwarding_gate(ctx, &pkt);

	if (action != GATE_OPEN)
		return count_action(ctx, action);

	macs = bpf_map_lookup_elem(&port_macs, &ingress);
	if (!macs)
		return count_action(ctx, pass_for(ctx, XDPFWD_REASON_PORT_DISABLED));

	/* the fallback action covers an ingress with MACs but no egress: no second lookup */
	action = bpf_redirect_map(&route_egress, ingress, XDP_PASS);
	action = forward_rewritten(ctx, &pkt, action, macs->dst, macs->src);
	return count_action(ctx, action);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
