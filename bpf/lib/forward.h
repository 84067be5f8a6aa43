/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The decisions every forwarding mode shares, before any mode-specific lookup: what is not a
 * forwardable IP packet goes to the kernel untouched, with the reason counted.
 */
#ifndef XDPFWD_BPF_FORWARD_H
#define XDPFWD_BPF_FORWARD_H

#include "parsing.h"
#include "reasons.h"
#include "rewrite.h"

/* Not an XDP action: the frame passed the gate and the mode decides. */
#define GATE_OPEN -1
_Static_assert(GATE_OPEN < XDP_ABORTED, "GATE_OPEN is no XDP action");

static __always_inline int forwarding_gate(struct xdp_md *ctx, struct packet *pkt)
{
	switch (parse_packet(ctx, pkt)) {
	case PARSE_NOT_IP:
		return pass_for(ctx, XDPFWD_REASON_NOT_IP);
	case PARSE_MALFORMED:
		/* the stack validates, drops and counts it in its own MIBs */
		return pass_for(ctx, XDPFWD_REASON_MALFORMED);
	default:
		break;
	}
	if (is_link_scoped(ctx, pkt))
		return pass_for(ctx, XDPFWD_REASON_LOCAL);
	if (hop_expires(pkt))
		return pass_for(ctx, XDPFWD_REASON_TTL_EXPIRED); /* kernel sends Time Exceeded */
	return GATE_OPEN;
}

/*
 * Called once a redirect helper has chosen the egress. The helpers only record the target, the
 * frame leaves after the program returns, so rewriting afterwards is safe, and a packet that is
 * not redirected reaches the kernel unmodified.
 */
static __always_inline int forward_rewritten(struct xdp_md *ctx, struct packet *pkt, int action,
					     const unsigned char *dst_mac, const unsigned char *src_mac)
{
	if (action != XDP_REDIRECT)
		return pass_for(ctx, XDPFWD_REASON_PORT_DISABLED);
	decrement_hop(pkt);
	rewrite_macs(pkt, dst_mac, src_mac);
	return XDP_REDIRECT; /* counted as the REDIRECT action: no second counter on the hot path */
}

#endif
