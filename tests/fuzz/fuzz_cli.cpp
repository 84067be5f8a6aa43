// libFuzzer target: the xdpfwd command line's parsing. The input is split at NUL bytes into
// arguments and parsed by the CLI's own commands (add_port_commands, add_stats_command,
// add_scenario_commands, add_run_command, the validators behind them); the action a command line
// selects is never run. A parse may succeed or end in CLI11's or the CLI's usage error, or in an
// Error from binding `run --metrics` (the one thing parsing does to the system); any other
// exception, a crash or a sanitizer report is a finding. The binds happen in a network namespace
// of the fuzzer's own, with only lo: nothing listens on the host's addresses.
//
// main() builds the App inline, so the lines that make the top level (-n, -v, help) are repeated
// here; tools/xdpfwd/main.cpp is compiled in with its main() renamed, for on_command() and
// needs_subcommand().
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../../tools/xdpfwd/cli.hpp"

// A network namespace of our own with lo up, so that `run --metrics 127.0.0.1:9100` binds there.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	if (::unshare(CLONE_NEWNET) != 0) {
		std::perror("fuzz_cli: unshare(CLONE_NEWNET) (run as root: `run --metrics` binds sockets)");
		std::exit(1);
	}
	const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifreq lo{};
	std::strcpy(lo.ifr_name, "lo");
	if (fd < 0 || ::ioctl(fd, SIOCGIFFLAGS, &lo) != 0 || (lo.ifr_flags |= IFF_UP, ::ioctl(fd, SIOCSIFFLAGS, &lo) != 0)) {
		std::perror("fuzz_cli: set lo up");
		std::exit(1);
	}
	::close(fd);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	using namespace xdpfwd::cli;
	std::vector<std::string> args{"xdpfwd"};
	std::string current;
	for (std::size_t i = 0; i < size && args.size() < 32; ++i) {
		if (data[i] == 0) {
			args.push_back(current);
			current.clear();
		} else {
			current += static_cast<char>(data[i]);
		}
	}
	args.push_back(current);
	std::vector<char*> argv;
	for (std::string& arg : args)
		argv.push_back(arg.data());

	CLI::App app("fuzz", "xdpfwd");
	app.fallthrough();
	std::string netns;
	app.add_option("-n,--netns", netns);
	bool verbose = false;
	app.add_flag("-v,--verbose", verbose);
	Action action;
	add_port_commands(app, action);
	add_stats_command(app, action);
	add_scenario_commands(app, action);
	add_run_command(app, action);
	on_command(app.add_subcommand("help")->group(""), action, [] { return exit_ok; });
	try {
		app.parse(static_cast<int>(argv.size()), argv.data());
	} catch (const CLI::ParseError&) {
	} catch (const UsageError&) {
	} catch (const xdpfwd::Error& e) {
		// only binding --metrics may fail like this while parsing
		if (std::strstr(e.what(), "for --metrics") == nullptr)
			throw;
	}
	return 0;
}
