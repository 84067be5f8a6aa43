// `xdpfwd run`, driven as systemd would drive it: started in the background on a scenario
// (`xdpfwd -n <router> run MODE ...`), its stderr read for the log lines, /metrics scraped from
// the host's namespace with curl and checked with promtool, its interfaces deleted and created
// again under traffic, and stopped with SIGTERM / SIGINT.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "support/capture.hpp"
#include "support/cli.hpp"
#include "support/netns.hpp"

namespace {

using namespace xdpfwd::test::cli;
using xdpfwd::test::output;
using Clock = std::chrono::steady_clock;

unsigned ifindex_in(const std::string& netns, const std::string& name)
{
	const xdpfwd::NetnsScope scope(netns);
	return xdpfwd::ifindex_of(name);
}

/// "uno (ifindex 2)", as the log names an interface.
std::string named(const std::string& netns, const std::string& name)
{
	return name + " (ifindex " + std::to_string(ifindex_in(netns, name)) + ")";
}

/// The first program id a log line names: "xdpfwd_fib (id 12) ..." -> "12".
std::string first_id(const std::string& line)
{
	const auto at = line.find("(id ") + 4;
	return line.substr(at, line.find(')', at) - at);
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Now, in seconds since the epoch (as ping -D stamps replies).
double epoch_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

/// The capabilities docs/xdpfwd.service leaves root: `setpriv` as systemd would run it.
const std::vector<std::string> as_the_unit = {"setpriv", "--bounding-set=-all,+bpf,+net_admin,+perfmon,+sys_admin"};

/// `xdpfwd -n ROUTER run ARGS --metrics 127.0.0.1:0` in the background (through `wrapper`), once
/// it logged that it started (and where its metrics are).
class Service {
public:
	Service(const ScenarioGuard& s, const std::vector<std::string>& args, const std::vector<std::string>& wrapper = {})
	    : process_(
		  [&] {
			  std::vector<std::string> argv{"-n", s.router(), "run"};
			  argv.insert(argv.end(), args.begin(), args.end());
			  argv.insert(argv.end(), {"--metrics", "127.0.0.1:0"});
			  return argv;
		  }(),
		  wrapper)
	{
		REQUIRE_MESSAGE(process_.wait_for("\n", std::chrono::seconds(20)), process_.output());
		REQUIRE_MESSAGE(process_.wait_for("metrics: http://"), process_.output());
		const std::string text = process_.output();
		const auto at = text.find("metrics: ") + 9;
		url = text.substr(at, text.find('\n', at) - at);
		MESSAGE("xdpfwd run started:\n", text);
	}

	/// What it logged so far.
	[[nodiscard]] std::string log() const { return process_.output(); }
	bool wait_for(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10))
	{
		return process_.wait_for(text, timeout);
	}

	[[nodiscard]] pid_t pid() const { return process_.pid(); }

	/// SIGKILL: no chance to clean up.
	void kill()
	{
		process_.interrupt(SIGKILL);
		CHECK(WIFSIGNALED(process_.status()));
	}

	/// Sends `signal`, waits for the exit; checks that it exited 0 and quickly.
	void stop(int signal)
	{
		const double took = process_.interrupt(signal);
		CHECK_MESSAGE(WIFEXITED(process_.status()), log());
		CHECK_MESSAGE(WEXITSTATUS(process_.status()) == 0, log());
		CHECK_MESSAGE(took < 2.0, "xdpfwd run took ", took, " s to stop");
		MESSAGE("stopped by signal ", signal, " in ", took, " s; log:\n", log());
	}

	/// The port it listens on.
	[[nodiscard]] std::string port() const
	{
		return url.substr(url.rfind(':') + 1, url.find("/metrics") - url.rfind(':') - 1);
	}

	/// GET /metrics from this (the host's) namespace with curl; the body.
	[[nodiscard]] std::string scrape() const
	{
		const Result r = sh("curl -sS --max-time 5 " + quote(url));
		REQUIRE_MESSAGE(r.status == 0, r);
		return r.out;
	}

	std::string url;

private:
	Background process_;
};

/// The value of the sample of `family` whose labels include every `name="value"` in `labels`.
std::optional<double> sample(const std::string& metrics, const std::string& family, const std::vector<std::string>& labels)
{
	for (const std::string& line : lines_of(metrics)) {
		if (line.rfind(family + "{", 0) != 0 && line.rfind(family + " ", 0) != 0)
			continue;
		bool all = true;
		for (const auto& label : labels)
			all = all && contains(line.substr(0, line.rfind(' ')), label);
		if (all)
			return std::stod(line.substr(line.rfind(' ') + 1));
	}
	return std::nullopt;
}

/// REDIRECT packets counted by `program` (xdpfwd_fib ...), as scraped.
double redirects(const Service& run, const std::string& program)
{
	const auto value = sample(run.scrape(), "xdpfwd_packets_total", {"program=\"" + program + "\"", "action=\"redirect\""});
	REQUIRE(value);
	return *value;
}

/// promtool's verdict on a scrape: its exit status and what it said.
Result promtool_check(const std::string& metrics)
{
	char path[] = "/tmp/xfwdr-metrics-XXXXXX";
	const int fd = ::mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(::write(fd, metrics.data(), metrics.size()) == static_cast<ssize_t>(metrics.size()));
	::close(fd);
	Result r = sh("promtool check metrics < " + std::string(path));
	::unlink(path);
	return r;
}

/// Gives an existing scenario a third host: <prefix>-tres behind the router's `tres`, with
/// 203.0.113.2/24 (the router .1), xdpfwd_pass on its veth0. Removed when destroyed.
struct ThirdHost {
	explicit ThirdHost(const ScenarioGuard& s) : router(s.router()), name(s.prefix + "-tres")
	{
		xdpfwd::test::track(name);
		xdpfwd::test::must("ip netns add " + name);
		xdpfwd::test::must("ip link add tres netns " + router + " type veth peer name veth0 netns " + name);
		xdpfwd::test::must("ip -n " + router + " addr add 203.0.113.1/24 dev tres");
		xdpfwd::test::must("ip -n " + router + " link set tres up");
		xdpfwd::test::must("ip -n " + name + " addr add 203.0.113.2/24 dev veth0");
		xdpfwd::test::must("ip -n " + name + " link set veth0 up");
		xdpfwd::test::must("ip -n " + name + " link set lo up");
		xdpfwd::test::must("ip -n " + name + " route add default via 203.0.113.1");
		ok("-n " + name + " attach pass veth0");
	}
	ThirdHost(const ThirdHost&) = delete;
	ThirdHost& operator=(const ThirdHost&) = delete;
	~ThirdHost() { xdpfwd::test::run("ip netns del " + name); }

