// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink of the fib_vlan_tagged row (bench_sink otherwise): counts as the benchmark's (slot 0)
 * only its UDP frames that carry one 802.1Q tag with VID BENCH_VLAN_EGRESS_ID, the tag the
 * router's rout.200 gives them, everything else in slot 1; drops all. A separate object so that
 * the other rows' sink stays what it was.
 */
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

#define L3 (BENCH_ETH_LEN + BENCH_VLAN_TAG_LEN)

SEC("xdp")
int bench_sink_vlan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *bytes = data;
	__u32 slot = 1;
	__u64 *count;

	/* fixed offsets: the benchmark's frames carry no IPv4 options and no extension headers */
	if (data + L3 + 40 + 4 <= data_end && eth->h_proto == bpf_htons(ETH_P_8021Q) &&
	    (*(__be16 *)(bytes + BENCH_ETH_LEN) & bpf_htons(0x0FFF)) == bpf_htons(BENCH_VLAN_EGRESS_ID)) {
		const __be16 proto = *(__be16 *)(bytes + BENCH_ETH_LEN + 2);

		if (proto == bpf_htons(ETH_P_IP) && bytes[L3 + 9] == IPPROTO_UDP &&
		    *(__be16 *)(bytes + L3 + 20 + 2) == bpf_htons(BENCH_UDP_PORT))
			slot = 0;
		else if (proto == bpf_htons(ETH_P_IPV6) && bytes[L3 + 6] == IPPROTO_UDP &&
			 *(__be16 *)(bytes + L3 + 40 + 2) == bpf_htons(BENCH_UDP_PORT))
			slot = 0;
	}
	count = bpf_map_lookup_elem(&sink_packets, &slot);
	if (count)
		(*count)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
