// What --json prints: one JSON document per line, built with nlohmann::json.
#pragma once

#include <net/if.h>

#include <iostream>

#include <nlohmann/json.hpp>

namespace xdpfwd::cli {

/// Keys stay in the order they are set, so that the JSON reads like the text output.
using Json = nlohmann::ordered_json;

/// {"interface": NAME, "ifindex": N}; the name is null when no interface has that index (any more).
inline Json interface_json(unsigned ifindex)
{
	char name[IF_NAMESIZE] = {};
	Json j;
	j["interface"] = ::if_indextoname(ifindex, name) ? Json(name) : Json(nullptr);
	j["ifindex"] = ifindex;
	return j;
}

/// Prints `document` on one line. Linux allows any byte in an interface name but '/', ':' and
/// whitespace; one that is not UTF-8 is printed with U+FFFD instead of failing.
inline void print_json(const Json& document)
{
	std::cout << document.dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
}

} // namespace xdpfwd::cli
