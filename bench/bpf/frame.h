/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writes a whole benchmark frame (Ethernet, IP, UDP, payload) from a template set before load.
 * Live frames come back to BPF_PROG_RUN's page pool carrying what the forwarder wrote (MACs,
 * TTL), and repeated non-live runs see what the previous run left, so every run starts over.
 */
#ifndef XDPFWD_BENCH_FRAME_H
#define XDPFWD_BENCH_FRAME_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench_abi.h"

/* Templates, in 8-byte words; the IPv4 header checksum is left 0 and computed per frame. */
const volatile __u64 frame4[BENCH_FRAME4_LEN / 8] = {};
const volatile __u64 frame6[BENCH_FRAME6_LEN / 8] = {};

/* Chosen before load: how an IPv6 destination among the routes is drawn (BENCH_DEST_*). */
const volatile __u32 dest_mode = BENCH_DEST_UNIFORM;

/* BENCH_DEST_TABLE: BENCH_DEST_SLOTS route indexes per route count; user space sizes and fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} dest_table SEC(".maps");

/* Chosen at run time through the mmap-ed .bss. */
__u32 family;      /* BENCH_IPV4 or BENCH_IPV6 */
__u32 route_count; /* 0 keeps the template's destination; N picks one of destinations 0..N-1:
		      IPv6 the FIB-scale routes, IPv4 bench_dest4() */
__u32 table_base;  /* BENCH_DEST_TABLE: first slot of the current table's block */

static __always_inline __u16 fold_sum(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Which of destinations 0..route_count-1 this frame goes to. */
static __always_inline __u32 pick_destination(void)
{
	if (dest_mode == BENCH_DEST_TABLE) { /* pruned by the verifier when uniform */
		__u32 slot = table_base + (bpf_get_prandom_u32() & (BENCH_DEST_SLOTS - 1));
		__u32 *entry = bpf_map_lookup_elem(&dest_table, &slot);

		return entry ? *entry : 0;
	}
	return bpf_get_prandom_u32() % route_count;
}

/* The template at `data` (the frame's start, or later: gen_vlan.bpf.c puts a tag in front);
 * returns 0 when the frame is shorter than the template (not one of ours). */
static __always_inline int write_frame_at(void *data, void *data_end)
{
	__u64 *word = data;

	if (family == BENCH_IPV4) {
		__u16 *ip = data + BENCH_ETH_LEN;
		__u32 sum = 0;

		if (data + BENCH_FRAME4_LEN > data_end)
			return 0;
#pragma unroll
		for (int i = 0; i < BENCH_FRAME4_LEN / 8; i++)
			word[i] = frame4[i];
		if (route_count) /* before the checksum, which covers it */
			*(__be32 *)(data + BENCH_ETH_LEN + 16) = bpf_htonl(bench_dest4(pick_destination()));
#pragma unroll
		for (int i = 0; i < 10; i++)
			sum += ip[i];
		ip[5] = ~fold_sum(sum);
		return 1;
	}

	if (data + BENCH_FRAME6_LEN > data_end)
		return 0;
#pragma unroll
	for (int i = 0; i < BENCH_FRAME6_LEN / 8; i++)
		word[i] = frame6[i];
	if (route_count) {
		/* bits 32..63 of the destination: a random installed route; patch the UDP checksum */
		__u16 *dst = data + BENCH_IP6_DST_OFFSET + 4;
		__u16 *check = data + BENCH_UDP6_CHECK_OFFSET;
		__u32 sum = (__u16)~*check;
		__u32 index = pick_destination();

		sum += (__u16)~dst[0];
		sum += (__u16)~dst[1];
		*(__u32 *)dst = bpf_htonl(bench_route_bits(index));
		sum += dst[0];
		sum += dst[1];
		sum = (__u16)~fold_sum(sum);
		*check = sum ? sum : 0xffff; /* 0 means "no checksum", which IPv6 forbids */
	}
	return 1;
}

static __always_inline int write_frame(struct xdp_md *ctx)
{
	return write_frame_at((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif

/* The VLAN row's frame: the template with an 802.1Q tag (VID BENCH_VLAN_ID, priority 0) after
 * the MACs. Returns 0 when the frame is shorter. */
static __always_inline int write_tagged_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *word = data;
	__be16 *tag = data + 12;

	if (data + BENCH_VLAN_TAG_LEN + BENCH_ETH_LEN > data_end)
		return 0;
	if (!write_frame_at(data + BENCH_VLAN_TAG_LEN, data_end))
		return 0;
	/* the template's MACs (bytes 4..15 now) move to the front, in ascending words: each is
	 * read before anything overwrites it; its ethertype stays at 16, behind the tag */
	word[0] = word[1];
	word[1] = word[2];
	word[2] = word[3];
	tag[0] = bpf_htons(ETH_P_8021Q);
	tag[1] = bpf_htons(BENCH_VLAN_ID);
	return 1;
}

#endif
