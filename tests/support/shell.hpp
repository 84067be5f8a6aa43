// Shell commands and stale-namespace sweeping, shared by the tests and the benchmark: both
// make namespaces named <prefix><pid>-..., and a run that died leaves them for the next one.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

namespace xdpfwd::test {

/// Runs a shell command, output discarded; returns its exit status.
inline int run(const std::string& command)
{
	const int status = std::system((command + " >/dev/null 2>&1").c_str());
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Runs a shell command and returns what it printed (stdout and stderr).
inline std::string output(const std::string& command, int* status = nullptr)
{
	std::string text;
	FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
	if (!pipe)
		throw std::runtime_error("popen failed: " + command);
	std::array<char, 4096> buffer;
	while (std::fgets(buffer.data(), buffer.size(), pipe))
		text += buffer.data();
	const int rc = ::pclose(pipe);
	if (status)
		*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return text;
}

/// Runs a command that must succeed; throws with its output otherwise.
inline void must(const std::string& command)
{
	int status = 0;
	const std::string text = output(command, &status);
	if (status != 0)
		throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + text);
}

/// Deletes namespaces named <prefix><pid>-... whose pid no longer runs; `on_remove` hears of each.
inline void sweep_stale_namespaces(const std::string& prefix,
				   const std::function<void(const std::string&)>& on_remove = {})
{
	const std::string stale = output("ip netns list | awk '{print $1}' | grep '^" + prefix + "' || true");
	std::size_t start = 0;
	while (start < stale.size()) {
		const std::size_t end = stale.find('\n', start);
		const std::string name = stale.substr(start, end - start);
		start = end == std::string::npos ? stale.size() : end + 1;
		const std::string pid = name.substr(prefix.size(), name.find('-', prefix.size()) - prefix.size());
		if (!pid.empty() && ::kill(std::atoi(pid.c_str()), 0) != 0) {
			if (on_remove)
				on_remove(name);
			run("ip netns del " + name);
		}
	}
}

} // namespace xdpfwd::test
