#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "cleanup.hpp"
#include "roles.hpp"

int main(int argc, char** argv)
{
	if (const char* role = std::getenv("XDPFWD_TEST_ROLE"))
		return xdpfwd::test::run_role(role); // makes no namespaces
	xdpfwd::test::prepare_process({.netns_prefix = "xfwdt-", .on_signal = xdpfwd::test::OnSignal::clean_up});
	return doctest::Context(argc, argv).run();
}
