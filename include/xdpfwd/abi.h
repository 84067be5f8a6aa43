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
typedef std::uint16_t xdpfwd_u16;
typedef std::uint32_t xdpfwd_u32;
typedef std::uint64_t xdpfwd_u64;
#define XDPFWD_ABI_ASSERT(condition, message) static_assert(condition, message)
#else
#include <stddef.h>
typedef unsigned char xdpfwd_u8;
typedef unsigned short xdpfwd_u16;
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

/*
 * A stack of 802.1Q / 802.1ad tags as it appears in a frame, outermost first; a TPID of 0 ends
 * it (no tags: all zero). Network byte order. The VID alone identifies a VLAN: priority and DEI
 * bits are not kept, and a pushed tag carries priority 0, as a VLAN device without an
 * egress-qos-map sends it.
 */
#define XDPFWD_VLAN_TAGS_MAX 2
struct xdpfwd_vlan_tags {
	xdpfwd_u16 tpid[XDPFWD_VLAN_TAGS_MAX];
	xdpfwd_u16 vid[XDPFWD_VLAN_TAGS_MAX];
};
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_vlan_tags) == 8, "struct xdpfwd_vlan_tags is unpadded");

/*
 * Fib mode: a VLAN device on a port, as the program sees it: the port its frames cross and the
 * tags that mark them there (QinQ: the outer device's tag first). vlan_ingress maps it to the
 * VLAN device's ifindex, vlan_egress the other way.
 */
struct xdpfwd_vlan_link {
	xdpfwd_u32 port;
	struct xdpfwd_vlan_tags tags;
};
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_vlan_link) == 12, "struct xdpfwd_vlan_link is unpadded");

/*
 * Fib mode: vlan_slots, a direct-mapped front for both VLAN maps, read before them: an array
 * lookup and a compare instead of a hash map's (a third of a tagged frame's extra cost). Slots
 * 0..XDPFWD_VLAN_SLOTS-1 hold ingress entries at xdpfwd_vlan_ingress_slot(link), the others
 * egress entries at xdpfwd_vlan_egress_slot(device); a device that finds its slot taken is
 * found in the hash maps, which hold every device. device 0: an empty slot.
 */
#define XDPFWD_VLAN_SLOTS 4096
struct xdpfwd_vlan_slot {
	struct xdpfwd_vlan_link link;
	xdpfwd_u32 device;
};
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_vlan_slot) == 16, "struct xdpfwd_vlan_slot is unpadded");

/* Multiplicative hashing (Knuth), the same on both sides: the words are the link's as stored. */
#define XDPFWD_VLAN_HASH 0x9E3779B1u
static inline xdpfwd_u32 xdpfwd_vlan_mix(xdpfwd_u32 hash, xdpfwd_u32 word)
{
	return (hash ^ word) * XDPFWD_VLAN_HASH;
}
static inline xdpfwd_u32 xdpfwd_vlan_ingress_slot(xdpfwd_u32 port, xdpfwd_u32 tpids, xdpfwd_u32 vids)
{
	xdpfwd_u32 hash = xdpfwd_vlan_mix(xdpfwd_vlan_mix(port * XDPFWD_VLAN_HASH, tpids), vids);
	return (hash ^ (hash >> 16)) & (XDPFWD_VLAN_SLOTS - 1);
}
static inline xdpfwd_u32 xdpfwd_vlan_egress_slot(xdpfwd_u32 device)
{
	xdpfwd_u32 hash = device * XDPFWD_VLAN_HASH;
	return XDPFWD_VLAN_SLOTS + ((hash ^ (hash >> 16)) & (XDPFWD_VLAN_SLOTS - 1));
}

/*
 * Map mode: what a frame that arrived on the port used as key becomes. Only frames that carry
 * exactly the `ingress` tags (none: untagged) take the route; they leave with the `egress` tags
 * instead (pop, push or rewrite) and the MACs.
 */
struct xdpfwd_port_route {
	xdpfwd_u8 dst[6];
	xdpfwd_u8 src[6];
	struct xdpfwd_vlan_tags ingress;
	struct xdpfwd_vlan_tags egress;
};
/* the BPF side copies MACs as 16-bit words (bpf/lib/rewrite.h): both must sit at even offsets */
XDPFWD_ABI_ASSERT(sizeof(struct xdpfwd_port_route) == 28, "struct xdpfwd_port_route is unpadded");
XDPFWD_ABI_ASSERT(offsetof(struct xdpfwd_port_route, dst) % 2 == 0 && offsetof(struct xdpfwd_port_route, src) % 2 == 0,
		  "struct xdpfwd_port_route: MACs at even offsets");

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
	XDPFWD_REASON_VLAN = 15,          /* tags with no VLAN device on the port (map: not the route's) */
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
#define XDPFWD_MAP_PORT_ROUTES "port_routes"   /* map: struct xdpfwd_port_route, keyed by ingress ifindex */
#define XDPFWD_MAP_ROUTE_CACHE "route_cache"   /* fib: per CPU, struct xdpfwd_route_slot by slot number */
#define XDPFWD_MAP_CACHE_CONTROL "cache_control" /* fib: struct xdpfwd_cache_control, one element */
#define XDPFWD_MAP_VLAN_INGRESS "vlan_ingress" /* fib: struct xdpfwd_vlan_link -> VLAN device ifindex */
#define XDPFWD_MAP_VLAN_EGRESS "vlan_egress"   /* fib: VLAN device ifindex -> struct xdpfwd_vlan_link */
#define XDPFWD_MAP_VLAN_SLOTS "vlan_slots"     /* fib: struct xdpfwd_vlan_slot, the front of both */

/* the kernel keeps BPF_OBJ_NAME_LEN (16) bytes of a name: a longer one would never be found */
#define XDPFWD_NAME_FITS(name) (sizeof(name) <= 16)
XDPFWD_ABI_ASSERT(XDPFWD_NAME_FITS(XDPFWD_PROG_PASS) && XDPFWD_NAME_FITS(XDPFWD_PROG_STATIC) &&
			  XDPFWD_NAME_FITS(XDPFWD_PROG_MAP) && XDPFWD_NAME_FITS(XDPFWD_PROG_FIB),
		  "program names fit the kernel's 15 characters");
XDPFWD_ABI_ASSERT(XDPFWD_NAME_FITS(XDPFWD_MAP_ACTION_STATS) && XDPFWD_NAME_FITS(XDPFWD_MAP_REASON_STATS) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_TX_PORTS) && XDPFWD_NAME_FITS(XDPFWD_MAP_ROUTE_EGRESS) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_PORT_ROUTES) && XDPFWD_NAME_FITS(XDPFWD_MAP_ROUTE_CACHE) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_CACHE_CONTROL) && XDPFWD_NAME_FITS(XDPFWD_MAP_VLAN_INGRESS) &&
			  XDPFWD_NAME_FITS(XDPFWD_MAP_VLAN_EGRESS) && XDPFWD_NAME_FITS(XDPFWD_MAP_VLAN_SLOTS),
		  "map names fit the kernel's 15 characters");
#undef XDPFWD_NAME_FITS
#undef XDPFWD_ABI_ASSERT

#endif
