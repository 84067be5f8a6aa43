// run: a forwarder as a foreground service, the way systemd runs one (Type=simple): it attaches
// like `attach`, follows its interfaces as they go and come back, serves /metrics, logs one line
// per event on stderr, and on SIGINT / SIGTERM detaches what it attached and exits 0.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>

#include <CLI/CLI.hpp>

#include "attach_args.hpp"
#include "cli.hpp"
#include "followed.hpp"
#include "metrics_server.hpp"

namespace xdpfwd::cli {

namespace {

using std::chrono::steady_clock;

constexpr const char* run_description = R"(the forwarder as a foreground service (for systemd)
Attaches like `attach` (every interface or none) and stays in the foreground until SIGINT or
SIGTERM, then detaches what it attached and exits 0 (--keep leaves it attached). In fib mode it
keeps the route cache coherent with the kernel's routes and neighbours while it runs (--no-cache:
none). It logs one line per event on stderr: started, an interface gone or back (attached again),
the route cache turned on or off, and every --summary-interval seconds what was counted and what
the cache's keeper saw, if anything. When one of its interfaces is deleted it forwards between the
others; when an interface of that name comes back it attaches it again. SIGHUP logs the current
state. --metrics serves /metrics (Prometheus text format) on ADDR:PORT, bound in the namespace
xdpfwd starts in, before it enters -n NETNS.)";

struct RunArgs {
	AttachFlags flags;
	std::vector<std::string> interfaces; // fib, map
	StaticArgs fixed;
	std::string lookup = "full";
	bool no_cache = false;
	std::uint32_t cache_entries = 65536;
	std::string metrics;
	bool keep = false;
	double summary_interval = 10;
	std::unique_ptr<MetricsServer> server; ///< bound while parsing, in the namespace xdpfwd started in
};

/// One line on stderr per event. systemd's journal stamps lines itself (and sets JOURNAL_STREAM
/// for a service's stderr); elsewhere each line starts with the local time.
void log_line(const std::string& text)
{
	static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
	char stamp[40] = "";
	if (!journal) {
		const auto now = std::chrono::system_clock::now();
		const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
		const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
		std::tm local{};
		::localtime_r(&seconds, &local);
		const std::size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &local);
		std::snprintf(stamp + n, sizeof(stamp) - n, ".%03d ", static_cast<int>(ms));
	}
	std::fprintf(stderr, "%s%s\n", stamp, one_line(text).c_str());
	std::fflush(stderr);
}

/// SIGINT, SIGTERM and SIGHUP, blocked and read from an fd: no asynchronous handler runs. Made
/// before any thread starts, which then inherits the mask (a thread that did not block them
/// would be killed by them instead). They stay blocked for the rest of the process.
class SignalFd {
public:
	SignalFd()
	{
		sigemptyset(&set_);
		for (const int signal : {SIGINT, SIGTERM, SIGHUP})
			sigaddset(&set_, signal);
		if (const int err = ::pthread_sigmask(SIG_BLOCK, &set_, nullptr))
			throw Error(err, "block SIGINT, SIGTERM and SIGHUP");
		fd_ = UniqueFd(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
		if (!fd_)
			throw Error(errno, "open a signalfd");
	}

	[[nodiscard]] int fd() const noexcept { return fd_.get(); }

	/// The next pending signal, or 0.
	int read()
	{
		signalfd_siginfo info{};
		return ::read(fd_.get(), &info, sizeof(info)) == sizeof(info) ? static_cast<int>(info.ssi_signo) : 0;
	}

private:
	sigset_t set_{};
	UniqueFd fd_;
};

UniqueFd periodic_timer(std::chrono::milliseconds period)
{
	UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
	itimerspec every{};
	every.it_interval.tv_sec = period.count() / 1000;
	every.it_interval.tv_nsec = (period.count() % 1000) * 1000000;
	every.it_value = every.it_interval;
	if (!timer || ::timerfd_settime(timer.get(), 0, &every, nullptr) != 0)
		throw Error(errno, "start a timer");
	return timer;
}

std::string signal_name(int signal) { return std::string("SIG") + ::sigabbrev_np(signal); }

class Service {
public:
	using Make = std::function<std::unique_ptr<FollowedForwarder>()>;

	Service(RunArgs& args, const Make& make) : args_(args), tick_(periodic_timer(tick_period))
	{
		forwarder_ = make();
		forwarder_->start(args.keep);
		std::string cache;
		if (const FibForwarder* fib = forwarder_->fib()) {
			if (args.no_cache) {
				cache = "; route cache off (--no-cache)";
			} else {
				keeper_.emplace(*fib); // here, in the ports' namespace
				cache_state_ = keeper_->stats();
				cache = "; route cache " + cache_text(cache_state_) + " (" + std::to_string(FibForwarder::route_cache_slots(args.cache_entries)) + " slots per CPU)";
			}
		}
		last_summary_ = summary_now();
		log_line("started: " + forwarder_->describe() + cache + (args.keep ? "; --keep: stays attached when stopped" : ""));
		if (args.server) {
			server_ = std::move(args.server);
			server_->serve([this] { return metrics(); });
			log_line("metrics: " + server_->url());
		}
	}

