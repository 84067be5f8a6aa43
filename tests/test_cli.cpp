// The xdpfwd command line, driven as a user would: the binary named by $XDPFWD_CLI run as a
// subprocess, its exit status, stdout and stderr checked. Each test builds its own scenario
// (prefix xfwdt-<pid>-c<tag>) and tears it down again, also when an assertion fails.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "support/cli.hpp"
#include "support/netns.hpp"

namespace {

using namespace xdpfwd::test::cli;
using xdpfwd::test::output;

/// xdpfwd with every capability dropped (uid stays 0, so only capabilities make the difference).
const std::string no_caps = "setpriv --inh-caps=-all --bounding-set=-all --reuid=0 ";

// ---------------------------------------------------------------------------------------------
// Traffic

/// Sends `count` UDP datagrams from a socket in `from_ns` to `to_address` bound in `to_ns`;
/// returns how many arrived. Sockets keep their namespace after the scope ends.
int udp_transfer(const std::string& from_ns, const std::string& to_ns, const std::string& to_address, int count)
{
	const bool v6 = contains(to_address, ":");
	const int family = v6 ? AF_INET6 : AF_INET;
	sockaddr_storage address{};
	socklen_t length = 0;
	if (v6) {
		auto* a = reinterpret_cast<sockaddr_in6*>(&address);
		a->sin6_family = AF_INET6;
		REQUIRE(::inet_pton(AF_INET6, to_address.c_str(), &a->sin6_addr) == 1);
		length = sizeof(*a);
	} else {
		auto* a = reinterpret_cast<sockaddr_in*>(&address);
		a->sin_family = AF_INET;
		REQUIRE(::inet_pton(AF_INET, to_address.c_str(), &a->sin_addr) == 1);
		length = sizeof(*a);
	}
	xdpfwd::UniqueFd rx;
	xdpfwd::UniqueFd tx;
	{
		const xdpfwd::NetnsScope scope(to_ns);
		rx = xdpfwd::UniqueFd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		REQUIRE(rx);
		REQUIRE(::bind(rx.get(), reinterpret_cast<sockaddr*>(&address), length) == 0);
		REQUIRE(::getsockname(rx.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0); // the port
	}
	{
		const xdpfwd::NetnsScope scope(from_ns);
		tx = xdpfwd::UniqueFd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		REQUIRE(tx);
	}
	timeval timeout{1, 0};
	REQUIRE(::setsockopt(rx.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == 0);
	for (int i = 0; i < count; ++i) {
		const std::string payload = "xdpfwd cli test " + std::to_string(i);
		REQUIRE(::sendto(tx.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&address), length) ==
			static_cast<ssize_t>(payload.size()));
	}
	int received = 0;
	char buffer[256];
	while (received < count) {
		const ssize_t n = ::recv(rx.get(), buffer, sizeof(buffer), 0);
		if (n < 0)
			break; // timed out: the rest was lost
		if (std::string(buffer, static_cast<std::size_t>(n)).rfind("xdpfwd cli test ", 0) == 0)
			++received;
	}
	return received;
}

/// REDIRECT packets of the program on `ifname` in the router, from `stats --json`.
unsigned long long redirected(const ScenarioGuard& s, const std::string& ifname, const std::string& program)
{
	const Result r = xfwd(s.in_router() + "stats " + ifname + " --json --count 1 --interval 0.2");
	REQUIRE_MESSAGE(r.status == 0, r);
	CHECK_MESSAGE(r.err.empty(), r);
	REQUIRE(lines_of(r.out).size() == 1);
	CHECK(contains(r.out, "\"interface\":\"" + ifname + "\""));
	CHECK(contains(r.out, "\"program\":\"" + program + "\""));
	const std::string key = "\"REDIRECT\":{\"packets\":";
	const auto at = r.out.find(key);
	REQUIRE_MESSAGE(at != std::string::npos, r);
	return std::stoull(r.out.substr(at + key.size()));
}

constexpr int udp_count = 10;

// ---------------------------------------------------------------------------------------------
// 1. One full session per mode

void full_session(const std::string& mode, const std::string& tag)
{
	const HostState before = HostState::now();
	std::vector<std::string> ids;
	{
		ScenarioGuard s(tag);
		const std::string R = s.in_router();
		s.up();
		{
			const Result r = xfwd(R + "status");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK(r.out == "no XDP programs attached\n");
		}
		const std::string uno_host = mac_in(s.uno(), "veth0");
		const std::string dos_host = mac_in(s.dos(), "veth0");
		const std::string router_uno = mac_in(s.router(), "uno");
		const std::string program = "xdpfwd_" + mode;
		const bool both_ways = mode != "static";

		// b) attach
		{
			const std::string args = mode == "static" ? "attach static dos uno " + uno_host + " " + router_uno
								  : "attach " + mode + " uno dos";
			const Result r = xfwd(R + args);
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.err.empty(), r);
			CHECK(contains(r.out, "attached " + program));
			CHECK(contains(r.out, "to dos (ifindex"));
			if (both_ways)
				CHECK(contains(r.out, "to uno (ifindex"));
		}

		// c) configure from a second invocation, and look at it
		if (mode == "map") {
			// no MAC option, no neighbour known on uno: the MAC of uno's veth peer
			sh("ip -n " + s.router() + " neigh flush dev uno");
			Result r = xfwd(R + "route set dos uno");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.err.empty(), r);
			CHECK_MESSAGE(contains(r.out, "dst " + uno_host + " src " + router_uno), r);
			// --via: resolved through the neighbour cache (ARP on demand)
			sh("ip -n " + s.router() + " neigh flush dev dos");
			CHECK_FALSE(contains(output("ip -n " + s.router() + " neigh show dev dos"), dos_host));
			r = xfwd(R + "route set uno dos --via " + dos_v4);
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.err.empty(), r);
			CHECK_MESSAGE(contains(r.out, "dst " + dos_host + " src " + mac_in(s.router(), "dos")), r);
			const std::string neigh = output("ip -n " + s.router() + " neigh show dev dos " + dos_v4);
			CHECK_MESSAGE(contains(neigh, "lladdr " + dos_host), neigh);
			r = xfwd(R + "route list");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(contains(r.out, "dos (ifindex") , r);
			CHECK_MESSAGE(lines_of(r.out).size() == 3, r); // header + two routes
		}
		{
			const Result r = xfwd(R + "status");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.err.empty(), r);
			CHECK(contains(r.out, "dos (ifindex"));
			CHECK(contains(r.out, ": " + program + " id "));
			if (mode == "static") {
				CHECK_MESSAGE(contains(r.out, "static: -> uno (ifindex"), r);
				CHECK_MESSAGE(contains(r.out, "dst " + uno_host + " src " + router_uno), r);
			} else if (mode == "map") {
				CHECK_MESSAGE(contains(r.out, "dos (ifindex"), r);
				CHECK_MESSAGE(contains(r.out, "dst " + uno_host), r);
				CHECK_MESSAGE(contains(r.out, "dst " + dos_host), r);
			} else {
				// both ports, on both interfaces
				const auto lines = lines_of(r.out);
				int fib_lines = 0;
				for (const auto& line : lines)
					if (contains(line, "fib: lookup full, egress enabled, ports:") && contains(line, "uno (ifindex") &&
					    contains(line, "dos (ifindex"))
						++fib_lines;
				CHECK_MESSAGE(fib_lines == 2, r);
			}
			ids = program_ids(r.out);
			CHECK(ids.size() == (both_ways ? 2U : 1U));
			for (const std::string& host : {s.uno(), s.dos()}) {
				const Result h = xfwd("-n " + host + " status veth0");
				CHECK_MESSAGE(contains(h.out, "xdpfwd_pass"), h);
				for (const auto& id : program_ids(h.out))
					ids.push_back(id);
			}
		}

		// d) traffic. Warm up first (ARP, ND: the first packets may go through the kernel).
		warm_up(s.dos(), uno_v4);
		warm_up(s.dos(), uno_v6);
		warm_up(s.uno(), dos_v4);
		warm_up(s.uno(), dos_v6);
		const auto dos_before = redirected(s, "dos", program);
		const auto uno_before = both_ways ? redirected(s, "uno", program) : 0;

		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(ping(s.dos(), uno_v6) == 3);
		CHECK(udp_transfer(s.dos(), s.uno(), uno_v4, udp_count) == udp_count);
		CHECK(udp_transfer(s.dos(), s.uno(), uno_v6, udp_count) == udp_count);
		// into dos: 3 + 3 echo requests and the UDP datagrams
		unsigned long long into_dos = 6 + 2 * udp_count;
		unsigned long long into_uno = 0;
		if (both_ways) {
			CHECK(ping(s.uno(), dos_v4) == 3);
			CHECK(ping(s.uno(), dos_v6) == 3);
			CHECK(udp_transfer(s.uno(), s.dos(), dos_v4, udp_count) == udp_count);
			CHECK(udp_transfer(s.uno(), s.dos(), dos_v6, udp_count) == udp_count);
			into_dos += 6;                       // dos's echo replies to uno's pings
			into_uno = 6 + 6 + 2 * udp_count;    // uno's requests, its replies, its datagrams
		}

		// e) the counters saw it
		const auto dos_after = redirected(s, "dos", program);
		CHECK_MESSAGE(dos_after - dos_before >= into_dos, "dos: ", dos_before, " -> ", dos_after);
		if (both_ways) {
			const auto uno_after = redirected(s, "uno", program);
			CHECK_MESSAGE(uno_after - uno_before >= into_uno, "uno: ", uno_before, " -> ", uno_after);
		}
		{
			const Result r = xfwd(R + "stats dos --count 1 --interval 0.2");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK(contains(r.out, "dos (ifindex"));
			CHECK(contains(r.out, program + " id"));
			CHECK(contains(r.out, "REDIRECT"));
			MESSAGE("xdpfwd stats (", mode, "):\n", r.out);
		}

		// f) detach: nothing left on the router
		{
			const Result r = xfwd(R + "detach uno dos");
			REQUIRE_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.err.empty(), r);
			CHECK(contains(r.out, "detached " + program + " from dos"));
			if (both_ways)
				CHECK(contains(r.out, "detached " + program + " from uno"));
			else
				CHECK(contains(r.out, "nothing attached to uno"));
			const Result st = xfwd(R + "status");
			CHECK_MESSAGE(st.out == "no XDP programs attached\n", st);
			const std::string links = output("ip -n " + s.router() + " link show");
			CHECK_MESSAGE(!contains(links, "xdp"), links);
		}

		// g) down
		const Result r = xfwd("scenario down --prefix " + s.prefix);
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.out == "scenario down\n", r);
		CHECK_MESSAGE(r.err.empty(), r);
	}
	// h) the host is as it was, and every program we loaded is gone
	check_host_unchanged(before, xdpfwd::test::unique_name("c" + std::string(tag)));
	for (const auto& id : ids)
		CHECK_MESSAGE(program_gone(id), "BPF program id ", id, " still exists");
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input

