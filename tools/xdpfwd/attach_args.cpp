#include "attach_args.hpp"

#include <map>

#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace xdpfwd::cli {

const CLI::Validator& mac_address()
{
	static const CLI::Validator check = parses_with([](const std::string& text) { (void)MacAddress::parse(text); }, "MAC");
	return check;
}

const CLI::Validator& vlan_tags()
{
	static const CLI::Validator check = parses_with([](const std::string& text) { (void)VlanTags::parse(text); }, "TAGS");
	return check;
}

AttachOptions AttachFlags::options() const
{
	static const std::map<std::string, AttachMode> modes{
	    {"auto", AttachMode::automatic}, {"native", AttachMode::native}, {"generic", AttachMode::generic}};
	return {modes.at(mode), force, false, vlan_offload_off};
}

void add_attach_flags(CLI::App& command, AttachFlags& flags)
{
	command.add_option("--mode", flags.mode, "where XDP runs (default auto: native, else generic)")
	    ->check(CLI::IsMember({"native", "generic", "auto"}))
	    ->option_text("native|generic|auto");
	command.add_flag("--force", flags.force, "replace a program something else attached");
	command.add_flag("--no-peer-check", flags.no_peer_check,
			 "allow a veth redirect target whose peer has neither XDP nor GRO");
}

void add_vlan_offload_flag(CLI::App& mode, AttachFlags& flags, const std::string& where)
{
	mode.add_flag("--vlan-offload-off", flags.vlan_offload_off, "turn receive VLAN offload off " + where);
}

StaticRoute StaticArgs::route(bool check_veth_peer) const
{
	StaticRoute route{Interface(out), MacAddress::parse(dst_mac), std::nullopt, check_veth_peer};
	if (!src_mac.empty())
		route.src_mac = MacAddress::parse(src_mac);
	return route;
}

void add_static_arguments(CLI::App& command, StaticArgs& args)
{
	command.add_option("IN", args.in, "ingress interface")->required();
	command.add_option("OUT", args.out, "egress interface")->required();
	command.add_option("DST_MAC", args.dst_mac, "destination MAC written into every packet")
	    ->required()
	    ->check(mac_address());
	command.add_option("SRC_MAC", args.src_mac, "source MAC (default: left as received)")->check(mac_address());
}

void add_lookup_option(CLI::App& command, std::string& lookup)
{
	command.add_option("--lookup", lookup, "full: routing rules too; direct: the main table only (faster)")
	    ->check(CLI::IsMember({"full", "direct"}))
	    ->option_text("full|direct");
}

} // namespace xdpfwd::cli
