#include "cleanup.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "shell.hpp"

namespace xdpfwd::test {
namespace {

constexpr int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

// What the handler touches: lock-free, trivially initialised, never destroyed.
sem_t wake;
volatile sig_atomic_t first_signal = 0;
volatile sig_atomic_t last_signal = 0;

extern "C" void on_signal(int sig)
{
	const int saved = errno;
	if (!first_signal)
		first_signal = sig;
	last_signal = sig;
	::sem_post(&wake); // async-signal-safe
	errno = saved;
}

// Never destroyed: the cleanup thread and the exit handler may run after static destructors.
struct Registry {
	std::mutex mutex;
	std::set<std::string> names;
	std::string prefix;
	OnSignal on_signal = OnSignal::clean_up;
};

Registry& registry()
{
	static auto* r = new Registry;
	return *r;
}

void delete_namespaces(const std::set<std::string>& names) noexcept
{
	for (const auto& name : names) {
		try {
			run("ip netns del " + name);
		} catch (...) {
			// popen failed: the next run's sweep removes it
		}
	}
}

void remove_at_exit()
{
	Registry& r = registry();
	std::lock_guard lock(r.mutex);
	delete_namespaces(r.names);
	r.names.clear();
}

[[noreturn]] void clean_up_and_die(int sig)
{
	Registry& r = registry();
	r.mutex.lock(); // kept: no namespace is made or tracked any more
	delete_namespaces(r.names);
	::signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
	::raise(sig);
	::_exit(128 + sig);
}

void cleanup_thread()
{
	for (int seen = 1;; ++seen) {
		while (::sem_wait(&wake) != 0) {
		}
		if (registry().on_signal == OnSignal::stop_then_clean_up && seen == 1)
			continue; // the main thread stops by itself; a second signal means now
		clean_up_and_die(last_signal);
	}
}

/// Deletes namespaces named <prefix><pid>-... whose pid no longer runs.
void sweep_stale_namespaces(const std::string& prefix, const std::function<void(const std::string&)>& on_remove)
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

} // namespace

void prepare_process(const ProcessSetup& setup)
{
	Registry& r = registry();
	{
		std::lock_guard lock(r.mutex);
		if (!r.prefix.empty())
			throw std::logic_error("prepare_process called twice");
		r.prefix = setup.netns_prefix;
		r.on_signal = setup.on_signal;
	}
	sweep_stale_namespaces(setup.netns_prefix, setup.on_stale);
	std::atexit(remove_at_exit);

	::sem_init(&wake, 0, 0);
	// the thread is started with the signals blocked, so that they reach the main thread and
	// interrupt what it is blocked in
	sigset_t blocked, previous;
	sigemptyset(&blocked);
	for (const int sig : stop_signals)
		sigaddset(&blocked, sig);
	::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
	std::thread(cleanup_thread).detach();
	::pthread_sigmask(SIG_SETMASK, &previous, nullptr);

	struct sigaction action {};
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	for (const int sig : stop_signals)
		::sigaction(sig, &action, nullptr);
}

const std::string& netns_prefix()
{
	const Registry& r = registry();
	if (r.prefix.empty())
		throw std::logic_error("xdpfwd::test::prepare_process() was not called");
	return r.prefix;
}

void track(const std::string& name)
{
	Registry& r = registry();
	std::lock_guard lock(r.mutex);
	r.names.insert(name);
}

void untrack(const std::string& name)
{
	Registry& r = registry();
	std::lock_guard lock(r.mutex);
	r.names.erase(name);
}

int stop_signal() noexcept { return first_signal; }

void restore_default_signals() noexcept
{
	for (const int sig : stop_signals)
		::signal(sig, SIG_DFL);
}

} // namespace xdpfwd::test
