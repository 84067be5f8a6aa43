// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "programs.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "bench_abi.h"

namespace bench {
namespace {

template <class Rodata>
void configure_bare(const Topology& topo, Rodata& rodata)
{
	rodata.egress_ifindex = topo.routers().front().ns->inside([] { return xdpfwd::ifindex_of("rout"); });
	std::memcpy(rodata.dst_mac, sink_mac.bytes.data(), sink_mac.bytes.size());
	std::memcpy(rodata.src_mac, rout_mac.bytes.data(), rout_mac.bytes.size());
}

template <class Skel>
void set_templates(Skel& s, const Bytes& frame4, const Bytes& frame6)
{
	set_template(s.rodata->frame4, frame4);
	set_template(s.rodata->frame6, frame6);
}

/// Zipf table blocks: one per FIB-scale router (index i >= 1) and family.
std::uint32_t zipf_block(std::size_t router, int family)
{
	return static_cast<std::uint32_t>((router - 1) * 2 + (family == BENCH_IPV6 ? 1 : 0));
}

} // namespace

CachedFib::CachedFib(const Netns& router, xdpfwd::FibLookup lookup, std::uint32_t cache_entries,
		     const std::vector<std::string>& egress)
    : fib(lookup, cache_entries)
{
	router.inside([&] {
		for (const std::string& port : egress)
			fib.enable_egress(xdpfwd::ifindex_of(port));
		keeper_ = std::make_unique<xdpfwd::KeeperThread>(fib);
	});
}

void CachedFib::check_keeper() const
{
	if (const auto failure = keeper_->failure())
		throw std::runtime_error("a route cache keeper stopped: " + *failure);
	if (const auto stats = keeper_->stats(); !stats.cache_on)
		throw std::runtime_error("a route cache is off: " + stats.off_reason);
}

xdpfwd::XdpProgram attach_in(const Netns& ns, const xdpfwd::Program& program, const std::string& ifname,
			     xdpfwd::AttachMode mode)
{
	return ns.inside([&] { return xdpfwd::XdpProgram(program, xdpfwd::ifindex_of(ifname), {.mode = mode}); });
}

Programs::Programs(const Topology& topo, const Bytes& frame4, const Bytes& frame6, std::uint32_t cache_entries)
    : cache_entries(cache_entries),
      gen("bench_gen", [&](xfb_gen& s) { set_templates(s, frame4, frame6); }),
      // the same generator with table destinations: one block of BENCH_DEST_SLOTS per route count
      gen_zipf("bench_gen (zipf)",
	       [&](xfb_gen& s) {
		       set_templates(s, frame4, frame6);
		       s.rodata->dest_mode = BENCH_DEST_TABLE;
		       const auto blocks = std::max<std::uint32_t>(1, zipf_block(topo.routers().size(), BENCH_IPV4));
		       xdpfwd::check(bpf_map__set_max_entries(s.maps.dest_table, blocks * BENCH_DEST_SLOTS),
				     [] { return std::string("size the generator's destination table"); });
	       }),
      gen_vlan("bench_gen_vlan", [&](xfb_gen_vlan& s) { set_templates(s, frame4, frame6); }),
      harness("bench_harness", [&](xfb_harness& s) { set_templates(s, frame4, frame6); }),
      sink("bench_sink", [](xfb_sink&) {}),
      sink_tagged("bench_sink_vlan", [](xfb_sink_vlan&) {}),
      witness("bench_witness",
	      [&](xfb_witness& s) {
		      topo.sink().inside([&] {
			      s.rodata->port_ifindex[0] = xdpfwd::ifindex_of("c0");
			      s.rodata->port_ifindex[1] = xdpfwd::ifindex_of("c1");
		      });
	      }),
      bare_redirect("bare_redirect", [&](xfb_bare_redirect& s) { configure_bare(topo, *s.rodata); }),
      bare_devmap("bare_devmap", [&](xfb_bare_devmap& s) { configure_bare(topo, *s.rodata); }),
      gen_program(Skeleton<xfb_gen>::program(gen->progs.bench_gen)),
      gen_zipf_program(Skeleton<xfb_gen>::program(gen_zipf->progs.bench_gen)),
      gen_vlan_program(Skeleton<xfb_gen_vlan>::program(gen_vlan->progs.bench_gen_vlan)),
      harness_program(Skeleton<xfb_harness>::program(harness->progs.bench_harness)),
      harness_vlan_program(Skeleton<xfb_harness>::program(harness->progs.bench_harness_vlan)),
      noop_program(Skeleton<xfb_harness>::program(harness->progs.bench_noop)),
      sink_program(Skeleton<xfb_sink>::program(sink->progs.bench_sink)),
      sink_tagged_program(Skeleton<xfb_sink_vlan>::program(sink_tagged->progs.bench_sink_vlan)),
      witness_program(Skeleton<xfb_witness>::program(witness->progs.bench_witness)),
      bare_redirect_program(Skeleton<xfb_bare_redirect>::program(bare_redirect->progs.bare_redirect)),
      bare_devmap_program(Skeleton<xfb_bare_devmap>::program(bare_devmap->progs.bare_devmap)),
      sink_packets_(sink_program.per_cpu_map<std::uint32_t, std::uint64_t>("sink_packets")),
      sink_tagged_packets_(sink_tagged_program.per_cpu_map<std::uint32_t, std::uint64_t>("sink_packets")),
      harness_target_(harness_program.map<std::uint32_t, std::uint32_t>("target"))
{
	using xdpfwd::AttachMode;
	// BPF_PROG_RUN of a program attached nowhere adds it to the XDP dispatcher and removes it
	// again on every call; attached (generic, to an idle veth) it stays there.
	attachments_.push_back(attach_in(topo.gen(), gen_program, "idle0", AttachMode::generic));
	attachments_.push_back(attach_in(topo.gen(), gen_zipf_program, "idle2", AttachMode::generic));
	attachments_.push_back(attach_in(topo.gen(), harness_program, "idle1", AttachMode::generic));
	// a veth accepts redirected frames only when its peer runs XDP: the sink does, everywhere
	for (const Router& r : topo.routers())
		attachments_.push_back(attach_in(topo.sink(), sink_program, r.sink_if, AttachMode::native));
	if (const Router* vlan = topo.vlan_router()) {
		const Router& tagged = *topo.vlan_router(true);
		attachments_.push_back(attach_in(topo.gen(), gen_vlan_program, "idle4", AttachMode::generic));
		attachments_.push_back(attach_in(topo.gen(), harness_vlan_program, "idle5", AttachMode::generic));
		attachments_.push_back(attach_in(topo.sink(), sink_program, vlan->sink_if, AttachMode::native));
		attachments_.push_back(attach_in(topo.sink(), sink_tagged_program, tagged.sink_if, AttachMode::native));
		load_vlan(fib_vlan.emplace(xdpfwd::FibLookup::full), *vlan->ns, false);
		load_vlan(fib_vlan_tagged.emplace(xdpfwd::FibLookup::full), *tagged.ns, true);
	}
	for (const char* port : {"c0", "c1"})
		attachments_.push_back(attach_in(topo.sink(), witness_program, port, AttachMode::native));

	topo.routers().front().ns->inside([&] {
		const unsigned rout = xdpfwd::ifindex_of("rout");
		xdpfwd::DevMap(bare_devmap_program, "tx_ports").set(rout, rout);
		static_fwd.emplace(xdpfwd::StaticRoute{rout, sink_mac, rout_mac});
		map_fwd.set_route("rin", xdpfwd::MapRoute{rout, sink_mac, rout_mac});
		fib_full.enable_egress(rout);
		fib_direct.enable_egress(rout);
	});
	fib_full_cache.emplace(*topo.routers().front().ns, xdpfwd::FibLookup::full, cache_entries, std::vector<std::string>{"rout"});
	fib_direct_cache.emplace(*topo.routers().front().ns, xdpfwd::FibLookup::direct, cache_entries,
				 std::vector<std::string>{"rout"});
}

void Programs::load_vlan(xdpfwd::FibForwarder& fib, const Netns& router, bool tagged_egress)
{
	router.inside([&] {
		// what add_port does for ports with VLAN devices, short of attaching (each run does):
		// tags visible to XDP, the ports egresses, so that their VLAN devices fill the VLAN maps
		// (rout's receive offload stays: nothing tagged arrives there)
		const unsigned rin = xdpfwd::ifindex_of("rin"), rout = xdpfwd::ifindex_of("rout");
		xdpfwd::require_tags_visible(rin, true, "forward the VLAN rows' tagged frames");
		fib.enable_egress(rin);
		fib.enable_egress(rout);
		using xdpfwd::VlanDevice, xdpfwd::VlanTag, xdpfwd::VlanTags;
		std::vector<VlanDevice> wanted{
		    {xdpfwd::ifindex_of(vlan_ingress), {}, rin, VlanTags(VlanTag{xdpfwd::tpid_8021q, BENCH_VLAN_ID})}};
		if (tagged_egress)
			wanted.push_back({xdpfwd::ifindex_of(vlan_egress), {}, rout,
					  VlanTags(VlanTag{xdpfwd::tpid_8021q, BENCH_VLAN_EGRESS_ID})});
		std::sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) { return a.ifindex < b.ifindex; });
		fib.refresh_vlans();
		// what the program's maps hold, read back (names are not kept there)
		if (fib.vlans() != wanted)
			throw std::runtime_error("a VLAN row's fib forwarder does not hold " + std::string(vlan_ingress) +
						 (tagged_egress ? " and " + std::string(vlan_egress) : std::string()) +
						 " in its VLAN maps: " + std::to_string(fib.vlans().size()) + " VLAN devices there");
	});
}

