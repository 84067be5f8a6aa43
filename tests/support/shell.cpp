#include "shell.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace xdpfwd::test {

// Every command goes through popen, never std::system: system() ignores SIGINT in the whole
// process while its child runs, and Ctrl-C must reach the cleanup in cleanup.cpp.
int run(const std::string& command)
{
	int status = 0;
	output(command, &status);
	return status;
}

std::string output(const std::string& command, int* status)
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

void must(const std::string& command)
{
	int status = 0;
	const std::string text = output(command, &status);
	if (status != 0)
		throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + text);
}

} // namespace xdpfwd::test
