/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a conforming router may forward (RFC 1812 for IPv4, RFC 8200 for IPv6), checked after the
 * headers parsed and before any forwarding decision. A packet that fails is left to the kernel,
 * which drops it and counts it in its own MIBs (ip_rcv_core, ip6_rcv_core) or, for a hop-by-hop
 * header, processes the options that only it can.
 */
#ifndef XDPFWD_BPF_VALIDITY_H
#define XDPFWD_BPF_VALIDITY_H

#include <xdpfwd/abi.h>

#include "parsing.h"

#define VALID -1 /* no reason: the packet may be forwarded */

/*
 * RFC 1812 5.2.2: the header checksum, summed over the whole header (options too). Words are
 * added as they sit in the packet: one's complement sums do not care about byte order.
 */
static __always_inline bool ipv4_checksum_ok(const struct packet *pkt)
{
	const __u32 *word = (const __u32 *)pkt->ip4;
	__u64 sum = 0;

	if ((void *)(word + 5) > pkt->data_end)
		return false;
	sum = (__u64)word[0] + word[1] + word[2] + word[3] + word[4];
	if (pkt->ip4->ihl > 5) {
#pragma unroll
		for (int i = 5; i < 15; i++) {
			if (i >= pkt->ip4->ihl)
				break;
			if ((void *)(word + i + 1) > pkt->data_end)
				return false;
			sum += word[i];
		}
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* RFC 1812 5.3.7: sources from 0/8, 127/8, multicast or class E (which holds 255.255.255.255);
 * destinations in 0/8 and 127/8. */
static __always_inline bool ipv4_martian(const struct iphdr *ip)
{
	__u32 src = bpf_ntohl(ip->saddr);
	__u32 dst = bpf_ntohl(ip->daddr);

	return (src >> 24) == 0 || (src >> 24) == 127 || (src >> 28) >= 0xe || (dst >> 24) == 0 ||
	       (dst >> 24) == 127;
}

/* :: (unspecified) and ::1 (loopback) as either address, a multicast source (RFC 4291 2.5, 2.7). */
static __always_inline bool ipv6_martian(const struct ipv6hdr *ip6)
{
	const __u32 *src = ip6->saddr.in6_u.u6_addr32;
	const __u32 *dst = ip6->daddr.in6_u.u6_addr32;
	bool src_low = (src[0] | src[1] | src[2]) == 0 && (src[3] == 0 || src[3] == bpf_htonl(1));
	bool dst_low = (dst[0] | dst[1] | dst[2]) == 0 && (dst[3] == 0 || dst[3] == bpf_htonl(1));

	return src_low || dst_low || ip6->saddr.in6_u.u6_addr8[0] == 0xff;
}

/* The reason a parsed packet must not be forwarded, or VALID. */
static __always_inline int validity_reason(const struct packet *pkt, const int family)
{
	__u64 l3_bytes = pkt->data_end - pkt->l3;

	if (family == AF_INET) {
		__u32 total = bpf_ntohs(pkt->ip4->tot_len);

		/* the stated length must hold the header and fit the frame (padding may follow) */
		if (total < pkt->ip4->ihl * 4u || total > l3_bytes)
			return XDPFWD_REASON_BAD_LENGTH;
		if (!ipv4_checksum_ok(pkt))
			return XDPFWD_REASON_BAD_CHECKSUM;
		if (ipv4_martian(pkt->ip4))
			return XDPFWD_REASON_MARTIAN;
	} else {
		if (bpf_ntohs(pkt->ip6->payload_len) + sizeof(struct ipv6hdr) > l3_bytes)
			return XDPFWD_REASON_BAD_LENGTH;
		if (ipv6_martian(pkt->ip6))
			return XDPFWD_REASON_MARTIAN;
		/* RFC 8200 4.3: hop-by-hop options are for every node on the path: the kernel's */
		if (pkt->ip6->nexthdr == IPPROTO_HOPOPTS)
			return XDPFWD_REASON_HOP_BY_HOP;
	}
	return VALID;
}

#endif