/// A refusal: exit status `code`, nothing on stdout, one line on stderr containing every word.
void check_refusal(const Result& r, int code, const std::vector<std::string>& words)
{
	CHECK_MESSAGE(r.status == code, r);
	CHECK_MESSAGE(r.out.empty(), r);
	const auto lines = r.err_lines();
	CHECK_MESSAGE(lines.size() == 1, r);
	if (lines.empty())
		return;
	CHECK_MESSAGE(lines[0].rfind("xdpfwd: ", 0) == 0, r);
	for (const auto& word : words)
		CHECK_MESSAGE(contains(lines[0], word), "expected \"", word, "\" in: ", lines[0]);
	MESSAGE("stderr: ", lines[0]);
}

} // namespace

TEST_CASE("cli: static mode session: scenario, attach, ping, UDP, stats, detach, down")
{
	full_session("static", "s");
}

TEST_CASE("cli: map mode session: routes with discovered MACs, both directions")
{
	full_session("map", "m");
}

TEST_CASE("cli: fib mode session: ports in status, both directions")
{
	full_session("fib", "f");
}

TEST_CASE("cli: scenario up and down are idempotent; up --mode fib wires a plain scenario")
{
	const HostState before = HostState::now();
	{
		ScenarioGuard s("i");
		s.up();
		s.up();
		CHECK(namespaces_with(s.prefix).size() == 3);
		CHECK(lines_of(output("ip -n " + s.router() + " -br link show")).size() == 3); // lo, uno, dos: no duplicates
		CHECK(xfwd(s.in_router() + "status").out == "no XDP programs attached\n");

		Result r = xfwd("scenario up --prefix " + s.prefix + " --mode fib");
		REQUIRE_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(contains(r.out, "mode fib-full"), r);
		r = xfwd(s.in_router() + "status");
		CHECK_MESSAGE(contains(r.out, "uno (ifindex") , r);
		CHECK_MESSAGE(program_ids(r.out).size() == 2, r);
		int fib_lines = 0;
		for (const auto& line : lines_of(r.out))
			fib_lines += contains(line, "fib: lookup full, egress enabled") ? 1 : 0;
		CHECK_MESSAGE(fib_lines == 2, r);
		warm_up(s.dos(), uno_v4);
		const auto before_ping = redirected(s, "dos", "xdpfwd_fib");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(redirected(s, "dos", "xdpfwd_fib") - before_ping >= 3);

		r = xfwd("scenario down --prefix " + s.prefix);
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.out == "scenario down\n", r);
		r = xfwd("scenario down --prefix " + s.prefix);
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.out == "no scenario with that prefix\n", r);
		CHECK_MESSAGE(r.err.empty(), r);
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("ci"));
}

