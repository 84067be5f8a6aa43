// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Every BPF program the benchmark loads, configured for the topology, and where they stay
// attached for the whole run.
#pragma once

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
#include "xfb_harness.skel.h"
#include "xfb_sink.skel.h"
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

/// `program` attached to `ifname` of namespace `ns`; it detaches there when destroyed.
xdpfwd::XdpProgram attach_in(const Netns& ns, const xdpfwd::Program& program, const std::string& ifname,
			     xdpfwd::AttachMode mode);

/// The permanent attachments: generator and harness on the idle pair, sink on every sink port,
/// each FIB-scale router's forwarder on its rin.
class Programs {
public:
	Programs(const Topology& topo, const Bytes& frame4, const Bytes& frame6);

	/// Loads and attaches the forwarder of each FIB-scale router (after its routes are in).
	void attach_scale(const Topology& topo);

	/// Fills the Zipf generator's destination table: block i - 1 for FIB-scale router i. Returns,
	/// per router (0 for the main one), how many distinct routes its block holds.
	std::vector<unsigned> fill_zipf(const Topology& topo, double s);

	/// The generator for `d`, set up to write `family` frames to the routes of router `router`
	/// (`routes` of them; 0: the template's destination).
	const xdpfwd::Program& generator(Distribution d, int family, unsigned routes, std::size_t router = 0);

	/// Makes the harness tail-call `target` on `family` frames (with random destinations among
	/// `routes` routes for IPv6, 0: the template's).
	void aim_harness(const xdpfwd::Program& target, int family, unsigned routes);

	/// Benchmark frames and everything else the sink counted so far.
	[[nodiscard]] std::pair<std::uint64_t, std::uint64_t> sink_count() const;

	Skeleton<xfb_gen> gen;
	Skeleton<xfb_gen> gen_zipf;
	Skeleton<xfb_harness> harness;
	Skeleton<xfb_sink> sink;
	Skeleton<xfb_bare_redirect> bare_redirect;
	Skeleton<xfb_bare_devmap> bare_devmap;
	xdpfwd::Program gen_program, gen_zipf_program, harness_program, noop_program, sink_program, bare_redirect_program,
	    bare_devmap_program;
	xdpfwd::PassProgram pass;
	std::optional<xdpfwd::StaticForwarder> static_fwd;
	xdpfwd::MapForwarder map_fwd;
	xdpfwd::FibForwarder fib_full{xdpfwd::FibLookup::full};
	xdpfwd::FibForwarder fib_direct{xdpfwd::FibLookup::direct};
	std::vector<std::unique_ptr<xdpfwd::FibForwarder>> scale_fib; ///< one per FIB-scale router, in order

private:
	xdpfwd::PerCpuMap<std::uint32_t, std::uint64_t> sink_packets_;
	xdpfwd::BpfMap<std::uint32_t, std::uint32_t> harness_target_;
	std::vector<xdpfwd::XdpProgram> attachments_; // last: they go first, while the programs are loaded
};

} // namespace bench
