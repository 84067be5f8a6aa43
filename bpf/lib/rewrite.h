/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The L3-forwarding rewrite shared by every mode: new MACs, one hop less to live. */
#ifndef XDPFWD_BPF_REWRITE_H
#define XDPFWD_BPF_REWRITE_H

#include <stddef.h>

#include "csum.h"
#include "parsing.h"

/*
 * MACs move as three 16-bit words: Ethernet addresses sit at even offsets in the frame, in
 * struct bpf_fib_lookup, in xdpfwd's map values and in static mode's read-only data, and the
 * byte-wise copy clang emits for an unaligned memcpy costs four times the instructions.
 */
_Static_assert(offsetof(struct ethhdr, h_dest) % 2 == 0 &&
		       offsetof(struct ethhdr, h_source) % 2 == 0,
	       "copy_mac: Ethernet MACs at even offsets");

static __always_inline void copy_mac(unsigned char *dst, const unsigned char *src)
{
	__u16 *to = (__u16 *)dst;
	const __u16 *from = (const __u16 *)src;

	to[0] = from[0];
	to[1] = from[1];
	to[2] = from[2];
}

/* True when forwarding would let the TTL / hop limit reach zero: the kernel must answer. */
static __always_inline bool hop_expires(const struct packet *pkt, const int family)
{
	if (family == AF_INET)
		return pkt->ip4->ttl <= 1;
	return pkt->ip6->hop_limit <= 1;
}

static __always_inline void decrement_hop(struct packet *pkt, const int family)
{
	if (family == AF_INET)
		ipv4_decrement_ttl(pkt->ip4);
	else
		ipv6_decrement_hop_limit(pkt->ip6);
}

static __always_inline void rewrite_macs(struct packet *pkt, const unsigned char *dst,
					 const unsigned char *src)
{
	copy_mac(pkt->eth->h_dest, dst);
	if (src)
		copy_mac(pkt->eth->h_source, src);
}

#endif
