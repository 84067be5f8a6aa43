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

static __always_inline int map_forward(struct xdp_md *ctx, struct packet *pkt, const int family)
{
	__u32 ingress = ctx->ingress_ifindex;
	struct xdpfwd_macs *macs;
	int action = forwarding_gate(pkt, family);

	if (action != GATE_OPEN)
		return action;
	macs = bpf_map_lookup_elem(&port_macs, &ingress);
	if (!macs)
		return pass_for(pkt, XDPFWD_REASON_PORT_DISABLED);

	/* the fallback action covers an ingress with MACs but no egress: no second lookup */
	action = bpf_redirect_map(&route_egress, ingress, XDP_PASS);
	return forward_rewritten(pkt, family, action, macs->dst, macs->src);
}

SEC("xdp")
int xdpfwd_map(struct xdp_md *ctx)
{
	return count_action(ctx, forward_by_family(ctx, map_forward));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
