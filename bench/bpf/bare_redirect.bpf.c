// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ceiling for static mode: constant MACs, bpf_redirect to a constant ifindex, nothing else. */
#include "bare.h"

SEC("xdp")
int bare_redirect(struct xdp_md *ctx)
{
	if (!rewrite_constant_macs(ctx))
		return XDP_ABORTED;
	return bpf_redirect(egress_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
