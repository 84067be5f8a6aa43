// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Traffic generator, run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: rewrites the frame and
 * returns XDP_TX, which the live-frames mode turns into a transmit on the ingress device of the
 * run (the generator's veth), so the frame arrives on the router's side of that veth.
 */
#include "frame.h"

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	return write_frame(ctx) ? XDP_TX : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
