#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "roles.hpp"

int main(int argc, char** argv)
{
	if (const char* role = std::getenv("XDPFWD_TEST_ROLE"))
		return xdpfwd::test::run_role(role);
	return doctest::Context(argc, argv).run();
}
