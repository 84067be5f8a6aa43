// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink: counts every frame that reaches it and drops it, so nothing answers ARP/ND (the
 * router's neighbour entries for the sink are permanent). Slot 0 counts the benchmark's UDP
 * frames, slot 1 everything else (router solicitations, MLD, ...).
 */
#include "sink.h"

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + BENCH_ETH_LEN + 40 + 4 <= data_end && bench_udp(data, BENCH_ETH_LEN, eth->h_proto))
		return count_and_drop(0);
	return count_and_drop(1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