	std::string router;
	std::string name;
};

/// Pings in the background (from `netns`, every 50 ms for `seconds`), for traffic that flows while
/// a test changes something; wait() returns ping's output with a timestamp per reply (-D).
/// (A count, not a deadline: with -w, ping ends at the first ICMP error.)
class Flow {
public:
	Flow(const std::string& netns, const std::string& address, int seconds)
	    : thread_([this, netns, address, seconds] {
		      text_ = output("ip netns exec " + netns + " ping -D -n -i 0.05 -W 1 -c " + std::to_string(seconds * 20) + " " + address);
	      })
	{
	}
	~Flow()
	{
		if (thread_.joinable())
			thread_.join();
	}
	std::string wait()
	{
		thread_.join();
		return text_;
	}

	/// When ping got its replies (seconds since the epoch).
	static std::vector<double> replies(const std::string& text)
	{
		std::vector<double> at;
		for (const std::string& line : lines_of(text))
			if (line.rfind('[', 0) == 0 && contains(line, "bytes from"))
				at.push_back(std::stod(line.substr(1)));
		return at;
	}

private:
	std::string text_;
	std::thread thread_;
};

/// The time stamp a log line starts with ("2026-12-02 16:24:24.328 ..."), in seconds of the day.
double logged_at(const std::string& log, const std::string& text)
{
	const auto at = log.find(text);
	REQUIRE(at != std::string::npos);
	const auto line = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
	const std::string stamp = log.substr(line + 11, 12); // HH:MM:SS.mmm
	return std::stoi(stamp.substr(0, 2)) * 3600.0 + std::stoi(stamp.substr(3, 2)) * 60.0 + std::stod(stamp.substr(6));
}

bool router_has_xdp(const ScenarioGuard& s) { return contains(output("ip -n " + s.router() + " link show"), "xdp"); }

/// `body(scenario)` on a scenario of its own (prefix xfwdt-<pid>-c<tag>); afterwards the host
/// must be as it was.
template <class Body>
void on_scenario(const std::string& tag, Body&& body)
{
	const HostState before = HostState::now();
	{
		ScenarioGuard s(tag);
		s.up();
		body(s);
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("c" + tag));
}

} // namespace

