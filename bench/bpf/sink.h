/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What both sinks share: the counter map (slot 0: the benchmark's UDP frames, slot 1: everything
 * else) and the check that a frame is the benchmark's, given where its IP header starts.
 */
#ifndef BENCH_SINK_H
#define BENCH_SINK_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sink_packets SEC(".maps");

/* Fixed offsets: the benchmark's frames carry no IPv4 options and no extension headers. The
 * caller has checked that l3 + 44 bytes are in the frame. */
static __always_inline bool bench_udp(const __u8 *bytes, const int l3, __be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP))
		return bytes[l3 + 9] == IPPROTO_UDP && *(__be16 *)(bytes + l3 + 20 + 2) == bpf_htons(BENCH_UDP_PORT);
	if (proto == bpf_htons(ETH_P_IPV6))
		return bytes[l3 + 6] == IPPROTO_UDP && *(__be16 *)(bytes + l3 + 40 + 2) == bpf_htons(BENCH_UDP_PORT);
	return false;
}

/* Counts the frame in `slot` and drops it: nothing reaches the stack, so nothing answers ARP/ND. */
static __always_inline int count_and_drop(__u32 slot)
{
	__u64 *count = bpf_map_lookup_elem(&sink_packets, &slot);

	if (count)
		(*count)++;
	return XDP_DROP;
}

#endif
