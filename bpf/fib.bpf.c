// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fib mode: the kernel's routing table and neighbour cache decide. bpf_fib_lookup returns the
 * egress port and both MACs; every lookup result is counted, and whatever the kernel must answer
 * itself (ICMP errors, ARP/ND, local delivery) is passed up unmodified. The VLAN devices on the
 * ports are forwarded through them: a tagged frame is looked up on its VLAN device, and a frame
 * routed to a VLAN device leaves through the port below with that device's tags.
 */
#include "lib/devmap.h"
#include "lib/forward.h"

/* Every lookup result is counted as the reason of the same number (xdpfwd/abi.h). */
#define SAME_NUMBER(result)                                                                        \
	_Static_assert(BPF_FIB_LKUP_RET_##result == XDPFWD_REASON_FIB_##result,                    \
		       "BPF_FIB_LKUP_RET_" #result " is XDPFWD_REASON_FIB_" #result)
SAME_NUMBER(SUCCESS);
SAME_NUMBER(BLACKHOLE);
SAME_NUMBER(UNREACHABLE);
SAME_NUMBER(PROHIBIT);
SAME_NUMBER(NOT_FWDED);
SAME_NUMBER(FWD_DISABLED);
SAME_NUMBER(UNSUPP_LWT);
SAME_NUMBER(NO_NEIGH);
SAME_NUMBER(FRAG_NEEDED);
SAME_NUMBER(NO_SRC_ADDR);
#undef SAME_NUMBER

/* the lookup's MACs go to copy_mac, which moves 16-bit words */
_Static_assert(offsetof(struct bpf_fib_lookup, smac) % 2 == 0 &&
		       offsetof(struct bpf_fib_lookup, dmac) % 2 == 0,
	       "bpf_fib_lookup: MACs at even offsets");

#define IPV6_FLOWINFO_MASK bpf_htonl(0x0FFFFFFF)

/* Set before load: direct lookup skips policy rules (ip rule) and goes to the main table. */
const volatile bool direct_lookup = false;

/* The egress ports this forwarder may send to: egress ifindex -> itself. */
struct ifindex_devmap tx_ports SEC(".maps");

/*
 * The VLAN devices stacked on the ports (user space fills both from netlink): a tagged frame is
 * looked up as if it had arrived on its VLAN device, and a frame routed to a VLAN device leaves
 * through the port below it with that device's tags. XDP cannot run on a VLAN device itself.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct xdpfwd_vlan_link);
	__type(value, __u32);
} vlan_ingress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct xdpfwd_vlan_link);
} vlan_egress SEC(".maps");

/* Both maps' direct-mapped front (xdpfwd/abi.h): an array lookup the JIT inlines. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * XDPFWD_VLAN_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpfwd_vlan_slot);
} vlan_slots SEC(".maps");

/*
 * The route cache: a successful lookup's answer per (ingress, family, destination), in a
 * two-way set-associative table per CPU (xdpfwd/abi.h): slots 2s and 2s+1 form set s, the most
 * recently used entry in the even one. Two ways keep a hot destination that shares its set with
 * another (direct-mapped, 9 % of Zipf traffic to 27k destinations missed for such pairs; two-way,
 * 3.6 %). The key holds everything a lookup reads while user space's keeper keeps the cache
 * on: it turns the cache off for policy rules, multipath and source- or TOS-specific routes,
 * which read more (see xdpfwd/detail/cache_safety.hpp), and bumps the generation on every
 * routing change.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 65536); /* user space sizes it before load: a power of two */
	__type(key, __u32);
	__type(value, struct xdpfwd_route_slot);
} route_cache SEC(".maps");

/* route_cache's size - 1, set with it */
const volatile __u32 route_cache_mask = 65535;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpfwd_cache_control);
} cache_control SEC(".maps");

/* Whether this packet may use the cache, with the generation read before any lookup. */
struct cache_use {
	bool on;
	__u64 generation;
	struct xdpfwd_route_slot *slot;   /* this CPU's slot for the packet's key */
	struct xdpfwd_route_slot *demote; /* where slot's entry moves when a new one takes it, or NULL */
};