TEST_CASE("run fib: forwards, serves /metrics to the host, follows interfaces that go and come back, SIGTERM detaches")
{
	on_scenario("rf", [&](const ScenarioGuard& s) {
		ThirdHost tres(s);
		const std::string uno = named(s.router(), "uno"), dos = named(s.router(), "dos"), tres_port = named(s.router(), "tres");
		Service run(s, {"fib", "uno", "dos", "tres", "--summary-interval", "1"});

		// a) started: one line naming the program, its ports and how it runs
		const std::string started = lines_of(run.log()).front();
		CHECK_MESSAGE(contains(started, "started: xdpfwd_fib (id "), started);
		CHECK_MESSAGE(contains(started, ") on uno (ifindex " + std::to_string(ifindex_in(s.router(), "uno")) + ", native), dos"), started);
		CHECK_MESSAGE(contains(started, "lookup full; route cache on (65536 slots per CPU)"), started);
		const std::string program_id = first_id(started);
		const Result status = ok(s.in_router() + "status");
		CHECK_MESSAGE(contains(status.out, "xdpfwd_fib id " + program_id), status);
		CHECK_MESSAGE(contains(status.out, "  route cache: on, "), status);

		// b) the listener is in the namespace xdpfwd started in (here), not in the router's
		const std::string port = run.port();
		CHECK_MESSAGE(contains(output("ss -Hltn"), "127.0.0.1:" + port), output("ss -Hltn"));
		CHECK_FALSE(contains(output("ip netns exec " + s.router() + " ss -Hltn"), ":" + port));

		// c) traffic: REDIRECT grows by at least every echo request and reply
		for (const auto& [from, to] : {std::pair{s.dos(), uno_v4}, {s.dos(), uno_v6}, {s.uno(), dos_v4}, {s.uno(), dos_v6}})
			warm_up(from, to);
		const double redirected_before = redirects(run, "xdpfwd_fib");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(ping(s.dos(), uno_v6) == 3);
		CHECK(ping(s.uno(), dos_v4) == 3);
		CHECK(ping(s.uno(), dos_v6) == 3);
		CHECK(redirects(run, "xdpfwd_fib") - redirected_before >= 24);

		// d) /metrics as a Prometheus server would see it
		{
			const Result headers = sh("curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{content_type}' " + quote(run.url));
			CHECK_MESSAGE(headers.out == "200 text/plain; version=0.0.4; charset=utf-8", headers);
			const Result missing = sh("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' " +
						  quote(run.url.substr(0, run.url.find("/metrics")) + "/other"));
			CHECK(missing.out == "404");
			const std::string metrics = run.scrape();
			const Result lint = promtool_check(metrics);
			CHECK_MESSAGE(lint.status == 0, lint, "\n", metrics);
			CHECK_MESSAGE(lint.out.empty(), lint);
			CHECK_MESSAGE(lint.err.empty(), lint);
			MESSAGE("/metrics: ", metrics.size(), " bytes, ", lines_of(metrics).size(), " lines:\n", metrics);
			const std::string fib = "program=\"xdpfwd_fib\"";
			const std::string id = "program_id=\"" + program_id + "\"";
			for (const char* action : {"aborted", "drop", "pass", "tx", "redirect"}) {
				CHECK_MESSAGE(sample(metrics, "xdpfwd_packets_total", {fib, id, "action=\"" + std::string(action) + "\""}), action);
				CHECK_MESSAGE(sample(metrics, "xdpfwd_bytes_total", {fib, id, "action=\"" + std::string(action) + "\""}), action);
			}
			// every forwarded packet went through the route cache: a hit, or a miss (or stale entry) and a lookup
			double through_cache = 0;
			for (const char* reason : {"cache_hit", "cache_miss", "cache_stale"})
				through_cache += sample(metrics, "xdpfwd_reason_packets_total", {fib, id, "reason=\"" + std::string(reason) + "\""}).value_or(-1000);
			CHECK(through_cache >= 24);
			CHECK(sample(metrics, "xdpfwd_reason_packets_total", {fib, "reason=\"cache_hit\""}).value_or(0) > 0);
			CHECK(sample(metrics, "xdpfwd_reason_packets_total", {fib, "reason=\"fib_success\""}).value_or(0) > 0);
			CHECK(sample(metrics, "xdpfwd_route_cache_entries", {fib, id}).value_or(0) >= 1);
			CHECK(sample(metrics, "xdpfwd_route_cache_enabled", {}) == 1.0);
			CHECK(sample(metrics, "xdpfwd_route_cache_invalidations_total", {}).value_or(0) >= 1);
			for (const char* event : {"link", "address", "route", "rule", "neighbour", "nexthop", "netconf", "overflow"})
				CHECK_MESSAGE(sample(metrics, "xdpfwd_keeper_events_total", {"event=\"" + std::string(event) + "\""}), event);
			for (const std::string name : {"uno", "dos", "tres"})
				CHECK_MESSAGE(sample(metrics, "xdpfwd_port_info", {"interface=\"" + name + "\"", fib, id, "attach_mode=\"native\""}) == 1.0,
					      name);
			for (const std::string family : {"xdpfwd_packets_total", "xdpfwd_bytes_total", "xdpfwd_reason_packets_total",
							 "xdpfwd_route_cache_invalidations_total", "xdpfwd_keeper_events_total"}) {
				CHECK(contains(metrics, "# TYPE " + family + " counter\n"));
				CHECK(contains(metrics, "# HELP " + family + " "));
			}
		}

		// e) a summary line once a second while something is counted; the cache turned off and on
		CHECK_MESSAGE(run.wait_for("s: PASS +"), run.log());
		xdpfwd::test::must("ip -n " + s.router() + " rule add from 203.0.113.9 table 100");
		CHECK_MESSAGE(run.wait_for("route cache off: 1 policy rule(s) (ip rule) besides the defaults"), run.log());
		const Result cache_off = ok(s.in_router() + "status dos");
		CHECK_MESSAGE(contains(cache_off.out, "  route cache: off, policy rules (ip rule) besides the defaults, "), cache_off);
		xdpfwd::test::must("ip -n " + s.router() + " rule del from 203.0.113.9 table 100");
		CHECK_MESSAGE(run.wait_for("route cache on\n"), run.log());
		CHECK_MESSAGE(run.wait_for("rule events "), run.log()); // the first item when nothing was forwarded

		// f) dos deleted while uno pings it: logged, forwarding between the others goes on
		{
			Flow flow(s.uno(), dos_v4, 5);
			std::this_thread::sleep_for(std::chrono::milliseconds(1000));
			const auto deleted = Clock::now();
			const double deleted_at = epoch_now();
			xdpfwd::test::must("ip -n " + s.router() + " link del dos");
			const double gone_at = epoch_now(); // a loaded machine may take a while to start `ip`
			REQUIRE_MESSAGE(run.wait_for(dos + " is gone; forwarding continues on " + uno + ", " + tres_port), run.log());
			const double noticed = seconds_since(deleted);
			warm_up(s.uno(), "203.0.113.2");
			const double others_before = redirects(run, "xdpfwd_fib");
			CHECK(ping(s.uno(), "203.0.113.2") == 3);
			CHECK(ping(tres.name, uno_v4) == 3);
			CHECK(redirects(run, "xdpfwd_fib") - others_before >= 12);

			// g) an interface of that name again (scenario up recreates what is missing): attached again
			const auto recreated = Clock::now();
			const double recreated_at = epoch_now();
			ok("scenario up --prefix " + s.prefix);
			const double recreating = seconds_since(recreated);
			const std::string back = "dos is back as ifindex " + std::to_string(ifindex_in(s.router(), "dos")) + ": xdpfwd_fib (id " +
						 program_id + ") attached in native mode, egress enabled";
			REQUIRE_MESSAGE(run.wait_for(back), run.log());
			const double attached = seconds_since(recreated);
			const auto replies = Flow::replies(flow.wait());
			const auto before_deletion = std::count_if(replies.begin(), replies.end(), [&](double t) { return t < deleted_at; });
			const auto first_after = std::find_if(replies.begin(), replies.end(), [&](double t) { return t > recreated_at; });
			CHECK(before_deletion > 10);
			REQUIRE_MESSAGE(first_after != replies.end(), "the flow never got a reply after dos was back");
			CHECK(std::none_of(replies.begin(), replies.end(), [&](double t) { return t > gone_at + 0.1 && t < recreated_at; }));
			MESSAGE("dos deleted under a 20/s ping: gone logged after ", noticed, " s; `scenario up` took ", recreating,
				" s; attached again ", attached, " s after it started (log: ",
				logged_at(run.log(), back) - logged_at(run.log(), "dos is back as"), " s after the first attempt); first reply ",
				*first_after - recreated_at, " s after it started");
		}
		warm_up(s.uno(), dos_v4);
		warm_up(s.uno(), dos_v6);
		const double after_back = redirects(run, "xdpfwd_fib");
		CHECK(ping(s.uno(), dos_v4) == 3);
		CHECK(ping(s.uno(), dos_v6) == 3);
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(redirects(run, "xdpfwd_fib") - after_back >= 18);
		const Result status_back = ok(s.in_router() + "status dos");
		CHECK_MESSAGE(contains(status_back.out, "xdpfwd_fib id " + program_id), status_back);
		CHECK_MESSAGE(contains(status_back.out, "fib: lookup full, egress enabled"), status_back);
		const std::string metrics = run.scrape();
		CHECK(sample(metrics, "xdpfwd_port_info", {"interface=\"dos\"", "ifindex=\"" + std::to_string(ifindex_in(s.router(), "dos")) + "\""}));

		// h) SIGTERM: detached from every port, exit 0
		run.stop(SIGTERM);
		CHECK_MESSAGE(contains(run.log(), "stopping on SIGTERM: detached xdpfwd_fib (id " + program_id + ") from " + uno + ", " +
							 named(s.router(), "dos") + ", " + tres_port),
			      run.log());
		CHECK_FALSE(router_has_xdp(s));
		CHECK(program_gone(program_id));
	});
}

