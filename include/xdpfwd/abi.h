/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between xdpfwd's BPF programs and its C++ library: map value layouts, counter
 * indices and the names user space looks maps and programs up by. Plain C so that both sides
 * include the same definitions; nothing here may depend on either side's headers.
 */
#ifndef XDPFWD_ABI_H
#define XDPFWD_ABI_H

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
typedef std::uint8_t xdpfwd_u8;
typedef std::uint32_t xdpfwd_u32;
typedef std::uint64_t xdpfwd_u64;
#define XDPFWD_ABI_ASSERT(condition, message) static_assert(condition, message)
#else
#include <stddef.h>
typedef unsigned char xdpfwd_u8;
typedef unsigned int xdpfwd_u32;
typedef unsigned long long xdpfwd_u64;
#define XDPFWD_ABI_ASSERT(condition, message) _Static_assert(condition, message)
#endif

/* Per-CPU counter pair; one per XDP action in action_stats, one per reason in reason_stats. */
struct xdpfwd_counter {
	xdpfwd_u64 packets;
	xdpfwd_u64 bytes;
};
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_counter) == 16, "per-CPU values are read as two u64");

/* Map mode: the MACs written into a frame that arrived on the port used as key. */
struct xdpfwd_macs {
	xdpfwd_u8 dst[6];
	xdpfwd_u8 src[6];
};
/* the BPF side copies MACs as 16-bit words (bpf/lib/rewrite.h): both must sit at even offsets */
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_macs) == 12, "struct xdpfwd_macs is two MACs, unpadded");
XDPFWD_ABI_ASSERT(offsetof(struct xdpfwd_macs, dst) % 2 == 0 && offsetof(struct xdpfwd_macs, src) % 2 == 0,
		  "struct xdpfwd_macs: MACs at even offsets");

/* XDP actions are 0..4 (ABORTED, DROP, PASS, TX, REDIRECT); the map keeps spare slots. */
#define XDPFWD_ACTION_SLOTS 8

/*
 * Why a program did not simply forward, or, in fib mode, what the lookup said. 0..9 are the
 * kernel's BPF_FIB_LKUP_RET_* codes (fib mode counts every lookup result); the rest are xdpfwd's
 * own decisions, counted by every mode. A forwarded packet is counted once, as the REDIRECT action.
 */
enum xdpfwd_reason {
	XDPFWD_REASON_FIB_SUCCESS = 0,
	XDPFWD_REASON_FIB_BLACKHOLE = 1,
	XDPFWD_REASON_FIB_UNREACHABLE = 2,
	XDPFWD_REASON_FIB_PROHIBIT = 3,
	XDPFWD_REASON_FIB_NOT_FWDED = 4,
	XDPFWD_REASON_FIB_FWD_DISABLED = 5,
	XDPFWD_REASON_FIB_UNSUPP_LWT = 6,
	XDPFWD_REASON_FIB_NO_NEIGH = 7,
	XDPFWD_REASON_FIB_FRAG_NEEDED = 8,
	XDPFWD_REASON_FIB_NO_SRC_ADDR = 9,
	XDPFWD_REASON_TTL_EXPIRED = 10,   /* TTL / hop limit <= 1: the kernel sends ICMP */
	XDPFWD_REASON_PORT_DISABLED = 11, /* no devmap entry for the egress (or ingress) port */
	XDPFWD_REASON_NOT_IP = 12,        /* ARP, LLDP, ...: the kernel's business */
	XDPFWD_REASON_MALFORMED = 13,     /* truncated or inconsistent headers */
	XDPFWD_REASON_LOCAL = 14,         /* link-local, multicast or neighbour discovery */
	XDPFWD_REASON_VLAN = 15,          /* fib mode: tagged frames belong to the VLAN device */
	XDPFWD_REASON_CACHE_HIT = 16,     /* fib mode: the route cache answered, no FIB lookup */
	XDPFWD_REASON_CACHE_MISS = 17,    /* fib mode: no entry (or the packet exceeds its MTU) */
	XDPFWD_REASON_CACHE_STALE = 18,   /* fib mode: an entry from before the last routing change */
	XDPFWD_REASON_BAD_CHECKSUM = 19,  /* IPv4 header checksum wrong (RFC 1812 5.2.2) */
	XDPFWD_REASON_BAD_LENGTH = 20,    /* IP length below the header or beyond the frame */
	XDPFWD_REASON_MARTIAN = 21,       /* an address no router forwards (RFC 1812 5.3.7, RFC 4291) */
	XDPFWD_REASON_HOP_BY_HOP = 22,    /* IPv6 hop-by-hop options: the kernel's to process */
	XDPFWD_REASON_COUNT = 23
};

#define XDPFWD_REASON_SLOTS 32
XDPFWD_ABI_ASSERT(XDPFWD_REASON_COUNT <= XDPFWD_REASON_SLOTS, "reason_stats has a slot per reason");

/*
 * Fib mode's route cache (xdpfwd/route_cache.hpp): what a successful FIB lookup answered, per
 * ingress port and destination, for as long as user space's keeper holds the lease in
 * cache_control and the slot's generation is the current one. A two-way set-associative table
 * per CPU: (ingress, family, destination) hashes to a set of two slots (2s, 2s+1), the more
 * recently used answer in the first; a new answer replaces the other. Per CPU, so a program only
 * ever reads slots that no other CPU writes (no torn entries, no locks); an array, so a hit is
 * one or two array accesses and compares, not a hash map walk.
 */
