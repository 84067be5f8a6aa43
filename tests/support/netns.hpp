// Network namespaces for tests and the benchmark: uniquely named per process
// (<prefix><pid>-<n>-<role>, the prefix given to prepare_process()), loopback up, removed by
// their destructor, or by cleanup.hpp's handlers and sweep when the process cannot.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <xdpfwd/mac_address.hpp>
#include <xdpfwd/netns.hpp>

#include "cleanup.hpp"
#include "shell.hpp"

namespace xdpfwd::test {

/// A name for namespaces something else creates (the CLI's scenario, say):
/// <prefix><pid>-<tag>, swept like the fixtures' own if the process dies. track() it too.
std::string unique_name(const std::string& tag);

class Netns {
public:
	explicit Netns(const std::string& role);
	Netns(const Netns&) = delete;
	Netns& operator=(const Netns&) = delete;
	~Netns();

	[[nodiscard]] const std::string& name() const { return name_; }

	/// "ip netns exec <name> <command>"
	[[nodiscard]] std::string exec(const std::string& command) const { return "ip netns exec " + name_ + " " + command; }
	/// "ip -n <name> <args>"
	[[nodiscard]] std::string ip(const std::string& args) const { return "ip -n " + name_ + " " + args; }

	/// Moves the calling thread into this namespace until the returned scope ends.
	[[nodiscard]] std::unique_ptr<NetnsScope> enter() const { return std::make_unique<NetnsScope>(name_); }

	/// `body()` run inside this namespace (interface names resolve there, attachments are made
	/// there); what it returns.
	template <class Body>
	decltype(auto) inside(Body&& body) const
	{
		const auto scope = enter();
		return body();
	}

	/// IPv4 and IPv6 forwarding on or off (bpf_fib_lookup honours these, as the kernel does).
	void set_forwarding(bool on) const;

	/// `address` ("192.0.2.1/24", "2001:db8:1::1/64": IPv6 without duplicate address detection).
	void add_address(const std::string& interface, const std::string& address) const;

private:
	std::string name_;
};

struct VethEnds {
	std::optional<MacAddress> a_mac = std::nullopt; ///< the kernel's random one if empty
	std::optional<MacAddress> b_mac = std::nullopt;
};

/// A veth pair: `a_name` in `a`, `b_name` in `b`, both up.
void add_veth(const Netns& a, const std::string& a_name, const Netns& b, const std::string& b_name,
	      const VethEnds& macs = {});

} // namespace xdpfwd::test