TEST_CASE("run fib --keep: SIGINT leaves it attached and forwarding; it never detaches a program it did not attach; SIGKILL leaves it too")
{
	on_scenario("rk", [&](const ScenarioGuard& s) {
		const std::string uno = named(s.router(), "uno"), dos = named(s.router(), "dos");
		std::string kept_id;
		{
			Service run(s, {"fib", "uno", "dos", "--keep", "--no-cache"});
			const std::string started = lines_of(run.log()).front();
			kept_id = first_id(started);
			CHECK_MESSAGE(contains(started, "lookup full; route cache off (--no-cache); --keep: stays attached when stopped"), started);
			const std::string metrics = run.scrape();
			CHECK_MESSAGE(!contains(metrics, "xdpfwd_route_cache_enabled"), metrics);
			CHECK_MESSAGE(!contains(metrics, "xdpfwd_keeper_events_total"), metrics);
			run.stop(SIGINT);
			CHECK_MESSAGE(contains(run.log(), "stopping on SIGINT: --keep leaves xdpfwd_fib (id " + kept_id + ") attached to " + uno + ", " + dos),
				      run.log());
		}
		Result status = ok(s.in_router() + "status");
		CHECK_MESSAGE(lines_of(status.out).size() == 6, status); // per interface: program, fib, route cache
		CHECK_MESSAGE(contains(status.out, "uno (ifindex"), status);
		CHECK_MESSAGE(contains(status.out, "xdpfwd_fib id " + kept_id), status);
		CHECK_MESSAGE(contains(status.out, "  route cache: off, no keeper runs (xdpfwd run fib keeps one), 0 entries"), status);
		warm_up(s.dos(), uno_v4);
		CHECK(ping(s.dos(), uno_v4) == 3);

		// attached already: a second run refuses (all or nothing) and changes nothing
		const Result refused = xfwd(s.in_router() + "run fib uno dos");
		CHECK_MESSAGE(refused.status == 1, refused);
		CHECK_MESSAGE(contains(refused.err, "already attached; force replaces it"), refused);
		CHECK_MESSAGE(!contains(refused.err, "started:"), refused);
		CHECK(ok(s.in_router() + "status").out == status.out);

		// --force replaces it; what someone else then puts on dos is theirs: left on SIGTERM
		{
			Service run(s, {"fib", "uno", "dos", "--force"});
			const std::string started = lines_of(run.log()).front();
			const std::string id = first_id(started);
			CHECK(id != kept_id);
			CHECK(program_gone(kept_id));
			ok(s.in_router() + "attach pass dos --force");
			const std::string pass_id = program_ids(ok(s.in_router() + "status dos").out).at(0);
			CHECK_MESSAGE(run.wait_for(dos + ": xdpfwd_fib was replaced by xdpfwd_pass (id " + pass_id + ") by someone else"), run.log());
			run.stop(SIGTERM);
			CHECK_MESSAGE(contains(run.log(), "stopping on SIGTERM: detached xdpfwd_fib (id " + id + ") from " + uno + "; left " + dos +
							     ", where another program runs now"),
				      run.log());
			status = ok(s.in_router() + "status");
			CHECK_MESSAGE(lines_of(status.out).size() == 1, status);
			CHECK_MESSAGE(contains(status.out, "dos (ifindex"), status);
			CHECK_MESSAGE(contains(status.out, "xdpfwd_pass id " + pass_id), status);
		}
		ok(s.in_router() + "detach dos");
		CHECK_FALSE(router_has_xdp(s));

		// killed, it cannot detach: its program stays and forwards (the route cache off after the
		// lease), a new run finds it in the way, and what the unit runs after a stop removes it
		{
			Service run(s, {"fib", "uno", "dos"});
			const std::string started = lines_of(run.log()).front();
			const std::string id = first_id(started);
			run.kill();
			CHECK(contains(ok(s.in_router() + "status dos").out, "xdpfwd_fib id " + id));
			warm_up(s.dos(), uno_v4);
			CHECK(ping(s.dos(), uno_v4) == 3);
			const Result again = xfwd(s.in_router() + "run fib uno dos");
			CHECK_MESSAGE(again.status == 1, again);
			CHECK_MESSAGE(contains(again.err, "xdpfwd_fib (id " + id + ", native) is already attached"), again);
			ok(s.in_router() + "detach uno dos"); // docs/xdpfwd.service: ExecStopPost
			CHECK_FALSE(router_has_xdp(s));
			CHECK(program_gone(id));
		}
	});
}

