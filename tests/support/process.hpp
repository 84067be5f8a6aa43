// Other processes a test starts (a forked child, its own binary again) and what this process
// sees of the host's mounts.
#pragma once

#include <functional>
#include <string>

namespace xdpfwd::test {

/// Runs `body` in a forked child and returns its exit status: what body returns, 99 if it
/// threw (the message goes to stderr), 128 + N if signal N ended it. The child leaves with
/// _exit: no exit handler of the test process (which deletes its namespaces) runs there, but
/// body's own locals are destroyed as usual.
int in_child(const std::function<int()>& body);

/// The path of this process's binary (to run it again, as a role: see roles.hpp).
std::string self_exe();

/// True when a bpf filesystem is mounted at /sys/fs/bpf in this process's mount namespace.
bool bpffs_mounted();

} // namespace xdpfwd::test
