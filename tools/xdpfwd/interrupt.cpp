#include "interrupt.hpp"

#include <string.h>

#include <string>

namespace xdpfwd::cli {

namespace {

volatile std::sig_atomic_t recorded = 0;
constexpr int handled[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void record(int signal) { recorded = signal; }

} // namespace

InterruptHandlers::InterruptHandlers()
{
	recorded = 0;
	struct sigaction action {};
	action.sa_handler = record;
	sigemptyset(&action.sa_mask);
	for (std::size_t i = 0; i < std::size(handled); ++i)
		::sigaction(handled[i], &action, &previous_[i]);
}

InterruptHandlers::~InterruptHandlers()
{
	for (std::size_t i = 0; i < std::size(handled); ++i)
		::sigaction(handled[i], &previous_[i], nullptr);
}

int interrupted() noexcept { return recorded; }

Interrupted::Interrupted(int signal)
    : std::runtime_error(std::string("interrupted by SIG") + ::sigabbrev_np(signal)), signal(signal)
{
}

void throw_if_interrupted()
{
	if (const int signal = interrupted())
		throw Interrupted(signal);
}

} // namespace xdpfwd::cli
