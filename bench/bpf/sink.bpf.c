// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink: counts every frame that reaches it and drops it, so nothing answers ARP/ND (the
 * router's neighbour entries for the sink are permanent). Slot 0 counts the benchmark's UDP
 * frames, slot 1 everything else (router solicitations, MLD, ...).
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

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *bytes = data;
	__u32 slot = 1;
	__u64 *count;

	/* fixed offsets: the benchmark's frames carry no IPv4 options and no extension headers */
	if (data + BENCH_ETH_LEN + 40 + 4 <= data_end) {
		if (eth->h_proto == bpf_htons(ETH_P_IP) && bytes[BENCH_ETH_LEN + 9] == IPPROTO_UDP &&
		    *(__be16 *)(bytes + BENCH_ETH_LEN + 20 + 2) == bpf_htons(BENCH_UDP_PORT))
			slot = 0;
		else if (eth->h_proto == bpf_htons(ETH_P_IPV6) && bytes[BENCH_ETH_LEN + 6] == IPPROTO_UDP &&
			 *(__be16 *)(bytes + BENCH_ETH_LEN + 40 + 2) == bpf_htons(BENCH_UDP_PORT))
			slot = 0;
	}
	count = bpf_map_lookup_elem(&sink_packets, &slot);
	if (count)
		(*count)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
