// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Every BPF program the benchmark loads, configured for the topology, and where they stay
// attached for the whole run.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "frames.hpp"
#include "topology.hpp"
#include "xfb_bare_devmap.skel.h"
#include "xfb_bare_redirect.skel.h"
#include "xfb_gen.skel.h"
#include "xfb_gen_vlan.skel.h"
#include "xfb_harness.skel.h"
#include "xfb_sink.skel.h"
#include "xfb_sink_vlan.skel.h"
#include "xfb_witness.skel.h"
#include "zipf.hpp"

namespace bench {

/// Owns a bpftool skeleton for its whole life (the generator's .bss is written while it runs;
/// xdpfwd::load_skeleton frees the skeleton once loaded).
template <class Skel>
class Skeleton {
public:
	template <class Configure>
	Skeleton(const char* what, Configure&& configure)
	{
		errno = 0;
		skel_.reset(Skel::open());
		if (!skel_)
			throw xdpfwd::Error(errno ? errno : ENOMEM, std::string("open BPF object ") + what);
		configure(*skel_);
		xdpfwd::check(Skel::load(skel_.get()), [&] { return std::string("load BPF object ") + what; });
	}

	Skel* operator->() const noexcept { return skel_.get(); }

	/// A Program (xdpfwd's owner of a program fd) for one of the skeleton's programs.
	static xdpfwd::Program program(bpf_program* prog)
	{
		return xdpfwd::Program(xdpfwd::UniqueFd(xdpfwd::check(::dup(bpf_program__fd(prog)), [] {
			return std::string("dup program fd");
		})));
	}

private:
	struct Destroy {
		void operator()(Skel* s) const noexcept { Skel::destroy(s); }
	};
	std::unique_ptr<Skel, Destroy> skel_;
};

/// A fib forwarder whose route cache a KeeperThread keeps on, the keeper made in the router's
/// namespace (whose notifications it follows) and stopped first.
class CachedFib {
public:
	CachedFib(const Netns& router, xdpfwd::FibLookup lookup, std::uint32_t cache_entries,
		  const std::vector<std::string>& egress);

	/// Throws when the keeper has stopped: the cache is off then, and a cached row measures nothing.
	void check_keeper() const;

	xdpfwd::FibForwarder fib;

private:
	std::unique_ptr<xdpfwd::KeeperThread> keeper_;
};

/// `program` attached to `ifname` of namespace `ns`; it detaches there when destroyed.
xdpfwd::XdpProgram attach_in(const Netns& ns, const xdpfwd::Program& program, const std::string& ifname,
			     xdpfwd::AttachMode mode);

/// The permanent attachments: generators and harness on the idle pairs, sink on every sink port,
/// the witness on the coherence router's two sink ports.
class Programs {
public:
	/// `cache_entries`: the size of every cached forwarder's route cache.
	Programs(const Topology& topo, const Bytes& frame4, const Bytes& frame6, std::uint32_t cache_entries);

	/// Loads the forwarders of each FIB-scale router, cached and not, after its routes are in (a
	/// keeper sees every notification, and dumps the table once when it starts).
	void load_scale(const Topology& topo);

	/// Fills the Zipf generator's destination table: a block per FIB-scale router and family.
	/// Returns, per router (0 for the main one) and family, how many distinct destinations its
	/// block holds.
	std::vector<std::array<unsigned, 2>> fill_zipf(const Topology& topo, double s);

	/// The generator for `d`, set up to write `family` frames to destinations of router `router`
	/// (`destinations` of them; 0: the template's destination).
	const xdpfwd::Program& generator(Distribution d, int family, unsigned destinations, std::size_t router = 0);

	/// The VLAN row's generator (the template's destination, tagged BENCH_VLAN_ID), set up for `family`.
	const xdpfwd::Program& vlan_generator(int family);

	/// Makes the harness tail-call `target` on `family` frames (with random destinations among
	/// `destinations`, 0: the template's).
	void aim_harness(const xdpfwd::Program& target, int family, unsigned destinations);

	/// Benchmark frames and everything else the sink counted so far.
	[[nodiscard]] std::pair<std::uint64_t, std::uint64_t> sink_count() const;

	const std::uint32_t cache_entries;
	Skeleton<xfb_gen> gen;
	Skeleton<xfb_gen> gen_zipf;
	Skeleton<xfb_gen_vlan> gen_vlan;
	Skeleton<xfb_harness> harness;
	Skeleton<xfb_sink> sink;
	Skeleton<xfb_sink_vlan> sink_tagged; ///< fib_vlan_tagged's: counts frames tagged BENCH_VLAN_EGRESS_ID
	Skeleton<xfb_witness> witness;
	Skeleton<xfb_bare_redirect> bare_redirect;
	Skeleton<xfb_bare_devmap> bare_devmap;
	xdpfwd::Program gen_program, gen_zipf_program, gen_vlan_program, harness_program, harness_vlan_program, noop_program, sink_program,
	    sink_tagged_program, witness_program,
	    bare_redirect_program, bare_devmap_program;
	xdpfwd::PassProgram pass;
	std::optional<xdpfwd::StaticForwarder> static_fwd;
	xdpfwd::MapForwarder map_fwd;
	// uncached and cached forwarders are separate programs: the uncached ones never see a keeper
	xdpfwd::FibForwarder fib_full{xdpfwd::FibLookup::full};
	xdpfwd::FibForwarder fib_direct{xdpfwd::FibLookup::direct};
	std::optional<CachedFib> fib_full_cache, fib_direct_cache;
	/// fib_full's twins on the VLAN routers (when there are), with rin.100 (and rout.200) in
	/// their VLAN maps
	std::optional<xdpfwd::FibForwarder> fib_vlan, fib_vlan_tagged;
	std::vector<std::unique_ptr<xdpfwd::FibForwarder>> scale_fib; ///< one per FIB-scale router, in order
	std::vector<std::unique_ptr<CachedFib>> scale_cached;         ///< likewise, with a keeper each

private:
	/// A VLAN row's forwarder, set up in its router's namespace.
	static void load_vlan(xdpfwd::FibForwarder& fib, const Netns& router, bool tagged_egress);

	xdpfwd::PerCpuMap<std::uint32_t, std::uint64_t> sink_packets_, sink_tagged_packets_;
	xdpfwd::BpfMap<std::uint32_t, std::uint32_t> harness_target_;
	std::vector<xdpfwd::XdpProgram> attachments_; // last: they go first, while the programs are loaded
};

} // namespace bench
