// libFuzzer target: the xdpfwd command line's parsing. The input is split at NUL bytes into
// arguments and parsed by the CLI's own commands (add_port_commands, add_stats_command,
// add_scenario_commands, the validators behind them); the action a command line selects is never
// run. A parse may succeed or end in CLI11's or the CLI's usage error; any other exception, a
// crash or a sanitizer report is a finding.
//
// main() builds the App inline, so the lines that make the top level (-n, -v, help) are repeated
// here; tools/xdpfwd/main.cpp is compiled in with its main() renamed, for on_command() and
// needs_subcommand().
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../../tools/xdpfwd/cli.hpp"

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
	on_command(app.add_subcommand("help")->group(""), action, [] { return exit_ok; });
	try {
		app.parse(static_cast<int>(argv.size()), argv.data());
	} catch (const CLI::ParseError&) {
	} catch (const UsageError&) {
	}
	return 0;
}