	/// Until SIGINT or SIGTERM.
	int run()
	{
		enum { signal_fd, link_fd, tick_fd, keeper_fd };
		std::vector<pollfd> fds{{signals_.fd(), POLLIN, 0}, {links_.fd(), POLLIN, 0}, {tick_.get(), POLLIN, 0}};
		if (keeper_)
			fds.push_back({keeper_->fd(), POLLIN, 0});
		for (;;) {
			if (::poll(fds.data(), fds.size(), -1) < 0) {
				if (errno == EINTR)
					continue;
				throw Error(errno, "wait for events");
			}
			if (fds[signal_fd].revents) {
				const int signal = signals_.read();
				if (signal == SIGHUP) {
					log_line("SIGHUP: " + forwarder_->describe() +
						 (keeper_ ? "; route cache " + cache_text(keeper_->stats()) : std::string()));
				} else if (signal) {
					stop("stopping on " + signal_name(signal));
					return exit_ok;
				}
			}
			if (fds[link_fd].revents)
				on_links();
			if (fds[tick_fd].revents)
				on_tick();
			if (fds.size() > keeper_fd && fds[keeper_fd].revents && !on_keeper())
				fds.pop_back(); // the keeper failed: forwarding goes on without the cache
		}
	}

private:
	static constexpr std::chrono::milliseconds tick_period{250};

	struct Summary {
		StatsSnapshot stats;
		std::uint32_t program_id = 0;
		KeeperStats keeper;
	};

	static std::string cache_text(const KeeperStats& stats)
	{
		return stats.cache_on ? "on" : "off: " + stats.off_reason;
	}

	void on_links()
	{
		bool links = false;
		links_.drain([&](NetEvent event, const nlmsghdr*) {
			links = links || event == NetEvent::link || event == NetEvent::overflow;
		});
		if (links)
			follow();
	}

	void follow()
	{
		const std::lock_guard lock(mutex_);
		forwarder_->follow(log_line);
	}

	/// The keeper's turn; false when it failed (logged; the cache is off for good then).
	bool on_keeper()
	{
		try {
			keeper_->process();
		} catch (const std::exception& e) {
			keeper_->turn_off(std::string("the keeper failed: ") + e.what());
			log_line("route cache " + cache_text(keeper_->stats()));
			return false;
		}
		const KeeperStats now = keeper_->stats();
		if (now.cache_on != cache_state_.cache_on || now.off_reason != cache_state_.off_reason)
			log_line("route cache " + cache_text(now));
		cache_state_ = now;
		return true;
	}

	void on_tick()
	{
		std::uint64_t expirations = 0;
		(void)!::read(tick_.get(), &expirations, sizeof(expirations));
		if (forwarder_->waiting())
			follow(); // a veth whose peer was not ready, say: no notification tells us it is now
		if (args_.summary_interval > 0 &&
		    steady_clock::now() - last_summary_.stats.taken >= std::chrono::duration<double>(args_.summary_interval))
			summary();
	}

	Summary summary_now() const
	{
		const Forwarder& forwarder = forwarder_->forwarder();
		return {forwarder.stats().snapshot(), forwarder.program().id(), keeper_ ? keeper_->stats() : KeeperStats{}};
	}

	/// What was counted and what the keeper saw since the last summary, if anything.
	void summary()
	{
		const std::lock_guard lock(mutex_);
		const Summary now = summary_now();
		const Summary& before = last_summary_;
		std::vector<std::string> parts;
		for (std::size_t i = 0; i < xdp_action_count; ++i) {
			// a new program (static mode's reload) counts from 0
			const std::uint64_t earlier = now.program_id == before.program_id ? before.stats.actions[i].packets : 0;
			if (const std::uint64_t delta = now.stats.actions[i].packets - earlier)
				parts.push_back(std::string(to_string(static_cast<XdpAction>(i))) + " +" + std::to_string(delta));
		}
		for (std::size_t i = 0; i < net_event_count; ++i)
			if (const std::uint64_t delta = now.keeper.events[i] - before.keeper.events[i])
				parts.push_back(std::string(to_string(static_cast<NetEvent>(i))) + " events " + std::to_string(delta));
		if (const std::uint64_t delta = now.keeper.invalidations - before.keeper.invalidations)
			parts.push_back("invalidations " + std::to_string(delta));
		const double seconds = std::chrono::duration<double>(now.stats.taken - before.stats.taken).count();
		last_summary_ = now;
		if (parts.empty())
			return;
		std::string line = "last " + std::to_string(static_cast<int>(seconds + 0.5)) + " s:";
		for (std::size_t i = 0; i < parts.size(); ++i)
			line += (i ? ", " : " ") + parts[i];
		log_line(line);
	}

	void stop(const std::string& why)
	{
		server_.reset(); // no scrape while the forwarder goes
		keeper_.reset(); // the cache off first: the program must not outlive its keeper's lease with it on
		const std::lock_guard lock(mutex_);
		forwarder_->stop(args_.keep, why, log_line);
	}

