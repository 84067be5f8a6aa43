/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * 802.1Q / 802.1ad tags on a forwarded frame: the frame's own tags (parsed into pkt->tags) are
 * replaced by the egress's, in XDP. Popping, pushing and rewriting are one operation: the
 * Ethernet header moves by four bytes per tag of difference and is written whole.
 */
#ifndef XDPFWD_BPF_VLAN_H
#define XDPFWD_BPF_VLAN_H

#include "parsing.h"

static __always_inline int tag_count(const struct xdpfwd_vlan_tags *tags)
{
	return (tags->tpid[0] != 0) + (tags->tpid[1] != 0);
}

/* Field by field: the structs sit on the stack at 2-byte alignment, where wider loads are refused. */
static __always_inline bool same_tags(const struct xdpfwd_vlan_tags *a, const struct xdpfwd_vlan_tags *b)
{
	return a->tpid[0] == b->tpid[0] && a->vid[0] == b->vid[0] && a->tpid[1] == b->tpid[1] &&
	       a->vid[1] == b->vid[1];
}

enum retag_result {
	RETAGGED,
	RETAG_NO_ROOM, /* the frame could not grow: unchanged */
	RETAG_LOST,    /* moved, then shorter than its headers: cannot happen after parse_ip */
};

/*
 * Gives the frame the tags `out` (NULL: none) in place of its own and points pkt at the moved
 * headers. The MACs are carried over; the caller rewrites them after.
 */
static __always_inline enum retag_result retag(struct xdp_md *ctx, struct packet *pkt, const int family,
				  const struct xdpfwd_vlan_tags *out)
{
	const int wanted = out ? tag_count(out) : 0;
	const int delta = ((int)pkt->vlan_tags - wanted) * (int)sizeof(struct vlan_tag);
	struct ethhdr saved = *pkt->eth;
	struct vlan_tag *tag;
	struct ethhdr *eth;
	void *data, *data_end, *l3;

	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return RETAG_NO_ROOM;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	tag = (struct vlan_tag *)(eth + 1);
	/* an IP header follows, so two tags' room is always there; constant offsets for the verifier */
	if ((void *)(tag + MAX_VLAN_TAGS) > data_end)
		return RETAG_LOST;
	__builtin_memcpy(eth->h_dest, saved.h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_source, saved.h_source, ETH_ALEN);
	/* the IP header does not move, nor the L3 ethertype in the two bytes before it: whatever
	 * the tag count, those bytes end the new header as they ended the old one */
	if (wanted == 0) {
		l3 = tag;
	} else {
		eth->h_proto = out->tpid[0];
		tag[0].tci = out->vid[0];
		if (wanted == 1) {
			l3 = &tag[1];
		} else {
			l3 = &tag[2];
			tag[0].encapsulated_proto = out->tpid[1];
			tag[1].tci = out->vid[1];
		}
	}

	pkt->eth = eth;
	pkt->data_end = data_end;
	pkt->l3 = l3;
	pkt->vlan_tags = wanted;
	if (family == AF_INET) {
		pkt->ip4 = l3;
		if ((void *)(pkt->ip4 + 1) > data_end)
			return RETAG_LOST;
	} else {
		pkt->ip6 = l3;
		if ((void *)(pkt->ip6 + 1) > data_end)
			return RETAG_LOST;
	}
	return RETAGGED;
}

#endif
