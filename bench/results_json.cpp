// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// results.json: the keys bench/plot.py and other tools read. Figures are rounded to what they
// mean (Mpps to 4 decimals, ns to 1); what cannot be computed is null.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "bench_abi.h"
#include "results.hpp"

namespace bench {
namespace {

using Json = nlohmann::ordered_json; // keys in the order written, for people reading the file

Json number(double v, int digits)
{
	if (std::isnan(v))
		return nullptr;
	const double scale = std::pow(10.0, digits);
	return std::round(v * scale) / scale;
}

Json number(const std::optional<double>& v, int digits) { return v ? number(*v, digits) : Json(nullptr); }

Json machine(const Machine& m)
{
	return {{"kernel", m.kernel}, {"cpu_model", m.cpu_model}, {"cores", m.cores}, {"hypervisor", m.hypervisor},
		{"memory", m.memory},  {"date", m.date},	   {"compiler", m.compiler}, {"bpf_compiler", m.bpf_compiler},
		{"libbpf", m.libbpf},  {"xdpfwd", m.xdpfwd},       {"generator_cpu", m.generator_cpu}};
}

Json settings(const Results& r)
{
	return {{"smoke", r.smoke},
		{"repetitions", r.reps},
		{"seconds_per_run", number(r.seconds, 3)},
		{"cost_repeat", r.cost_repeat},
		{"live_batch_size", r.batch},
		{"frame_bytes", {{"ipv4", r.frame4}, {"ipv6", r.frame6}}},
		{"zipf_exponent", number(r.zipf_exponent, 3)},
		{"zipf_table_slots", r.zipf_slots},
		{"route_cache_entries", r.cache_entries}};
}

Json throughput(const Results& r, const TrafficRow& row)
{
	const std::vector<double> mpps = mpps_of(row);
	const std::string ceiling = ceiling_of(row.mode);
	Json j = {{"mode", row.mode},
		  {"family", row.family},
		  {"routes", row.routes},
		  {"median_mpps", number(median(mpps), 4)},
		  {"min_mpps", mpps.empty() ? Json(nullptr) : number(*std::min_element(mpps.begin(), mpps.end()), 4)},
		  {"max_mpps", mpps.empty() ? Json(nullptr) : number(*std::max_element(mpps.begin(), mpps.end()), 4)},
		  {"median_loss", number(median_loss(row), 6)},
		  {"ratio_to_kernel", number(ratio_to(r, row, "kernel"), 4)},
		  {"ceiling", ceiling.empty() ? Json(nullptr) : Json(ceiling)},
		  {"ratio_to_ceiling", number(ratio_to(r, row, ceiling), 4)},
		  {"ratio_to_smallest_table", number(ratio_to_smallest(r, row), 4)},
		  {"cached", is_cached(row.mode)}};
	if (is_vlan(row.mode)) {
		// tags as the frames carry them; the ratios are against the same program on untagged frames
		j["ingress_tags"] = "802.1Q VID " + std::to_string(BENCH_VLAN_ID);
		j["egress_tags"] = row.mode == "fib_vlan" ? std::string("none") : "802.1Q VID " + std::to_string(BENCH_VLAN_EGRESS_ID);
		j["ratio_to_untagged"] = number(ratio_to(r, row, vlan_baseline), 4);
		j["paired_ratio_to_untagged"] = number(paired_ratio_to(r, row, vlan_baseline), 4);
	}
	if (is_cached(row.mode)) {
		j["route_cache_entries"] = row.cache_entries;
		j["cache_hit_rate"] = number(hit_rate(row), 6);
		j["cache_consulted"] = number(cache_consulted(row), 6); // below 1: the lease lapsed for some frames
	}
	if (is_scale(row.mode)) {
		j["route_install_seconds"] = number(row.install_seconds, 2);
		j["destinations"] = row.destinations;
		j["distribution"] = row.distribution;
		if (row.distribution == "zipf") {
			j["zipf_exponent"] = number(r.zipf_exponent, 3);
			j["distinct_destinations"] = row.distinct_destinations;
		}
	}
	Json& samples = j["samples"] = Json::array();
	for (const TrafficSample& s : row.samples) {
		Json sample = {{"mpps", number(s.mpps, 4)},
			       {"sent", s.sent},
			       {"received", s.received},
			       {"other", s.other},
			       {"seconds", number(s.seconds, 4)}};
		if (is_vlan(row.mode)) {
			sample["redirected"] = s.redirected;
			sample["passed"] = s.passed;
			sample["pass_reasons"] = s.pass_reasons;
		}
		if (is_cached(row.mode)) {
			sample["cache_hit"] = s.cache_hit;
			sample["cache_miss"] = s.cache_miss;
			sample["cache_stale"] = s.cache_stale;
		}
		samples.push_back(sample);
	}
	return j;
}

Json cost(const CostRow& c)
{
	Json raw = Json::array();
	for (const double ns : c.raw_ns)
		raw.push_back(number(ns, 0));
	return {{"program", c.program},
		{"family", c.family},
		{"routes", c.routes},
		{"ns", number(cost_ns(c), 1)},
		{"raw_median_ns", number(median(c.raw_ns), 1)},
		{"harness_ns", c.through_harness ? number(c.harness_ns, 1) : Json(nullptr)},
		{"xlated_insns", c.insns},
		{"jited_bytes", c.jited_bytes},
		{"action", c.retval},
		{"expected_action", c.expected},
		{"raw_samples_ns", raw}};
}

Json latencies(const std::vector<double>& us)
{
	return {{"p50", number(percentile(us, 50), 1)},
		{"p99", number(percentile(us, 99), 1)},
		{"max", number(percentile(us, 100), 1)},
		{"min", us.empty() ? Json(nullptr) : number(*std::min_element(us.begin(), us.end()), 1)}};
}

Json coherence(const CoherenceResult& c)
{
	const std::uint64_t lookups = c.cache_hit + c.cache_miss + c.cache_stale;
	Json samples = Json::array();
	for (const double us : c.latency_us)
		samples.push_back(number(us, 1));
	return {{"family", c.family},
		{"changes", c.latency_us.size()},
		{"changes_requested", c.requested},
		{"changes_redone", c.redone},
		{"changes_missed", c.missed},
		{"seconds", number(c.seconds, 3)},
		{"load_mpps", number(c.load_mpps, 4)},
		{"route_cache_entries", c.cache_entries},
		{"cache_hit_rate", lookups ? number(static_cast<double>(c.cache_hit) / static_cast<double>(lookups), 6) : Json(nullptr)},
		{"first_packet_on_new_route_us", latencies(c.latency_us)},
		{"last_packet_on_old_route_us", latencies(c.old_tail_us)},
		{"request_to_ack_us", latencies(c.request_us)},
		{"samples_us", samples}};
}

Json target(const Target& t)
{
	Json j = {{"name", t.name},
		  {"measured", number(t.measured, 4)},
		  {"required", number(t.required, 2)},
		  {"unit", t.unit},
		  {"at_most", t.at_most},
		  {"met", t.met()}};
	if (!t.note.empty())
		j["note"] = t.note;
	return j;
}

} // namespace

std::string to_json(const Results& r)
{
	Json j = {{"machine", machine(r.machine)}, {"settings", settings(r)}};
	Json& rows = j["throughput"] = Json::array();
	for (const TrafficRow& row : r.traffic)
		rows.push_back(throughput(r, row));
	Json& costs = j["per_packet_ns"] = Json::array();
	for (const CostRow& c : r.costs)
		costs.push_back(cost(c));
	Json& changes = j["coherence"] = Json::array();
	for (const CoherenceResult& c : r.coherence)
		changes.push_back(coherence(c));
	j["vlan_rows_skipped"] = r.vlan_unavailable.empty() ? Json(nullptr) : Json(r.vlan_unavailable);
	Json& met = j["targets"] = Json::array();
	for (const Target& t : targets(r))
		met.push_back(target(t));
	return j.dump(2) + "\n";
}

} // namespace bench
