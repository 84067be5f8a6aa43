// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fib mode: the kernel's routing table and neighbour cache decide. bpf_fib_lookup returns the
 * egress port and both MACs; every lookup result is counted, and whatever the kernel must answer
 * itself (ICMP errors, ARP/ND, local delivery) is passed up unmodified.
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

static __always_inline void fill_lookup(struct bpf_fib_lookup *fib, const struct packet *pkt,
					__u32 ingress, const int family)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = family;
	fib->ifindex = ingress;
	if (family == AF_INET) {
		fib->tos = pkt->ip4->tos;
		fib->l4_protocol = pkt->ip4->protocol;
		fib->tot_len = bpf_ntohs(pkt->ip4->tot_len);
		fib->ipv4_src = pkt->ip4->saddr;
		fib->ipv4_dst = pkt->ip4->daddr;
	} else {
		struct in6_addr *src = (struct in6_addr *)fib->ipv6_src;
		struct in6_addr *dst = (struct in6_addr *)fib->ipv6_dst;

		fib->flowinfo = *(__be32 *)pkt->ip6 & IPV6_FLOWINFO_MASK;
		fib->l4_protocol = pkt->ip6->nexthdr;
		/* the MTU check compares the whole L3 packet, header included */
		fib->tot_len = bpf_ntohs(pkt->ip6->payload_len) + sizeof(struct ipv6hdr);
		*src = pkt->ip6->saddr;
		*dst = pkt->ip6->daddr;
	}
}

static __always_inline int fib_forward(struct xdp_md *ctx, struct packet *pkt, const int family)
{
	struct bpf_fib_lookup fib;
	int action = forwarding_gate(pkt, family);
	long rc;

	if (action != GATE_OPEN)
		return action;
	if (pkt->vlan_tags)
		return pass_for(pkt, XDPFWD_REASON_VLAN); /* the VLAN device's routes, not ours */

	fill_lookup(&fib, pkt, ctx->ingress_ifindex, family);
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

	/* the fallback action is the port check: an egress not in tx_ports gets XDP_PASS */
	action = bpf_redirect_map(&tx_ports, fib.ifindex, XDP_PASS);
	return forward_rewritten(pkt, family, action, fib.dmac, fib.smac);
}

SEC("xdp")
int xdpfwd_fib(struct xdp_md *ctx)
{
	return count_action(ctx, forward_by_family(ctx, fib_forward));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