TEST_CASE("run map, with the systemd unit's capabilities only: routes from route set; a port that comes back has no route until route set again")
{
	on_scenario("rm", [&](const ScenarioGuard& s) {
		const std::string R = s.in_router();
		Service run(s, {"map", "uno", "dos"}, as_the_unit);
		const std::string caps = output("grep CapBnd /proc/" + std::to_string(run.pid()) + "/status");
		CHECK_MESSAGE(contains(caps, "000000c000201000"), caps); // NET_ADMIN 12, SYS_ADMIN 21, PERFMON 38, BPF 39
		CHECK_MESSAGE(contains(run.log(), "routes come from `xdpfwd route set`"), run.log());
		ok(R + "route set dos uno");
		ok(R + "route set uno dos");
		warm_up(s.dos(), uno_v4);
		warm_up(s.uno(), dos_v6);
		double start = redirects(run, "xdpfwd_map");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(ping(s.uno(), dos_v6) == 3);
		CHECK(redirects(run, "xdpfwd_map") - start >= 12);

		const std::string uno = named(s.router(), "uno");
		xdpfwd::test::must("ip -n " + s.router() + " link del uno");
		CHECK_MESSAGE(run.wait_for(uno + " is gone; forwarding continues on " + named(s.router(), "dos") +
					   "; routes to and from it are gone with it"),
			      run.log());
		ok("scenario up --prefix " + s.prefix);
		CHECK_MESSAGE(run.wait_for("uno is back as ifindex " + std::to_string(ifindex_in(s.router(), "uno")) +
					   ": xdpfwd_map (id "),
			      run.log());
		CHECK_MESSAGE(contains(run.log(), "attached in native mode; no route until `xdpfwd route set`"), run.log());
		// the kernel dropped the route towards the old uno with it, and run the old uno's own
		const Result routes = ok(R + "route list");
		CHECK_MESSAGE(contains(routes.out, "(no routes)"), routes);
		ok(R + "route set dos uno");
		ok(R + "route set uno dos");
		warm_up(s.dos(), uno_v4);
		start = redirects(run, "xdpfwd_map");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(redirects(run, "xdpfwd_map") - start >= 6);

		run.stop(SIGTERM);
		CHECK_MESSAGE(contains(run.log(), "stopping on SIGTERM: detached xdpfwd_map"), run.log());
		CHECK_FALSE(router_has_xdp(s));
	});
}