/*
 * What the kernel's own forwarding would give its route lookup. The ports (and IPv6's flow label)
 * are the multipath hash's entropy: with fib_multipath_hash_policy 1 or 3 a multipath route
 * spreads flows over its nexthops as the kernel does, each flow on one path; without them every
 * flow between two hosts would take the same nexthop. They never reach the route cache's key:
 * the keeper keeps the cache off while a multipath route (or a policy rule, which may select by
 * port) exists, and without either the ports cannot change a lookup's answer.
 */
static __always_inline void fill_lookup(struct bpf_fib_lookup *fib, const struct packet *pkt,
					__u32 ingress, const int family)
{
	struct flow_ports ports;

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = family;
	fib->ifindex = ingress;
	l4_ports(pkt, family, &ports);
	fib->sport = ports.sport;
	fib->dport = ports.dport;
	/* the transport protocol, behind IPv6 extension headers too, as the kernel's hash and
	 * port-matching rules see it (fib6_rules_early_flow_dissect) */
	fib->l4_protocol = ports.protocol;
	if (family == AF_INET) {
		fib->tos = pkt->ip4->tos;
		fib->tot_len = bpf_ntohs(pkt->ip4->tot_len);
		fib->ipv4_src = pkt->ip4->saddr;
		fib->ipv4_dst = pkt->ip4->daddr;
	} else {
		struct in6_addr *src = (struct in6_addr *)fib->ipv6_src;
		struct in6_addr *dst = (struct in6_addr *)fib->ipv6_dst;

		/* traffic class and flow label: policy rules read the one, the multipath hash the other */
		fib->flowinfo = *(__be32 *)pkt->ip6 & IPV6_FLOWINFO_MASK;
		/* the MTU check compares the whole L3 packet, header included */
		fib->tot_len = bpf_ntohs(pkt->ip6->payload_len) + sizeof(struct ipv6hdr);
		*src = pkt->ip6->saddr;
		*dst = pkt->ip6->daddr;
	}
}

static __always_inline __u32 l3_length(const struct packet *pkt, const int family)
{
	if (family == AF_INET)
		return bpf_ntohs(pkt->ip4->tot_len);
	return bpf_ntohs(pkt->ip6->payload_len) + sizeof(struct ipv6hdr);
}

/* Multiplicative hashing (Knuth): every word of the key moves the slot number's high bits. */
#define HASH_MULTIPLIER 0x9E3779B1u

/* The even slot of the packet's set. */
static __always_inline __u32 set_slot(__u32 ingress, const struct packet *pkt, const int family)
{
	__u32 hash = ingress * HASH_MULTIPLIER;

	if (family == AF_INET) {
		hash = (hash ^ pkt->ip4->daddr) * HASH_MULTIPLIER;
	} else {
		const __u32 *dst = pkt->ip6->daddr.in6_u.u6_addr32;

		hash = (hash ^ dst[0]) * HASH_MULTIPLIER;
		hash = (hash ^ dst[1]) * HASH_MULTIPLIER;
		hash = (hash ^ dst[2]) * HASH_MULTIPLIER;
		hash = (hash ^ dst[3]) * HASH_MULTIPLIER;
	}
	return (hash ^ (hash >> 16)) & route_cache_mask & ~1u;
}

static __always_inline bool slot_holds(const struct xdpfwd_route_slot *slot, __u32 ingress,
				       const struct packet *pkt, const int family)
{
	if (slot->ingress != ingress || slot->family != family)
		return false;
	if (family == AF_INET)
		return slot->dst[0] == pkt->ip4->daddr;
	return slot->dst[0] == pkt->ip6->daddr.in6_u.u6_addr32[0] && slot->dst[1] == pkt->ip6->daddr.in6_u.u6_addr32[1] &&
	       slot->dst[2] == pkt->ip6->daddr.in6_u.u6_addr32[2] && slot->dst[3] == pkt->ip6->daddr.in6_u.u6_addr32[3];
}

