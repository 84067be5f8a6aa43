/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What both bare ceilings share: constant MACs set before load, written without any parsing. */
#ifndef XDPFWD_BENCH_BARE_H
#define XDPFWD_BENCH_BARE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 egress_ifindex = 0;
/* 16-bit words, as xdpfwd writes MACs: the ceiling must not be slower for a worse copy */
const volatile __u16 dst_mac[ETH_ALEN / 2] = {};
const volatile __u16 src_mac[ETH_ALEN / 2] = {};

/* Returns 0 for a frame shorter than an Ethernet header. */
static __always_inline int rewrite_constant_macs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	__u16 *dst = (__u16 *)eth->h_dest;
	__u16 *src = (__u16 *)eth->h_source;

#pragma unroll
	for (int i = 0; i < ETH_ALEN / 2; i++) {
		dst[i] = dst_mac[i];
		src[i] = src_mac[i];
	}
	return 1;
}

#endif
