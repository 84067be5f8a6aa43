// attach, detach, status and route: what runs where, and map mode's routes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <set>
#include <iostream>
#include <thread>

#include "cli.hpp"

namespace xdpfwd::cli {

namespace {

constexpr const char* attach_help = R"(usage: xdpfwd attach static IN OUT DST_MAC [SRC_MAC] [options]
       xdpfwd attach map IF... [options]          (then: xdpfwd route set)
       xdpfwd attach fib IF... [--lookup full|direct] [options]
       xdpfwd attach pass IF... [options]         (the program a veth peer needs)
Loads the mode's program once and attaches it to every IF; it stays after xdpfwd exits.
Either every interface is attached or none is.
  --mode native|generic|auto   where XDP runs (default auto: native, else generic)
  --force                      replace a program something else attached
  --no-peer-check              allow a veth redirect target whose peer has no XDP program
example: xdpfwd -n router attach fib uno dos --lookup direct
)";

constexpr const char* detach_help = R"(usage: xdpfwd detach IF...
Removes what xdpfwd attached (and, for map and fib, the interface's route or port entry).
A program xdpfwd did not attach is left alone and reported.
example: xdpfwd -n router detach uno dos
)";

constexpr const char* status_help = R"(usage: xdpfwd status [IF...]
Shows every interface with an XDP program (or the named ones): program, id, mode, and the
forwarder's configuration (static route, map routes, fib lookup and port state).
example: xdpfwd -n router status
)";

constexpr const char* route_help = R"(usage: xdpfwd route set IN OUT [--dst-mac MAC] [--src-mac MAC] [--via ADDR] [--no-peer-check]
       xdpfwd route list [IF...]
       xdpfwd route del IN
Map mode's table: packets arriving on IN leave through OUT with the given MACs. IN must run the
map program (xdpfwd attach map). Without --dst-mac the MAC is discovered: the neighbour cache
entry on OUT (for --via ADDR, resolved on demand), else the MAC of OUT's veth peer.
--src-mac defaults to OUT's own MAC.
example: xdpfwd -n router route set dos uno --via 192.0.2.2
)";

bool wants_help(const std::vector<std::string>& words)
{
	for (const auto& w : words)
		if (w == "-h" || w == "--help")
			return true;
	return false;
}

std::vector<unsigned> resolve(const std::vector<std::string>& names, std::size_t from)
{
	std::vector<unsigned> result;
	for (std::size_t i = from; i < names.size(); ++i)
		result.push_back(Interface(names[i]).ifindex());
	return result;
}

void report_attached(const Forwarder& forwarder)
{
	for (const auto& a : forwarder.attachments())
		std::cout << "attached " << a.program_name() << " (id " << forwarder.program().id() << ") to "
			  << describe_interface(a.ifindex()) << " in " << to_string(a.mode()) << " mode\n";
}

// Sends one datagram so that the kernel resolves `address` (ARP/ND) on its own.
void provoke_resolution(const std::string& address)
{
	sockaddr_storage storage{};
	socklen_t length = 0;
	auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
	auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
	if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(9); // discard
		length = sizeof(*v4);
	} else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(9);
		length = sizeof(*v6);
	} else {
		throw UsageError("--via takes an IPv4 or IPv6 address, not \"" + address + "\"");
	}
	UniqueFd sock(::socket(storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (sock)
		::sendto(sock.get(), "", 0, 0, reinterpret_cast<sockaddr*>(&storage), length);
}

MacAddress discover_dst_mac(unsigned egress, const std::optional<std::string>& via)
{
	if (auto mac = neighbour_mac(egress, via.value_or("")))
		return *mac;
	if (via) {
		provoke_resolution(*via);
		for (int i = 0; i < 20; ++i) {
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
			if (auto mac = neighbour_mac(egress, *via))
				return *mac;
		}
		throw Error(EHOSTUNREACH, "discover the MAC of " + *via + " on " + describe_interface(egress),
			    "no neighbour answered; give --dst-mac");
	}
	const LinkInfo link = link_info(egress);
	if (link.kind == "veth" && link.peer)
		return link_info(*link.peer, link.peer_netnsid).mac;
	throw Error(ENOENT, "discover the destination MAC for " + describe_interface(egress),
		    "no single neighbour known there; give --dst-mac or --via ADDR");
}

void print_route(unsigned ingress, const MapRoute& route)
{
	std::cout << "  " << describe_interface(ingress) << " -> " << describe_interface(route.egress)
		  << " dst " << route.dst_mac.to_string() << " src " << route.src_mac.to_string() << "\n";
}

void print_details(const AttachedProgram& attached)
{
	const unsigned ifindex = attached.ifindex;
	const std::string& name = attached.program.name();
	if (name == XDPFWD_PROG_STATIC) {
		const StaticRoute route = StaticForwarder::attached_to(ifindex).route();
		std::cout << "  static: -> " << describe_interface(route.egress.ifindex()) << " dst "
			  << route.dst_mac.to_string() << " src "
			  << (route.src_mac ? route.src_mac->to_string() : std::string("unchanged")) << "\n";
	} else if (name == XDPFWD_PROG_MAP) {
		const auto route = MapForwarder::attached_to(ifindex).route(ifindex);
		if (route)
			print_route(ifindex, *route);
		else
			std::cout << "  map: no route for this ingress (traffic goes to the kernel)\n";
	} else if (name == XDPFWD_PROG_FIB) {
		const FibForwarder fib = FibForwarder::attached_to(ifindex);
		std::cout << "  fib: lookup " << (fib.lookup() == FibLookup::direct ? "direct" : "full")
			  << ", egress " << (fib.is_egress(ifindex) ? "enabled" : "disabled") << ", ports:";
		for (const unsigned port : fib.egress_ports())
			std::cout << " " << describe_interface(port);
		std::cout << "\n";
	}
}

} // namespace

