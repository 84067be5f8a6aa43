// The C++ API's own promises, on real kernel objects: errors that say what and why, interface
// lookups inside namespaces, DevMap keys of any size, attachment ownership.
#include <doctest/doctest.h>

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include <xdpfwd/xdpfwd.hpp>

#include "support/errors.hpp"
#include "support/netns.hpp"
#include "support/process.hpp"

using namespace xdpfwd;
using test::errno_of;
using test::in_child;
using test::message_of;
using test::must;
using test::Netns;

TEST_CASE("MacAddress parses and formats, and names bad text")
{
	CHECK(MacAddress::parse("02:00:5E:00:53:01").to_string() == "02:00:5e:00:53:01");
	CHECK(MacAddress::parse("02-00-5e-00-53-01") == MacAddress::parse("02:00:5e:00:53:01"));
	for (const char* bad : {"", "02:00:5e:00:53", "02:00:5e:00:53:01:02", "zz:00:5e:00:53:01", "0200.5e00.5301", "02:00:5e:00:53:1"}) {
		CAPTURE(bad);
		CHECK(errno_of([&] { MacAddress::parse(bad); }) == EINVAL);
		CHECK(message_of([&] { MacAddress::parse(bad); }).find("\"" + std::string(bad) + "\"") != std::string::npos);
	}
}

TEST_CASE("Error is a system_error carrying errno, context and hint")
{
	const Error e(EPERM, "attach xdpfwd_fib to veth3 (ifindex 7)");
	const std::system_error& base = e;
	CHECK(base.code() == std::errc::operation_not_permitted);
	CHECK(std::string(e.what()) == "attach xdpfwd_fib to veth3 (ifindex 7): Operation not permitted \u2014 needs CAP_NET_ADMIN and CAP_BPF, with CAP_PERFMON and CAP_SYS_ADMIN (run as root)");
	CHECK(e.context() == "attach xdpfwd_fib to veth3 (ifindex 7)");
}

TEST_CASE("interface helpers work inside a namespace, without /sys")
{
	Netns ns("api");
	must(ns.ip("link add name xa0 address 02:00:5e:00:53:aa type veth peer name xa1"));
	const auto scope = ns.enter();
	const unsigned ifindex = ifindex_of("xa0");
	CHECK(name_of(ifindex) == "xa0");
	CHECK(mac_of(ifindex) == MacAddress::parse("02:00:5e:00:53:aa"));
	const LinkInfo link = link_info(ifindex);
	CHECK(link.kind == "veth");
	CHECK(link.peer == ifindex_of("xa1"));
	CHECK(describe_interface(ifindex) == "xa0 (ifindex " + std::to_string(ifindex) + ")");

	CHECK(errno_of([] { ifindex_of("no-such-if0"); }) == ENODEV);
	CHECK(message_of([] { ifindex_of("no-such-if0"); }).find("no-such-if0") != std::string::npos);
	CHECK(errno_of([] { link_info(999999); }) == ENODEV);
}

TEST_CASE("DevMap works with ifindex keys and values above 64 and 65535")
{
	Netns ns("devmap");
	// explicit, large ifindexes: a plain array devmap would need max_entries above them
	must(ns.ip("link add name big0 index 70000 type veth peer name big1 index 100"));
	const auto scope = ns.enter();
	FibForwarder fib;
	DevMap ports(fib.program(), XDPFWD_MAP_TX_PORTS);
	ports.set(70000, 100);
	ports.set(100, 70000);
	ports.set(65536, 70000);
	CHECK(ports.get(70000) == 100u);
	CHECK(ports.get(65536) == 70000u);
	CHECK(ports.get(5) == std::nullopt);
	CHECK(ports.entries().size() == 3);

	// bad input: an egress that does not exist is refused and the old entry stays
	CHECK(errno_of([&] { ports.set(70000, 4242); }) == ENODEV);
	CHECK(ports.get(70000) == 100u);

	CHECK(ports.erase(65536));
	CHECK_FALSE(ports.erase(65536));
	CHECK(ports.entries().size() == 2);
}

TEST_CASE("XdpProgram refuses another program unless forced, and detaches only its own")
{
	Netns ns("attach");
	test::add_veth(ns, "at0", ns, "at1");
	const auto scope = ns.enter();
	const unsigned ifindex = ifindex_of("at0");
	PassProgram first;
	PassProgram second;

	{
		XdpProgram owner(first.program(), ifindex, {.mode = AttachMode::native});
		CHECK(owner.mode() == AttachMode::native);
		REQUIRE(find_attached(ifindex));
		CHECK(find_attached(ifindex)->program.id() == first.program().id());

		// without force: EBUSY, and the message names what is attached
		const std::string refused = message_of([&] { XdpProgram(second.program(), ifindex); });
		CHECK(refused.find("Device or resource busy") != std::string::npos);
		CHECK(refused.find("xdpfwd_pass (id " + std::to_string(first.program().id())) != std::string::npos);
		CHECK(find_attached(ifindex)->program.id() == first.program().id());

		// forced, in the other mode: replaces; when `owner` goes, it must not remove `forced`
		XdpProgram forced(second.program(), ifindex, {.mode = AttachMode::generic, .force = true});
		forced.persist();
		CHECK(find_attached(ifindex)->program.id() == second.program().id());
		CHECK(find_attached(ifindex)->mode == AttachMode::generic);
	}
	REQUIRE(find_attached(ifindex));
	CHECK(find_attached(ifindex)->program.id() == second.program().id());

	// forced in automatic mode over a generic program: native is tried first, so the generic
	// one has to go first
	{
		XdpProgram forced(first.program(), ifindex, {.mode = AttachMode::automatic, .force = true});
		forced.persist();
		CHECK(find_attached(ifindex)->program.id() == first.program().id());
		CHECK(find_attached(ifindex)->mode == AttachMode::native);
	}
	CHECK(XdpProgram(std::move(*find_attached(ifindex))).detach());
	{
		XdpProgram generic(second.program(), ifindex, {.mode = AttachMode::generic, .persistent = true});
	}

	// adopting what is there and detaching it leaves the interface bare
	CHECK(XdpProgram(std::move(*find_attached(ifindex))).detach());
	CHECK_FALSE(find_attached(ifindex));

	{
		XdpProgram owner(first.program(), ifindex, {.mode = AttachMode::automatic});
		CHECK(find_attached(ifindex));
	}
	CHECK_FALSE(find_attached(ifindex)); // the destructor detached
	CHECK(errno_of([&] { XdpProgram(first.program(), 999999); }) == ENODEV);
}

