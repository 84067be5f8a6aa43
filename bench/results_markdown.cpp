// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// results.md: the tables people read (and the README quotes).
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "bench_abi.h"
#include "results.hpp"

namespace bench {
namespace {

std::string optional_number(const std::optional<double>& v, int digits) { return v ? fixed(*v, digits) : "null"; }

std::string describe_mode(const std::string& mode)
{
	static const std::map<std::string, std::string> names{
	    {"kernel", "Linux IP forwarding (xdpfwd pass on rin)"},
	    {"bare_redirect", "ceiling: bare bpf_redirect"},
	    {"bare_devmap", "ceiling: bare devmap redirect"},
	    {"static", "xdpfwd static"},
	    {"map", "xdpfwd map"},
	    {"fib_full", "xdpfwd fib (full lookup)"},
	    {"fib_vlan", "xdpfwd fib (full lookup), 802.1Q VID " + std::to_string(BENCH_VLAN_ID) + " in, untagged out"},
	    {"fib_vlan_tagged", "xdpfwd fib (full lookup), 802.1Q VID " + std::to_string(BENCH_VLAN_ID) + " in, VID " +
				    std::to_string(BENCH_VLAN_EGRESS_ID) + " out"},
	    {"fib_direct", "xdpfwd fib (direct lookup)"},
	    {"fib_full_cache", "xdpfwd fib (full lookup) + route cache"},
	    {"fib_direct_cache", "xdpfwd fib (direct lookup) + route cache"},
	};
	const auto it = names.find(mode);
	return it == names.end() ? mode : it->second;
}

std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fixed(100 * fraction, 2) + " %"; }

/// "median | min-max | loss" of a row with samples.
std::string rate_cells(const TrafficRow& row)
{
	const std::vector<double> v = mpps_of(row);
	return fixed(median(v), 3) + " | " + fixed(*std::min_element(v.begin(), v.end()), 3) + "-" +
	       fixed(*std::max_element(v.begin(), v.end()), 3) + " | " + percent(median_loss(row));
}

std::string hit_cell(const TrafficRow& row)
{
	const auto rate = hit_rate(row);
	if (!rate)
		return "-";
	const auto consulted = cache_consulted(row);
	// the cache consulted for fewer frames than sent: its lease lapsed (or frames did not reach it)
	return percent(*rate) + (consulted && *consulted < 0.99 ? " (consulted for " + percent(*consulted) + ")" : "");
}

void scale_table(std::ostringstream& md, const Results& r, const std::string& family)
{
	const std::vector<unsigned> routes = scale_routes(r, family);
	if (routes.empty())
		return;
	md << "\n### " << (family == "ipv6" ? "IPv6" : "IPv4") << "\n\n";
	if (family == "ipv6")
		md << "Routes in 2001:db8:8000::/33 (/48, /56, /64); each frame goes to one of them.\n\n";
	else
		md << "The table: /32s and more-specifics (/28-/32) covering " << BENCH_DEST4_COUNT
		   << " destinations in 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24, the only ones traffic goes to, "
		      "plus filler up to the route count: /16-/24 prefixes, most /24 as in a public table, pseudo-random over "
		      "unicast space outside the documentation ranges (no link leads out of the router, and no frame goes "
		      "there).\n\n";
	md << "| Routes | Install | Uniform: fib Mpps | x smallest | + cache Mpps | x smallest | hits | Zipf: fib Mpps | x smallest "
	      "| + cache Mpps | x smallest | hits | Zipf distinct destinations | Loss (max) |\n"
	      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
	for (const unsigned n : routes) {
		const TrafficRow* any = nullptr;
		double loss = 0;
		md << "| " << n << " | ";
		std::ostringstream cells;
		for (const std::string& distribution : distributions())
			for (const char* mode : {"fib_scale", "fib_scale_cache"}) {
				const TrafficRow* row = find_scale(r, mode, family, n, distribution);
				if (!row || row->samples.empty()) {
					cells << "- | - | " << (is_cached(mode) ? "- | " : "");
					continue;
				}
				any = row;
				if (!std::isnan(median_loss(*row)))
					loss = std::max(loss, median_loss(*row));
				const auto ratio = ratio_to_smallest(r, *row);
				cells << fixed(median_mpps(*row), 3) << " | " << (ratio ? fixed(*ratio, 3) + "x" : "-") << " | ";
				if (is_cached(mode))
					cells << hit_cell(*row) << " | ";
			}
		const TrafficRow* zipf = find_scale(r, "fib_scale", family, n, "zipf");
		md << (any ? fixed(any->install_seconds, 1) + " s" : std::string("-")) << " | " << cells.str()
		   << (zipf ? std::to_string(zipf->distinct_destinations) : std::string("-")) << " | " << percent(loss) << " |\n";
	}
}

/// The VLAN rows against fib_full, their untagged twin (or why they were not measured).
void vlan_table(std::ostringstream& md, const Results& r)
{
	if (!r.vlan_unavailable.empty()) {
		md << "\nfib_vlan and fib_vlan_tagged (802.1Q-tagged frames) were not measured: " << r.vlan_unavailable << "\n";
		return;
	}
	bool any = false;
	for (const std::string& mode : vlan_modes)
		for (const char* family : {"ipv4", "ipv6"})
			if (const TrafficRow* row = find_row(r, mode, family))
				any = any || !row->samples.empty();
	if (!any)
		return;
	md << "\n### VLAN: 802.1Q-tagged ingress\n\n";
	md << "Frames tagged VID " << BENCH_VLAN_ID << " (IPv4 " << r.frame4 + BENCH_VLAN_TAG_LEN << " B, IPv6 "
	   << r.frame6 + BENCH_VLAN_TAG_LEN << " B) arrive on rin of a router where the VLAN device rin." << BENCH_VLAN_ID
	   << " holds the addresses; the fib forwarder (full lookup, no cache) looks them up as arriving there "
	      "(vlan_ingress). fib_vlan: the route leaves through rout, so the tag is popped; fib_vlan_tagged (another "
	      "router): through rout."
	   << BENCH_VLAN_EGRESS_ID << ", a VLAN device on rout, so the frame leaves rout with its tag rewritten to VID "
	   << BENCH_VLAN_EGRESS_ID << " (same length). x untagged: against fib_full, the same program and lookup on "
	      "untagged frames on the main router, in the same round-robin: the ratio of the medians, and the median of "
	      "the ratios within each repetition (paired).\n\n";
	md << "| Row | Family | fib_full Mpps | VLAN Mpps | VLAN range | VLAN loss | x untagged | x untagged (paired) |\n"
	      "|---|---|---:|---:|---:|---:|---:|---:|\n";
	for (const std::string& mode : vlan_modes)
		for (const char* family : {"ipv4", "ipv6"}) {
			const TrafficRow* vlan = find_row(r, mode, family);
			const TrafficRow* plain = find_row(r, vlan_baseline, family);
			if (!vlan || vlan->samples.empty())
				continue;
			const std::vector<double> v = mpps_of(*vlan);
			const auto ratio = ratio_to(r, *vlan, vlan_baseline);
			const auto paired = paired_ratio_to(r, *vlan, vlan_baseline);
			md << "| " << mode << " | " << family << " | "
			   << (plain && !plain->samples.empty() ? fixed(median_mpps(*plain), 3) : "-") << " | " << fixed(median(v), 3)
			   << " | " << fixed(*std::min_element(v.begin(), v.end()), 3) << "-"
			   << fixed(*std::max_element(v.begin(), v.end()), 3) << " | " << percent(median_loss(*vlan)) << " | "
			   << (ratio ? fixed(*ratio, 3) + "x" : "-") << " | " << (paired ? fixed(*paired, 3) + "x" : "-") << " |\n";
		}
}

std::string microseconds(double us) { return std::isnan(us) ? "-" : fixed(us, 1); }

} // namespace

