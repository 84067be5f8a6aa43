// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <memory>
#include <thread>

#include "abi.h"
#include "detail/cache_safety.hpp"
#include "detail/route_monitor.hpp"
#include "error.hpp"
#include "fib_forwarder.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

namespace detail {
/// CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_coarse_ns reads (coarsely).
inline std::uint64_t monotonic_ns()
{
	timespec now{};
	::clock_gettime(CLOCK_MONOTONIC, &now);
	return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u + static_cast<std::uint64_t>(now.tv_nsec);
}
} // namespace detail

struct KeeperOptions {
	/// How often the keeper renews the cache's lease when nothing else happens.
	std::chrono::milliseconds heartbeat{50};
	/// How long the cache stays on after the keeper's last sign of life: a keeper that crashed
	/// or hangs turns the cache off within this bound.
	std::chrono::milliseconds lease{250};
};

/// What a keeper has seen and done.
struct KeeperStats {
	std::array<std::uint64_t, net_event_count> events{};  ///< notifications per NetEvent
	std::uint64_t invalidations = 0;                      ///< generation bumps (each empties the cache)
	std::uint64_t heartbeats = 0;
	std::size_t vlan_devices = 0;  ///< VLAN devices on the ports, forwarded since the last link change
	bool cache_on = false;
	std::string off_reason;  ///< why the cache is off, when it is
};

/// Keeps fib mode's route cache coherent with the kernel: subscribes to every rtnetlink
/// notification that can change a FIB lookup, invalidates the cache on each (and on a lost
/// notification), turns it off while the configuration has something its key leaves out
/// (policy rules, multipath, ...), and renews a lease without which the program ignores the
/// cache. It also keeps the program's VLAN maps equal to the VLAN devices on the ports. Make it in the network namespace of the forwarder's ports. fd() is for a host's
/// event loop (readable: call process()); KeeperThread runs one on a thread of its own.
/// Destruction turns the cache off. Throws Error (EPERM without privileges).
class RouteCacheKeeper {
public:
	explicit RouteCacheKeeper(const FibForwarder& fib, KeeperOptions options = {})
	    : options_(options), safety_(fib.lookup() == FibLookup::direct), ports_(fib.program(), XDPFWD_MAP_TX_PORTS),
	      vlans_(fib.program()),
	      epoll_(::epoll_create1(EPOLL_CLOEXEC)), timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK))
	{
		if (!epoll_ || !timer_)
			throw Error(errno, "set up the route cache keeper's event loop");
		const int control_fd = fib.program().raw_map(XDPFWD_MAP_CACHE_CONTROL);
		void* mapped = ::mmap(nullptr, sizeof(xdpfwd_cache_control), PROT_READ | PROT_WRITE, MAP_SHARED, control_fd, 0);
		if (mapped == MAP_FAILED)
			throw Error(errno, "map the route cache's control block of " + fib.program().name());
		control_ = static_cast<xdpfwd_cache_control*>(mapped);
		const auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.heartbeat).count();
		itimerspec every{};
		every.it_interval = {static_cast<time_t>(period / 1000000000), static_cast<long>(period % 1000000000)};
		every.it_value = every.it_interval;
		check(::timerfd_settime(timer_.get(), 0, &every, nullptr), [] { return std::string("start the keeper's heartbeat"); });
		for (const int fd : {monitor_.fd(), timer_.get()}) {
			epoll_event interest{};
			interest.events = EPOLLIN;
			interest.data.fd = fd;
			check(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &interest), [] { return std::string("watch the keeper's fds"); });
		}
		invalidate();
		refresh_vlans();
		renew();
	}

	RouteCacheKeeper(const RouteCacheKeeper&) = delete;
	RouteCacheKeeper& operator=(const RouteCacheKeeper&) = delete;
	~RouteCacheKeeper()
	{
		__atomic_store_n(&control_->valid_until_ns, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&control_->heartbeat_ns, 0, __ATOMIC_RELEASE); // gone, not just late
		::munmap(control_, sizeof(xdpfwd_cache_control));
	}

	/// Readable when process() has something to do.
	[[nodiscard]] int fd() const noexcept { return epoll_.get(); }

	/// Handles pending notifications and a due heartbeat; never blocks.
	void process()
	{
		bool changed = false, links_changed = false;
		monitor_.drain([&](NetEvent event, const nlmsghdr* msg) {
			safety_.observe(event, msg);
			std::lock_guard lock(mutex_);
			++stats_.events[static_cast<std::size_t>(event)];
			changed = true;
			links_changed |= event == NetEvent::link || event == NetEvent::overflow;
		});
		if (changed) {
			invalidate(); // first: every entry made before the change is stale from here on
			safety_.settle();
		}
		if (links_changed) // VLAN devices come and go as links
			refresh_vlans();
		std::uint64_t expirations = 0;
		if (::read(timer_.get(), &expirations, sizeof(expirations)) == sizeof(expirations) || changed)
			renew();
	}

	[[nodiscard]] KeeperStats stats() const
	{
		std::lock_guard lock(mutex_);
		return stats_;
	}

	/// Turns the cache off for good, as if the keeper were gone (it no longer renews the lease).
	void turn_off(const std::string& why) noexcept
	{
		stopped_ = true;
		__atomic_store_n(&control_->valid_until_ns, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&control_->off_reason, static_cast<std::uint32_t>(XDPFWD_CACHE_OFF_KEEPER_FAILED), __ATOMIC_RELAXED);
		std::lock_guard lock(mutex_);
		stats_.cache_on = false;
		stats_.off_reason = why;
	}