TEST_CASE("run static: an egress that comes back as another ifindex gets a new program")
{
	on_scenario("rs", [&](const ScenarioGuard& s) {
		// the next hop's MAC is what static mode freezes: give uno's host one that survives it
		const std::string next_hop = "02:00:5e:00:53:01";
		xdpfwd::test::must("ip -n " + s.uno() + " link set veth0 address " + next_hop);
		Service run(s, {"static", "dos", "uno", next_hop});
		const std::string started = lines_of(run.log()).front();
		CHECK_MESSAGE(contains(started, "xdpfwd_static (id "), started);
		CHECK_MESSAGE(contains(started, "on dos (ifindex " + std::to_string(ifindex_in(s.router(), "dos")) + ", native) towards " +
						    named(s.router(), "uno") + " dst " + next_hop + " src as received"),
			      started);
		warm_up(s.dos(), uno_v4);
		double start = redirects(run, "xdpfwd_static");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(redirects(run, "xdpfwd_static") - start >= 3);

		const std::string old_uno = named(s.router(), "uno");
		xdpfwd::test::must("ip -n " + s.router() + " link del uno");
		CHECK_MESSAGE(run.wait_for("egress " + old_uno + " is gone: what arrives on dos is redirected to a missing device and dropped"),
			      run.log());
		ok("scenario up --prefix " + s.prefix);
		xdpfwd::test::must("ip -n " + s.uno() + " link set veth0 address " + next_hop);
		const std::string reloaded = "egress uno is back as ifindex " + std::to_string(ifindex_in(s.router(), "uno")) + ": loaded xdpfwd_static (id ";
		REQUIRE_MESSAGE(run.wait_for(reloaded), run.log());
		CHECK_MESSAGE(run.wait_for("(the egress is frozen into the program) and swapped it in on " + named(s.router(), "dos")), run.log());
		const std::string log = run.log();
		const auto at = log.find(reloaded) + reloaded.size();
		const std::string new_id = log.substr(at, log.find(')', at) - at);
		CHECK_MESSAGE(contains(ok(s.in_router() + "status dos").out, "xdpfwd_static id " + new_id), log);
		warm_up(s.dos(), uno_v4);
		start = redirects(run, "xdpfwd_static"); // the new program's counters
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(redirects(run, "xdpfwd_static") - start >= 3);
		CHECK(sample(run.scrape(), "xdpfwd_packets_total", {"program_id=\"" + new_id + "\""}));

		run.stop(SIGTERM);
		CHECK_MESSAGE(contains(run.log(), "stopping on SIGTERM: detached xdpfwd_static (id " + new_id + ") from " + named(s.router(), "dos")),
			      run.log());
		CHECK_FALSE(router_has_xdp(s));
	});
}