TEST_CASE("cli: bad input is refused with one line, the right exit status and nothing half-attached")
{
	const HostState before = HostState::now();
	{
		ScenarioGuard s("b");
		s.up();
		const std::string R = s.in_router();
		const std::string nothing = "no XDP programs attached\n";
		auto router_clean = [&] {
			const Result st = xfwd(R + "status");
			CHECK_MESSAGE(st.out == nothing, st);
		};

		// command-line mistakes: 2
		check_refusal(xfwd(R + "attach static dos uno zz:zz"), 2, {"zz:zz", "MAC"});
		router_clean();
		check_refusal(xfwd(R + "attach turbo dos"), 2, {"not expected", "turbo"});
		router_clean();
		check_refusal(xfwd(R + "frobnicate"), 2, {"not expected", "frobnicate"});
		check_refusal(xfwd(R + "attach fib uno --speed 9"), 2, {"not expected", "--speed"});
		router_clean();
		check_refusal(xfwd(R + "attach"), 2, {"attach needs a mode", "static", "fib"});
		check_refusal(xfwd(R + "stats dos --interval soon"), 2, {"--interval", "soon"});
		check_refusal(xfwd(R + "route set dos"), 2, {"OUT is required"});

		check_refusal(xfwd(R + "stats dos --count -1"), 2, {"--count", "-1"});
		// finite values in a sane range, whole numbers where whole numbers are meant
		for (const char* interval : {"inf", "1e308", "nan", "0", "-0.5", "86401"})
			check_refusal(xfwd(R + "stats dos --interval " + interval), 2, {"--interval", "from 0.01 to 86400", interval});
		for (const char* count : {"99999999999999999999", "1.5", "1e3x"})
			check_refusal(xfwd(R + "stats dos --count " + count), 2, {"--count", "whole number", count});
		// an overlong value is cut, and the message stays one line
		const Result huge = xfwd(R + "stats dos --interval " + quote(std::string(5000, '9') + "\n"));
		check_refusal(huge, 2, {"--interval", "(5001 bytes)"}); // 5000 nines and a newline
		CHECK(huge.err.size() < 300);
		// a value echoed in a message stays on one line: control characters are escaped
		check_refusal(xfwd(R + "attach static dos uno " + quote("zz\n:01")), 2, {"zz\\n:01", "MAC"});
		check_refusal(xfwd(R + "attach fib " + quote("no\nsuch\x01")), 1, {"no\\nsuch\\x01", "No such device"});
		router_clean();

		// -n and -v work after the command too
		{
			const Result r = xfwd("status -v " + R);
			CHECK_MESSAGE(r.status == 0, r);
			CHECK_MESSAGE(r.out == nothing, r);
		}

		// what is named does not exist: 1
		check_refusal(xfwd(R + "attach fib nosuch0"), 1, {"nosuch0", "No such device"});
		router_clean();
		check_refusal(xfwd("-n no-such-ns status"), 1, {"no-such-ns", "no such namespace"});
		check_refusal(xfwd(R + "stats dos"), 1, {"dos", "no XDP program is attached"});
		check_refusal(xfwd(R + "route set dos uno"), 1, {"dos", "no XDP program is attached"});
		router_clean();

		// missing privileges: 1, and the message names the capabilities
		REQUIRE(contains(output(no_caps + "grep CapEff /proc/self/status"), "0000000000000000"));
		check_refusal(sh("ip netns exec " + s.router() + " " + no_caps + cli() + " attach fib uno dos"), 1,
			      {"CAP_NET_ADMIN", "CAP_BPF", "Operation not permitted"});
		router_clean();
		check_refusal(sh("ip netns exec " + s.router() + " " + no_caps + cli() + " attach static dos uno " +
				 mac_in(s.uno(), "veth0")),
			      1, {"CAP_NET_ADMIN", "CAP_BPF"});
		router_clean();
		check_refusal(sh(no_caps + cli() + " " + R + "status"), 1, {"CAP_SYS_ADMIN", s.router()});
		// status and stats must not claim "nothing attached" when they cannot look
		check_refusal(sh("ip netns exec " + s.uno() + " " + no_caps + cli() + " status"), 1, {"CAP_NET_ADMIN", "CAP_BPF"});
		check_refusal(sh("ip netns exec " + s.uno() + " " + no_caps + cli() + " stats veth0"), 1,
			      {"CAP_NET_ADMIN", "CAP_BPF"});
		// and scenario down must not claim to have removed what it could not
		check_refusal(sh(no_caps + cli() + " scenario down --prefix " + s.prefix), 1, {"CAP_SYS_ADMIN", s.router()});
		CHECK(namespaces_with(s.prefix).size() == 3);

		// an interface already in use: 1, naming the program there; --force replaces it
		Result r = xfwd(R + "attach pass uno");
		REQUIRE_MESSAGE(r.status == 0, r);
		const auto pass_id = program_ids(xfwd(R + "status uno").out);
		REQUIRE(pass_id.size() == 1);
		check_refusal(xfwd(R + "attach fib uno dos"), 1, {"uno", "xdpfwd_pass", "id " + pass_id[0], "already attached"});
		auto only_pass_on_uno = [&] {
			const Result st = xfwd(R + "status");
			CHECK_MESSAGE(lines_of(st.out).size() == 1, st);
			CHECK_MESSAGE(contains(st.out, "uno (ifindex"), st);
			CHECK_MESSAGE(contains(st.out, ": xdpfwd_pass id " + pass_id[0] + " "), st);
		};
		only_pass_on_uno();
		// the same with uno second: dos was attached first and must have been taken back
		check_refusal(xfwd(R + "attach fib dos uno"), 1, {"uno", "xdpfwd_pass", "already attached"});
		only_pass_on_uno();
		r = xfwd(R + "attach fib uno dos --force");
		REQUIRE_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.err.empty(), r);
		r = xfwd(R + "status");
		CHECK_MESSAGE(!contains(r.out, "xdpfwd_pass"), r);
		CHECK_MESSAGE(program_ids(r.out).size() == 2, r);
		CHECK_MESSAGE(contains(r.out, "uno (ifindex"), r);
		CHECK_MESSAGE(contains(r.out, "dos (ifindex"), r);
		CHECK(program_gone(pass_id[0]));
		r = xfwd(R + "detach uno dos");
		CHECK_MESSAGE(r.status == 0, r);
		router_clean();

		// a multi-interface attach whose second interface fails: nothing stays on the first
		xdpfwd::test::must("ip -n " + s.router() + " link add extra0 type veth peer name extra1");
		xdpfwd::test::must("ip -n " + s.router() + " link set extra0 up");
		xdpfwd::test::must("ip -n " + s.router() + " link set extra1 up");
		check_refusal(xfwd(R + "attach fib uno extra0"), 1, {"extra0", "extra1", "no XDP program"});
		router_clean();
		check_refusal(xfwd(R + "attach fib uno nosuch0"), 1, {"nosuch0", "No such device"});
		router_clean();
		check_refusal(xfwd(R + "attach static dos extra0 02:00:5e:00:53:01"), 1, {"extra0", "no XDP program"});
		router_clean();
		const std::string links = output("ip -n " + s.router() + " link show");
		CHECK_MESSAGE(!contains(links, "xdp"), links);
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("cb"));
}