/*
 * The cache's answer for this packet, or NULL (then use->on says whether to remember the
 * lookup's). Without a live lease (no keeper, or one that stopped renewing it) the cache is not
 * read at all: fib mode then works exactly as without one.
 */
static __always_inline const struct xdpfwd_route_slot *
cache_lookup(struct xdp_md *ctx, __u32 ingress, const struct packet *pkt, const int family, struct cache_use *use)
{
	struct xdpfwd_cache_control *control;
	struct xdpfwd_route_slot *recent, *older, swap;
	__u32 zero = 0, slot;
	__u64 until;

	use->on = false;
	control = bpf_map_lookup_elem(&cache_control, &zero);
	if (!control)
		return 0;
	until = *(volatile __u64 *)&control->valid_until_ns;
	if (!until || until < bpf_ktime_get_coarse_ns())
		return 0;
	slot = set_slot(ingress, pkt, family);
	recent = bpf_map_lookup_elem(&route_cache, &slot);
	if (!recent)
		return 0;
	use->on = true;
	use->slot = recent;
	use->demote = 0;
	/* read before the lookup: an entry made from a lookup that a change overtook is then stale */
	use->generation = *(volatile __u64 *)&control->generation;

	if (slot_holds(recent, ingress, pkt, family)) {
		if (recent->generation == use->generation && l3_length(pkt, family) <= recent->mtu)
			return recent;
	} else {
		/* only now the set's other slot: a hit in the first one never reads it */
		slot |= 1;
		older = bpf_map_lookup_elem(&route_cache, &slot); /* NULL in a one-slot cache */
		if (!older || !slot_holds(older, ingress, pkt, family)) {
			use->demote = older; /* a new entry: the recent one becomes the older */
			count_reason(ctx, XDPFWD_REASON_CACHE_MISS);
			return 0;
		}
		if (older->generation == use->generation && l3_length(pkt, family) <= older->mtu) {
			/* the most recently used goes first: a miss then replaces the other one */
			swap = *older;
			*older = *recent;
			*recent = swap;
			return recent;
		}
		use->slot = older;
	}
	/* the key is here: refreshed in place after the lookup */
	count_reason(ctx, use->slot->generation != use->generation ? XDPFWD_REASON_CACHE_STALE : XDPFWD_REASON_CACHE_MISS);
	return 0;
}

/*
 * Keeps a successful lookup's answer in this CPU's slot for it; a new key moves the set's recent
 * entry to the older slot first, so the least recently used one goes. Whether a
 * packet fits is decided per packet against the route's MTU, which a successful lookup returns
 * in mtu_result (kernel 5.12 and later).
 */
static __always_inline void cache_remember(const struct cache_use *use, const struct bpf_fib_lookup *answer,
					   __u32 ingress, const struct packet *pkt, const int family)
{
	struct xdpfwd_route_slot *slot = use->slot;

	if (use->demote)
		*use->demote = *slot;
	slot->generation = use->generation;
	slot->ingress = ingress;
	slot->family = family;
	if (family == AF_INET) {
		slot->dst[0] = pkt->ip4->daddr;
		slot->dst[1] = slot->dst[2] = slot->dst[3] = 0;
	} else {
		__builtin_memcpy(slot->dst, &pkt->ip6->daddr, sizeof(slot->dst));
	}
	slot->egress = answer->ifindex;
	slot->mtu = answer->mtu_result;
	copy_mac(slot->dmac, answer->dmac);
	copy_mac(slot->smac, answer->smac);
}

/* The interface a frame arrived on as the kernel would see it: its VLAN device when tagged; 0 for a
 * tag with no VLAN device on this port. */
