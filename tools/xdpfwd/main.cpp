// xdpfwd: load, configure, watch and remove XDP forwarders; build the namespace scenario.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

namespace xdpfwd::cli {

namespace {

/// CLI11's help, laid out as xdpfwd's always was: "usage:" first, then what the command does,
/// its arguments and options, its subcommands each with their own arguments, and the examples.
class Help : public CLI::Formatter {
public:
	Help()
	{
		label("Usage", "usage");
		label("Positionals", "Arguments");
		column_width(30);
	}

	std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override
	{
		if (mode == CLI::AppFormatMode::Sub)
			return make_expanded(app);
		return make_usage(app, name) + make_description(app) + make_positionals(app) + make_groups(app, mode) +
		       make_inherited(app) + make_subcommands(app, mode) + "\n" + make_footer(app);
	}

	std::string make_usage(const CLI::App* app, std::string name) const override
	{
		return get_label("Usage") + ": " + name + " " + synopsis(app) + (synopsis(app).empty() ? "" : " ") + "[options]\n";
	}

	std::string make_subcommand(const CLI::App* sub) const override
	{
		// a description's first line is its summary; the rest is for the command's own help
		const std::string description = sub->get_description();
		std::ostringstream out;
		CLI::detail::format_help(out, sub->get_name() + " " + synopsis(sub), description.substr(0, description.find('\n')),
					 column_width_);
		return out.str();
	}

	std::string make_option_opts(const CLI::Option* option) const override
	{
		return option->get_positional() ? std::string() : CLI::Formatter::make_option_opts(option);
	}

private:
	/// The options of the commands above, which this one accepts too (fallthrough): -n and -v
	/// everywhere, attach's in every mode.
	std::string make_inherited(const CLI::App* app) const
	{
		std::string text;
		for (const CLI::App* parent = app->get_parent(); parent; parent = parent->get_parent()) {
			const auto options = parent->get_options(
			    [parent](const CLI::Option* o) { return o->nonpositional() && o != parent->get_help_ptr(); });
			if (!options.empty())
				text += make_group(parent->get_parent() ? "Options of " + parent->get_name() : "Options of xdpfwd",
						   false, options);
		}
		return text;
	}

	/// "static|map|fib|pass ..." for a command with subcommands, else its arguments: "IN OUT [SRC_MAC]".
	std::string synopsis(const CLI::App* app) const
	{
		if (!app->get_parent())
			return "COMMAND ...";
		std::string text;
		for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
			text += (text.empty() ? "" : "|") + sub->get_name();
		if (!text.empty())
			return text + " ...";
		for (const CLI::Option* option : app->get_options([](const CLI::Option* o) { return o->get_positional(); }))
			text += (text.empty() ? "" : " ") + make_option_usage(option);
		return text;
	}
};

constexpr const char* description =
    "Loads, configures, watches and removes XDP forwarders; builds a namespace scenario to try them.";

constexpr const char* footer = R"(`xdpfwd COMMAND --help` describes a command; -n and -v may also follow it.
Exit status: 0 done; 1 the system refused or something named does not exist; 2 bad command line.)";

void enter_netns(const std::string& netns, std::optional<NetnsScope>& scope)
{
	try {
		scope.emplace(netns);
	} catch (const Error& e) {
		if (e.code().value() == ENOENT)
			throw Error(ENOENT, "enter network namespace \"" + netns + "\"",
				    "no such namespace (ip netns list shows them)");
		throw;
	}
}

void report(std::string_view message, bool usage)
{
	std::cerr << "xdpfwd: " << one_line(message) << (usage ? " (xdpfwd --help)" : "") << "\n";
}

} // namespace

void on_command(CLI::App* command, Action& action, Action run)
{
	command->callback([&action, run = std::move(run)] { action = run; });
}