TEST_CASE("cli: no bpffs needed: a session in a mount namespace without /sys/fs/bpf, and under ip netns exec")
{
	const HostState before = HostState::now();
	REQUIRE(before.bpffs_mounted);
	{
		ScenarioGuard s("p");
		s.up();
		const std::string R = s.in_router();
		const std::string X = cli();

		// 1. a child mount namespace (private: the host's mount stays) where bpffs is unmounted
		char script_path[] = "/tmp/xfwdc-script-XXXXXX";
		const int fd = ::mkstemp(script_path);
		REQUIRE(fd >= 0);
		const std::string script =
		    "umount /sys/fs/bpf 2>/dev/null; umount /sys/fs/bpf 2>/dev/null\n"
		    "if grep -q ' /sys/fs/bpf ' /proc/self/mounts; then echo 'bpffs still mounted' >&2; exit 99; fi\n"
		    "set -e\n" +
		    X + " " + R + "attach fib uno dos\n" +
		    X + " " + R + "status\n" +
		    "ip netns exec " + s.dos() + " ping -q -c 1 -W 2 " + uno_v4 + " >/dev/null || true\n" + // warm-up: ARP
		    "ip netns exec " + s.uno() + " ping -q -c 1 -W 2 " + dos_v6 + " >/dev/null || true\n" + // and ND
		    "ip netns exec " + s.dos() + " ping -q -c 2 -i 0.2 -W 1 " + uno_v4 + " >/dev/null\n" +
		    "ip netns exec " + s.uno() + " ping -q -c 2 -i 0.2 -W 1 " + dos_v6 + " >/dev/null\n" +
		    X + " " + R + "stats dos --json --count 1 --interval 0.1\n" +
		    X + " " + R + "detach uno dos\n" +
		    X + " " + R + "status\n";
		REQUIRE(::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size()));
		::close(fd);
		const Result r = sh("unshare --mount --propagation private sh " + std::string(script_path));
		::unlink(script_path);
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.err.empty(), r);
		CHECK_MESSAGE(contains(r.out, "attached xdpfwd_fib"), r);
		CHECK_MESSAGE(contains(r.out, "fib: lookup full, egress enabled"), r);
		CHECK_MESSAGE(contains(r.out, "\"REDIRECT\":{\"packets\":"), r);
		CHECK_MESSAGE(!contains(r.out, "\"REDIRECT\":{\"packets\":0,"), r);
		CHECK_MESSAGE(contains(r.out, "detached xdpfwd_fib from dos"), r);
		CHECK_MESSAGE(contains(r.out, "no XDP programs attached"), r);
		CHECK(HostState::now().bpffs_mounted); // the host's own mount was not touched

		// 2. ip netns exec, which mounts a fresh /sys without bpffs
		const std::string exec = "ip netns exec " + s.router() + " " + X + " ";
		REQUIRE_FALSE(contains(output("ip netns exec " + s.router() + " cat /proc/self/mounts"), " /sys/fs/bpf "));
		Result e = sh(exec + "attach map uno dos");
		REQUIRE_MESSAGE(e.status == 0, e);
		e = sh(exec + "route set dos uno");
		CHECK_MESSAGE(e.status == 0, e);
		e = sh(exec + "route set uno dos --via " + dos_v6);
		CHECK_MESSAGE(e.status == 0, e);
		CHECK_MESSAGE(contains(e.out, "dst " + mac_in(s.dos(), "veth0")), e);
		e = sh(exec + "route list");
		CHECK_MESSAGE(lines_of(e.out).size() == 3, e);
		warm_up(s.dos(), uno_v4);
		warm_up(s.uno(), dos_v6);
		const auto start = redirected(s, "dos", "xdpfwd_map");
		CHECK(ping(s.dos(), uno_v4) == 3);
		CHECK(ping(s.uno(), dos_v6) == 3);
		e = sh(exec + "stats dos --json --count 1 --interval 0.1");
		CHECK_MESSAGE(e.status == 0, e);
		CHECK(redirected(s, "dos", "xdpfwd_map") - start >= 6);
		e = sh(exec + "detach uno dos");
		CHECK_MESSAGE(e.status == 0, e);
		CHECK_MESSAGE(e.err.empty(), e);
		CHECK(sh(exec + "status").out == "no XDP programs attached\n");
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("cp"));
}