void Programs::load_scale(const Topology& topo)
{
	for (const Router& r : topo.routers()) {
		if (!r.routes)
			continue;
		auto fib = std::make_unique<xdpfwd::FibForwarder>(xdpfwd::FibLookup::full);
		r.ns->inside([&] { fib->enable_egress(xdpfwd::ifindex_of("rout")); });
		scale_fib.push_back(std::move(fib));
		scale_cached.push_back(
		    std::make_unique<CachedFib>(*r.ns, xdpfwd::FibLookup::full, cache_entries, std::vector<std::string>{"rout"}));
	}
}

std::vector<std::array<unsigned, 2>> Programs::fill_zipf(const Topology& topo, double s)
{
	std::vector<std::array<unsigned, 2>> distinct(topo.routers().size(), {0, 0});
	const int fd = bpf_map__fd(gen_zipf->maps.dest_table);
	for (std::size_t i = 1; i < topo.routers().size(); ++i)
		for (const int family : {BENCH_IPV4, BENCH_IPV6}) {
			const Router& r = topo.routers()[i];
			const unsigned destinations = family == BENCH_IPV6 ? r.routes : r.routes4 ? BENCH_DEST4_COUNT : 0;
			if (!destinations)
				continue;
			const std::vector<std::uint32_t> table = zipf_table(destinations, s);
			std::vector<std::uint32_t> keys(table.size());
			std::iota(keys.begin(), keys.end(), zipf_block(i, family) * BENCH_DEST_SLOTS);
			auto count = static_cast<std::uint32_t>(table.size());
			if (bpf_map_update_batch(fd, keys.data(), table.data(), &count, nullptr) != 0 || count != table.size())
				for (std::size_t k = 0; k < table.size(); ++k) // no batch support: one by one
					xdpfwd::check(bpf_map_update_elem(fd, &keys[k], &table[k], BPF_ANY),
						      [] { return std::string("fill the generator's destination table"); });
			distinct[i][static_cast<std::size_t>(family)] = distinct_routes(table);
		}
	return distinct;
}

