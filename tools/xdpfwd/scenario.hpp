// The original teaching case's topology, in namespaces of our own:
//
//   <prefix>-uno: veth0 192.0.2.2/24 2001:db8:1::2/64 ── uno ┐
//                                                            ├ <prefix>-router (forwarding on)
//   <prefix>-dos: veth0 198.51.100.2/24 2001:db8:2::2/64 ── dos ┘  .1 / ::1 on each side
//
// Each host's veth0 runs xdpfwd_pass, so that the router can redirect into it, and sums its
// own TX checksums (no offload), which XDP redirects between veths would leave unfinished.
#pragma once

#include <string>

#include "cli.hpp"

namespace xdpfwd::cli {

struct Host {
	std::string role;     // "uno" or "dos": also the router-side interface name
	std::string v4_net;   // "192.0.2"
	std::string v6_net;   // "2001:db8:1"
	[[nodiscard]] std::string v4() const { return v4_net + ".2"; }
	[[nodiscard]] std::string v6() const { return v6_net + "::2"; }
};

class Scenario {
public:
	explicit Scenario(std::string prefix) : prefix_(std::move(prefix)) {}

	[[nodiscard]] std::string router() const { return prefix_ + "-router"; }
	[[nodiscard]] std::string ns(const Host& host) const { return prefix_ + "-" + host.role; }
	[[nodiscard]] bool exists() const;

	static const Host& uno();
	static const Host& dos();

	/// Creates whatever is missing; running it twice changes nothing.
	void up();
	/// Removes the namespaces (and with them every veth and attachment); true if any existed.
	bool down();
	/// Replaces whatever xdpfwd runs on the router with `mode` (static, map, fib-full, fib-direct).
	void wire(const std::string& mode);
	/// Detaches xdpfwd from the router's interfaces.
	void unwire();

private:
	std::string prefix_;
};

} // namespace xdpfwd::cli
