// xdpfwd: load, configure, watch and remove XDP forwarders; build the namespace scenario.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli.hpp"

namespace xdpfwd::cli {

namespace {

constexpr const char* usage = R"(usage: xdpfwd [-n NETNS] COMMAND [ARGS] [--help]

Commands:
  attach MODE IF...      load a forwarder and leave it attached (static, map, fib, pass)
  route set|list|del     map mode: which egress and MACs each ingress port uses
  detach IF...           remove what xdpfwd attached to interfaces
  status [IF...]         what is attached where: mode, program id, ports
  stats IF               packets, bytes and rates per XDP action, and fib reasons
  scenario up|down       build or remove the uno/dos/router namespace topology
  demo                   forward real traffic in every mode through a scenario

Options for every command:
  -n, --netns NAME       work in network namespace NAME (as `ip -n`); works under `ip netns exec` too
  -v, --verbose          show libbpf's messages (verifier logs, kernel explanations)
  -h, --help             help for a command: `xdpfwd attach --help`

Exit status: 0 done; 1 the system refused or something named does not exist; 2 bad command line.
)";

bool verbose = false;

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args)
{
	(void)level;
	if (!verbose)
		return 0; // one line per failure: the Error says what and why; --verbose has the rest
	return std::vfprintf(stderr, format, args);
}

// Pulls `-n NAME` / `--netns NAME` / `-v` out of the words, wherever they stand.
std::optional<std::string> take_global_options(std::vector<std::string>& words)
{
	std::optional<std::string> netns;
	for (std::size_t i = 0; i < words.size();) {
		if ((words[i] == "-n" || words[i] == "--netns")) {
			if (i + 1 >= words.size())
				throw UsageError(words[i] + " needs a namespace name");
			netns = words[i + 1];
			words.erase(words.begin() + static_cast<long>(i), words.begin() + static_cast<long>(i) + 2);
		} else if (words[i] == "-v" || words[i] == "--verbose") {
			verbose = true;
			words.erase(words.begin() + static_cast<long>(i));
		} else {
			++i;
		}
	}
	return netns;
}

int dispatch(const std::string& command, const std::vector<std::string>& rest)
{
	if (command == "attach")
		return cmd_attach(rest);
	if (command == "detach")
		return cmd_detach(rest);
	if (command == "status")
		return cmd_status(rest);
	if (command == "route")
		return cmd_route(rest);
	if (command == "stats")
		return cmd_stats(rest);
	if (command == "scenario")
		return cmd_scenario(rest);
	if (command == "demo")
		return cmd_demo(rest);
	throw UsageError("unknown command \"" + command + "\"");
}

} // namespace

int run(const std::vector<std::string>& argv, bool quiet, int stderr_fd)
{
	std::fflush(nullptr);
	const pid_t pid = ::fork();
	if (pid < 0)
		throw Error(errno, "start " + argv.front());
	if (pid == 0) {
		if (quiet) {
			std::freopen("/dev/null", "w", stdout);
			std::freopen("/dev/null", "w", stderr);
		}
		if (stderr_fd >= 0)
			::dup2(stderr_fd, STDERR_FILENO);
		std::vector<char*> args;
		for (const auto& a : argv)
			args.push_back(const_cast<char*>(a.c_str()));
		args.push_back(nullptr);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void must(const std::vector<std::string>& argv)
{
	// keep the command's first complaint for the error message
	char path[] = "/tmp/xdpfwd-stderr-XXXXXX";
	const UniqueFd err(::mkstemp(path));
	if (err)
		::unlink(path);
	if (run(argv, true, err.get()) == 0)
		return;
	std::string line;
	for (const auto& a : argv)
		line += (line.empty() ? "" : " ") + a;
	std::string complaint;
	if (err) {
		char text[512] = {};
		const ssize_t got = ::pread(err.get(), text, sizeof(text) - 1, 0);
		complaint.assign(text, got > 0 ? static_cast<std::size_t>(got) : 0);
		complaint = complaint.substr(0, complaint.find('\n'));
	}
	throw Error(EIO, "run `" + line + "`", complaint.empty() ? "the command failed" : "it said: " + complaint);
}

} // namespace xdpfwd::cli

int main(int argc, char** argv)
{
	using namespace xdpfwd::cli;
	std::vector<std::string> words(argv + 1, argv + argc);
	try {
		const auto netns = take_global_options(words);
		libbpf_set_print(print_libbpf);
		if (words.empty() || words[0] == "-h" || words[0] == "--help" || words[0] == "help") {
			std::cout << usage;
			return words.empty() ? exit_usage : exit_ok;
		}
		std::optional<xdpfwd::NetnsScope> scope;
		if (netns) {
			try {
				scope.emplace(*netns);
			} catch (const xdpfwd::Error& e) {
				if (e.code().value() == ENOENT)
					throw xdpfwd::Error(ENOENT, "enter network namespace \"" + *netns + "\"",
							    "no such namespace (ip netns list shows them)");
				throw;
			}
		}
		return dispatch(words[0], std::vector<std::string>(words.begin() + 1, words.end()));
	} catch (const UsageError& e) {
		std::cerr << "xdpfwd: " << e.what() << " (xdpfwd --help)\n";
		return exit_usage;
	} catch (const xdpfwd::Error& e) {
		std::cerr << "xdpfwd: " << e.what() << "\n";
		return exit_failed;
	} catch (const std::exception& e) {
		std::cerr << "xdpfwd: " << e.what() << "\n";
		return exit_failed;
	}
}
