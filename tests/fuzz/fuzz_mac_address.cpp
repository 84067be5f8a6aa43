// libFuzzer target: xdpfwd::MacAddress::parse on arbitrary text (a user's, through the CLI and
// the examples). It either returns an address that prints back to 17 characters and parses to
// itself, or throws Error(EINVAL); anything else is a finding.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <xdpfwd/mac_address.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::string_view text(reinterpret_cast<const char*>(data), size);
	try {
		const xdpfwd::MacAddress mac = xdpfwd::MacAddress::parse(text);
		if (text.size() != 17 || xdpfwd::MacAddress::parse(mac.to_string()) != mac)
			std::abort();
	} catch (const xdpfwd::Error& e) {
		if (e.code().value() != EINVAL)
			std::abort();
	}
	return 0;
}
