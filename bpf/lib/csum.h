/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Incremental Internet checksum updates (RFC 1624) and the TTL / hop-limit step built on them. */
#ifndef XDPFWD_BPF_CSUM_H
#define XDPFWD_BPF_CSUM_H

#include <linux/ip.h>
#include <linux/ipv6.h>

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). One's complement addition is byte-order independent,
 * so the 16-bit words are used as they sit in the packet.
 */
static __always_inline void csum_replace16(__sum16 *check, __be16 old_word, __be16 new_word)
{
	__u32 sum = (__u16)~*check;

	sum += (__u16)~old_word;
	sum += new_word;
	*check = (__sum16)~csum_fold32(sum);
}

/* Decrements the TTL and patches the header checksum for the changed ttl/protocol word. */
static __always_inline void ipv4_decrement_ttl(struct iphdr *ip)
{
	__be16 *ttl_word = (__be16 *)&ip->ttl; /* ttl and protocol share one 16-bit word */
	__be16 old_word = *ttl_word;

	ip->ttl--;
	csum_replace16(&ip->check, old_word, *ttl_word);
}

static __always_inline void ipv6_decrement_hop_limit(struct ipv6hdr *ip6)
{
	ip6->hop_limit--; /* IPv6 has no header checksum */
}

#endif
