#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

TEST_CASE("every program loads")
{
	xdpfwd::PassProgram pass;
	xdpfwd::MapForwarder map;
	xdpfwd::FibForwarder fib(xdpfwd::FibLookup::direct);
	CHECK(pass.program().name() == "xdpfwd_pass");
	CHECK(fib.lookup() == xdpfwd::FibLookup::direct);
	CHECK(xdpfwd::FibForwarder().lookup() == xdpfwd::FibLookup::full);
	CHECK(pass.stats().snapshot().total_packets() == 0);
}
