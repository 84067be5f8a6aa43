// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The coherence benchmark's sink, on the two ports a route is switched between: counts the
 * frames of each and notes when the first one arrived since user space cleared that port's
 * first_ns, and when the latest did (bpf_ktime_get_ns: CLOCK_MONOTONIC, which user space reads
 * with clock_gettime). Drops everything, like the sink.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set before load: the sink-side ifindexes of the two ports. */
const volatile __u32 port_ifindex[2] = {};

/* Read and cleared through the mmap-ed .bss. */
__u64 frames[2];
__u64 first_ns[2]; /* 0: waiting for the next frame */
__u64 last_ns[2];

SEC("xdp")
int bench_witness(struct xdp_md *ctx)
{
	const __u32 ingress = ctx->ingress_ifindex;
	const int port = ingress == port_ifindex[0] ? 0 : ingress == port_ifindex[1] ? 1 : -1;
	__u64 now;

	if (port < 0)
		return XDP_DROP;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&frames[port], 1);
	if (!first_ns[port])
		first_ns[port] = now;
	last_ns[port] = now;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