TEST_CASE("cli: every command accepts --help")
{
	for (const std::string command : {"attach", "detach", "status", "route", "stats", "scenario", "demo"}) {
		CAPTURE(command);
		const Result r = xfwd(command + " --help");
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.out.rfind("usage: xdpfwd " + command, 0) == 0, r);
		CHECK_MESSAGE(r.err.empty(), r);
		const Result h = xfwd(command + " -h");
		CHECK(h.status == 0);
		CHECK(h.out == r.out);
	}
	for (const std::string args : {"--help", "-h", "help"}) {
		const Result r = xfwd(args);
		CHECK_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.out.rfind("usage: xdpfwd ", 0) == 0, r);
		CHECK(contains(r.out, "Exit status"));
	}
	const Result bare = xfwd("");
	CHECK_MESSAGE(bare.status == 2, bare);
	CHECK(bare.out.rfind("usage: xdpfwd ", 0) == 0);
}

// ---------------------------------------------------------------------------------------------
// 4. --json, and signals

namespace {

/// Runs python3 on `text` as JSON: `check` is an expression over `d`, the parsed document,
/// whose value comes back as JSON. "python3 -m json.tool" is run first: the output is what a
/// JSON consumer other than nlohmann accepts.
std::string python_json(const std::string& text, const std::string& check)
{
	char path[] = "/tmp/xfwdc-json-XXXXXX";
	const int fd = ::mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
	::close(fd);
	const Result tool = sh("python3 -m json.tool < " + std::string(path));
	const Result value = sh("python3 -c " + quote("import json, sys; d = json.load(sys.stdin); print(json.dumps(" + check + "))") +
				" < " + path);
	::unlink(path);
	CHECK_MESSAGE(tool.status == 0, "python3 -m json.tool refuses: ", text, "\n", tool.err);
	REQUIRE_MESSAGE(value.status == 0, text, "\n", check, "\n", value.err);
	return value.out.substr(0, value.out.find_last_not_of('\n') + 1);
}

} // namespace

