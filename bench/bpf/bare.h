/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What both bare ceilings share: constant MACs set before load, written without any parsing. */
#ifndef XDPFWD_BENCH_BARE_H
#define XDPFWD_BENCH_BARE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 egress_ifindex = 0;
const volatile unsigned char dst_mac[ETH_ALEN] = {};
const volatile unsigned char src_mac[ETH_ALEN] = {};

/* Returns 0 for a frame shorter than an Ethernet header. */
static __always_inline int rewrite_constant_macs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
#pragma unroll
	for (int i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = dst_mac[i];
		eth->h_source[i] = src_mac[i];
	}
	return 1;
}

#endif