struct xdpfwd_route_slot {
	xdpfwd_u64 generation; /* cache_control's generation when the lookup began (0: never used) */
	xdpfwd_u32 ingress;    /* the key: the ifindex the packet arrived on, */
	xdpfwd_u32 family;     /* AF_INET or AF_INET6, */
	xdpfwd_u32 dst[4];     /* and the destination as in the packet (IPv4 in dst[0], the rest 0) */
	xdpfwd_u32 egress;     /* the answer: the egress ifindex, */
	xdpfwd_u32 mtu;        /* the route's MTU (longer packets take the lookup: FRAG_NEEDED), */
	xdpfwd_u8 dmac[6];     /* and the MACs */
	xdpfwd_u8 smac[6];
	xdpfwd_u32 reserved;
};
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_route_slot) == 56, "struct xdpfwd_route_slot has no padding");
XDPFWD_ABI_ASSERT(offsetof(struct xdpfwd_route_slot, dmac) % 2 == 0 &&
			  offsetof(struct xdpfwd_route_slot, smac) % 2 == 0,
		  "struct xdpfwd_route_slot: MACs at even offsets");

/* Why a live keeper keeps the cache off (xdpfwd_cache_control.off_reason). */
enum xdpfwd_cache_off {
	XDPFWD_CACHE_ON = 0,
	XDPFWD_CACHE_OFF_POLICY_RULES = 1,   /* ip rule besides the defaults (full lookups) */
	XDPFWD_CACHE_OFF_MULTIPATH = 2,      /* a route with several nexthops */
	XDPFWD_CACHE_OFF_NEXTHOP_OBJECT = 3, /* a route through a nexthop object (maybe a group) */
	XDPFWD_CACHE_OFF_SOURCE_ROUTE = 4,   /* an IPv6 route that selects by source */
	XDPFWD_CACHE_OFF_TOS_ROUTE = 5,      /* an IPv4 route that selects by TOS */
	XDPFWD_CACHE_OFF_KEEPER_FAILED = 6,  /* the keeper hit an error and stopped */
};

/*
 * One element, mmapped by the keeper, which writes it with atomic stores. The program reads the
 * first two fields; the rest is for anyone asking how the cache is doing (xdpfwd status).
 */
struct xdpfwd_cache_control {
	xdpfwd_u64 generation;     /* bumped on every routing change: older entries are stale */
	xdpfwd_u64 valid_until_ns; /* CLOCK_MONOTONIC; the cache is not used past it (0: off) */
	xdpfwd_u64 heartbeat_ns;   /* CLOCK_MONOTONIC of the keeper's last renewal, on or off */
	xdpfwd_u32 lease_ms;       /* the keeper's lease: past heartbeat_ns + lease_ms it is gone */
	xdpfwd_u32 off_reason;     /* enum xdpfwd_cache_off */
};

/* Program names as the kernel reports them (at most 15 characters). */
#define XDPFWD_PROG_PASS "xdpfwd_pass"
#define XDPFWD_PROG_STATIC "xdpfwd_static"
#define XDPFWD_PROG_MAP "xdpfwd_map"
#define XDPFWD_PROG_FIB "xdpfwd_fib"

/* Map names as the kernel reports them (at most 15 characters). */
#define XDPFWD_MAP_ACTION_STATS "action_stats"
#define XDPFWD_MAP_REASON_STATS "reason_stats"
#define XDPFWD_MAP_TX_PORTS "tx_ports"         /* fib: the egress ports, keyed by egress ifindex */
#define XDPFWD_MAP_ROUTE_EGRESS "route_egress" /* map: the egress port, keyed by ingress ifindex */
#define XDPFWD_MAP_PORT_MACS "port_macs"       /* map: struct xdpfwd_macs, keyed by ingress ifindex */
#define XDPFWD_MAP_ROUTE_CACHE "route_cache"   /* fib: per CPU, struct xdpfwd_route_slot by slot number */
#define XDPFWD_MAP_CACHE_CONTROL "cache_control" /* fib: struct xdpfwd_cache_control, one element */

/* the kernel keeps BPF_OBJ_NAME_LEN (16) bytes of a name: a longer one would never be found */
#define XDPFWD_NAME_FITS(name) (sizeof(name) <= 16)
XDPFWD_ABI_ASSERT(XDPFWD_NAME_FITS(XDPFWD_PROG_PASS) && XDPFWD_NAME_FITS(XDPFWD_PROG_STATIC) &&
			  XDPFWD_NAME_FITS(XDPFWD_PROG_MAP) && XDPFWD_NAME_FITS(XDPFWD_PROG_FIB),
		  "program names fit the kernel's 15 characters");
XDPFWD_ABI_ASSERT(XDPFWD_NAME_FITS(XDPFWD_MAP_ACTION_STATS) && XDPFWD_NAME_FITS(XDPFWD_MAP_REASON_STATS) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_TX_PORTS) && XDPFWD_NAME_FITS(XDPFWD_MAP_ROUTE_EGRESS) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_PORT_MACS) && XDPFWD_NAME_FITS(XDPFWD_MAP_ROUTE_CACHE) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_CACHE_CONTROL),
		  "map names fit the kernel's 15 characters");
#undef XDPFWD_NAME_FITS
#undef XDPFWD_ABI_ASSERT

#endif