void needs_subcommand(CLI::App* group, const std::string& what)
{
	group->callback([group, what] {
		if (!group->get_subcommands().empty())
			return;
		std::string choices;
		for (const CLI::App* sub : group->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
			choices += (choices.empty() ? "" : ", ") + sub->get_name();
		throw UsageError(group->get_name() + " needs " + what + ": " + choices);
	});
}

CLI::Validator number(const std::string& what, double min, double max, bool whole)
{
	return CLI::Validator(
	    [=](std::string& text) {
		    // strtod, not a stream: "inf", "nan" and "1e308" parse, and the range check refuses them
		    char* end = nullptr;
		    errno = 0;
		    const double n = std::strtod(text.c_str(), &end);
		    const bool parsed = !text.empty() && end == text.c_str() + text.size() && errno == 0;
		    if (parsed && std::isfinite(n) && n >= min && n <= max && (!whole || n == std::floor(n)))
			    return std::string();
		    return "takes " + what + ", not \"" + echo(text) + "\"";
	    },
	    "");
}

CLI::Validator parses_with(const std::function<void(const std::string&)>& parse, const std::string& name)
{
	return CLI::Validator(
	    [parse](std::string& text) {
		    try {
			    parse(text);
			    return std::string();
		    } catch (const std::exception& e) {
			    return std::string(e.what());
		    }
	    },
	    name);
}

std::string echo(std::string_view value)
{
	constexpr std::size_t longest = 64;
	if (value.size() <= longest)
		return std::string(value);
	return std::string(value.substr(0, longest)) + "... (" + std::to_string(value.size()) + " bytes)";
}

std::string one_line(std::string_view text)
{
	constexpr std::size_t longest = 1024; // a message that long has echoed something huge
	if (text.size() > longest)
		return one_line(text.substr(0, longest)) + "... (cut)";
	std::string result;
	for (const char c : text) {
		const auto byte = static_cast<unsigned char>(c);
		if (c == '\n')
			result += "\\n";
		else if (c == '\t')
			result += "\\t";
		else if (c == '\\')
			result += "\\\\";
		else if (byte < 0x20 || byte == 0x7f) {
			char escaped[5];
			std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
			result += escaped;
		} else
			result += c; // UTF-8 (the em dash of every hint) stays as it is
	}
	return result;
}

} // namespace xdpfwd::cli

int main(int argc, char** argv)
{
	using namespace xdpfwd::cli;
	CLI::App app(description, "xdpfwd");
	app.formatter(std::make_shared<Help>());
	app.fallthrough(); // -n and -v after the command: subcommands hand options they lack to us
	std::string netns;
	app.add_option("-n,--netns", netns, "work in network namespace NAME (as `ip -n`); `ip netns exec` works too")
	    ->option_text("NAME");
	bool verbose = false;
	app.add_flag("-v,--verbose", verbose, "show libbpf's messages (verifier logs, kernel explanations)");
	Action action;
	add_port_commands(app, action);
	add_stats_command(app, action);
	add_scenario_commands(app, action);
	add_run_command(app, action);
	for (CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; }))
		command->group("Commands");
	app.footer(footer); // after the commands: they would inherit it
	on_command(app.add_subcommand("help")->group(""), action, [&] {
		// app.help() would describe the subcommand given: this one
		std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
		return exit_ok;
	});

	try {
		try {
			app.parse(argc, argv);
		} catch (const CLI::CallForHelp&) {
			std::cout << app.help();
			return exit_ok;
		}
		// one line per failure: the Error says what and why; --verbose adds libbpf's own account
		xdpfwd::set_libbpf_log(verbose ? xdpfwd::LibbpfLog::to_stderr : xdpfwd::LibbpfLog::off);
		if (!action) {
			std::cout << app.help();
			return exit_usage;
		}
		// Parsing ran the commands' callbacks here, in the namespace xdpfwd started in: `run`
		// bound its --metrics listener there, and it stays there.
		std::optional<xdpfwd::NetnsScope> scope;
		if (!netns.empty())
			enter_netns(netns, scope);
		return action();
	} catch (const CLI::ParseError& e) {
		report(e.what(), true);
		return exit_usage;
	} catch (const UsageError& e) {
		report(e.what(), true);
		return exit_usage;
	} catch (const Interrupted& e) {
		report(e.what(), false);
		// end as the signal would have ended us, so that a shell sees it (status 130 for SIGINT)
		std::signal(e.signal, SIG_DFL);
		std::raise(e.signal);
		return 128 + e.signal;
	} catch (const std::exception& e) {
		report(e.what(), false);
		return exit_failed;
	}
}