private:
	void refresh_vlans()
	{
		std::vector<unsigned> ports;
		for (const auto& entry : ports_.entries())
			ports.push_back(entry.ifindex);
		const auto forwarded = vlans_.sync(vlan_devices(), ports);
		std::lock_guard lock(mutex_);
		stats_.vlan_devices = forwarded.size();
	}

	void invalidate()
	{
		__atomic_add_fetch(&control_->generation, 1, __ATOMIC_RELEASE);
		std::lock_guard lock(mutex_);
		++stats_.invalidations;
	}

	// The lease: the program uses the cache only until valid_until_ns (bpf_ktime_get_coarse_ns,
	// the same CLOCK_MONOTONIC), so it ends by itself when the keeper stops renewing it.
	void renew()
	{
		if (stopped_)
			return;
		const auto off = safety_.unsafe_reason();
		const std::uint64_t now = detail::monotonic_ns();
		const std::uint64_t until = off ? 0 : now + static_cast<std::uint64_t>(std::chrono::nanoseconds(options_.lease).count());
		__atomic_store_n(&control_->valid_until_ns, until, __ATOMIC_RELEASE);
		__atomic_store_n(&control_->off_reason, static_cast<std::uint32_t>(off ? off->code : XDPFWD_CACHE_ON), __ATOMIC_RELAXED);
		__atomic_store_n(&control_->lease_ms, static_cast<std::uint32_t>(options_.lease.count()), __ATOMIC_RELAXED);
		__atomic_store_n(&control_->heartbeat_ns, now, __ATOMIC_RELEASE);
		std::lock_guard lock(mutex_);
		++stats_.heartbeats;
		stats_.cache_on = !off;
		stats_.off_reason = off ? off->why : "";
	}

	KeeperOptions options_;
	detail::RouteMonitor monitor_; // subscribed before the dump in safety_: nothing falls between
	detail::CacheSafety safety_;
	DevMap ports_;
	detail::VlanMaps vlans_;
	UniqueFd epoll_;
	UniqueFd timer_;
	xdpfwd_cache_control* control_ = nullptr;
	std::atomic<bool> stopped_ = false;
	mutable std::mutex mutex_;
	KeeperStats stats_;
};

