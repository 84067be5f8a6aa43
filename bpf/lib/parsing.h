/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounds-checked header parsing shared by every xdpfwd program. Each step checks the header it
 * reads against data_end before touching it, so a frame truncated anywhere yields
 * PARSE_MALFORMED instead of a verifier rejection or an out-of-bounds read.
 */
#ifndef XDPFWD_BPF_PARSING_H
#define XDPFWD_BPF_PARSING_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_VLAN_TAGS 2

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct vlan_tag {
	__be16 tci;
	__be16 encapsulated_proto;
};

enum parse_result {
	PARSE_IPV4,
	PARSE_IPV6,
	PARSE_NOT_IP,
	PARSE_MALFORMED,
};

/* What the parser found; pointers are valid only until the packet is resized. */
struct packet {
	struct ethhdr *eth;
	/*
	 * Branch on kind, never on the pointers: the verifier does not take a packet pointer's
	 * non-NULL-ness from a comparison, so "if (ip4)" leaves a path where ip6 is dereferenced.
	 */
	enum parse_result kind;
	struct iphdr *ip4;     /* set for PARSE_IPV4 */
	struct ipv6hdr *ip6;   /* set for PARSE_IPV6 */
	void *l4;              /* first byte after the IP header */
	__u8 vlan_tags;
};

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/* Ethernet, up to two VLAN tags, then IPv4 (options included) or IPv6. */
static __always_inline enum parse_result parse_packet(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cursor = eth + 1;
	__be16 proto;

	pkt->eth = eth;
	pkt->ip4 = 0;
	pkt->ip6 = 0;
	pkt->l4 = 0;
	pkt->vlan_tags = 0;
	pkt->kind = PARSE_MALFORMED;

	if (cursor > data_end)
		return PARSE_MALFORMED;
	proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag = cursor;

		if (!is_vlan(proto))
			break;
		if ((void *)(tag + 1) > data_end)
			return PARSE_MALFORMED;
		proto = tag->encapsulated_proto;
		cursor = tag + 1;
		pkt->vlan_tags++;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cursor;
		__u32 header_len;

		if ((void *)(ip + 1) > data_end)
			return PARSE_MALFORMED;
		header_len = ip->ihl * 4;
		if (ip->version != 4 || header_len < sizeof(*ip))
			return PARSE_MALFORMED;
		if (cursor + header_len > data_end)
			return PARSE_MALFORMED;
		pkt->ip4 = ip;
		pkt->l4 = cursor + header_len;
		return pkt->kind = PARSE_IPV4;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cursor;

		if ((void *)(ip6 + 1) > data_end)
			return PARSE_MALFORMED;
		if (ip6->version != 6)
			return PARSE_MALFORMED;
		pkt->ip6 = ip6;
		pkt->l4 = ip6 + 1;
		return pkt->kind = PARSE_IPV6;
	}
	if (is_vlan(proto))
		return PARSE_MALFORMED; /* more tags than we follow: not ours to judge */
	return pkt->kind = PARSE_NOT_IP;
}

/*
 * Traffic that must never leave its link: to or from a link-local address (IPv4 169.254/16, IPv6
 * fe80::/10), to IPv4 multicast or limited broadcast or IPv6 multicast, and neighbour discovery
 * (hop limit 255, ICMPv6 133..137), which a router answers itself even when it is addressed to a
 * global unicast address.
 */
static __always_inline int is_link_scoped(struct xdp_md *ctx, const struct packet *pkt)
{
	void *data_end = (void *)(long)ctx->data_end;

	if (pkt->kind == PARSE_IPV4) {
		__u32 dst = bpf_ntohl(pkt->ip4->daddr);
		__u32 src = bpf_ntohl(pkt->ip4->saddr);

		return (dst >> 28) == 0xe || dst == 0xffffffff || (dst >> 16) == 0xa9fe ||
		       (src >> 16) == 0xa9fe;
	}
	if (pkt->kind == PARSE_IPV6) {
		const __u8 *dst = pkt->ip6->daddr.in6_u.u6_addr8;
		const __u8 *src = pkt->ip6->saddr.in6_u.u6_addr8;
		const __u8 *icmp_type = pkt->l4;

		if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
		    (src[0] == 0xfe && (src[1] & 0xc0) == 0x80))
			return 1;
		if (pkt->ip6->nexthdr == IPPROTO_ICMPV6 && pkt->ip6->hop_limit == 255) {
			if ((void *)(icmp_type + 1) > data_end)
				return 1; /* truncated ND-looking frame: leave it to the kernel */
			return *icmp_type >= 133 && *icmp_type <= 137;
		}
	}
	return 0;
}

#endif