std::string to_markdown(const Results& r)
{
	std::ostringstream md;
	const Machine& m = r.machine;
	md << "# xdpfwd benchmark results" << (r.smoke ? " (SMOKE RUN: not for comparison)" : "") << "\n\n";
	md << "| Machine | |\n|---|---|\n";
	md << "| Date | " << m.date << " |\n| Kernel | " << m.kernel << " |\n| CPU | " << m.cpu_model << ", " << m.cores
	   << " cores online" << (m.hypervisor ? " (virtual machine)" : "") << " |\n| Memory | " << m.memory << " |\n";
	md << "| Compilers | " << m.compiler << "; BPF: " << m.bpf_compiler << " |\n| libbpf | " << m.libbpf
	   << " |\n| xdpfwd | " << m.xdpfwd << " |\n\n";
	md << "Traffic: BPF_PROG_RUN with live frames from one generator thread pinned to CPU " << m.generator_cpu
	   << "; every configuration measured " << r.reps << " time" << (r.reps > 1 ? "s" : "") << ", round-robin, "
	   << fixed(r.seconds, 1) << " s each; medians. Frames: IPv4 " << r.frame4 << " B, IPv6 " << r.frame6
	   << " B (UDP, without FCS). Rate = frames counted by the sink / wall time; loss = 1 - received / sent.\n\n";

	md << "## Forwarding rate\n\n";
	md << "Cached rows: a separate fib forwarder whose route cache (" << r.cache_entries
	   << " slots per CPU) a KeeperThread in the router's namespace keeps on for the whole run; the uncached rows' "
	      "forwarders have no keeper. Hits = cache_hit / (cache_hit + cache_miss + cache_stale) over the runs.\n\n";
	md << "| Configuration | Family | Mpps (median) | Range | Loss | x kernel | x ceiling | x map | x uncached | Cache hits |\n";
	md << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
	for (const TrafficRow& row : r.traffic) {
		if (is_scale(row.mode) || row.samples.empty())
			continue;
		const auto kernel = row.mode == "kernel" ? std::nullopt : ratio_to(r, row, "kernel");
		const std::string ceiling = ceiling_of(row.mode);
		const auto ceil = ratio_to(r, row, ceiling);
		const auto map = is_cached(row.mode) ? ratio_to(r, row, "map") : std::nullopt;
		const auto uncached = is_cached(row.mode) ? ratio_to(r, row, row.mode.substr(0, row.mode.size() - 6)) : std::nullopt;
		md << "| " << describe_mode(row.mode) << " | " << row.family << " | " << rate_cells(row) << " | "
		   << (kernel ? fixed(*kernel, 2) + "x" : "-") << " | " << (ceil ? fixed(*ceil, 3) + "x (" + ceiling + ")" : "-")
		   << " | " << (map ? fixed(*map, 3) + "x" : "-") << " | " << (uncached ? fixed(*uncached, 2) + "x" : "-") << " | "
		   << hit_cell(row) << " |\n";
	}

	vlan_table(md, r);

	md << "\n## FIB scale (xdpfwd fib, full lookup, destinations among the installed routes)\n\n";
	md << "Uncached and cached (" << r.cache_entries << "-slot route cache, a keeper started after the routes were "
	   << "installed) forwarders on the same routers. Uniform: every frame goes to a uniformly random destination, "
	      "the worst case (no locality). "
	   << describe_distribution(r, "zipf") << ": the k-th most popular destination gets a share proportional to 1/k^"
	   << fixed(r.zipf_exponent, 2) << ", popular ones scattered over the table; the generator draws from a table of "
	   << r.zipf_slots << " Zipf samples (so at most that many distinct destinations, listed below). "
	   << "All are measured in the same round-robin; x smallest is against the smallest table with the same forwarder "
	      "and distribution. Ranges and losses per run are in results.json.\n";
	scale_table(md, r, "ipv6");
	scale_table(md, r, "ipv4");

	md << "\n## Per-packet cost (BPF_PROG_RUN, repeat " << r.cost_repeat
	   << ", not live; kernel-timed ns per run, median)\n\n";
	md << "Forwarders and ceilings run tail-called from a harness that restores the frame first (a repeated run "
	      "otherwise sees its own output: the TTL would expire after 63 runs); the harness's own cost (with a no-op "
	      "target) is subtracted. Only the program runs: no redirect, no transmit.\n\n";
	md << "| Program | IPv4 ns | IPv6 ns | Instructions (xlated) | JIT bytes |\n|---|---:|---:|---:|---:|\n";
	std::vector<std::string> seen;
	for (const CostRow& c : r.costs) {
		if (c.routes || std::find(seen.begin(), seen.end(), c.program) != seen.end())
			continue;
		seen.push_back(c.program);
		std::string v4 = "-", v6 = "-";
		for (const CostRow& d : r.costs)
			if (d.program == c.program && !d.routes)
				(d.family == "ipv4" ? v4 : v6) = fixed(cost_ns(d), 1);
		md << "| " << c.program
		   << (c.program == "harness" ? " (frame restore + tail call; subtracted below)"
		       : c.program == "harness_vlan"
			   ? " (the same for the VLAN rows' tagged frames, with an xdp_adjust_head; subtracted from them)"
			   : "")
		   << " | "
		   << v4 << " | " << v6 << " | " << c.insns << " | " << c.jited_bytes << " |\n";
	}
	bool scale_header = false;
	for (const CostRow& c : r.costs) {
		if (!c.routes)
			continue;
		if (!scale_header) {
			md << "\nWith random destinations on the FIB-scale routers (fib full; uniform destinations, except the "
			      "zipf generator's own cost; cached only where the destinations fit the cache, so that nearly "
			      "every run is a hit):\n\n";
			md << "| Family | Routes | generator ns | generator (zipf) ns | harness ns | fib_full ns | fib_full + cache ns |\n"
			      "|---|---:|---:|---:|---:|---:|---:|\n";
			scale_header = true;
		}
		if (c.program != "generator")
			continue;
		auto cost_of = [&](const char* program) {
			for (const CostRow& d : r.costs)
				if (d.routes == c.routes && d.family == c.family && d.program == program)
					return fixed(cost_ns(d), 1);
			return std::string("-");
		};
		md << "| " << c.family << " | " << c.routes << " | " << cost_of("generator") << " | " << cost_of("generator_zipf")
		   << " | " << cost_of("harness") << " | " << cost_of("fib_full") << " | " << cost_of("fib_full_cache") << " |\n";
	}

	if (!r.coherence.empty()) {
		md << "\n## Coherence: route change to the first packet on the new route\n\n";
		md << "Under load (the generator's live frames through a cached fib forwarder, full lookup, "
		   << r.cache_entries << "-slot cache, kept by a KeeperThread), the route of the frames' destination is "
		      "replaced, alternately via one of two egress ports, with RTM_NEWROUTE (NLM_F_REPLACE | NLM_F_ACK) over "
		      "rtnetlink, 5-15 ms apart. Latency = the first frame on the new port (bpf_ktime_get_ns in the sink's "
		      "XDP program) - the moment the ack reached user space (CLOCK_MONOTONIC). The kernel changes its FIB and "
		      "sends the notification before the ack, so a frame may follow the new route before the ack is read "
		      "(a negative latency). Old route's last packet: the last frame on the port left, against the same ack. "
		      "Percentiles are nearest-rank, in microseconds.\n\n";
		md << "| Family | Changes | Load Mpps | Cache hits | First packet on the new route p50 / p99 / max | Last packet on the "
		      "old route p50 / p99 / max | Request to ack p50 / p99 | Redone (load between runs) |\n"
		      "|---|---:|---:|---:|---:|---:|---:|---:|\n";
		for (const CoherenceResult& c : r.coherence) {
			const std::uint64_t lookups = c.cache_hit + c.cache_miss + c.cache_stale;
			md << "| " << c.family << " | " << c.latency_us.size() << " | " << fixed(c.load_mpps, 3) << " | "
			   << (lookups ? percent(static_cast<double>(c.cache_hit) / static_cast<double>(lookups)) : "-") << " | "
			   << microseconds(percentile(c.latency_us, 50)) << " / " << microseconds(percentile(c.latency_us, 99)) << " / "
			   << microseconds(percentile(c.latency_us, 100)) << " | " << microseconds(percentile(c.old_tail_us, 50))
			   << " / " << microseconds(percentile(c.old_tail_us, 99)) << " / "
			   << microseconds(percentile(c.old_tail_us, 100)) << " | " << microseconds(percentile(c.request_us, 50))
			   << " / " << microseconds(percentile(c.request_us, 99)) << " | " << c.redone << " |\n";
		}
	}

	md << "\n## Targets\n\n| Target | Measured | Required | Met |\n|---|---:|---:|---|\n";
	for (const Target& t : targets(r)) {
		const std::string unit = t.unit == "x" ? "x" : " " + t.unit;
		const int digits = t.unit == "x" ? 3 : 1;
		// a row left out (--only) was not measured: neither met nor missed
		md << "| " << t.name << " | " << (t.measured ? optional_number(t.measured, digits) + unit : "not run") << " | "
		   << (t.at_most ? "<= " : ">= ") << fixed(t.required, t.unit == "x" ? 2 : 0) << unit << " | "
		   << (!t.measured ? "-" : t.met() ? "met" : "MISSED")
		   << (t.note.empty() ? "" : " (" + t.note + ")") << " |\n";
	}
	return md.str();
}

} // namespace bench