TEST_CASE("cli: --json of status, route list and stats is valid JSON, also for interfaces named q\"x and q\\y")
{
	const HostState before = HostState::now();
	{
		ScenarioGuard s("j");
		s.up();
		const std::string R = s.in_router();
		const std::string qx = "q\"x";  // legal names: anything but '/', ':' and whitespace
		const std::string qy = "q\\y";
		xdpfwd::test::must("ip -n " + s.router() + " link add " + quote(qx) + " type veth peer name " + quote(qy));
		xdpfwd::test::must("ip -n " + s.router() + " link set " + quote(qx) + " up");
		xdpfwd::test::must("ip -n " + s.router() + " link set " + quote(qy) + " up");

		// nothing attached: empty lists, and null for a named interface
		CHECK(xfwd(R + "status --json").out == "{\"interfaces\":[]}\n");
		CHECK(xfwd(R + "route list --json").out == "{\"programs\":[]}\n");
		CHECK(python_json(xfwd(R + "status lo --json").out, "d['interfaces'][0]") ==
		      R"({"interface": "lo", "ifindex": 1, "program": null, "program_id": null, "mode": null})");

		// fib on q"x and dos (q\y runs pass, as a veth peer needs)
		ok(R + "attach pass " + quote(qy));
		ok(R + "attach fib " + quote(qx) + " dos");
		Result r = ok(R + "status --json");
		CHECK_MESSAGE(lines_of(r.out).size() == 1, r);
		CHECK(python_json(r.out, "sorted([i['interface'], i['program'], i['mode']] for i in d['interfaces'])") ==
		      R"([["dos", "xdpfwd_fib", "native"], ["q\"x", "xdpfwd_fib", "native"], ["q\\y", "xdpfwd_pass", "native"]])");
		CHECK(python_json(r.out, "[i['fib'] for i in d['interfaces'] if i['interface'] == 'q\"x'][0]['lookup']") == "\"full\"");
		CHECK(python_json(r.out, "[i['fib'] for i in d['interfaces'] if i['interface'] == 'q\"x'][0]['egress']") == "true");
		CHECK(python_json(r.out, "sorted(p['interface'] for p in [i for i in d['interfaces'] if i['interface'] == 'dos'][0]['fib']['ports'])") ==
		      R"(["dos", "q\"x"])");
		CHECK(python_json(r.out, "all(type(i['program_id']) is int and type(i['ifindex']) is int for i in d['interfaces'])") == "true");
		CHECK(python_json(r.out, "[k for i in d['interfaces'] for k in ('static', 'map', 'fib') if k in i]") == R"(["fib", "fib"])");
		MESSAGE("status --json: ", r.out);

		// stats: one document per sample, per line
		r = ok(R + "stats " + quote(qx) + " --json --count 2 --interval 0.1");
		const auto samples = lines_of(r.out);
		REQUIRE_MESSAGE(samples.size() == 2, r);
		for (const auto& sample : samples) {
			CHECK(python_json(sample, "[d['interface'], d['program'], list(d['actions'])]") ==
			      R"(["q\"x", "xdpfwd_fib", ["ABORTED", "DROP", "PASS", "TX", "REDIRECT"]])");
			CHECK(python_json(sample, "sorted(d['actions']['REDIRECT'])") == R"(["bytes", "mbps", "packets", "pps"])");
			CHECK(python_json(sample, "d['interval_s'] > 0 and 'fib_success' in d['reasons']") == "true");
		}
		r = ok(R + "stats " + quote(qy) + " --json --count 1 --interval 0.1");
		CHECK(python_json(r.out, "[d['interface'], d['program'], d['reasons']]") == R"(["q\\y", "xdpfwd_pass", null])");

		// Ctrl-C ends a live view at once, with status 0
		{
			Background live({"-n", s.router(), "stats", qx, "--interval", "1"});
			std::this_thread::sleep_for(std::chrono::milliseconds(300));
			const double took = live.interrupt(SIGINT);
			CHECK_MESSAGE(WIFEXITED(live.status()), live.output());
			CHECK_MESSAGE(WEXITSTATUS(live.status()) == 0, live.output());
			CHECK_MESSAGE(took < 0.5, "stats --interval took ", took, " s to end after SIGINT");
		}

		// map on q"x and uno, routes both ways; static on dos towards q"x
		ok(R + "detach " + quote(qx) + " dos");
		ok(R + "attach map " + quote(qx) + " uno");
		ok(R + "route set " + quote(qx) + " uno --dst-mac 02:00:5e:00:53:01");
		ok(R + "route set uno " + quote(qx) + " --dst-mac 02:00:5e:00:53:02 --src-mac 02:00:5e:00:53:03");
		r = ok(R + "route list --json");
		CHECK_MESSAGE(lines_of(r.out).size() == 1, r);
		CHECK(python_json(r.out, "len(d['programs'])") == "1");
		CHECK(python_json(r.out, "sorted([x['ingress']['interface'], x['egress']['interface'], x['dst_mac']] for x in d['programs'][0]['routes'])") ==
		      R"([["q\"x", "uno", "02:00:5e:00:53:01"], ["uno", "q\"x", "02:00:5e:00:53:02"]])");
		CHECK(python_json(r.out, "[x['src_mac'] for x in d['programs'][0]['routes'] if x['ingress']['interface'] == 'uno']") ==
		      R"(["02:00:5e:00:53:03"])");
		MESSAGE("route list --json: ", r.out);
		r = ok(R + "status " + quote(qx) + " --json");
		CHECK(python_json(r.out, "d['interfaces'][0]['map']['route']['egress']['interface']") == "\"uno\"");
		ok(R + "attach static dos " + quote(qx) + " 02:00:5e:00:53:04");
		r = ok(R + "status dos --json");
		CHECK(python_json(r.out, "d['interfaces'][0]['static']") ==
		      R"({"egress": {"interface": "q\"x", "ifindex": )" + std::to_string([&] {
			      const xdpfwd::NetnsScope scope(s.router());
			      return xdpfwd::ifindex_of(qx);
		      }()) + R"(}, "dst_mac": "02:00:5e:00:53:04", "src_mac": null})");
		// the text form of the same
		r = xfwd(R + "status");
		CHECK_MESSAGE(contains(r.out, "static: -> q\"x (ifindex"), r);
		CHECK_MESSAGE(contains(r.out, "q\"x (ifindex"), r);
		CHECK_MESSAGE(contains(r.out, "q\\y (ifindex"), r);
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("cj"));
}

