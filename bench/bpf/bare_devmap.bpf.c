// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ceiling for map and fib modes: constant MACs, bpf_redirect_map through a devmap of the same
 * type and value as xdpfwd's tx_ports (hash, keyed by ifindex), nothing else.
 */
#include "bare.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

SEC("xdp")
int bare_devmap(struct xdp_md *ctx)
{
	if (!rewrite_constant_macs(ctx))
		return XDP_ABORTED;
	return bpf_redirect_map(&tx_ports, egress_ifindex, XDP_ABORTED);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