DetachResult detach_xdpfwd(unsigned ifindex)
{
	auto attached = find_attached(ifindex);
	if (!attached)
		return {};
	DetachResult result{attached->program.name(), true};
	// map and fib also drop the interface's entries, so nothing stale routes to it later
	if (result.program == XDPFWD_PROG_MAP)
		MapForwarder::attached_to(ifindex).remove_port(ifindex);
	else if (result.program == XDPFWD_PROG_FIB)
		FibForwarder::attached_to(ifindex).remove_port(ifindex);
	else if (result.program == XDPFWD_PROG_STATIC || result.program == XDPFWD_PROG_PASS)
		XdpProgram(std::move(*attached)).detach();
	else
		result.ours = false;
	return result;
}

int cmd_attach(const std::vector<std::string>& words)
{
	if (wants_help(words)) {
		std::cout << attach_help;
		return exit_ok;
	}
	const Args args(words, {"--force", "--no-peer-check"}, {"--mode", "--lookup"});
	const std::string& mode = args.need(0, "mode (static, map, fib or pass)");
	AttachOptions options{parse_attach_mode(args.value("--mode")), args.has("--force"), false};
	const bool peer_check = !args.has("--no-peer-check");
	const auto& pos = args.positionals();
	if (args.has("--lookup") && mode != "fib")
		throw UsageError("--lookup is for fib mode");

	// Attach non-persistently first: if one interface fails, the forwarder's destructor takes
	// the others back. Only a complete set is made persistent.
	auto attach_all = [&](Forwarder& forwarder, auto&& add) {
		if (pos.size() < 2)
			throw UsageError("missing interface");
		for (const unsigned ifindex : resolve(pos, 1))
			add(ifindex);
		forwarder.persist();
		report_attached(forwarder);
	};

	if (mode == "static") {
		if (pos.size() < 4 || pos.size() > 5)
			throw UsageError("static takes IN OUT DST_MAC [SRC_MAC]");
		StaticRoute route{Interface(pos[2]), parse_mac(pos[3]), std::nullopt, peer_check};
		if (pos.size() == 5)
			route.src_mac = parse_mac(pos[4]);
		const Interface ingress(pos[1]);
		StaticForwarder forwarder(route);
		forwarder.add_port(ingress, options);
		forwarder.persist();
		report_attached(forwarder);
	} else if (mode == "map") {
		MapForwarder forwarder;
		attach_all(forwarder, [&](unsigned ifindex) { forwarder.attach(ifindex, options); });
	} else if (mode == "fib") {
		const std::string lookup = args.value("--lookup").value_or("full");
		if (lookup != "full" && lookup != "direct")
			throw UsageError("unknown --lookup \"" + lookup + "\": use full or direct");
		FibForwarder forwarder(lookup == "direct" ? FibLookup::direct : FibLookup::full);
		attach_all(forwarder, [&](unsigned ifindex) { forwarder.add_port(ifindex, options, peer_check); });
	} else if (mode == "pass") {
		PassProgram forwarder;
		attach_all(forwarder, [&](unsigned ifindex) { forwarder.attach(ifindex, options); });
	} else {
		throw UsageError("unknown mode \"" + mode + "\": use static, map, fib or pass");
	}
	return exit_ok;
}

