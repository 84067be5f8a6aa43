/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the benchmark's BPF programs and its C++ driver share: frame sizes, the UDP port the sink
 * counts, and the FIB-scale route table (route i -> prefix), computed identically on both sides
 * so that the generator picks destinations only inside routes the driver installed.
 */
#ifndef XDPFWD_BENCH_ABI_H
#define XDPFWD_BENCH_ABI_H

#ifdef __cplusplus
#include <cstdint>
typedef std::uint32_t bench_u32;
#define BENCH_INLINE inline
#else
typedef __u32 bench_u32;
#define BENCH_INLINE static __always_inline
#endif

#define BENCH_UDP_PORT 9        /* discard: what the sink counts as "ours" */
#define BENCH_FRAME4_LEN 64     /* Ethernet + IPv4 + UDP + 22 bytes, no FCS */
#define BENCH_FRAME6_LEN 80     /* Ethernet + IPv6 + UDP + 18 bytes, no FCS */
#define BENCH_ETH_LEN 14
#define BENCH_IP6_DST_OFFSET (BENCH_ETH_LEN + 24)       /* IPv6 destination address */
#define BENCH_UDP6_CHECK_OFFSET (BENCH_ETH_LEN + 40 + 6) /* UDP checksum after IPv6 */
#define BENCH_VLAN_ID 100       /* the VLAN rows' 802.1Q tag (bench/bpf/gen_vlan.bpf.c) */
#define BENCH_VLAN_EGRESS_ID 200 /* fib_vlan_tagged: the tag frames leave with (rout.200) */
#define BENCH_VLAN_TAG_LEN 4

/* Families the generator writes (its .bss `family`). */
#define BENCH_IPV4 0
#define BENCH_IPV6 1

/*
 * FIB-scale routes live in 2001:db8:8000::/33 (the upper half of the documentation /32; the
 * links use 2001:db8:1::/64 and 2001:db8:2::/64 in the lower half). Route i has bits 32..63 of
 * the address (the third and fourth groups) given by bench_route_bits(i) and length
 * bench_route_len(i): in each block of 32 indexes one /48, eleven /56 and twenty /64. Within a
 * length class the bits come from a bijective scramble of the index inside that class, so the
 * first N routes are N distinct prefixes spread over the /33, for any N <= BENCH_MAX_ROUTES.
 */
#define BENCH_MAX_ROUTES (1u << 20)

/*
 * Destination distributions of the FIB-scale traffic. Uniform: the generator draws a route index
 * in 0..N-1 per frame. Table: it reads one of BENCH_DEST_SLOTS route indexes from its dest_table
 * map (the block of the current route count, starting at table_base), filled by user space with
 * draws from a Zipf distribution; the slot is random per frame.
 */
#define BENCH_DEST_UNIFORM 0
#define BENCH_DEST_TABLE 1
#define BENCH_DEST_SLOTS (1u << 16) /* a power of two: the slot is a masked random number */

/*
 * IPv4 FIB-scale destinations: hosts .16 to .239 of 192.0.2.0/24, 198.51.100.0/24 and
 * 203.0.113.0/24, in that order (the links' own addresses and the broadcast addresses stay out).
 * The router routes them with /32s and more-specifics (bench/routes.cpp); the rest of its IPv4
 * table is filler from anywhere else, to which no traffic goes.
 */
#define BENCH_DEST4_PER_BLOCK 224
#define BENCH_DEST4_FIRST_HOST 16
#define BENCH_DEST4_COUNT (3 * BENCH_DEST4_PER_BLOCK)

/* Destination i of the IPv4 FIB-scale traffic, host byte order. */
BENCH_INLINE bench_u32 bench_dest4(bench_u32 i)
{
	const bench_u32 block = i / BENCH_DEST4_PER_BLOCK;
	const bench_u32 host = BENCH_DEST4_FIRST_HOST + i % BENCH_DEST4_PER_BLOCK;

	return (block == 0 ? 0xc0000200u : block == 1 ? 0xc6336400u : 0xcb007100u) | host;
}

/* A bijection on `bits`-bit values (bits < 32): odd multiplications and xor-shifts. */
BENCH_INLINE bench_u32 bench_scramble(bench_u32 x, bench_u32 bits)
{
	const bench_u32 mask = (1u << bits) - 1;

	x = (x * 0x9e3779b1u) & mask;
	x ^= x >> (bits / 2);
	x = (x * 0x85ebca6bu) & mask;
	x ^= x >> (bits / 2 + 1);
	return x;
}

BENCH_INLINE bench_u32 bench_route_len(bench_u32 i)
{
	const bench_u32 slot = i & 31;

	return slot == 0 ? 48 : slot <= 11 ? 56 : 64;
}

BENCH_INLINE bench_u32 bench_route_bits(bench_u32 i)
{
	const bench_u32 block = i >> 5, slot = i & 31;

	if (slot == 0)
		return (0x8000u | bench_scramble(block, 15)) << 16;
	if (slot <= 11)
		return (0x800000u | bench_scramble(block * 11 + slot - 1, 23)) << 8;
	return 0x80000000u | bench_scramble(block * 20 + slot - 12, 31);
}

#endif
