// What an action threw: the errno and the message of an xdpfwd::Error, for tests of the
// library's promises about its errors.
#pragma once

#include <string>

#include <xdpfwd/error.hpp>

namespace xdpfwd::test {

/// The errno of the xdpfwd::Error that `action` threw; 0 when it threw none.
int errno_of(auto&& action)
{
	try {
		action();
	} catch (const Error& e) {
		return e.code().value();
	}
	return 0;
}

/// The message of the xdpfwd::Error that `action` threw; "(no exception)" when it threw none.
std::string message_of(auto&& action)
{
	try {
		action();
	} catch (const Error& e) {
		return e.what();
	}
	return "(no exception)";
}

} // namespace xdpfwd::test