static __always_inline __u32 logical_ingress(struct xdp_md *ctx, const struct packet *pkt)
{
	struct xdpfwd_vlan_link link;
	const struct xdpfwd_vlan_slot *front;
	__u32 *device, slot, tpids, vids, front_tpids, front_vids;

	if (!pkt->vlan_tags)
		return ctx->ingress_ifindex;
	link.port = ctx->ingress_ifindex;
	link.tags = pkt->tags;
	/* the tags as two words (memcpy: no aliasing games; the link is 4-aligned, one load each) */
	__builtin_memcpy(&tpids, link.tags.tpid, sizeof(tpids));
	__builtin_memcpy(&vids, link.tags.vid, sizeof(vids));
	slot = xdpfwd_vlan_ingress_slot(link.port, tpids, vids);
	front = bpf_map_lookup_elem(&vlan_slots, &slot);
	if (front && front->device && front->link.port == link.port) {
		__builtin_memcpy(&front_tpids, front->link.tags.tpid, sizeof(front_tpids));
		__builtin_memcpy(&front_vids, front->link.tags.vid, sizeof(front_vids));
		if (front_tpids == tpids && front_vids == vids)
			return front->device;
	}
	device = bpf_map_lookup_elem(&vlan_ingress, &link);
	return device ? *device : 0;
}

/*
 * Redirects to `egress` when it is a port; when it is a VLAN device on one, to that port, with
 * *tags set to the device's tags. Untagged traffic pays for the VLAN map only when the egress is
 * no port at all (then the kernel gets it anyway).
 */
static __always_inline int redirect_egress(__u32 egress, const struct xdpfwd_vlan_tags **tags)
{
	const struct xdpfwd_vlan_link *link;
	const struct xdpfwd_vlan_slot *front;
	int action = bpf_redirect_map(&tx_ports, egress, XDP_PASS);
	__u32 slot;

	*tags = 0;
	if (action == XDP_REDIRECT)
		return action;
	slot = xdpfwd_vlan_egress_slot(egress);
	front = bpf_map_lookup_elem(&vlan_slots, &slot);
	if (front && front->device == egress)
		link = &front->link;
	else
		link = bpf_map_lookup_elem(&vlan_egress, &egress);
	if (!link)
		return action;
	*tags = &link->tags;
	return bpf_redirect_map(&tx_ports, link->port, XDP_PASS);
}

static __always_inline int fib_forward(struct xdp_md *ctx, struct packet *pkt, const int family)
{
	const struct xdpfwd_route_slot *cached;
	const struct xdpfwd_vlan_tags *tags;
	struct cache_use cache;
	struct bpf_fib_lookup fib;
	int action = forwarding_gate(pkt, family);
	__u32 ingress;
	long rc;

	if (action != GATE_OPEN)
		return action;
	ingress = logical_ingress(ctx, pkt);
	if (!ingress)
		return pass_for(pkt, XDPFWD_REASON_VLAN); /* no VLAN device for these tags here */

	cached = cache_lookup(ctx, ingress, pkt, family, &cache);
	if (cached) {
		pkt->reason = XDPFWD_REASON_CACHE_HIT; /* counted instead of fib_success */
		action = redirect_egress(cached->egress, &tags);
		return forward_retagged(ctx, pkt, family, action, cached->dmac, cached->smac, tags);
	}

	fill_lookup(&fib, pkt, ingress, family);
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), direct_lookup ? BPF_FIB_LOOKUP_DIRECT : 0);
	if (rc < 0)
		return pass_for(pkt, XDPFWD_REASON_MALFORMED); /* the helper rejected its input */
	if (rc <= XDPFWD_REASON_FIB_NO_SRC_ADDR)
		count_reason(ctx, rc);

	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return XDP_DROP; /* the route says so; the kernel would drop it too */
	default:
		/* NO_NEIGH (kernel resolves), FRAG_NEEDED, NOT_FWDED (local), FWD_DISABLED, ... */
		return XDP_PASS;
	}

	if (cache.on)
		cache_remember(&cache, &fib, ingress, pkt, family);
	/* the fallback action is the port check: an egress that is neither a port nor a VLAN device
	 * on one gets XDP_PASS */
	action = redirect_egress(fib.ifindex, &tags);
	return forward_retagged(ctx, pkt, family, action, fib.dmac, fib.smac, tags);
}

SEC("xdp")
int xdpfwd_fib(struct xdp_md *ctx)
{
	return count_action(ctx, forward_by_family(ctx, fib_forward));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
