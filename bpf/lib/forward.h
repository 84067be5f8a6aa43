/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The shape every forwarding mode shares. A mode writes one path for one family,
 *
 *	parse (IP header) -> gate -> lookup -> redirect -> rewrite,
 *
 * and its entry point is `return count_action(ctx, forward_by_family(ctx, mode_forward))`: the
 * link layer is parsed once, the family chosen once, and the action and (for a packet left to
 * the kernel) the reason are counted once each.
 */
#ifndef XDPFWD_BPF_FORWARD_H
#define XDPFWD_BPF_FORWARD_H

#include "parsing.h"
#include "reasons.h"
#include "rewrite.h"
#include "validity.h"
#include "vlan.h"

/* Not an XDP action: the frame passed the gate and the mode decides. */
#define GATE_OPEN -1
_Static_assert(GATE_OPEN < XDP_ABORTED, "GATE_OPEN is no XDP action");

/* pkt->reason of a packet that was forwarded or dropped */
#define NO_REASON -1

/* Leaves the packet to the kernel, untouched; forward_by_family counts the reason. */
static __always_inline int pass_for(struct packet *pkt, enum xdpfwd_reason reason)
{
	pkt->reason = reason;
	return XDP_PASS;
}

/* What is not a forwardable IP packet goes to the kernel untouched, with its reason. */
static __always_inline int forwarding_gate(struct packet *pkt, const int family)
{
	int invalid;

	if (!parse_ip(pkt, family))
		return pass_for(pkt, XDPFWD_REASON_MALFORMED); /* the stack drops and counts it */
	invalid = validity_reason(pkt, family);
	if (invalid != VALID)
		return pass_for(pkt, invalid);
	if (is_link_scoped(pkt, family))
		return pass_for(pkt, XDPFWD_REASON_LOCAL);
	if (hop_expires(pkt, family))
		return pass_for(pkt, XDPFWD_REASON_TTL_EXPIRED); /* kernel sends Time Exceeded */
	return GATE_OPEN;
}

/*
 * Called once a redirect helper has chosen the egress. The helpers only record the target, the
 * frame leaves after the program returns, so rewriting afterwards is safe, and a packet that is
 * not redirected reaches the kernel unmodified.
 */
static __always_inline int forward_rewritten(struct packet *pkt, const int family, int action,
					     const unsigned char *dst_mac, const unsigned char *src_mac)
{
	if (action != XDP_REDIRECT)
		return pass_for(pkt, XDPFWD_REASON_PORT_DISABLED);
	decrement_hop(pkt, family);
	rewrite_macs(pkt, dst_mac, src_mac);
	return XDP_REDIRECT; /* counted as the REDIRECT action: no second counter on the hot path */
}

/*
 * forward_rewritten for a frame that leaves with the tags `out` (NULL or none: untagged) in place
 * of its own. An untagged frame that stays untagged takes forward_rewritten's path unchanged.
 */
static __always_inline int forward_retagged(struct xdp_md *ctx, struct packet *pkt, const int family, int action,
					    const unsigned char *dst_mac, const unsigned char *src_mac,
					    const struct xdpfwd_vlan_tags *out)
{
	if (action == XDP_REDIRECT && (pkt->vlan_tags || (out && out->tpid[0]))) {
		switch (retag(ctx, pkt, family, out)) {
		case RETAGGED:
			break;
		case RETAG_NO_ROOM:
			return pass_for(pkt, XDPFWD_REASON_MALFORMED); /* unchanged: the kernel may route it */
		default:
			return XDP_ABORTED;
		}
	}
	return forward_rewritten(pkt, family, action, dst_mac, src_mac);
}

/* A mode's path for one family; __always_inline, so that each call below is specialised. */
typedef int (*forward_path)(struct xdp_md *ctx, struct packet *pkt, const int family);

/*
 * The one IPv4/IPv6 choice on a packet's path: `path` is inlined twice, each time with a constant
 * family, so clang resolves every later family test (gate, lookup, rewrite) at compile time. The
 * reason a packet was passed is counted here, once, rather than at each of the paths' exits.
 */
static __always_inline int forward_by_family(struct xdp_md *ctx, forward_path path)
{
	struct packet pkt = {.reason = NO_REASON};
	int action;

	switch (parse_ethernet(ctx, &pkt)) {
	case PARSE_IPV4:
		action = path(ctx, &pkt, AF_INET);
		break;
	case PARSE_IPV6:
		action = path(ctx, &pkt, AF_INET6);
		break;
	case PARSE_NOT_IP:
		action = pass_for(&pkt, XDPFWD_REASON_NOT_IP);
		break;
	default:
		action = pass_for(&pkt, XDPFWD_REASON_MALFORMED);
		break;
	}
	if (pkt.reason != NO_REASON)
		count_reason(ctx, pkt.reason);
	return action;
}

#endif
