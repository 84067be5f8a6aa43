// The command line under faults, as a user would meet them: `attach` killed at any point and run
// again, an interface recreated, two attach commands racing, a program swapped under traffic
// (--replace), and the namespace deleted under `stats --interval`. Each leaves no program, map or
// fd behind: counted on the whole host before and after (tests/support/kernel_objects.hpp).
#include <doctest/doctest.h>

#include <csignal>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <xdpfwd/xdpfwd.hpp>

#include "support/cli.hpp"
#include "support/kernel_objects.hpp"

namespace {

using namespace xdpfwd::test::cli;
using Json = nlohmann::json;
using xdpfwd::test::Growth;
using xdpfwd::test::KernelObjects;
using xdpfwd::test::open_fds;
using xdpfwd::test::settled_growth;

/// `status --json` of the router, by interface name.
std::map<std::string, Json> status_of(const ScenarioGuard& s)
{
	std::map<std::string, Json> by_name;
	const Json status = Json::parse(ok(s.in_router() + "status uno dos --json").out);
	for (const Json& entry : status.at("interfaces"))
		by_name[entry.at("interface").get<std::string>()] = entry;
	return by_name;
}

/// Both router ports run one fib program, whose ports are exactly those two.
void check_one_fib_on_both(const ScenarioGuard& s)
{
	auto status = status_of(s);
	REQUIRE(status.count("uno"));
	REQUIRE(status.count("dos"));
	CHECK(status["uno"].at("program") == "xdpfwd_fib");
	CHECK(status["uno"].at("program_id") == status["dos"].at("program_id"));
	CHECK(status["uno"].at("fib").at("complete") == true);
	CHECK(status["uno"].at("fib").at("ports").size() == 2);
}

bool router_has_xdp(const ScenarioGuard& s) { return contains(xdpfwd::test::output("ip -n " + s.router() + " link show"), "xdp"); }

} // namespace

TEST_CASE("cli faults: attach killed at 30 random points; running it again finishes the job")
{
	const HostState before = HostState::now();
	const KernelObjects objects = KernelObjects::now();
	{
		ScenarioGuard s("kill");
		s.up();
		std::mt19937 random(4242);
		int interrupted_half_way = 0;
		for (int i = 0; i < 30; ++i) {
			CAPTURE(i);
			{
				Background attach({"-n", s.router(), "attach", "fib", "uno", "dos"});
				std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(random)));
				attach.interrupt(SIGKILL);
			}
			const auto left = status_of(s);
			interrupted_half_way += left.count("uno") && left.count("dos") && left.at("uno").at("program").is_null() !=
										    left.at("dos").at("program").is_null();
			ok(s.in_router() + "attach fib uno dos"); // exits 0, whatever the kill left
			check_one_fib_on_both(s);
			ok(s.in_router() + "detach uno dos");
			CHECK_FALSE(router_has_xdp(s));
		}
		MESSAGE(interrupted_half_way << " of 30 kills left one port attached and the other bare");
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("ckill"));
	CHECK(settled_growth(objects) == Growth{});
}

TEST_CASE("cli faults: a recreated interface rejoins the forwarder; status shows a half-attached one")
{
	const KernelObjects objects = KernelObjects::now();
	{
		ScenarioGuard s("rejoin");
		s.up();
		ok(s.in_router() + "attach fib uno dos");
		xdpfwd::test::must("ip -n " + s.router() + " link del dos");
		ok("scenario up --prefix " + s.prefix); // makes dos again, as a new interface
		const Result r = ok(s.in_router() + "attach fib dos");
		CHECK_MESSAGE(contains(r.out, "continuing xdpfwd's fib program"), r);
		check_one_fib_on_both(s);
		CHECK(ping(s.dos(), uno_v4) == 3);

		// detached behind xdpfwd's back: its ports and where it runs differ, and status says so
		xdpfwd::test::must("ip -n " + s.router() + " link set dev dos xdp off");
		const Result text = ok(s.in_router() + "status uno");
		CHECK_MESSAGE(contains(text.out, "incomplete"), text);
		CHECK(status_of(s)["uno"].at("fib").at("complete") == false);
		ok(s.in_router() + "attach fib uno dos");
		check_one_fib_on_both(s);
	}
	CHECK(settled_growth(objects) == Growth{});
}