namespace {

/// The receive VLAN offloads on at `ifname` in `netns`, as the library reads them (ethtool's
/// own names differ between its versions).
std::vector<std::string> offloads_in(const std::string& netns, const std::string& ifname)
{
	const xdpfwd::NetnsScope scope(netns);
	return xdpfwd::rx_vlan_offloads(xdpfwd::ifindex_of(ifname));
}

} // namespace

TEST_CASE("cli: VLAN tags on map routes (--in-vlan, --out-vlan) and turning receive VLAN offload off")
{
	const HostState before = HostState::now();
	{
		ScenarioGuard s("v");
		s.up();
		const std::string R = s.in_router();
		const std::string macs = " --dst-mac 02:00:5e:00:53:01";
		const std::string both_off = "turned rx-vlan-hw-parse and rx-vlan-stag-hw-parse off on ";
		auto router_clean = [&] { CHECK(xfwd(R + "status").out == "no XDP programs attached\n"); };

		// tags that VlanTags::parse refuses: a command-line mistake (2), one line naming the value
		for (const std::string bad : {"0", "4095", "1.2.3", "x", "100."}) {
			check_refusal(xfwd(R + "route set dos uno --in-vlan " + bad), 2, {"--in-vlan", "\"" + bad + "\"", "1..4094"});
			check_refusal(xfwd(R + "route set dos uno --out-vlan " + bad), 2, {"--out-vlan", "\"" + bad + "\""});
		}
		check_refusal(xfwd(R + "route set dos uno --in-vlan"), 2, {"--in-vlan"});
		router_clean();

		// fib: a port with a VLAN device is refused while it strips tags; --vlan-offload-off turns
		// the offload off there, and only there. A kernel without 802.1Q (CONFIG_VLAN_8021Q unset,
		// as on the CI's host) has no VLAN devices: then the flag must change nothing.
		REQUIRE(!offloads_in(s.router(), "uno").empty());
		const Result vlan = sh("ip -n " + s.router() + " link add link uno name uno.5 type vlan id 5");
		Result r;
		if (vlan.status == 0) {
			check_refusal(xfwd(R + "attach fib uno dos"), 1, {"uno", "ethtool -K uno", "--vlan-offload-off"});
			router_clean();
			r = ok(R + "attach fib uno dos --vlan-offload-off");
			CHECK_MESSAGE(contains(r.out, both_off + "uno (ifindex"), r);
			CHECK(offloads_in(s.router(), "uno").empty());
		} else {
			MESSAGE("no VLAN devices in this kernel (", vlan.err, "): attach fib --vlan-offload-off without them");
			r = ok(R + "attach fib uno dos --vlan-offload-off");
			CHECK(!offloads_in(s.router(), "uno").empty());
		}
		CHECK_MESSAGE(!contains(r.out, "off on dos"), r);
		CHECK(!offloads_in(s.router(), "dos").empty());
		ok(R + "detach uno dos");
		if (vlan.status == 0)
			xdpfwd::test::must("ip -n " + s.router() + " link del uno.5");

		// map: a route for tagged frames is refused while IN strips tags, and nothing is set
		ok(R + "attach map uno dos");
		check_refusal(xfwd(R + "route set dos uno --in-vlan 100" + macs), 1, {"dos", "ethtool -K dos", "Operation not supported"});
		CHECK(lines_of(xfwd(R + "route list").out).size() == 2); // header, "(no routes)"
		r = ok(R + "route set dos uno --in-vlan 300.10 --out-vlan ad:100 --vlan-offload-off" + macs);
		CHECK_MESSAGE(contains(r.out, both_off + "dos (ifindex"), r);
		CHECK_MESSAGE(contains(r.out, " in-vlan 300.10 out-vlan ad:100\n"), r);
		CHECK(offloads_in(s.router(), "dos").empty());
		// tags only on the way out need no offload turned off; an untagged route says nothing of tags
		r = ok(R + "route set uno dos --out-vlan q:7.8" + macs);
		CHECK_MESSAGE(contains(r.out, " in-vlan none out-vlan q:7.8\n"), r);
		CHECK_MESSAGE(!contains(r.out, "turned"), r);
		r = ok(R + "route list");
		CHECK_MESSAGE(lines_of(r.out).size() == 3, r);
		CHECK_MESSAGE(contains(r.out, "in-vlan 300.10 out-vlan ad:100"), r);
		CHECK_MESSAGE(contains(r.out, "in-vlan none out-vlan q:7.8"), r);
		r = ok(R + "route list --json");
		CHECK(python_json(r.out, "sorted([x['ingress']['interface'], x['in_vlan'], x['out_vlan']] for x in d['programs'][0]['routes'])") ==
		      R"([["dos", "300.10", "ad:100"], ["uno", "none", "q:7.8"]])");
		r = ok(R + "status dos --json");
		CHECK(python_json(r.out, "[d['interfaces'][0]['map']['route'][k] for k in ('in_vlan', 'out_vlan')]") == R"(["300.10", "ad:100"])");
		r = ok(R + "route set uno dos" + macs);
		CHECK_MESSAGE(!contains(r.out, "vlan"), r);
		CHECK_MESSAGE(contains(ok(R + "route list").out, "in-vlan 300.10 out-vlan ad:100"), r);
		ok(R + "detach uno dos");
		router_clean();

		// attach map --vlan-offload-off: off on every port at once, so that route set needs no flag
		xdpfwd::test::must("ip -n " + s.router() + " link add extra0 type veth peer name extra1");
		xdpfwd::test::must("ip -n " + s.router() + " link set extra0 up");
		xdpfwd::test::must("ip -n " + s.router() + " link set extra1 up");
		REQUIRE(!offloads_in(s.router(), "extra0").empty());
		r = ok(R + "attach map extra0 uno --vlan-offload-off");
		CHECK_MESSAGE(contains(r.out, both_off + "extra0 (ifindex"), r);
		CHECK(offloads_in(s.router(), "extra0").empty());
		r = ok(R + "route set extra0 uno --in-vlan ad:4094" + macs);
		CHECK_MESSAGE(contains(r.out, "in-vlan ad:4094 out-vlan none"), r);
		ok(R + "detach extra0 uno");
		router_clean();
	}
	check_host_unchanged(before, xdpfwd::test::unique_name("cv"));
}

