// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Map mode: user space decides, per ingress port, the egress port (route_egress), the MACs to
 * write and the VLAN tags a frame must arrive with and leaves with (port_routes). A port user
 * space does not know, and a frame without the route's tags, is left to the kernel.
 */
#include "lib/devmap.h"
#include "lib/forward.h"

/* ingress ifindex -> egress port */
struct ifindex_devmap route_egress SEC(".maps");

/* ingress ifindex -> what a frame that arrived there becomes */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct xdpfwd_port_route);
} port_routes SEC(".maps");

static __always_inline int map_forward(struct xdp_md *ctx, struct packet *pkt, const int family)
{
	__u32 ingress = ctx->ingress_ifindex;
	struct xdpfwd_port_route *route;
	int action = forwarding_gate(pkt, family);

	if (action != GATE_OPEN)
		return action;
	route = bpf_map_lookup_elem(&port_routes, &ingress);
	if (!route)
		return pass_for(pkt, XDPFWD_REASON_PORT_DISABLED);
	/* untagged on an untagged route: one load each, the common case */
	if ((pkt->vlan_tags || route->ingress.tpid[0]) && !same_tags(&pkt->tags, &route->ingress))
		return pass_for(pkt, XDPFWD_REASON_VLAN);

	/* the fallback action covers an ingress with a route but no egress: no second lookup */
	action = bpf_redirect_map(&route_egress, ingress, XDP_PASS);
	return forward_retagged(ctx, pkt, family, action, route->dst, route->src, &route->egress);
}

SEC("xdp")
int xdpfwd_map(struct xdp_md *ctx)
{
	return count_action(ctx, forward_by_family(ctx, map_forward));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
