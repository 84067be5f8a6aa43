// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//
// The coherence router forwards the generator's frames (one destination) through a fib
// forwarder whose cache a KeeperThread keeps, to one of two ports; the witness program on the
// sink side of both ports timestamps each port's first frame (bpf_ktime_get_ns, CLOCK_MONOTONIC).
// Per change: clear the new port's first timestamp, send RTM_NEWROUTE (replace) with NLM_F_ACK
// over rtnetlink, read CLOCK_MONOTONIC when the ack arrives, wait for the new port's first frame.
// latency = first frame on the new port - ack. Before the ack the kernel has changed its FIB and
// sent the notification, so a negative latency is a frame that followed the new route before the
// ack reached user space. The old port's last frame - ack is recorded too: how long stale cache
// entries kept sending packets the old way.
#include "coherence.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include <xdpfwd/detail/rtnetlink.hpp>

#include "bench_abi.h"
#include "support/pinned.hpp"
#include "stop.hpp"
#include "support/prog_run.hpp"

namespace bench {
namespace {

namespace t = xdpfwd::test;
using xdpfwd::detail::monotonic_ns;

void sleep_ns(std::uint64_t ns)
{
	const timespec ts{static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
	::nanosleep(&ts, nullptr);
}

/// Replaces the route of the template's destination over rtnetlink, like `ip route replace`.
class RouteSwitch {
public:
	RouteSwitch(const Netns& router, int family) : family_(family == BENCH_IPV4 ? AF_INET : AF_INET6)
	{
		router.inside([&] {
			netlink_.emplace();
			oif_[0] = xdpfwd::ifindex_of("rout");
			oif_[1] = xdpfwd::ifindex_of("rout2");
		});
		const std::string prefix = family_ == AF_INET ? dst_prefix4 : dst_prefix6;
		const auto slash = prefix.find('/');
		prefix_len_ = static_cast<unsigned char>(std::stoi(prefix.substr(slash + 1)));
		parse(prefix.substr(0, slash), dst_);
		parse(family_ == AF_INET ? sink_ip4 : sink_ip6, gateway_[0]);
		parse(family_ == AF_INET ? sink2_ip4 : sink2_ip6, gateway_[1]);
	}

	/// Routes the destination via port 0 (rout) or 1 (rout2); returns once the kernel acked.
	void to(int port)
	{
		std::vector<char> message(NLMSG_SPACE(sizeof(rtmsg)));
		auto* header = reinterpret_cast<nlmsghdr*>(message.data());
		header->nlmsg_len = static_cast<std::uint32_t>(message.size());
		header->nlmsg_type = RTM_NEWROUTE;
		header->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE; // transact adds NLM_F_REQUEST | NLM_F_ACK
		auto* route = static_cast<rtmsg*>(NLMSG_DATA(header));
		route->rtm_family = static_cast<unsigned char>(family_);
		route->rtm_dst_len = prefix_len_;
		route->rtm_table = RT_TABLE_MAIN;
		route->rtm_protocol = RTPROT_BOOT; // what `ip route` uses
		route->rtm_scope = RT_SCOPE_UNIVERSE;
		route->rtm_type = RTN_UNICAST;
		const std::size_t length = family_ == AF_INET ? 4 : 16;
		xdpfwd::detail::append_attribute(message, RTA_DST, dst_, length);
		xdpfwd::detail::append_attribute(message, RTA_GATEWAY, gateway_[port], length);
		xdpfwd::detail::append_attribute(message, RTA_OIF, &oif_[port], sizeof(oif_[port]));
		netlink_->transact(reinterpret_cast<nlmsghdr*>(message.data()), [](const nlmsghdr&) {},
				   [&] { return "switch the coherence route to port " + std::to_string(port); });
	}

private:
	void parse(const std::string& text, unsigned char* out) const
	{
		if (::inet_pton(family_, text.c_str(), out) != 1)
			throw std::logic_error("bad address " + text);
	}

	int family_;
	std::optional<xdpfwd::detail::RtNetlink> netlink_;
	std::uint32_t oif_[2] = {};
	unsigned char prefix_len_ = 0;
	unsigned char dst_[16] = {}, gateway_[2][16] = {};
};

/// The generator's live frames on its own thread (pinned to the generator CPU), in runs of about
/// half a second; it records when each run began and ended, since between runs nothing flows.
class Load {
public:
	Load(const Options& o, const Topology& topo, const xdpfwd::Program& generator, const Bytes& frame)
	{
		thread_ = std::thread([&o, &topo, &generator, &frame, this] {
			try {
				const t::Pinned pinned(o.cpu);
				const auto scope = topo.gen().enter();
				const unsigned ingress = xdpfwd::ifindex_of("gc");
				std::uint32_t repeat = 200000; // the first run sizes the others
				while (!stop_) {
					const std::uint64_t start = monotonic_ns();
					{
						const std::lock_guard lock(mutex_);
						runs_.emplace_back(start, running); // a run covers what happens while it runs
					}
					t::run(generator, frame, ingress, {.repeat = repeat, .live = true, .batch = o.batch});
					const std::uint64_t end = monotonic_ns();
					{
						const std::lock_guard lock(mutex_);
						runs_.back().second = end;
					}
					repeat = static_cast<std::uint32_t>(std::clamp(repeat * 0.5e9 / static_cast<double>(end - start), 1e5, 1e9));
				}
			} catch (...) {
				const std::lock_guard lock(mutex_);
				failure_ = std::current_exception();
			}
		});
	}
	Load(const Load&) = delete;
	Load& operator=(const Load&) = delete;
	~Load()
	{
		stop_ = true;
		thread_.join();
	}

	/// Whether one run was sending all the time from `from` to `to` (CLOCK_MONOTONIC ns).
	[[nodiscard]] bool covered(std::uint64_t from, std::uint64_t to) const
	{
		const std::lock_guard lock(mutex_);
		return std::any_of(runs_.begin(), runs_.end(), [&](const auto& r) { return r.first <= from && r.second >= to; });
	}

	/// Rethrows what stopped the generator thread.
	void check() const
	{
		const std::lock_guard lock(mutex_);
		if (failure_)
			std::rethrow_exception(failure_);
	}

private:
	static constexpr std::uint64_t running = ~std::uint64_t{0}; // the end of a run that goes on
	std::atomic<bool> stop_ = false;
	mutable std::mutex mutex_;
	std::vector<std::pair<std::uint64_t, std::uint64_t>> runs_;
	std::exception_ptr failure_;
	std::thread thread_;
};

template <class T>
T load_acquire(const T& value) { return __atomic_load_n(&value, __ATOMIC_ACQUIRE); }

std::uint64_t witnessed(const Programs& p) { return load_acquire(p.witness->bss->frames[0]) + load_acquire(p.witness->bss->frames[1]); }

} // namespace

CoherenceResult measure_coherence(const Options& o, const Topology& topo, Programs& p, int family, const Bytes& frame)
{
	CoherenceResult res;
	res.family = family == BENCH_IPV4 ? "ipv4" : "ipv6";
	res.requested = o.changes;
	res.cache_entries = p.cache_entries;
	std::fprintf(stderr, "bench: coherence, %s: %u route changes under load\n", res.family.c_str(), o.changes);

	// the control plane (this thread, the keeper it starts) off the generator's CPU, as a router
	// would keep it off its forwarding CPUs: there it could only run between the generator's
	// batches, and no frame would flow meanwhile
	const t::Pinned control(o.cpu, t::Pin::away_from);
	RouteSwitch route(topo.coherence(), family);
	route.to(0); // before the keeper starts: it dumps the table once and sees every change after
	CachedFib fib(topo.coherence(), xdpfwd::FibLookup::full, p.cache_entries, {"rout", "rout2"});
	const xdpfwd::XdpProgram attached = attach_in(topo.coherence(), fib.fib.program(), "rin", xdpfwd::AttachMode::native);
	const xdpfwd::StatsReader stats(fib.fib.program());
	auto& witness = *p.witness->bss;
	const Load load(o, topo, p.generator(Distribution::uniform, family, 0), frame);

	// traffic flows and the cache answers before the first change
	const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
	while (stats.snapshot()[xdpfwd::Reason::cache_hit].packets == 0) {
		load.check();
		check_stop();
		if (std::chrono::steady_clock::now() > ready_by)
			throw std::runtime_error("coherence: no cache hit within 5 s of starting the load");
		sleep_ns(1000000);
	}

	std::mt19937 rng(0xc0de);
	std::uniform_int_distribution<std::uint64_t> pause_ns(5000000, 15000000); // not in step with the heartbeat
	const xdpfwd::StatsSnapshot before = stats.snapshot();
	const std::uint64_t frames_before = witnessed(p);
	const std::uint64_t start = monotonic_ns();
	int current = 0;
	std::optional<std::pair<int, std::uint64_t>> old_port; // the port left and the ack of leaving it
	auto record_old_tail = [&] {
		if (old_port)
			res.old_tail_us.push_back((static_cast<double>(load_acquire(witness.last_ns[old_port->first])) -
						   static_cast<double>(old_port->second)) / 1e3);
		old_port.reset();
	};
	while (res.latency_us.size() < o.changes) {
		load.check();
		check_stop();
		sleep_ns(pause_ns(rng)); // the cache refills with the current route meanwhile
		record_old_tail();
		const int next = 1 - current;
		__atomic_store_n(&witness.first_ns[next], 0, __ATOMIC_RELEASE);
		const std::uint64_t sent = monotonic_ns();
		route.to(next);
		const std::uint64_t acked = monotonic_ns();
		current = next;
		std::uint64_t first = 0;
		while (!(first = load_acquire(witness.first_ns[next])) && monotonic_ns() - acked < 1000000000u)
			sleep_ns(50000); // polling, not spinning: the keeper may need this CPU
		if (!first) {
			++res.missed;
			if (res.missed > o.changes / 10 + 2)
				throw std::runtime_error("coherence: " + std::to_string(res.missed) +
							 " route changes were followed by no frame within 1 s");
			continue;
		}
		if (!load.covered(sent, first)) { // the generator was between runs: do it again
			if (++res.redone > o.changes)
				throw std::runtime_error("coherence: the generator was between runs at most route changes");
			continue;
		}
		res.latency_us.push_back((static_cast<double>(first) - static_cast<double>(acked)) / 1e3);
		res.request_us.push_back(static_cast<double>(acked - sent) / 1e3);
		old_port.emplace(1 - next, acked);
	}
	sleep_ns(5000000);
	record_old_tail();
	res.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
	res.load_mpps = static_cast<double>(witnessed(p) - frames_before) / res.seconds / 1e6;
	const xdpfwd::StatsSnapshot after = stats.snapshot();
	res.cache_hit = after[xdpfwd::Reason::cache_hit].packets - before[xdpfwd::Reason::cache_hit].packets;
	res.cache_miss = after[xdpfwd::Reason::cache_miss].packets - before[xdpfwd::Reason::cache_miss].packets;
	res.cache_stale = after[xdpfwd::Reason::cache_stale].packets - before[xdpfwd::Reason::cache_stale].packets;
	fib.check_keeper();
	return res;
}

} // namespace bench