TEST_CASE("cli: Ctrl-C during the demo ends it within a second and leaves nothing behind")
{
	// On an idle machine it builds the scenario at 0.15 s and pings later (under load the moments
	// shift, so what it was doing is only reported). The demo records the signal, stops
	// at the next step (a ping is killed), removes its namespaces and then ends by the signal
	// itself: WIFSIGNALED, SIGINT (a shell shows 130).
	int round = 0;
	for (const double at : {0.15, 0.5, 2.0, 4.0}) {
		CAPTURE(at);
		const HostState before = HostState::now();
		const std::string prefix = xdpfwd::test::unique_name("cd" + std::to_string(++round));
		for (const char* role : {"-router", "-uno", "-dos"})
			xdpfwd::test::track(prefix + role); // removed by the fixture if the demo fails to
		std::vector<std::string> ids;
		{
			Background demo({"demo", "--prefix", prefix});
			// the programs running just before the signal: all must be gone after it
			std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, at - 0.2)));
			for (const std::string& where : {"-n " + prefix + "-router status", "-n " + prefix + "-uno status veth0",
							 "-n " + prefix + "-dos status veth0"})
				for (const auto& id : program_ids(xfwd(where).out))
					ids.push_back(id);
			std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, at - demo.age())));
			const double took = demo.interrupt(SIGINT);
			MESSAGE("SIGINT at ", at, " s, exit ", took, " s later; ", ids.size(), " programs then; output:\n", demo.output());
			CHECK_MESSAGE(WIFSIGNALED(demo.status()), demo.output());
			CHECK(WTERMSIG(demo.status()) == SIGINT);
			CHECK(contains(demo.output(), "xdpfwd: interrupted by SIGINT"));
			CHECK_MESSAGE(took < 1.0, "the demo took ", took, " s to end after SIGINT");
		}
		check_host_unchanged(before, prefix);
		for (const auto& id : ids)
			CHECK_MESSAGE(program_gone(id), "BPF program id ", id, " still exists");
	}
}
