/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounds-checked header parsing shared by every xdpfwd program. Each step checks the header it
 * reads against data_end before touching it, so a frame truncated anywhere is found malformed
 * instead of being rejected by the verifier or read out of bounds.
 *
 * The link layer is parsed once for all families; everything after it takes the family as an
 * argument that is a compile-time constant at every call (see forward_by_family), so the
 * IPv4/IPv6 choice is made once per packet and each family's path is compiled on its own.
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
#include <xdpfwd/abi.h>

#define MAX_VLAN_TAGS XDPFWD_VLAN_TAGS_MAX

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* The families, numbered as bpf_fib_lookup wants them (no libc socket headers for BPF). */
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
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
	void *l3;              /* first byte after the VLAN tags */
	void *data_end;
	struct iphdr *ip4;     /* set by parse_ip for AF_INET */
	struct ipv6hdr *ip6;   /* set by parse_ip for AF_INET6 */
	void *l4;              /* first byte after the IP header */
	__u8 vlan_tags;
	struct xdpfwd_vlan_tags tags; /* the frame's tags (VIDs only), as the VLAN maps hold them */
	int reason;            /* why it was left to the kernel (forward.h's pass_for) */
};

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet and up to two VLAN tags (pkt->tags, which the caller zeroes); PARSE_IPV4 / PARSE_IPV6
 * name the ethertype, parse_ip checks.
 */
static __always_inline enum parse_result parse_ethernet(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cursor = eth + 1;
	__be16 proto;

	pkt->eth = eth;
	pkt->data_end = data_end;
	pkt->vlan_tags = 0;

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
		pkt->tags.tpid[i] = proto;
		pkt->tags.vid[i] = tag->tci & bpf_htons(0x0FFF);
		proto = tag->encapsulated_proto;
		cursor = tag + 1;
		pkt->vlan_tags++;
	}
	pkt->l3 = cursor;

	if (proto == bpf_htons(ETH_P_IP))
		return PARSE_IPV4;
	if (proto == bpf_htons(ETH_P_IPV6))
		return PARSE_IPV6;
	if (is_vlan(proto))
		return PARSE_MALFORMED; /* more tags than we follow: not ours to judge */
	return PARSE_NOT_IP;
}

/* IPv4 (options included) or IPv6 at pkt->l3; false when truncated or inconsistent. */
static __always_inline bool parse_ip(struct packet *pkt, const int family)
{
	if (family == AF_INET) {
		struct iphdr *ip = pkt->l3;
		__u32 header_len;

		if ((void *)(ip + 1) > pkt->data_end)
			return false;
		header_len = ip->ihl * 4;
		if (ip->version != 4 || header_len < sizeof(*ip))
			return false;
		if (pkt->l3 + header_len > pkt->data_end)
			return false;
		pkt->ip4 = ip;
		pkt->l4 = pkt->l3 + header_len;
	} else {
		struct ipv6hdr *ip6 = pkt->l3;

		if ((void *)(ip6 + 1) > pkt->data_end)
			return false;
		if (ip6->version != 6)
			return false;
		pkt->ip6 = ip6;
		pkt->l4 = ip6 + 1;
	}
	return true;
}

/* Transport ports for the multipath hash, as the kernel's own forwarding path reads them. */
struct flow_ports {
	__be16 sport;
	__be16 dport;
	__u8 protocol; /* the transport protocol behind any extension headers */
};

#define IPV4_FRAGMENT_BITS bpf_htons(0x3FFF) /* MF and the offset: any fragment */
#define IPV6_EXTENSION_HEADERS 3              /* followed before giving up on the ports */

/*
 * The TCP or UDP ports of a parsed packet, for bpf_fib_lookup's multipath hash
 * (fib_multipath_hash_policy 1 and 3): false (ports 0) when there are none to read, as in the
 * kernel's flow dissector, which the kernel's own forwarding hashes with:
 * - IPv4 fragments (MF set or an offset): only the first carries the ports, so every fragment of
 *   a flow hashes without them and all take one path;
 * - IPv6: the TCP/UDP header directly after the fixed header, or behind up to
 *   IPV6_EXTENSION_HEADERS routing or destination options headers; a fragment header (any
 *   fragment, the first too) or anything else ends the walk without ports. Hop-by-hop options
 *   never get here (validity.h leaves them to the kernel);
 * - truncated transport headers.
 * out->protocol is the IPv4 protocol or the last IPv6 next header seen either way.
 */
static __always_inline bool l4_ports(const struct packet *pkt, const int family, struct flow_ports *out)
{
	const __be16 *ports;
	void *cursor = pkt->l4;
	__u8 protocol;

	out->sport = out->dport = 0;
	if (family == AF_INET) {
		protocol = pkt->ip4->protocol;
		out->protocol = protocol;
		if (pkt->ip4->frag_off & IPV4_FRAGMENT_BITS)
			return false;
	} else {
		protocol = pkt->ip6->nexthdr;
#pragma unroll
		for (int i = 0; i < IPV6_EXTENSION_HEADERS; i++) {
			const __u8 *ext = cursor;

			if (protocol != IPPROTO_ROUTING && protocol != IPPROTO_DSTOPTS)
				break;
			/* next header, then the length in 8-byte units past the first 8 (RFC 8200 4.4, 4.6) */
			if ((void *)(ext + 2) > pkt->data_end)
				break;
			protocol = ext[0];
			cursor += (ext[1] + 1) * 8;
		}
		out->protocol = protocol;
	}
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return false;
	ports = cursor;
	if ((void *)(ports + 2) > pkt->data_end)
		return false;
	out->sport = ports[0];
	out->dport = ports[1];
	return true;
}

/*
 * Traffic that must never leave its link: to or from a link-local address (IPv4 169.254/16, IPv6
 * fe80::/10), to IPv4 multicast or limited broadcast or IPv6 multicast, and neighbour discovery
 * (hop limit 255, ICMPv6 133..137), which a router answers itself even when it is addressed to a
 * global unicast address.
 */
static __always_inline bool is_link_scoped(const struct packet *pkt, const int family)
{
	if (family == AF_INET) {
		__u32 dst = bpf_ntohl(pkt->ip4->daddr);
		__u32 src = bpf_ntohl(pkt->ip4->saddr);

		return (dst >> 28) == 0xe || dst == 0xffffffff || (dst >> 16) == 0xa9fe ||
		       (src >> 16) == 0xa9fe;
	} else {
		const __u8 *dst = pkt->ip6->daddr.in6_u.u6_addr8;
		const __u8 *src = pkt->ip6->saddr.in6_u.u6_addr8;
		const __u8 *icmp_type = pkt->l4;

		if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
		    (src[0] == 0xfe && (src[1] & 0xc0) == 0x80))
			return true;
		if (pkt->ip6->nexthdr == IPPROTO_ICMPV6 && pkt->ip6->hop_limit == 255) {
			if ((void *)(icmp_type + 1) > pkt->data_end)
				return true; /* truncated ND-looking frame: leave it to the kernel */
			return *icmp_type >= 133 && *icmp_type <= 137;
		}
		return false;
	}
}

#endif