TEST_CASE("run: refusals leave nothing attached; --help")
{
	on_scenario("rb", [&](const ScenarioGuard& s) {
		const std::string R = s.in_router();
		auto refused = [&](const std::string& args, int code, const std::string& words) {
			const Result r = xfwd(R + args);
			CHECK_MESSAGE(r.status == code, r);
			CHECK_MESSAGE(lines_of(r.err).size() == 1, r);
			CHECK_MESSAGE(contains(r.err, words), r);
			CHECK_FALSE(router_has_xdp(s));
		};
		refused("run", 2, "run needs a mode: fib, map, static");
		refused("run fib uno dos --metrics 9100", 2, "--metrics: takes ADDR:PORT");
		refused("run fib uno dos --metrics ::1:9100", 2, "takes ADDR:PORT such as 127.0.0.1:9100 or [::1]:9100");
		refused("run fib uno dos --no-cache --cache-entries 10", 2, "--no-cache excludes --cache-entries");
		refused("run fib uno dos --cache-entries 0", 2, "--cache-entries");
		refused("run map uno dos --no-cache", 2, "--no-cache");
		refused("run fib uno nosuch0", 1, "look up interface \"nosuch0\"");
		refused("run static dos nosuch0 02:00:5e:00:53:01", 1, "nosuch0");
		// a port in use: refused before anything is attached (the listener comes first)
		Service first(s, {"fib", "uno", "dos"});
		const std::string port = first.port();
		const Result busy = xfwd(R + "run map uno dos --force --metrics 127.0.0.1:" + port);
		CHECK_MESSAGE(busy.status == 1, busy);
		CHECK_MESSAGE(contains(busy.err, "listen on 127.0.0.1:" + port + " for --metrics: Address already in use"), busy);
		first.stop(SIGTERM);
		CHECK_FALSE(router_has_xdp(s));

		const Result help = ok("run --help");
		CHECK(help.out.rfind("usage: xdpfwd run fib|map|static ...", 0) == 0);
		CHECK(contains(help.out, "--metrics ADDR:PORT"));
		CHECK(contains(ok("--help").out, "run fib|map|static ..."));
	});
}

namespace {

/// The counters of the fib program `run` attached in `router` (read as another process would).
xdpfwd::StatsSnapshot fib_stats(const std::string& router)
{
	const xdpfwd::NetnsScope scope(router);
	return xdpfwd::FibForwarder::attached_to("dos").stats().snapshot();
}

/// Frames `veth0` of host `netns` received (its xdpfwd_pass counts them all).
std::uint64_t host_received(const std::string& netns)
{
	const xdpfwd::NetnsScope scope(netns);
	return xdpfwd::PassProgram::attached_to("veth0").stats().snapshot()[xdpfwd::XdpAction::pass].packets;
}

/// `count` pings from `netns` to `address`, 10 ms apart; how many were answered.
int burst(const std::string& netns, const std::string& address, int count = 50)
{
	const std::string text = output("ip netns exec " + netns + " ping -n -q -i 0.01 -W 1 -c " + std::to_string(count) + " " + address);
	const auto at = text.find(" received");
	if (at == std::string::npos)
		return 0;
	return std::stoi(text.substr(text.rfind(' ', at - 1) + 1));
}

std::uint64_t grew(const xdpfwd::StatsSnapshot& before, const xdpfwd::StatsSnapshot& after, xdpfwd::Reason r)
{
	return after[r].packets - before[r].packets;
}

std::uint64_t grew(const xdpfwd::StatsSnapshot& before, const xdpfwd::StatsSnapshot& after, xdpfwd::XdpAction a)
{
	return after[a].packets - before[a].packets;
}

} // namespace