/// How a fib forwarder's route cache is doing, as any process can read it from the program.
struct RouteCacheState {
	bool keeper_alive = false; ///< a keeper renewed within its lease
	bool on = false;           ///< the program uses the cache now
	xdpfwd_cache_off off_reason = XDPFWD_CACHE_ON;
	std::uint64_t generation = 0;
	std::uint64_t entries = 0;
};

inline const char* to_string(xdpfwd_cache_off reason)
{
	switch (reason) {
	case XDPFWD_CACHE_ON:
		return "on";
	case XDPFWD_CACHE_OFF_POLICY_RULES:
		return "policy rules (ip rule) besides the defaults";
	case XDPFWD_CACHE_OFF_MULTIPATH:
		return "a multipath route";
	case XDPFWD_CACHE_OFF_NEXTHOP_OBJECT:
		return "a route through a nexthop object";
	case XDPFWD_CACHE_OFF_SOURCE_ROUTE:
		return "a source-specific IPv6 route";
	case XDPFWD_CACHE_OFF_TOS_ROUTE:
		return "an IPv4 TOS route";
	case XDPFWD_CACHE_OFF_KEEPER_FAILED:
		return "the keeper failed";
	}
	return "unknown";
}

/// Reads the route cache's control block and counts its entries. Throws Error.
inline RouteCacheState route_cache_state(const FibForwarder& fib)
{
	const auto control = fib.program().map<std::uint32_t, xdpfwd_cache_control>(XDPFWD_MAP_CACHE_CONTROL).get(0);
	RouteCacheState state;
	if (!control)
		return state;
	const std::uint64_t now = detail::monotonic_ns();
	state.keeper_alive = control->heartbeat_ns && control->heartbeat_ns + control->lease_ms * 1000000ull > now;
	state.on = control->valid_until_ns > now;
	state.off_reason = static_cast<xdpfwd_cache_off>(control->off_reason);
	state.generation = control->generation;
	state.entries = fib.route_cache_entries();
	return state;
}

/// A RouteCacheKeeper on a thread of its own, for hosts without an event loop. Made in the
/// ports' namespace like the keeper; stops (and turns the cache off) when destroyed.
class KeeperThread {
public:
	explicit KeeperThread(const FibForwarder& fib, KeeperOptions options = {})
	    : keeper_(std::make_unique<RouteCacheKeeper>(fib, options)), stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
	{
		if (!stop_)
			throw Error(errno, "create the keeper thread's stop event");
		thread_ = std::thread([this] { loop(); });
	}

	KeeperThread(const KeeperThread&) = delete;
	KeeperThread& operator=(const KeeperThread&) = delete;
	~KeeperThread()
	{
		const std::uint64_t one = 1;
		(void)!::write(stop_.get(), &one, sizeof(one));
		thread_.join();
	}

	[[nodiscard]] KeeperStats stats() const { return keeper_->stats(); }
	/// The error that stopped the thread, if one did (the cache is off then).
	[[nodiscard]] std::optional<std::string> failure() const
	{
		std::lock_guard lock(mutex_);
		return failure_;
	}

private:
	void loop()
	{
		pollfd fds[2] = {{keeper_->fd(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
		try {
			while (::poll(fds, 2, -1) >= 0 || errno == EINTR) {
				if (fds[1].revents)
					return;
				if (fds[0].revents)
					keeper_->process();
			}
			throw Error(errno, "wait for route notifications");
		} catch (const std::exception& e) {
			keeper_->turn_off(std::string("the keeper failed: ") + e.what());
			std::lock_guard lock(mutex_);
			failure_ = e.what();
		}
	}

	std::unique_ptr<RouteCacheKeeper> keeper_;
	UniqueFd stop_;
	mutable std::mutex mutex_;
	std::optional<std::string> failure_;
	std::thread thread_;
};

} // namespace xdpfwd
