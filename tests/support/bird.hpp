// BIRD 2 (Debian's bird2) inside a test namespace: a generated configuration, its own control
// socket and log in a temporary directory, and birdc through that socket.
//
// BIRD stops by itself: it runs under timeout(1) (at most max_lifetime), and the timeout process
// gets SIGTERM when the test process dies (PR_SET_PDEATHSIG), which it passes on to BIRD. The
// destructor stops it and removes the directory; a test killed with SIGKILL leaves the
// directory, which the next Bird removes (its name holds the pid that made it, as the
// namespaces' do).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "netns.hpp"
#include "shell.hpp"

namespace xdpfwd::test {

class Bird {
public:
	static constexpr int max_lifetime_s = 300; ///< meson's timeout for a test binary

	/// Starts BIRD in `ns` with `config` (without a log statement: one is added), and waits
	/// until its control socket answers.
	Bird(const Netns& ns, const std::string& config)
	{
		remove_stale_directories();
		std::string pattern = (std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()) + "-XXXXXX")).string();
		if (!::mkdtemp(pattern.data()))
			throw std::runtime_error("mkdtemp " + pattern + " failed");
		dir_ = pattern;
		try {
			std::ofstream(dir_ / "bird.conf") << "log \"" << (dir_ / "bird.log").string() << "\" all;\n" << config;
			start(ns);
			const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
			while (run("birdc -s " + socket() + " show status >/dev/null 2>&1") != 0) {
				if (std::chrono::steady_clock::now() > deadline || ::waitpid(pid_, nullptr, WNOHANG) == pid_)
					throw std::runtime_error("bird did not start in " + ns.name() + ":\n" + log());
				std::this_thread::sleep_for(std::chrono::milliseconds(20));
			}
		} catch (...) {
			stop();
			throw;
		}
	}
	Bird(const Bird&) = delete;
	Bird& operator=(const Bird&) = delete;
	~Bird() { stop(); }

	/// What `birdc COMMAND` printed (the control socket is a file: no namespace needed).
	std::string birdc(const std::string& command) const
	{
		int status = 0;
		std::string text = output("birdc -s " + socket() + " " + command, &status);
		if (status != 0)
			throw std::runtime_error("birdc " + command + " failed: " + text);
		return text;
	}

	/// BIRD's log so far (and what it printed).
	[[nodiscard]] std::string log() const
	{
		std::ostringstream text;
		for (const char* name : {"bird.log", "stdout"})
			text << std::ifstream(dir_ / name).rdbuf();
		return text.str();
	}

	[[nodiscard]] std::string socket() const { return (dir_ / "bird.ctl").string(); }

private:
	static constexpr const char* prefix = "xfwdt-bird-";

	void start(const Netns& ns)
	{
		const std::string command = ns.exec("timeout " + std::to_string(max_lifetime_s) + " bird -f -c " +
						    (dir_ / "bird.conf").string() + " -s " + socket() + " -P " +
						    (dir_ / "bird.pid").string());
		const std::string out = (dir_ / "stdout").string();
		const pid_t parent = ::getpid();
		pid_ = ::fork();
		if (pid_ < 0)
			throw std::runtime_error("fork failed");
		if (pid_ == 0) {
			::prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (::getppid() != parent)
				::_exit(1); // the test died before the line above
			::setpgid(0, 0); // a group of its own: stop() ends ip, timeout and bird together
			::execl("/bin/sh", "sh", "-c", ("exec " + command + " >" + out + " 2>&1").c_str(), nullptr);
			::_exit(127);
		}
	}

	void stop() noexcept
	{
		if (pid_ > 0) {
			::kill(-pid_, SIGTERM); // timeout passes it on to bird, which shuts down
			bool ended = false;
			for (int i = 0; i < 500 && !ended; ++i) {
				ended = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
				if (!ended)
					std::this_thread::sleep_for(std::chrono::milliseconds(10));
			}
			if (!ended) {
				::kill(-pid_, SIGKILL);
				::waitpid(pid_, nullptr, 0);
			}
			pid_ = -1;
		}
		std::error_code ignored;
		if (!dir_.empty())
			std::filesystem::remove_all(dir_, ignored);
	}

	/// Directories of Birds whose test process is gone (killed with SIGKILL, say).
	static void remove_stale_directories() noexcept
	{
		std::error_code error;
		for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), error)) {
			const std::string name = entry.path().filename().string();
			if (name.rfind(prefix, 0) != 0)
				continue;
			const int pid = std::atoi(name.c_str() + std::char_traits<char>::length(prefix));
			if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
				std::error_code ignored;
				std::filesystem::remove_all(entry.path(), ignored);
			}
		}
	}

	std::filesystem::path dir_;
	pid_t pid_ = -1;
};

} // namespace xdpfwd::test