const xdpfwd::Program& Programs::generator(Distribution d, int family, unsigned destinations, std::size_t router)
{
	if (d == Distribution::zipf && destinations && !router)
		throw std::logic_error("zipf destinations need a FIB-scale router's table");
	xfb_gen::xfb_gen__bss& bss = d == Distribution::zipf ? *gen_zipf->bss : *gen->bss;
	bss.family = static_cast<std::uint32_t>(family);
	bss.route_count = destinations;
	bss.table_base = router ? zipf_block(router, family) * BENCH_DEST_SLOTS : 0;
	return d == Distribution::zipf ? gen_zipf_program : gen_program;
}

const xdpfwd::Program& Programs::vlan_generator(int family)
{
	gen_vlan->bss->family = static_cast<std::uint32_t>(family);
	gen_vlan->bss->route_count = 0;
	gen_vlan->bss->table_base = 0;
	return gen_vlan_program;
}

void Programs::aim_harness(const xdpfwd::Program& target, int family, unsigned destinations)
{
	harness->bss->family = static_cast<std::uint32_t>(family);
	harness->bss->route_count = destinations;
	harness_target_.set(0, static_cast<std::uint32_t>(target.fd()));
}

std::pair<std::uint64_t, std::uint64_t> Programs::sink_count() const
{
	return {sink_packets_.sum(0) + sink_tagged_packets_.sum(0), sink_packets_.sum(1) + sink_tagged_packets_.sum(1)};
}

} // namespace bench
