// attach, detach, status and route: what runs where, and map mode's routes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <type_traits>
#include <variant>

#include <CLI/CLI.hpp>

#include "attach_args.hpp"
#include "cli.hpp"
#include "json.hpp"

namespace xdpfwd::cli {

namespace {

std::vector<unsigned> resolve(const std::vector<std::string>& names)
{
	std::vector<unsigned> result;
	for (const auto& name : names)
		result.push_back(Interface(name).ifindex());
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

// ---------------------------------------------------------------------------------------------
// What status and route list show. Both gather it as JSON, which --json prints as it is and
// the text form is printed from.

/// "uno (ifindex 2)" from {"interface": "uno", "ifindex": 2}, as describe_interface() says it.
std::string described(const Json& interface)
{
	const std::string index = "ifindex " + std::to_string(interface.at("ifindex").get<unsigned>());
	const Json& name = interface.at("interface");
	return name.is_null() ? index : name.get<std::string>() + " (" + index + ")";
}

/// A route as status and route list show it; the tags spelled as --in-vlan and --out-vlan take
/// them ("none", "100", "300.10").
Json route_json(unsigned ingress, const MapRoute& route)
{
	return {{"ingress", interface_json(ingress)},
		{"egress", interface_json(route.egress)},
		{"dst_mac", route.dst_mac.to_string()},
		{"src_mac", route.src_mac.to_string()},
		{"in_vlan", route.ingress_tags.text()},
		{"out_vlan", route.egress_tags.text()}};
}

/// "uno (ifindex 2) -> dos (ifindex 3) dst MAC src MAC", and the tags when either side has some.
void print_route(const Json& route)
{
	std::cout << "  " << described(route.at("ingress")) << " -> " << described(route.at("egress")) << " dst "
		  << route.at("dst_mac").get<std::string>() << " src " << route.at("src_mac").get<std::string>();
	const std::string in = route.at("in_vlan").get<std::string>();
	const std::string out = route.at("out_vlan").get<std::string>();
	if (in != "none" || out != "none")
		std::cout << " in-vlan " << in << " out-vlan " << out;
	std::cout << "\n";
}

/// The receive VLAN offloads on at each of `ports` (none where ethtool cannot tell), to say
/// afterwards what --vlan-offload-off turned off.
std::map<unsigned, std::vector<std::string>> vlan_offloads_on(const std::vector<unsigned>& ports)
{
	std::map<unsigned, std::vector<std::string>> on;
	for (const unsigned port : ports) {
		try {
			on[port] = rx_vlan_offloads(port);
		} catch (const Error&) {
			on[port] = {}; // no ethtool features (some virtual devices): nothing to turn off
		}
	}
	return on;
}

void report_offloads_turned_off(const std::map<unsigned, std::vector<std::string>>& before)
{
	for (const auto& [port, on] : before) {
		if (on.empty() || !rx_vlan_offloads(port).empty())
			continue;
		std::string names;
		for (const auto& name : on)
			names += (names.empty() ? "" : " and ") + name;
		std::cout << "turned " << names << " off on " << describe_interface(port) << "\n";
	}
}

/// Where the program with `id` runs in this namespace, in ifindex order.
std::vector<unsigned> attached_on(std::uint32_t id)
{
	std::vector<unsigned> result;
	for (const LinkInfo& link : list_links())
		if (link.xdp_program_id == id)
			result.push_back(link.ifindex);
	return result;
}

template <class... F>
struct Overloaded : F... {
	using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>; // clang 14 wants the guide C++20 makes implicit

/// What runs on `ifindex`: interface, ifindex, program, program_id, mode (null when nothing
/// is attached) and, for an xdpfwd forwarder, its configuration under "static", "map" or "fib".
Json status_json(unsigned ifindex)
{
	Json status = interface_json(ifindex);
	const auto attached = find_attached(ifindex);
	status["program"] = attached ? Json(attached->program.name()) : Json(nullptr);
	status["program_id"] = attached ? Json(attached->program.id()) : Json(nullptr);
	status["mode"] = attached ? Json(to_string(attached->mode)) : Json(nullptr);
	if (!attached || attached->kind == ForwarderKind::foreign)
		return status;
	const auto forwarder = find_forwarder(ifindex);
	if (!forwarder)
		return status; // detached meanwhile
	std::visit(Overloaded{
		       [](const PassProgram&) {},
		       [&](const StaticForwarder& fixed) {
			       const StaticRoute route = fixed.route();
			       status["static"] = {{"egress", interface_json(route.egress.ifindex())},
						   {"dst_mac", route.dst_mac.to_string()},
						   {"src_mac", route.src_mac ? Json(route.src_mac->to_string()) : Json(nullptr)}};
		       },
		       [&](const MapForwarder& map) {
			       const auto route = map.route(ifindex);
			       status["map"] = {{"route", route ? route_json(ifindex, *route) : Json(nullptr)}};
		       },
		       [&](const FibForwarder& fib) {
			       Json ports = Json::array();
			       for (const unsigned port : fib.egress_ports())
				       ports.push_back(interface_json(port));
			       const RouteCacheState cache = route_cache_state(fib);
			       Json off_reason = nullptr;
			       if (!cache.on)
				       off_reason = cache.keeper_alive ? to_string(cache.off_reason)
								       : "no keeper runs (xdpfwd run fib keeps one)";
			       // an interrupted attach (or a port detached by hand) leaves the two apart
			       Json running = Json::array();
			       const std::vector<unsigned> on = attached_on(fib.program().id());
			       for (const unsigned port : on)
				       running.push_back(interface_json(port));
			       Json vlans = Json::array();
			       for (const VlanDevice& vlan : fib.vlans())
				       vlans.push_back({{"interface", interface_json(vlan.ifindex)},
							{"port", interface_json(vlan.port)},
							{"tags", vlan.tags.text()}});
			       status["fib"] = {{"lookup", fib.lookup() == FibLookup::direct ? "direct" : "full"},
						{"egress", fib.is_egress(ifindex)},
						{"ports", ports},
						{"attached_on", running},
						{"complete", on == fib.egress_ports()},
						{"vlans", vlans},
						{"route_cache", {{"on", cache.on}, {"off_reason", off_reason}, {"entries", cache.entries}}}};
		       },
	       },
	       *forwarder);
	return status;
}

void print_status(const Json& status)
{
	std::cout << described(status) << ": ";
	if (status.at("program").is_null()) {
		std::cout << "nothing attached\n";
		return;
	}
	std::cout << status.at("program").get<std::string>() << " id " << status.at("program_id") << " "
		  << status.at("mode").get<std::string>() << "\n";
	if (status.contains("static")) {
		const Json& route = status["static"];
		std::cout << "  static: -> " << described(route.at("egress")) << " dst " << route.at("dst_mac").get<std::string>()
			  << " src " << (route.at("src_mac").is_null() ? "unchanged" : route.at("src_mac").get<std::string>())
			  << "\n";
	} else if (status.contains("map")) {
		if (status["map"].at("route").is_null())
			std::cout << "  map: no route for this ingress (traffic goes to the kernel)\n";
		else
			print_route(status["map"]["route"]);
	} else if (status.contains("fib")) {
		const Json& fib = status["fib"];
		std::cout << "  fib: lookup " << fib.at("lookup").get<std::string>() << ", egress "
			  << (fib.at("egress").get<bool>() ? "enabled" : "disabled") << ", ports:";
		for (const Json& port : fib.at("ports"))
			std::cout << " " << described(port);
		if (!fib.at("complete").get<bool>()) {
			std::cout << "\n  incomplete: its ports and where it runs differ; it runs on:";
			for (const Json& port : fib.at("attached_on"))
				std::cout << " " << described(port);
			std::cout << " (rerun the attach command to finish, or detach)";
		}
		if (!fib.at("vlans").empty()) {
			std::cout << "\n  VLAN devices:";
			for (const Json& vlan : fib.at("vlans"))
				std::cout << " " << described(vlan.at("interface")) << " [" << vlan.at("tags").get<std::string>()
					  << " on " << described(vlan.at("port")) << "]";
		}
		const Json& cache = fib.at("route_cache");
		std::cout << "\n  route cache: "
			  << (cache.at("on").get<bool>() ? std::string("on") : "off, " + cache.at("off_reason").get<std::string>()) << ", "
			  << cache.at("entries") << " entries\n";
	}
}

/// The interfaces `names` or, without names, every interface with an XDP program (that
/// `wanted` accepts, when given).
std::vector<unsigned> interfaces_or_all(const std::vector<std::string>& names,
					const std::function<bool(const AttachedProgram&)>& wanted = {})
{
	if (!names.empty())
		return resolve(names);
	std::vector<unsigned> result;
	for (const LinkInfo& link : list_links()) {
		if (!link.xdp_program_id)
			continue;
		if (wanted) {
			const auto attached = find_attached(link.ifindex);
			if (!attached || !wanted(*attached))
				continue;
		}
		result.push_back(link.ifindex);
	}
	return result;
}

// ---------------------------------------------------------------------------------------------
// The commands

struct AttachArgs {
	AttachFlags flags; // --vlan-offload-off: map and fib only
	bool replace = false;
	std::vector<std::string> interfaces; // map, fib, pass
	StaticArgs fixed;
	std::string lookup = "full"; // fib
};

/// The forwarder of `kind` an interrupted or repeated `attach` left behind, to finish the job
/// with: the one on some of `ports` or, with `whole_namespace`, the only one in the namespace
/// (so that a recreated interface joins the forwarder on the others). `same` tells whether a
/// program has the settings asked for. Refuses (EBUSY) when the ports run two different ones.
template <class F>
std::optional<F> left_behind(const std::vector<unsigned>& ports, ForwarderKind kind, bool whole_namespace,
			     const std::function<bool(const Program&)>& same = {})
{
	std::set<std::uint32_t> ids;
	unsigned where = 0;
	auto consider = [&](unsigned ifindex) {
		const auto attached = find_attached(ifindex);
		if (attached && attached->kind == kind && (!same || same(attached->program))) {
			ids.insert(attached->program.id());
			where = ifindex;
		}
	};
	for (const unsigned port : ports)
		consider(port);
	if (ids.empty() && whole_namespace)
		for (const LinkInfo& link : list_links())
			if (link.xdp_program_id)
				consider(link.ifindex);
	if (ids.size() > 1) {
		std::string list;
		for (const auto id : ids)
			list += (list.empty() ? "" : ", ") + std::to_string(id);
		throw Error(EBUSY, "attach xdpfwd's " + std::string(to_string(kind)) + " mode",
			    "more than one such program runs here (ids " + list + "); detach the ones you do not want");
	}
	if (ids.empty())
		return std::nullopt;
	std::cout << "continuing xdpfwd's " << to_string(kind) << " program (id " << *ids.begin() << "), found on "
		  << describe_interface(where) << "\n";
	return F::attached_to(where);
}

// Attach non-persistently first: if one interface fails, the forwarder's destructor takes the
// others back (never what an earlier run left: adopted attachments stay). Only a complete set
// is made persistent. A run killed half-way leaves some ports attached; the same command run
// again adopts them (left_behind) and finishes.
template <class F>
int attach_all(Forwarder& forwarder, const std::vector<unsigned>& ports, F&& add)
{
	for (const unsigned ifindex : ports)
		add(ifindex);
	forwarder.persist();
	report_attached(forwarder);
	return exit_ok;
}

/// Map mode attaches before any route exists: --vlan-offload-off turns the offload off now, so
/// that the tagged routes `route set --in-vlan` adds later find the tags visible.
void turn_off_for_tagged_routes(unsigned port, const AttachFlags& flags)
{
	if (flags.vlan_offload_off)
		require_tags_visible(port, true, {});
}

/// attach MODE IF...: continue what runs (left_behind) or load anew; with --replace, swap the
/// mode's program in where anything runs (a fresh copy sharing the maps when it is this mode).
template <class F>
int attach_mode(const AttachArgs& args, ForwarderKind kind, const std::function<F()>& load,
		const std::function<void(F&, unsigned)>& add, const std::function<bool(const Program&)>& same = {})
{
	const std::vector<unsigned> ports = resolve(args.interfaces);
	const bool whole_namespace = kind == ForwarderKind::fib || kind == ForwarderKind::map;
	auto running = left_behind<F>(ports, kind, whole_namespace && !args.replace, same);
	if (args.replace) {
		F forwarder = running ? F::upgrade(*running) : load();
		return attach_all(forwarder, ports, [&](unsigned ifindex) {
			if constexpr (std::is_same_v<F, FibForwarder>) {
				if (!args.flags.no_peer_check)
					check_redirect_target(ifindex);
				forwarder.require_vlan_tags_visible(ifindex, args.flags.vlan_offload_off);
				forwarder.enable_egress(ifindex); // before it runs there: routes may leave by it at once
				forwarder.refresh_vlans();        // a fresh program (a change of mode) has none yet
			}
			if constexpr (std::is_same_v<F, MapForwarder>)
				turn_off_for_tagged_routes(ifindex, args.flags);
			forwarder.replace_on(ifindex, args.flags.options()); // not add(): that would detach first
		});
	}
	F forwarder = running ? std::move(*running) : load();
	return attach_all(forwarder, ports, [&](unsigned ifindex) { add(forwarder, ifindex); });
}

void add_attach(CLI::App& app, Action& action)
{
	auto args = std::make_shared<AttachArgs>();
	CLI::App* attach = app.add_subcommand("attach", "load a forwarder and leave it attached\n"
	    "Loads the mode's program once and attaches it to every IF; it stays after xdpfwd exits.\n"
	    "A failure takes back what this command attached. After a kill, either nothing is attached or\n"
	    "running the same command again finishes the job: it continues the forwarder it finds.");
	attach->footer("example: xdpfwd -n router attach fib uno dos --lookup direct");
	add_attach_flags(*attach, args->flags);
	attach->add_flag("--replace", args->replace,
			 "swap the mode's program in where a program runs, atomically; the same mode's maps "
			 "(routes, ports, counters) carry over (a hitless upgrade)");
	needs_subcommand(attach, "a mode");

	CLI::App* fixed = attach->add_subcommand("static", "everything arriving on IN leaves through OUT towards DST_MAC")
			      ->group("Modes");
	fixed->footer("example: xdpfwd -n router attach static dos uno 02:00:5e:00:53:01");
	add_static_arguments(*fixed, args->fixed);
	on_command(fixed, action, [args] {
		const Interface ingress(args->fixed.in);
		const StaticRoute route = args->fixed.route(!args->flags.no_peer_check);
		// the same route already on IN (a repeated or interrupted attach): nothing to do
		if (const auto attached = find_attached(ingress.ifindex()); attached && attached->kind == ForwarderKind::static_) {
			const StaticRoute running = StaticForwarder::attached_to(ingress).route();
			if (running.egress.ifindex() == route.egress.ifindex() && running.dst_mac == route.dst_mac &&
			    running.src_mac == route.src_mac) {
				std::cout << "already attached: " << attached->program.name() << " (id " << attached->program.id()
					  << ") on " << describe_interface(ingress.ifindex()) << "\n";
				return exit_ok;
			}
		}
		StaticForwarder forwarder(route);
		if (args->replace)
			forwarder.replace_on(ingress, args->flags.options());
		else
			forwarder.add_port(ingress, args->flags.options());
		forwarder.persist();
		report_attached(forwarder);
		return exit_ok;
	});

	CLI::App* map = attach->add_subcommand("map", "routes per ingress port, in maps (then: xdpfwd route set)")
			    ->group("Modes");
	map->footer("example: xdpfwd -n router attach map uno dos && xdpfwd -n router route set dos uno");
	map->add_option("IF", args->interfaces, "the ports")->required();
	add_vlan_offload_flag(*map, args->flags, "on every IF, so that XDP sees tags (route set --in-vlan)");
	on_command(map, action, [args] {
		const auto offloads = vlan_offloads_on(args->flags.vlan_offload_off ? resolve(args->interfaces) : std::vector<unsigned>{});
		const int status = attach_mode<MapForwarder>(
		    *args, ForwarderKind::map, [] { return MapForwarder(); }, [&](MapForwarder& forwarder, unsigned ifindex) {
			    turn_off_for_tagged_routes(ifindex, args->flags);
			    forwarder.attach(ifindex, args->flags.options());
		    });
		report_offloads_turned_off(offloads);
		return status;
	});

	CLI::App* fib = attach->add_subcommand("fib", "the kernel's routing table decides; every IF is a port")
			    ->group("Modes");
	fib->add_option("IF", args->interfaces, "the ports")->required();
	add_lookup_option(*fib, args->lookup);
	add_vlan_offload_flag(*fib, args->flags, "on the IFs with VLAN devices (else such an IF is refused)");
	on_command(fib, action, [args] {
		const FibLookup lookup = parse_lookup(args->lookup);
		const auto offloads = vlan_offloads_on(args->flags.vlan_offload_off ? resolve(args->interfaces) : std::vector<unsigned>{});
		const int status = attach_mode<FibForwarder>(
		    *args, ForwarderKind::fib, [&] { return FibForwarder(lookup); },
		    [&](FibForwarder& forwarder, unsigned ifindex) {
			    forwarder.add_port(ifindex, args->flags.options(), !args->flags.no_peer_check);
		    },
		    [&](const Program& program) {
			    return read_rodata<xdpfwd_fib::xdpfwd_fib__rodata>(program).direct_lookup == (lookup == FibLookup::direct);
		    });
		report_offloads_turned_off(offloads);
		return status;
	});

	CLI::App* pass = attach->add_subcommand("pass", "passes everything: the program a veth peer needs")->group("Modes");
	pass->footer("example: xdpfwd -n lab-uno attach pass veth0");
	pass->add_option("IF", args->interfaces, "the interfaces")->required();
	on_command(pass, action, [args] {
		return attach_mode<PassProgram>(
		    *args, ForwarderKind::pass, [] { return PassProgram(); },
		    [&](PassProgram& forwarder, unsigned ifindex) { forwarder.attach(ifindex, args->flags.options()); });
	});
}

void add_detach(CLI::App& app, Action& action)
{
	auto names = std::make_shared<std::vector<std::string>>();
	CLI::App* detach = app.add_subcommand("detach", "remove what xdpfwd attached to interfaces\n"
	    "Removes what xdpfwd attached (and, for map and fib, the interface's route or port entry).\n"
	    "A program xdpfwd did not attach is left alone and reported.");
	detach->footer("example: xdpfwd -n router detach uno dos");
	detach->add_option("IF", *names, "the interfaces")->required();
	on_command(detach, action, [names] {
		int result = exit_ok;
		for (const unsigned ifindex : resolve(*names)) {
			const DetachResult detached = detach_xdpfwd(ifindex);
			if (detached.program.empty()) {
				std::cout << "nothing attached to " << describe_interface(ifindex) << "\n";
			} else if (!detached.ours) {
				std::cerr << "xdpfwd: not detaching " << one_line(detached.program) << " from "
					  << describe_interface(ifindex) << ": xdpfwd did not attach it\n";
				result = exit_failed;
			} else {
				std::cout << "detached " << detached.program << " from " << describe_interface(ifindex) << "\n";
			}
		}
		return result;
	});
}

struct ListArgs {
	std::vector<std::string> interfaces;
	bool json = false;
};

void add_status(CLI::App& app, Action& action)
{
	auto args = std::make_shared<ListArgs>();
	CLI::App* status = app.add_subcommand("status", "what is attached where: mode, program id, ports\n"
	    "Shows every interface with an XDP program (or the named ones): program, id, mode, and the\n"
	    "forwarder's configuration (static route, map routes, fib lookup and port state).");
	status->footer("example: xdpfwd -n router status\n"
		       "example: xdpfwd -n router status --json   (one document: {\"interfaces\": [...]})");
	status->add_option("IF", args->interfaces, "only these interfaces");
	status->add_flag("--json", args->json, "print one JSON document");
	on_command(status, action, [args] {
		Json interfaces = Json::array();
		for (const unsigned ifindex : interfaces_or_all(args->interfaces))
			interfaces.push_back(status_json(ifindex));
		if (args->json) {
			print_json({{"interfaces", interfaces}});
			return exit_ok;
		}
		if (interfaces.empty())
			std::cout << "no XDP programs attached\n";
		for (const Json& one : interfaces)
			print_status(one);
		return exit_ok;
	});
}

struct RouteArgs {
	std::string in, out;
	std::optional<std::string> dst_mac, src_mac, via;
	std::string in_vlan = "none", out_vlan = "none";
	bool no_peer_check = false;
	bool vlan_offload_off = false;
	ListArgs list;
};

void add_route(CLI::App& app, Action& action)
{
	auto args = std::make_shared<RouteArgs>();
	CLI::App* route = app.add_subcommand("route", "map mode: which egress and MACs each ingress port uses\n"
	    "Map mode's table: packets arriving on IN leave through OUT with the given MACs. IN must run the\n"
	    "map program (xdpfwd attach map).");
	route->footer("example: xdpfwd -n router route set dos uno --via 192.0.2.2");
	needs_subcommand(route, "an action");

	CLI::App* set = route->add_subcommand("set", "route IN's packets out of OUT\n"
	    "Without --dst-mac the MAC is discovered: the neighbour cache entry on OUT (for --via ADDR,\n"
	    "resolved on demand), else the MAC of OUT's veth peer. --src-mac defaults to OUT's own MAC.\n"
	    "With --in-vlan only frames tagged exactly so take the route (others go to the kernel); they\n"
	    "leave with the --out-vlan tags instead (popped, pushed or rewritten). TAGS: 100 (802.1Q),\n"
	    "300.10 (QinQ: 802.1ad 300, then 802.1Q 10), ad:100 or q:300.10 to name the outer TPID, none.")->group("Actions");
	set->footer("example: xdpfwd -n router route set dos uno --via 192.0.2.2\n"
		    "example: xdpfwd -n router route set dos uno --in-vlan 300.10 --out-vlan none --vlan-offload-off");
	set->add_option("IN", args->in, "ingress interface (runs the map program)")->required();
	set->add_option("OUT", args->out, "egress interface")->required();
	set->add_option("--dst-mac", args->dst_mac, "destination MAC")->check(mac_address())->option_text("MAC");
	set->add_option("--src-mac", args->src_mac, "source MAC")->check(mac_address())->option_text("MAC");
	set->add_option("--via", args->via, "discover the destination MAC of this neighbour address")->option_text("ADDR");
	set->add_option("--in-vlan", args->in_vlan, "take only frames with these tags (default none: untagged)")
	    ->check(vlan_tags())
	    ->option_text("TAGS");
	set->add_option("--out-vlan", args->out_vlan, "send with these tags instead (default none: untagged)")
	    ->check(vlan_tags())
	    ->option_text("TAGS");
	set->add_flag("--vlan-offload-off", args->vlan_offload_off,
		      "turn IN's receive VLAN offload off (else --in-vlan is refused while it is on)");
	set->add_flag("--no-peer-check", args->no_peer_check, "allow a veth OUT whose peer has neither XDP nor GRO");
	on_command(set, action, [args] {
		const unsigned ingress = Interface(args->in).ifindex();
		const unsigned egress = Interface(args->out).ifindex();
		MapRoute route;
		route.egress = egress;
		route.ingress_tags = VlanTags::parse(args->in_vlan);
		route.egress_tags = VlanTags::parse(args->out_vlan);
		route.dst_mac = args->dst_mac ? MacAddress::parse(*args->dst_mac) : discover_dst_mac(egress, args->via);
		route.src_mac = args->src_mac ? MacAddress::parse(*args->src_mac) : mac_of(egress);
		MapForwarder forwarder = MapForwarder::attached_to(ingress);
		const auto offloads = vlan_offloads_on(args->vlan_offload_off ? std::vector<unsigned>{ingress} : std::vector<unsigned>{});
		forwarder.set_route(ingress, route, !args->no_peer_check, args->vlan_offload_off);
		report_offloads_turned_off(offloads);
		std::cout << "route set:\n";
		print_route(route_json(ingress, route));
		return exit_ok;
	});

	CLI::App* list = route->add_subcommand("list", "the routes of the map programs")->group("Actions");
	list->footer("example: xdpfwd -n router route list --json   (one document: {\"programs\": [...]})");
	list->add_option("IF", args->list.interfaces, "only the programs on these interfaces");
	list->add_flag("--json", args->list.json, "print one JSON document");
	on_command(list, action, [args] {
		const auto ifindexes = interfaces_or_all(args->list.interfaces, [](const AttachedProgram& attached) {
			return attached.kind == ForwarderKind::map;
		});
		Json programs = Json::array();
		std::set<std::uint32_t> shown; // ports of one program share its table
		for (const unsigned ifindex : ifindexes) {
			MapForwarder forwarder = MapForwarder::attached_to(ifindex);
			if (!shown.insert(forwarder.program().id()).second)
				continue;
			Json routes = Json::array();
			for (const auto& [ingress, route] : forwarder.routes())
				routes.push_back(route_json(ingress, route));
			programs.push_back({{"program_id", forwarder.program().id()}, {"routes", routes}});
		}
		if (args->list.json) {
			print_json({{"programs", programs}});
			return exit_ok;
		}
		for (const Json& program : programs) {
			std::cout << "map program id " << program.at("program_id") << ":\n";
			if (program.at("routes").empty())
				std::cout << "  (no routes)\n";
			for (const Json& route : program.at("routes"))
				print_route(route);
		}
		return exit_ok;
	});

	CLI::App* del = route->add_subcommand("del", "remove IN's route (its traffic goes to the kernel)")->group("Actions");
	del->footer("example: xdpfwd -n router route del dos");
	del->add_option("IN", args->in, "ingress interface")->required();
	on_command(del, action, [args] {
		const unsigned ingress = Interface(args->in).ifindex();
		if (!MapForwarder::attached_to(ingress).remove_route(ingress))
			throw Error(ENOENT, "delete the route of " + describe_interface(ingress), "it has none");
		std::cout << "route of " << describe_interface(ingress) << " deleted\n";
		return exit_ok;
	});
}

} // namespace

DetachResult detach_xdpfwd(unsigned ifindex)
{
	const auto attached = find_attached(ifindex);
	if (!attached)
		return {};
	if (attached->kind == ForwarderKind::foreign)
		return {attached->program.name(), false};
	// map and fib also drop the interface's entries, so nothing stale routes to it later
	if (auto forwarder = find_forwarder(ifindex))
		std::visit(
		    [&](auto& f) {
			    if constexpr (requires { f.remove_port(ifindex); })
				    f.remove_port(ifindex);
			    else
				    f.detach(ifindex);
		    },
		    *forwarder);
	return {attached->program.name(), true};
}

void add_port_commands(CLI::App& app, Action& action)
{
	add_attach(app, action);
	add_route(app, action);
	add_detach(app, action);
	add_status(app, action);
}

} // namespace xdpfwd::cli