TEST_CASE("cli faults: two attach commands racing end with one forwarder, or none and a rerun")
{
	const KernelObjects objects = KernelObjects::now();
	{
		ScenarioGuard s("race");
		s.up();
		for (int i = 0; i < 10; ++i) {
			CAPTURE(i);
			Background first({"-n", s.router(), "attach", "fib", "uno", "dos"});
			Background second({"-n", s.router(), "attach", "fib", "uno", "dos"});
			const int a = first.wait();
			const int b = second.wait();
			CHECK_MESSAGE((a == 0 || a == 1), first.output());
			CHECK_MESSAGE((b == 0 || b == 1), second.output());
			for (const Background* loser : {&first, &second})
				if (loser == &first ? a == 1 : b == 1)
					CHECK_MESSAGE(contains(loser->output(), "busy"), loser->output()); // the other one's program
			ok(s.in_router() + "attach fib uno dos");
			check_one_fib_on_both(s);
			ok(s.in_router() + "detach uno dos");
		}
	}
	CHECK(settled_growth(objects) == Growth{});
}

TEST_CASE("cli faults: --replace swaps programs under traffic without a lost ping, routes carried over")
{
	const KernelObjects objects = KernelObjects::now();
	{
		ScenarioGuard s("replace");
		s.up();
		ok(s.in_router() + "attach map uno dos");
		ok(s.in_router() + "route set dos uno");
		ok(s.in_router() + "route set uno dos");
		const std::string routes = ok(s.in_router() + "route list").out;
		warm_up(s.dos(), uno_v4);
		std::string pings;
		std::thread flow([&] {
			pings = xdpfwd::test::output("ip netns exec " + s.dos() + " ping -n -q -i 0.02 -W 1 -c 100 " + uno_v4);
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		ok(s.in_router() + "attach map uno dos --replace"); // a fresh map program, the same routes
		const std::string after = ok(s.in_router() + "route list").out;
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		ok(s.in_router() + "attach fib uno dos --replace"); // map -> fib
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		ok(s.in_router() + "attach fib uno dos --replace"); // fib -> a fresh fib, ports kept
		flow.join();
		CHECK_MESSAGE(contains(pings, "100 received"), pings);
		// the routes came through the upgrade (the program id in the listing changes)
		CHECK(routes.substr(routes.find('\n')) == after.substr(after.find('\n')));
		check_one_fib_on_both(s);
	}
	CHECK(settled_growth(objects) == Growth{});
}

TEST_CASE("cli faults: the namespace deleted under stats --interval ends it with one line")
{
	const KernelObjects objects = KernelObjects::now();
	{
		ScenarioGuard s("gone");
		s.up();
		ok(s.in_router() + "attach fib uno dos");
		Background stats({"-n", s.router(), "stats", "dos", "--interval", "0.1"});
		REQUIRE(stats.wait_for("REDIRECT"));
		const std::size_t stats_fds = open_fds(stats.pid());
		xdpfwd::test::must("ip netns del " + s.router());
		// the program and its maps live on while stats holds them: it keeps counting what no longer
		// arrives, and ends at Ctrl-C as usual
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		// with the fds it had (between two intervals: the first match; 10 s only if it leaks)
		const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
		while (open_fds(stats.pid()) != stats_fds && std::chrono::steady_clock::now() < until)
			std::this_thread::sleep_for(std::chrono::milliseconds(5));
		CHECK(open_fds(stats.pid()) == stats_fds);
		const double took = stats.interrupt(SIGINT);
		// it ends at Ctrl-C, not hangs: a bound far above the 0.1 s interval, for a loaded ASan run
		CHECK(took < 5.0);
		CHECK(WIFEXITED(stats.status()));
		CHECK(WEXITSTATUS(stats.status()) == 0);
		CHECK_FALSE(contains(stats.output(), "terminate"));
	}
	CHECK(settled_growth(objects) == Growth{});
}
