// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink of the fib_vlan_tagged row (bench_sink otherwise): counts as the benchmark's (slot 0)
 * only its UDP frames that carry one 802.1Q tag with VID BENCH_VLAN_EGRESS_ID, the tag the
 * router's rout.200 gives them, everything else in slot 1; drops all. A separate object so that
 * the other rows' sink stays what it was.
 */
#include "sink.h"

#define L3 (BENCH_ETH_LEN + BENCH_VLAN_TAG_LEN)

SEC("xdp")
int bench_sink_vlan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *bytes = data;

	if (data + L3 + 40 + 4 <= data_end && eth->h_proto == bpf_htons(ETH_P_8021Q) &&
	    (*(__be16 *)(bytes + BENCH_ETH_LEN) & bpf_htons(0x0FFF)) == bpf_htons(BENCH_VLAN_EGRESS_ID) &&
	    bench_udp(bytes, L3, *(__be16 *)(bytes + BENCH_ETH_LEN + 2)))
		return count_and_drop(0);
	return count_and_drop(1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
