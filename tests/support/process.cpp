#include "process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>

#include "cleanup.hpp"

namespace xdpfwd::test {

int in_child(const std::function<int()>& body)
{
	std::fflush(nullptr);
	const pid_t pid = ::fork();
	if (pid < 0)
		throw std::runtime_error("fork failed");
	if (pid == 0) {
		restore_default_signals();
		int status = 99;
		try {
			status = body();
		} catch (const std::exception& e) {
			std::fprintf(stderr, "child: %s\n", e.what());
		}
		std::fflush(nullptr);
		::_exit(status);
	}
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string self_exe()
{
	char path[4096] = {};
	const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		throw std::runtime_error("readlink /proc/self/exe failed");
	return std::string(path, static_cast<std::size_t>(n));
}

bool bpffs_mounted()
{
	std::ifstream mounts("/proc/self/mounts");
	std::string device, where, type, rest;
	while (mounts >> device >> where >> type && std::getline(mounts, rest))
		if (where == "/sys/fs/bpf" && type == "bpf")
			return true;
	return false;
}

} // namespace xdpfwd::test
