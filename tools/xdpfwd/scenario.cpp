// scenario up/down and demo.
#include "scenario.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "interrupt.hpp"

namespace xdpfwd::cli {

namespace {

bool netns_exists(const std::string& name)
{
	struct stat st{};
	return ::stat(("/run/netns/" + name).c_str(), &st) == 0;
}

bool link_exists(const std::string& netns, const std::string& name)
{
	return run({"ip", "-n", netns, "link", "show", "dev", name}) == 0;
}

void sysctl(const std::string& netns, const std::string& setting)
{
	must({"ip", "netns", "exec", netns, "sysctl", "-qw", setting});
}

// Attaches xdpfwd_pass to veth0 inside a host namespace unless it runs there already.
void ensure_pass(const std::string& netns)
{
	const NetnsScope scope(netns);
	const unsigned veth0 = ifindex_of("veth0");
	const auto attached = find_attached(veth0);
	if (attached && attached->kind == ForwarderKind::pass)
		return;
	PassProgram pass;
	pass.attach(veth0, {.persistent = true});
}

// A frame XDP redirects from veth to veth loses the skb's "checksum left to the NIC" state, so
// UDP and TCP sent with veth0's default TX checksum offload would arrive with unfinished
// checksums and be dropped (ping is unaffected: ICMP is summed in software). Sum in software.
void disable_tx_checksum_offload(const std::string& netns)
{
	const NetnsScope scope(netns);
	const UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	ethtool_value value{ETHTOOL_STXCSUM, 0};
	ifreq request{};
	std::strncpy(request.ifr_name, "veth0", IFNAMSIZ - 1);
	request.ifr_data = reinterpret_cast<char*>(&value);
	if (!sock || ::ioctl(sock.get(), SIOCETHTOOL, &request) != 0)
		throw Error(errno, "turn off TX checksum offload on veth0 in \"" + netns + "\"");
}

MacAddress host_mac(const std::string& netns)
{
	const NetnsScope scope(netns);
	return mac_of(ifindex_of("veth0"));
}

} // namespace

const Host& Scenario::uno()
{
	static const Host host{"uno", "192.0.2", "2001:db8:1"};
	return host;
}

const Host& Scenario::dos()
{
	static const Host host{"dos", "198.51.100", "2001:db8:2"};
	return host;
}

bool Scenario::exists() const { return netns_exists(router()); }

void Scenario::up()
{
	for (const std::string& name : {router(), ns(uno()), ns(dos())}) {
		if (!netns_exists(name))
			must({"ip", "netns", "add", name});
		must({"ip", "-n", name, "link", "set", "lo", "up"});
	}
	sysctl(router(), "net.ipv4.conf.all.forwarding=1");
	sysctl(router(), "net.ipv6.conf.all.forwarding=1");
	for (const Host* host : {&uno(), &dos()}) {
		const std::string hostns = ns(*host);
		if (!link_exists(router(), host->role))
			must({"ip", "link", "add", host->role, "netns", router(), "type", "veth", "peer", "name", "veth0", "netns", hostns});
		must({"ip", "-n", router(), "addr", "replace", host->v4_net + ".1/24", "dev", host->role});
		must({"ip", "-n", router(), "addr", "replace", host->v6_net + "::1/64", "dev", host->role, "nodad"});
		must({"ip", "-n", hostns, "addr", "replace", host->v4() + "/24", "dev", "veth0"});
		must({"ip", "-n", hostns, "addr", "replace", host->v6() + "/64", "dev", "veth0", "nodad"});
		must({"ip", "-n", router(), "link", "set", host->role, "up"});
		must({"ip", "-n", hostns, "link", "set", "veth0", "up"});
		must({"ip", "-n", hostns, "route", "replace", "default", "via", host->v4_net + ".1"});
		must({"ip", "-n", hostns, "-6", "route", "replace", "default", "via", host->v6_net + "::1"});
		disable_tx_checksum_offload(hostns);
		ensure_pass(hostns);
	}
}

bool Scenario::down()
{
	bool any = false;
	for (const std::string& name : {router(), ns(uno()), ns(dos())}) {
		if (netns_exists(name)) {
			run({"ip", "netns", "del", name});
			any = true;
		}
	}
	return any;
}

void Scenario::unwire()
{
	const NetnsScope scope(router());
	for (const Host* host : {&uno(), &dos()})
		detach_xdpfwd(ifindex_of(host->role));
}

void Scenario::wire(const std::string& mode)
{
	unwire();
	const MacAddress uno_host = host_mac(ns(uno()));
	const MacAddress dos_host = host_mac(ns(dos()));
	const NetnsScope scope(router());
	const unsigned uno_port = ifindex_of(uno().role);
	const unsigned dos_port = ifindex_of(dos().role);
	if (mode == "static") {
		StaticForwarder forwarder({uno_port, uno_host, mac_of(uno_port)});
		forwarder.add_port(dos_port);
		forwarder.persist();
	} else if (mode == "map") {
		MapForwarder forwarder;
		forwarder.add_port(dos_port, {uno_port, uno_host, mac_of(uno_port), {}, {}}); // untagged both ways
		forwarder.add_port(uno_port, {dos_port, dos_host, mac_of(dos_port), {}, {}});
		forwarder.persist();
	} else if (mode == "fib" || mode == "fib-full" || mode == "fib-direct") {
		FibForwarder forwarder(mode == "fib-direct" ? FibLookup::direct : FibLookup::full);
		forwarder.add_port(uno_port);
		forwarder.add_port(dos_port);
		forwarder.persist();
	} else {
		throw UsageError("unknown mode \"" + mode + "\": use static, map or fib");
	}
}

namespace {

struct ScenarioArgs {
	std::string prefix = "xdpfwd";
	std::string mode;
	std::string lookup = "full";
};

int scenario_up(const ScenarioArgs& args)
{
	Scenario scenario(args.prefix);
	const std::string mode = args.mode == "fib" ? "fib-" + args.lookup : args.mode;
	const InterruptHandlers handlers; // Ctrl-C removes what was built so far
	try {
		scenario.up();
		if (!mode.empty())
			scenario.wire(mode);
	} catch (...) {
		scenario.down(); // leave nothing half-built
		throw;
	}
	std::cout << "scenario up: " << scenario.router() << ", " << scenario.ns(Scenario::uno()) << " ("
		  << Scenario::uno().v4() << ", " << Scenario::uno().v6() << "), " << scenario.ns(Scenario::dos()) << " ("
		  << Scenario::dos().v4() << ", " << Scenario::dos().v6() << ")" << (mode.empty() ? "" : ", mode " + mode)
		  << "\n";
	return exit_ok;
}

int scenario_down(const ScenarioArgs& args)
{
	Scenario scenario(args.prefix);
	const bool any = scenario.down();
	// down() ignores `ip netns del` failing (it also runs from destructors): say so here
	for (const std::string& name : {scenario.router(), scenario.ns(Scenario::uno()), scenario.ns(Scenario::dos())})
		if (netns_exists(name))
			throw Error(EPERM, "remove network namespace \"" + name + "\"",
				    "`ip netns del` failed: it needs CAP_SYS_ADMIN (run as root)");
	std::cout << (any ? "scenario down" : "no scenario with that prefix") << "\n";
	return exit_ok;
}

/// Pings `address` from `from_ns` three times; a recorded signal ends the ping and the demo.
bool ping(const std::string& from_ns, const std::string& address)
{
	const bool ok = run({"ip", "netns", "exec", from_ns, "ping", "-c", "3", "-i", "0.2", "-W", "1", "-q", address},
			    {.interruptible = true}) == 0;
	throw_if_interrupted();
	std::cout << "  ping " << from_ns << " -> " << address << ": " << (ok ? "ok" : "FAILED") << "\n";
	return ok;
}

int demo(const std::string& prefix)
{
	// The handlers only record a signal; the steps below notice it (must(), ping(), the checks
	// between modes) and throw Interrupted, and `cleanup` removes the namespaces while the
	// exception unwinds, in normal context.
	const InterruptHandlers handlers;
	Scenario scenario(prefix.empty() ? "xfwd-demo-" + std::to_string(::getpid()) : prefix);
	struct Cleanup {
		Scenario& s;
		~Cleanup() { s.down(); }
	} cleanup{scenario};

	scenario.up();
	std::cout << "scenario " << scenario.router() << " is up: dos " << Scenario::dos().v4() << " <-> router <-> uno "
		  << Scenario::uno().v4() << "\n";
	bool all_ok = true;
	for (const std::string mode : {"static", "map", "fib-full", "fib-direct"}) {
		std::cout << "\n== " << mode << (mode == "static" ? " (dos -> uno; replies through the kernel)" : " (both ways)") << "\n";
		scenario.wire(mode);
		throw_if_interrupted();
		std::optional<NetnsScope> in_router(std::in_place, scenario.router());
		const unsigned dos_port = ifindex_of("dos");
		const auto attached = find_attached(dos_port);
		const StatsReader stats(attached->program);
		in_router.reset();
		const StatsSnapshot before = stats.snapshot();

		bool ok = ping(scenario.ns(Scenario::dos()), Scenario::uno().v4());
		ok = ping(scenario.ns(Scenario::dos()), Scenario::uno().v6()) && ok;
		if (mode != "static") {
			ok = ping(scenario.ns(Scenario::uno()), Scenario::dos().v4()) && ok;
			ok = ping(scenario.ns(Scenario::uno()), Scenario::dos().v6()) && ok;
		}
		const StatsSnapshot after = stats.snapshot();
		print_stats_text("router dos: " + attached->program.name() + " id " + std::to_string(attached->program.id()),
				 after, rates_between(before, after));
		const auto redirected = after[XdpAction::redirect].packets - before[XdpAction::redirect].packets;
		const bool forwarded = redirected >= 6; // 3 IPv4 + 3 IPv6 echo requests at least
		std::cout << "  " << mode << ": " << redirected << " packets redirected in XDP on dos -> "
			  << (ok && forwarded ? "ok" : "FAILED") << "\n";
		all_ok = all_ok && ok && forwarded;
		scenario.unwire();
		throw_if_interrupted();
	}
	std::cout << "\ncleaning up " << scenario.router() << "\n";
	return all_ok ? exit_ok : exit_failed;
}

} // namespace

void add_scenario_commands(CLI::App& app, Action& action)
{
	auto args = std::make_shared<ScenarioArgs>();
	CLI::App* scenario = app.add_subcommand("scenario", "build or remove the uno/dos/router namespace topology\n"
	    "Builds (or removes) the namespaces P-uno, P-dos and P-router (P defaults to xdpfwd): veth pairs\n"
	    "router:uno <-> P-uno:veth0 and router:dos <-> P-dos:veth0, 192.0.2.0/24 and 2001:db8:1::/64 on\n"
	    "the uno side, 198.51.100.0/24 and 2001:db8:2::/64 on the dos side, default routes through the\n"
	    "router, forwarding on in the router, xdpfwd_pass on each veth0. Both are idempotent.");
	scenario->footer("example: xdpfwd scenario up --prefix lab --mode fib && ip netns exec lab-dos ping 192.0.2.2");
	needs_subcommand(scenario, "an action");
	scenario->add_option("--prefix", args->prefix, "namespace names start with P-")->option_text("P (default xdpfwd)");

	CLI::App* up = scenario->add_subcommand("up", "create what is missing (Ctrl-C removes it again)")->group("Actions");
	up->add_option("--mode", args->mode, "also wire the router: static (dos -> uno), map or fib (both ways)")
	    ->check(CLI::IsMember({"static", "map", "fib"}))
	    ->option_text("static|map|fib");
	up->add_option("--lookup", args->lookup, "fib mode's lookup")
	    ->check(CLI::IsMember({"full", "direct"}))
	    ->option_text("full|direct");
	on_command(up, action, [args] { return scenario_up(*args); });

	CLI::App* down = scenario->add_subcommand("down", "remove the namespaces, and with them every veth and program")
			     ->group("Actions");
	down->footer("example: xdpfwd scenario down --prefix lab");
	on_command(down, action, [args] { return scenario_down(*args); });

	auto prefix = std::make_shared<std::string>();
	CLI::App* demo_command = app.add_subcommand("demo", "forward real traffic in every mode through a scenario\n"
	    "Builds a scenario with a unique prefix, forwards ping traffic (IPv4 and IPv6) in static, map and\n"
	    "fib mode, prints the router's statistics for each, and removes everything, also on failure or\n"
	    "Ctrl-C. Exit status 1 if any mode failed to forward; interrupted, it ends by the signal (130).");
	demo_command->footer("example: xdpfwd demo");
	demo_command->add_option("--prefix", *prefix, "namespace names start with P- (default xfwd-demo-PID)")->option_text("P");
	on_command(demo_command, action, [prefix] { return demo(*prefix); });
}

} // namespace xdpfwd::cli
