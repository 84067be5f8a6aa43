// Roles: code a test runs as a separate process of its own binary (`XDPFWD_TEST_ROLE=name
// <binary>`), as a user's second tool would run, without doctest. A role returns its exit status
// and says on stderr why it failed.
#pragma once

#include <cstdio>
#include <map>
#include <string>

namespace xdpfwd::test {

using Role = int (*)();

inline std::map<std::string, Role>& roles()
{
	static std::map<std::string, Role> registered;
	return registered;
}

struct RoleRegistration {
	RoleRegistration(const char* name, Role role) { roles()[name] = role; }
};

inline int run_role(const std::string& name)
{
	const auto it = roles().find(name);
	if (it == roles().end()) {
		std::fprintf(stderr, "no test role \"%s\" in this binary\n", name.c_str());
		return 2;
	}
	try {
		return it->second();
	} catch (const std::exception& e) {
		std::fprintf(stderr, "role %s: %s\n", name.c_str(), e.what());
		return 1;
	}
}

} // namespace xdpfwd::test

#define XDPFWD_TEST_ROLE_CAT2(a, b) a##b
#define XDPFWD_TEST_ROLE_CAT(a, b) XDPFWD_TEST_ROLE_CAT2(a, b)
/// XDPFWD_TEST_ROLE("name") { ...; return 0; }
#define XDPFWD_TEST_ROLE(name)                                                                                    \
	static int XDPFWD_TEST_ROLE_CAT(role_body_, __LINE__)();                                                      \
	static const ::xdpfwd::test::RoleRegistration XDPFWD_TEST_ROLE_CAT(role_registration_, __LINE__)(           \
	    name, &XDPFWD_TEST_ROLE_CAT(role_body_, __LINE__));                                                       \
	static int XDPFWD_TEST_ROLE_CAT(role_body_, __LINE__)()