TEST_CASE("run fib with the route cache: traffic follows route, blackhole, neighbour, link and sysctl changes at once")
{
	using xdpfwd::Reason;
	using xdpfwd::XdpAction;
	on_scenario("rc", [&](const ScenarioGuard& s) {
		ThirdHost tres(s);
		// 203.0.113.100 lives on uno and on tres: the route decides which one gets the pings
		xdpfwd::test::must("ip -n " + s.uno() + " addr add 203.0.113.100/32 dev veth0");
		xdpfwd::test::must("ip -n " + tres.name + " addr add 203.0.113.100/32 dev veth0");
		const std::string router = "ip -n " + s.router() + " ";
		xdpfwd::test::must(router + "route add 203.0.113.100/32 via 192.0.2.2");
		Service run(s, {"fib", "uno", "dos", "tres"});
		warm_up(s.dos(), "203.0.113.100");
		warm_up(tres.name, dos_v4);

		// a warm cache answers
		auto before = fib_stats(s.router());
		std::uint64_t at_uno = host_received(s.uno());
		CHECK(burst(s.dos(), "203.0.113.100") == 50);
		auto after = fib_stats(s.router());
		CHECK(host_received(s.uno()) - at_uno >= 50);
		CHECK(grew(before, after, Reason::cache_hit) >= 90); // requests and replies, all but the first of each
		CHECK(grew(before, after, XdpAction::redirect) >= 100);

		// 1. ip route replace to another egress: the next packets go to tres, none to uno
		xdpfwd::test::must(router + "route replace 203.0.113.100/32 via 203.0.113.2");
		at_uno = host_received(s.uno());
		std::uint64_t at_tres = host_received(tres.name);
		before = fib_stats(s.router());
		CHECK(burst(s.dos(), "203.0.113.100") == 50);
		after = fib_stats(s.router());
		CHECK(host_received(tres.name) - at_tres >= 50);
		CHECK(host_received(s.uno()) - at_uno < 5); // ARP/ND chatter at most, no echo request
		CHECK(grew(before, after, XdpAction::redirect) >= 100);

		// 2. a blackhole: dropped in XDP, as the route says
		xdpfwd::test::must(router + "route replace blackhole 203.0.113.100/32");
		before = fib_stats(s.router());
		CHECK(burst(s.dos(), "203.0.113.100", 20) == 0);
		after = fib_stats(s.router());
		CHECK(grew(before, after, XdpAction::drop) >= 20);
		CHECK(grew(before, after, Reason::fib_blackhole) >= 20);
		xdpfwd::test::must(router + "route replace 203.0.113.100/32 via 203.0.113.2");
		CHECK(burst(s.dos(), "203.0.113.100", 10) == 10);

		// 3. the neighbour's MAC changes: forwarded frames carry the new one at once
		const auto new_mac = xdpfwd::MacAddress::parse("02:00:5e:00:53:77");
		xdpfwd::test::must(router + "neigh replace 203.0.113.2 lladdr " + new_mac.to_string() + " nud permanent dev tres");
		xdpfwd::test::Capture capture(tres.name, "veth0");
		burst(s.dos(), "203.0.113.100", 5); // unanswered now: veth0 is not that MAC
		const auto frame = capture.next([](const xdpfwd::test::Frame& f) { return f.is_echo_request(dos_v4, "203.0.113.100"); });
		REQUIRE(frame);
		CHECK(frame->dst_mac == new_mac);
		CHECK(frame->ttl == 63); // forwarded in XDP, not by the kernel

		// 4. the egress deleted: nothing is redirected to where it was
		xdpfwd::test::must(router + "link del tres");
		CHECK(run.wait_for("tres"));
		before = fib_stats(s.router());
		CHECK(burst(s.dos(), "203.0.113.100", 10) == 0);
		after = fib_stats(s.router());
		CHECK(grew(before, after, XdpAction::redirect) == 0);

		// 5. forwarding off by sysctl: every packet goes to the kernel (which does not forward)
		warm_up(s.dos(), uno_v4);
		xdpfwd::test::must("ip netns exec " + s.router() + " sysctl -qw net.ipv4.conf.all.forwarding=0");
		before = fib_stats(s.router());
		CHECK(burst(s.dos(), uno_v4, 10) == 0);
		after = fib_stats(s.router());
		CHECK(grew(before, after, XdpAction::redirect) == 0);
		CHECK(grew(before, after, Reason::fib_forwarding_disabled) >= 10);
		xdpfwd::test::must("ip netns exec " + s.router() + " sysctl -qw net.ipv4.conf.all.forwarding=1");
		CHECK(burst(s.dos(), uno_v4, 10) == 10);

		// 6. SIGKILL: no keeper renews the lease; after it, a route change is obeyed again
		run.kill();
		const auto killed = Clock::now();
		{
			const xdpfwd::NetnsScope scope(s.router());
			const auto state = xdpfwd::route_cache_state(xdpfwd::FibForwarder::attached_to("dos"));
			CHECK(state.on); // still within the lease
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(400));
		MESSAGE("cache state read " << seconds_since(killed) << " s after SIGKILL (lease 0.25 s)");
		{
			const xdpfwd::NetnsScope scope(s.router());
			const auto state = xdpfwd::route_cache_state(xdpfwd::FibForwarder::attached_to("dos"));
			CHECK_FALSE(state.keeper_alive);
			CHECK_FALSE(state.on);
		}
		xdpfwd::test::must(router + "route replace blackhole 192.0.2.2/32");
		before = fib_stats(s.router());
		CHECK(burst(s.dos(), uno_v4, 10) == 0);
		after = fib_stats(s.router());
		CHECK(grew(before, after, Reason::fib_blackhole) >= 10);
		ok(s.in_router() + "detach uno dos"); // what the killed run left
	});
}
