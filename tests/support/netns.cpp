#include "netns.hpp"

#include <unistd.h>

namespace xdpfwd::test {

std::string unique_name(const std::string& tag)
{
	return netns_prefix() + std::to_string(::getpid()) + "-" + tag;
}

Netns::Netns(const std::string& role)
{
	static int counter = 0;
	name_ = unique_name(std::to_string(++counter) + "-" + role);
	track(name_); // first: a signal during the commands below removes it too
	try {
		must("ip netns add " + name_);
		must(ip("link set lo up"));
	} catch (...) {
		run("ip netns del " + name_);
		untrack(name_);
		throw;
	}
}

Netns::~Netns()
{
	try {
		run("ip netns del " + name_);
	} catch (...) {
		// popen failed: the exit handler or the next run's sweep removes it
		return;
	}
	untrack(name_);
}

void Netns::set_forwarding(bool on) const
{
	const std::string value = on ? "1" : "0";
	must(exec("sysctl -qw net.ipv4.conf.all.forwarding=" + value + " net.ipv6.conf.all.forwarding=" + value));
}

void Netns::add_address(const std::string& interface, const std::string& address) const
{
	if (address.find(':') == std::string::npos)
		must(ip("addr add " + address + " dev " + interface));
	else
		must(ip("-6 addr add " + address + " dev " + interface + " nodad"));
}

void add_veth(const Netns& a, const std::string& a_name, const Netns& b, const std::string& b_name, const VethEnds& macs)
{
	auto address = [](const std::optional<MacAddress>& mac) { return mac ? " address " + mac->to_string() : std::string(); };
	must("ip link add " + a_name + " netns " + a.name() + address(macs.a_mac) + " type veth peer name " + b_name +
	     " netns " + b.name() + address(macs.b_mac));
	must(a.ip("link set " + a_name + " up"));
	must(b.ip("link set " + b_name + " up"));
}

} // namespace xdpfwd::test
