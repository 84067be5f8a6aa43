// check_redirect_target: a veth egress is accepted when its peer can receive redirected frames
// (an XDP program, or GRO on), in the same namespace or another, and refused with both fixes
// named when it cannot. A GRO-only peer really receives them: traffic is forwarded end to end.
#include <doctest/doctest.h>

#include <string>

#include <xdpfwd/xdpfwd.hpp>

#include "support/errors.hpp"
#include "support/netns.hpp"
#include "support/scenario.hpp"

using namespace xdpfwd;
using test::must;
using test::Netns;

namespace {

std::string refusal(const char* port)
{
	try {
		check_redirect_target(ifindex_of(port));
	} catch (const Error& e) {
		CHECK(e.code().value() == ENOLINK);
		return e.what();
	}
	return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("a veth peer in the same namespace: refused without XDP or GRO, accepted with either")
{
	Netns ns("peer-same");
	test::add_veth(ns, "ps0", ns, "ps1");
	must(ns.exec("ethtool -K ps1 gro off"));
	const auto scope = ns.enter();

	const std::string message = refusal("ps0");
	CHECK(contains(message, "ps1"));
	CHECK(contains(message, "no XDP program and GRO off"));
	CHECK(contains(message, "xdpfwd attach pass ps1"));
	CHECK(contains(message, "ethtool -K ps1 gro on"));
	CHECK_FALSE(contains(message, "xdpfwd::")); // a CLI user gets commands, not C++ classes
	CHECK(message.find('\n') == std::string::npos);

	must(ns.exec("ethtool -K ps1 gro on"));
	CHECK(refusal("ps0").empty());

	must(ns.exec("ethtool -K ps1 gro off"));
	PassProgram pass;
	pass.attach("ps1");
	CHECK(refusal("ps0").empty());
	pass.detach("ps1");
	CHECK_FALSE(refusal("ps0").empty());
}

TEST_CASE("a veth peer in another namespace: its GRO is read there, and the fixes name that namespace")
{
	Netns router("peer-rt");
	Netns host("peer-host");
	test::add_veth(router, "po0", host, "veth0");
	must(host.exec("ethtool -K veth0 gro off"));
	{
		const auto scope = router.enter();
		const std::string message = refusal("po0");
		CHECK(contains(message, "veth0"));
		CHECK(contains(message, "namespace " + host.name()));
		CHECK(contains(message, "xdpfwd -n " + host.name() + " attach pass veth0"));
		CHECK(contains(message, "ip netns exec " + host.name() + " ethtool -K veth0 gro on"));
		CHECK(test::errno_of([] { FibForwarder().add_port("po0"); }) == ENOLINK);
	}
	must(host.exec("ethtool -K veth0 gro on"));
	const auto scope = router.enter();
	CHECK(refusal("po0").empty());
	FibForwarder fib;
	CHECK_NOTHROW(fib.add_port("po0"));
}

TEST_CASE("forwarding through veth peers that have GRO on and no XDP program works")
{
	test::Scenario s;
	for (const Netns* host : {&s.uno, &s.dos}) {
		s.remove_pass(*host);
		must(host->exec("ethtool -K veth0 gro on"));
	}
	test::warm_up(s); // resolves the neighbours through the kernel

	const auto scope = s.router.enter();
	FibForwarder fib;
	fib.add_port("uno"); // the peer check passes: GRO, no XDP
	fib.add_port("dos");
	// requests and replies, v4 and v6, pings and UDP: all redirected in XDP, none forwarded by
	// the kernel, all received by the GRO-only peers
	test::check_xdp_forwards(s, fib.stats(), s.dos, s.uno, "GRO peers");
}
