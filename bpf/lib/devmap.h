/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one devmap shape, as user space's DevMap reads and writes it: a hash keyed by an ifindex
 * (any ifindex, not an index into an array), valued by the egress port. Each mode declares its own
 * map of this type and says what the key means.
 */
#ifndef XDPFWD_BPF_DEVMAP_H
#define XDPFWD_BPF_DEVMAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ifindex_devmap {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
};

#endif