TEST_CASE("an attachment made inside a namespace is detached there, wherever it is destroyed")
{
	Netns ns("where");
	must(ns.ip("link add name wh0 type veth peer name wh1"));
	PassProgram pass;
	unsigned ifindex = 0;
	{
		const auto scope = ns.enter();
		ifindex = ifindex_of("wh0");
		pass.attach(ifindex);
		CHECK(find_attached(ifindex));
	}
	// an owner that leaves the namespace still detaches from the interface it attached to
	std::optional<XdpProgram> owner;
	{
		const auto scope = ns.enter();
		owner.emplace(pass.program(), ifindex_of("wh1"));
	}
	CHECK(owner->detach()); // called outside the namespace
	{
		const auto scope = ns.enter();
		CHECK_FALSE(find_attached(ifindex_of("wh1")));
	}
	const auto scope = ns.enter();
	CHECK(find_attached(ifindex));
	CHECK(pass.detach(ifindex));
	CHECK_FALSE(find_attached(ifindex));
}

TEST_CASE("a veth redirect target whose peer has no XDP program is reported")
{
	Netns router("rt");
	Netns host("host");
	test::add_veth(router, "out0", host, "veth0");
	std::string message;
	{
		const auto scope = router.enter();
		CHECK(errno_of([] { check_redirect_target(ifindex_of("out0")); }) == ENOLINK);
		message = message_of([] { FibForwarder().add_port("out0"); });
		CHECK(message.find("out0") != std::string::npos);
		CHECK(message.find("veth0") != std::string::npos);
		CHECK(message.find("no XDP program") != std::string::npos);
		CHECK_FALSE(find_attached(ifindex_of("out0"))); // nothing half-attached
	}
	PassProgram pass;
	{
		const auto scope = host.enter();
		pass.attach("veth0");
	}
	const auto scope = router.enter();
	CHECK_NOTHROW(check_redirect_target(ifindex_of("out0")));
	FibForwarder fib;
	fib.add_port("out0");
	CHECK(fib.is_egress("out0"));
}

TEST_CASE("without privileges, loading fails with EPERM and names the capabilities")
{
	const int status = in_child([] {
		__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
		__user_cap_data_struct data[2] = {};
		if (::syscall(SYS_capset, &header, data) != 0)
			return 2;
		try {
			PassProgram pass;
		} catch (const Error& e) {
			const std::string what = e.what();
			const bool named = what.find("needs CAP_NET_ADMIN and CAP_BPF") != std::string::npos;
			return (e.code().value() == EPERM && named) ? 0 : 3;
		}
		return 4;
	});
	CHECK(status == 0);
}

TEST_CASE("a direct-lookup fib forwarder refuses a namespace with IPv4 policy rules")
{
	Netns ns("rules");
	must(ns.ip("link add name ru0 type veth peer name ru1"));
	const auto scope = ns.enter();
	CHECK_FALSE(has_ipv4_policy_rules());
	FibForwarder direct(FibLookup::direct);
	direct.add_port("ru0", {}, false); // no rules: fine
	CHECK(direct.remove_port("ru0"));

	must(ns.ip("rule add from 192.0.2.0/24 table 100"));
	CHECK(has_ipv4_policy_rules());
	CHECK(errno_of([&] { direct.add_port("ru0", {}, false); }) == EINVAL);
	CHECK(message_of([&] { direct.add_port("ru0", {}, false); }).find("ip rule") != std::string::npos);
	CHECK_FALSE(find_attached(ifindex_of("ru0"))); // nothing half-done
	CHECK_FALSE(direct.is_egress("ru0"));
	FibForwarder full(FibLookup::full);
	CHECK_NOTHROW(full.add_port("ru0", {}, false));
}

TEST_CASE("a forwarder found by interface can add a port where it already runs")
{
	Netns ns("readd");
	must(ns.ip("link add name rd0 type veth peer name rd1"));
	const auto scope = ns.enter();
	{
		FibForwarder fib;
		fib.add_port("rd0", {.persistent = true}, false);
	}
	FibForwarder found = FibForwarder::attached_to("rd0");
	CHECK_NOTHROW(found.add_port("rd0", {}, false)); // same program: nothing to replace
	CHECK(found.is_egress("rd0"));
	found.add_port("rd1", {}, false);
	CHECK(find_attached(ifindex_of("rd1"))->program.id() == found.program().id());
	CHECK(found.remove_port("rd0"));
	CHECK_FALSE(find_attached(ifindex_of("rd0")));
}