int cmd_detach(const std::vector<std::string>& words)
{
	if (wants_help(words)) {
		std::cout << detach_help;
		return exit_ok;
	}
	const Args args(words, {}, {});
	(void)args.need(0, "interface");
	const auto ifindexes = resolve(args.positionals(), 0);
	int result = exit_ok;
	for (const unsigned ifindex : ifindexes) {
		const DetachResult detached = detach_xdpfwd(ifindex);
		if (detached.program.empty()) {
			std::cout << "nothing attached to " << describe_interface(ifindex) << "\n";
		} else if (!detached.ours) {
			std::cerr << "xdpfwd: not detaching " << detached.program << " from " << describe_interface(ifindex)
				  << ": xdpfwd did not attach it\n";
			result = exit_failed;
		} else {
			std::cout << "detached " << detached.program << " from " << describe_interface(ifindex) << "\n";
		}
	}
	return result;
}

int cmd_status(const std::vector<std::string>& words)
{
	if (wants_help(words)) {
		std::cout << status_help;
		return exit_ok;
	}
	const Args args(words, {}, {});
	std::vector<unsigned> ifindexes = resolve(args.positionals(), 0);
	if (ifindexes.empty())
		for (const LinkInfo& link : list_links())
			if (link.xdp_program_id)
				ifindexes.push_back(link.ifindex);
	if (ifindexes.empty())
		std::cout << "no XDP programs attached\n";
	for (const unsigned ifindex : ifindexes) {
		const auto attached = find_attached(ifindex);
		if (!attached) {
			std::cout << describe_interface(ifindex) << ": nothing attached\n";
			continue;
		}
		std::cout << describe_interface(ifindex) << ": " << attached->program.name() << " id "
			  << attached->program.id() << " " << to_string(attached->mode) << "\n";
		print_details(*attached);
	}
	return exit_ok;
}

int cmd_route(const std::vector<std::string>& words)
{
	if (wants_help(words)) {
		std::cout << route_help;
		return exit_ok;
	}
	const Args args(words, {"--no-peer-check"}, {"--dst-mac", "--src-mac", "--via"});
	const std::string& action = args.need(0, "route action (set, list or del)");
	const auto& pos = args.positionals();
	if (action == "set") {
		if (pos.size() != 3)
			throw UsageError("route set takes IN OUT");
		const unsigned ingress = Interface(pos[1]).ifindex();
		const unsigned egress = Interface(pos[2]).ifindex();
		MapRoute route{egress, {}, {}};
		route.dst_mac = args.value("--dst-mac") ? parse_mac(*args.value("--dst-mac")) : discover_dst_mac(egress, args.value("--via"));
		route.src_mac = args.value("--src-mac") ? parse_mac(*args.value("--src-mac")) : mac_of(egress);
		MapForwarder forwarder = MapForwarder::attached_to(ingress);
		forwarder.set_route(ingress, route, !args.has("--no-peer-check"));
		std::cout << "route set:\n";
		print_route(ingress, route);
	} else if (action == "list") {
		std::vector<unsigned> ifindexes = resolve(pos, 1);
		if (ifindexes.empty())
			for (const LinkInfo& link : list_links())
				if (const auto a = find_attached(link.ifindex); a && a->program.name() == XDPFWD_PROG_MAP)
					ifindexes.push_back(link.ifindex);
		std::set<std::uint32_t> shown_programs; // ports of one program share its table
		for (const unsigned ifindex : ifindexes) {
			MapForwarder forwarder = MapForwarder::attached_to(ifindex);
			if (!shown_programs.insert(forwarder.program().id()).second)
				continue;
			std::cout << "map program id " << forwarder.program().id() << ":\n";
			const auto routes = forwarder.routes();
			if (routes.empty())
				std::cout << "  (no routes)\n";
			for (const auto& [ingress, route] : routes)
				print_route(ingress, route);
		}
	} else if (action == "del") {
		if (pos.size() != 2)
			throw UsageError("route del takes IN");
		const unsigned ingress = Interface(pos[1]).ifindex();
		if (!MapForwarder::attached_to(ingress).remove_route(ingress))
			throw Error(ENOENT, "delete the route of " + describe_interface(ingress), "it has none");
		std::cout << "route of " << describe_interface(ingress) << " deleted\n";
	} else {
		throw UsageError("unknown route action \"" + action + "\": use set, list or del");
	}
	return exit_ok;
}

} // namespace xdpfwd::cli