	/// The Prometheus text, for the metrics server's thread.
	std::string metrics()
	{
		const std::lock_guard lock(mutex_);
		const Forwarder& forwarder = forwarder_->forwarder();
		ProgramMetrics program{forwarder.program().id(), forwarder.program().name(), forwarder_->attached(),
				       forwarder.stats().snapshot(), std::nullopt};
		if (const FibForwarder* fib = forwarder_->fib())
			program.cache_entries = fib->route_cache_entries();
		return metrics_text({program}, keeper_ ? std::optional(keeper_->stats()) : std::nullopt);
	}

	RunArgs& args_;
	SignalFd signals_;            // first: blocked before any thread starts
	detail::RouteMonitor links_;  // subscribed before attaching: no change falls in between
	UniqueFd tick_;
	std::mutex mutex_; // the forwarder, between the loop and the metrics server's thread
	std::unique_ptr<FollowedForwarder> forwarder_;
	std::optional<RouteCacheKeeper> keeper_; // fib mode, unless --no-cache
	KeeperStats cache_state_;                // as last logged
	Summary last_summary_;
	std::unique_ptr<MetricsServer> server_; // last: stops serving before the rest goes
};

/// Makes `command` the action, binding --metrics first. CLI11 calls this while parsing, before
/// main() enters -n NETNS, so the listener belongs to the namespace xdpfwd started in.
void on_run_command(CLI::App* command, Action& action, const std::shared_ptr<RunArgs>& args, Service::Make make)
{
	command->callback([&action, args, make = std::move(make)] {
		if (!args->metrics.empty())
			args->server = std::make_unique<MetricsServer>(ListenAddress::parse(args->metrics));
		action = [args, make] { return Service(*args, make).run(); };
	});
}

} // namespace

void add_run_command(CLI::App& app, Action& action)
{
	auto args = std::make_shared<RunArgs>();
	CLI::App* run = app.add_subcommand("run", run_description);
	run->footer("example: xdpfwd -n router run fib uno dos --metrics 127.0.0.1:9100\n"
		    "example: systemd: ExecStart=/usr/local/bin/xdpfwd -n router run fib uno dos (README.md)");
	add_attach_flags(*run, args->flags);
	run->add_option("--metrics", args->metrics,
			"serve /metrics on ADDR:PORT (127.0.0.1:9100, [::1]:9100; port 0: any free one)")
	    ->check(parses_with([](const std::string& text) { (void)ListenAddress::parse(text); }))
	    ->option_text("ADDR:PORT");
	run->add_flag("--keep", args->keep, "leave the forwarder attached when stopped");
	run->add_option("--summary-interval", args->summary_interval,
			"log what was counted every S seconds, if anything (default 10; 0: never)")
	    ->check(number("seconds from 0 to 86400", 0, 86400, false))
	    ->option_text("S");
	needs_subcommand(run, "a mode");

	CLI::App* fib = run->add_subcommand("fib", "the kernel's routing table decides, through a route cache; every IF is a port")->group("Modes");
	fib->footer("example: xdpfwd -n router run fib uno dos --metrics 127.0.0.1:9100");
	fib->add_option("IF", args->interfaces, "the ports")->required();
	add_lookup_option(*fib, args->lookup);
	CLI::Option* no_cache =
	    fib->add_flag("--no-cache", args->no_cache, "no route cache: bpf_fib_lookup for every packet, as `attach fib`");
	fib->add_option("--cache-entries", args->cache_entries, "route cache slots per CPU (default 65536, rounded up to a power of two)")
	    ->check(CLI::Range(1, 1 << 24))
	    ->option_text("N")
	    ->excludes(no_cache);
	add_vlan_offload_flag(*fib, args->flags, "on the IFs with VLAN devices (else such an IF is refused)");
	on_run_command(fib, action, args, [args] {
		return follow_fib(args->interfaces, parse_lookup(args->lookup), args->cache_entries, args->flags);
	});

	CLI::App* map = run->add_subcommand("map", "routes per ingress port, set by `xdpfwd route set` meanwhile")
			    ->group("Modes");
	map->footer("example: xdpfwd -n router run map uno dos   (then: xdpfwd -n router route set dos uno)");
	map->add_option("IF", args->interfaces, "the ports")->required();
	add_vlan_offload_flag(*map, args->flags, "on every IF, so that XDP sees tags (route set --in-vlan)");
	on_run_command(map, action, args, [args] { return follow_map(args->interfaces, args->flags); });

	CLI::App* fixed = run->add_subcommand("static", "everything arriving on IN leaves through OUT towards DST_MAC")
			      ->group("Modes");
	fixed->footer("example: xdpfwd -n router run static dos uno 02:00:5e:00:53:01");
	add_static_arguments(*fixed, args->fixed);
	on_run_command(fixed, action, args, [args] { return follow_static(args->fixed, args->flags); });
}

} // namespace xdpfwd::cli
