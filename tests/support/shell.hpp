// Shell commands, as the tests and the benchmark run them (ip, sysctl, ping, ethtool...).
#pragma once

#include <string>

namespace xdpfwd::test {

/// Runs a shell command, output discarded; returns its exit status (-1: it did not exit).
int run(const std::string& command);

/// Runs a shell command and returns what it printed (stdout and stderr).
std::string output(const std::string& command, int* status = nullptr);

/// Runs a command that must succeed; throws std::runtime_error with its output otherwise.
void must(const std::string& command);

} // namespace xdpfwd::test
