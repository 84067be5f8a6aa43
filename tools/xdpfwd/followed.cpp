#include "followed.hpp"

#include <net/if.h>

#include <algorithm>
#include <optional>
#include <set>

namespace xdpfwd::cli {

namespace {

std::string join(const std::vector<std::string>& parts)
{
	std::string text;
	for (const auto& part : parts)
		text += (text.empty() ? "" : ", ") + part;
	return text;
}

std::string ifindex_text(unsigned ifindex) { return "ifindex " + std::to_string(ifindex); }

} // namespace

FollowedForwarder::FollowedForwarder(std::vector<std::string> names, AttachFlags flags) : flags_(std::move(flags))
{
	for (auto& name : names)
		ports_.push_back(Port{std::move(name), 0, {}, false});
}

AttachOptions FollowedForwarder::options() const
{
	AttachOptions options = flags_.options();
	options.persistent = keep_;
	return options;
}

void FollowedForwarder::start(bool keep)
{
	// Non-persistent until all are attached: if one fails, the forwarder's destructor detaches the rest.
	for (Port& port : ports_) {
		const unsigned ifindex = Interface(port.name).ifindex();
		add(ifindex);
		port.ifindex = ifindex;
	}
	keep_ = keep;
	if (keep)
		owned_forwarder().persist();
}

void FollowedForwarder::follow(const Log& log)
{
	// A failure here (an interface deleted between two queries, say) must not end the service:
	// logged, and looked at again on the next link notification.
	try {
		follow_others(log);
	} catch (const Error& e) {
		log(std::string("following the egress: ") + e.what());
	}
	const std::uint32_t ours = forwarder().program().id();
	for (Port& port : ports_) {
		try {
			follow(port, ours, log);
		} catch (const Error& e) {
			log(port.name + ": " + e.what());
		}
	}
	try {
		after_ports(log);
	} catch (const Error& e) {
		log(std::string("following the ports' VLAN devices: ") + e.what());
	}
}

void FollowedForwarder::follow(Port& port, std::uint32_t ours, const Log& log)
{
	const unsigned now = ::if_nametoindex(port.name.c_str());
	if (port.ifindex && port.ifindex != now) {
		const unsigned was = std::exchange(port.ifindex, 0);
		port.lost = false;
		remove(was); // the kernel took the attachment and the devmap entries with the device
		log(port.name + " (" + ifindex_text(was) + ") is gone" + (now ? " (another interface has its name now)" : "") +
		    "; forwarding continues on " + attached_list() + gone_note());
	}
	if (!now)
		port.refused.clear(); // nothing to wait for until it exists
	if (!port.ifindex && now) {
		try_add(port, now, port.name + " is back as " + ifindex_text(now), log);
	} else if (port.ifindex && !port.lost) {
		const auto attached = find_attached(port.ifindex);
		if (!attached || attached->program.id() != ours) {
			port.lost = true;
			log(port.name + " (" + ifindex_text(port.ifindex) + "): " + forwarder().program().name() + " was " +
			    (attached ? "replaced by " + attached->program.name() + " (id " + std::to_string(attached->program.id()) + ")"
				      : std::string("detached")) +
			    " by someone else; left so until the interface is deleted and comes back");
		}
	}
}

bool FollowedForwarder::waiting() const
{
	for (const Port& port : ports_)
		if (!port.refused.empty())
			return true;
	return others_waiting();
}

void FollowedForwarder::try_add(Port& port, unsigned ifindex, const std::string& subject, const Log& log)
{
	try {
		add(ifindex);
	} catch (const Error& e) {
		refused(port, subject, e, log);
		return;
	}
	port.ifindex = ifindex;
	port.refused.clear();
	port.lost = false;
	std::string mode;
	for (const auto& a : forwarder().attachments())
		if (a.ifindex() == ifindex)
			mode = to_string(a.mode());
	log(subject + ": " + forwarder().program().name() + " (id " + std::to_string(forwarder().program().id()) +
	    ") attached in " + mode + " mode" + added_note());
}

void FollowedForwarder::refused(Port& port, const std::string& subject, const Error& failure, const Log& log)
{
	if (port.refused != failure.what())
		log(subject + ": cannot attach yet (" + failure.what() + "); trying again");
	port.refused = failure.what();
}

void FollowedForwarder::stop(bool keep, const std::string& why, const Log& log)
{
	const std::string program = forwarder().program().name() + " (id " + std::to_string(forwarder().program().id()) + ")";
	if (keep) {
		log(why + ": --keep leaves " + program + " attached to " + attached_list());
		return;
	}
	std::vector<std::string> detached, left;
	for (Port& port : ports_) {
		if (!port.ifindex)
			continue;
		const std::string where = port.name + " (" + ifindex_text(port.ifindex) + ")";
		(remove(std::exchange(port.ifindex, 0)) ? detached : left).push_back(where);
	}
	log(why + ": detached " + program + " from " + (detached.empty() ? "no interface" : join(detached)) +
	    (left.empty() ? "" : "; left " + join(left) + ", where another program runs now"));
}

std::vector<ProgramMetrics::Port> FollowedForwarder::attached() const
{
	std::vector<ProgramMetrics::Port> result;
	for (const Port& port : ports_) {
		if (!port.ifindex || port.lost)
			continue;
		for (const auto& a : forwarder().attachments())
			if (a.ifindex() == port.ifindex)
				result.push_back({port.name, port.ifindex, a.mode()});
	}
	return result;
}

std::string FollowedForwarder::attached_list() const
{
	std::vector<std::string> parts;
	for (const ProgramMetrics::Port& port : attached())
		parts.push_back(port.interface + " (" + ifindex_text(port.ifindex) + ")");
	return parts.empty() ? "no interface" : join(parts);
}

std::string FollowedForwarder::describe() const
{
	std::vector<std::string> parts;
	for (const ProgramMetrics::Port& port : attached())
		parts.push_back(port.interface + " (" + ifindex_text(port.ifindex) + ", " + to_string(port.mode) + ")");
	return forwarder().program().name() + " (id " + std::to_string(forwarder().program().id()) + ") on " + join(parts) +
	       configuration();
}

namespace {

class FollowedFib final : public FollowedForwarder {
public:
	FollowedFib(std::vector<std::string> names, FibLookup lookup, std::uint32_t route_cache_entries, AttachFlags flags)
	    : FollowedForwarder(std::move(names), std::move(flags)), fib_(lookup, route_cache_entries)
	{
	}
	[[nodiscard]] const Forwarder& forwarder() const override { return fib_; }
	[[nodiscard]] const FibForwarder* fib() const override { return &fib_; }

private:
	Forwarder& owned_forwarder() override { return fib_; }
	void add(unsigned ifindex) override { fib_.add_port(ifindex, options(), check_peer()); }
	bool remove(unsigned ifindex) override
	{
		fib_.disable_egress(ifindex);
		return fib_.detach(ifindex);
	}
	[[nodiscard]] std::string added_note() const override { return ", egress enabled"; }
	[[nodiscard]] std::string configuration() const override
	{
		return std::string(", lookup ") + (fib_.lookup() == FibLookup::direct ? "direct" : "full");
	}

	// VLAN devices come and go as links do: after every link change the VLAN maps follow (the
	// route cache's keeper does it too; without the cache nothing else would)
	void after_ports(const Log& log) override
	{
		std::vector<unsigned> before;
		for (const VlanDevice& device : fib_.vlans())
			before.push_back(device.ifindex);
		std::vector<unsigned> now;
		std::string names;
		for (const VlanDevice& device : fib_.refresh_vlans()) {
			now.push_back(device.ifindex);
			names += (names.empty() ? "" : ", ") + device.name + " (" + device.tags.text() + ")";
		}
		std::sort(now.begin(), now.end());
		if (now != before)
			log("VLAN devices forwarded on the ports: " + (names.empty() ? std::string("none") : names));
		check_offloads(log);
	}

	// A port that gains its first VLAN device while it strips tags would forward that VLAN's
	// frames as untagged: --vlan-offload-off turns the offload off then, else the log says so
	// (once per port, until it has been fixed).
	void check_offloads(const Log& log)
	{
		const auto devices = vlan_devices();
		for (const unsigned port : fib_.egress_ports()) {
			if (std::none_of(devices.begin(), devices.end(), [&](const VlanDevice& d) { return d.port == port; }))
				continue;
			const auto on = rx_vlan_offloads(port);
			if (on.empty()) {
				offload_warned_.erase(port);
				continue;
			}
			if (options().turn_off_vlan_offload) {
				FibForwarder::require_vlan_tags_visible(port, true, devices);
				log("turned " + detail::Ethtool::join(on) + " off on " + describe_interface(port) + ", which has VLAN devices now");
			} else if (offload_warned_.insert(port).second) {
				try {
					FibForwarder::require_vlan_tags_visible(port, false, devices);
				} catch (const Error& e) {
					log(std::string("warning: ") + e.what());
				}
			}
		}
	}

	FibForwarder fib_;
	std::set<unsigned> offload_warned_;
};

class FollowedMap final : public FollowedForwarder {
public:
	FollowedMap(std::vector<std::string> names, AttachFlags flags) : FollowedForwarder(std::move(names), std::move(flags)) {}
	[[nodiscard]] const Forwarder& forwarder() const override { return map_; }

private:
	Forwarder& owned_forwarder() override { return map_; }
	void add(unsigned ifindex) override
	{
		if (options().turn_off_vlan_offload) // routes come later (route set): XDP must see tags by then
			require_tags_visible(ifindex, true, {});
		map_.attach(ifindex, options());
	}
	bool remove(unsigned ifindex) override
	{
		map_.remove_route(ifindex);
		return map_.detach(ifindex);
	}
	[[nodiscard]] std::string added_note() const override { return "; no route until `xdpfwd route set`"; }
	[[nodiscard]] std::string gone_note() const override
	{
		return "; routes to and from it are gone with it (`xdpfwd route set` them again once it is back)";
	}
	[[nodiscard]] std::string configuration() const override { return "; routes come from `xdpfwd route set`"; }

	MapForwarder map_;
};

/// Static mode freezes its egress's ifindex into the program: an egress that comes back (as
/// another ifindex) gets a new program, which replaces the old one on the ingress.
class FollowedStatic final : public FollowedForwarder {
public:
	FollowedStatic(const StaticArgs& args, AttachFlags flags)
	    : FollowedForwarder({args.in}, std::move(flags)), route_(args.route(check_peer())), forwarder_(route_)
	{
		egress_.name = args.out;
		egress_.ifindex = route_.egress.ifindex();
	}
	[[nodiscard]] const Forwarder& forwarder() const override { return *forwarder_; }

private:
	Forwarder& owned_forwarder() override { return *forwarder_; }
	void add(unsigned ifindex) override { forwarder_->add_port(ifindex, options()); }
	bool remove(unsigned ifindex) override { return forwarder_->remove_port(ifindex); }
	[[nodiscard]] std::string added_note() const override { return {}; }
	[[nodiscard]] std::string configuration() const override
	{
		return " towards " + egress_.name + " (" + (egress_.ifindex ? ifindex_text(egress_.ifindex) : "missing") +
		       ") dst " + route_.dst_mac.to_string() + " src " +
		       (route_.src_mac ? route_.src_mac->to_string() : std::string("as received"));
	}
	[[nodiscard]] bool others_waiting() const override { return !egress_.refused.empty(); }

	void follow_others(const Log& log) override
	{
		const unsigned now = ::if_nametoindex(egress_.name.c_str());
		if (egress_.ifindex && egress_.ifindex != now) {
			log("egress " + egress_.name + " (" + ifindex_text(egress_.ifindex) + ") is gone: what arrives on " +
			    ports_.front().name + " is redirected to a missing device and dropped until it is back");
			egress_.ifindex = 0;
		}
		if (!now)
			egress_.refused.clear();
		if (egress_.ifindex || !now)
			return;
		const std::string subject = "egress " + egress_.name + " is back as " + ifindex_text(now);
		StaticRoute route = route_;
		route.egress = now;
		std::optional<StaticForwarder> next;
		std::vector<unsigned> taken;
		try {
			next.emplace(route); // refused (ENOLINK) while a veth's peer can take no redirects yet
			// in one step where ours runs (the ingress): never without a program, never over
			// a program someone else put there
			taken = next->take_over(forwarder_->program(), options().persistent);
		} catch (const Error& e) {
			refused(egress_, subject, e, log);
			return;
		}
		forwarder_ = std::move(next);
		route_ = route;
		egress_.ifindex = now;
		egress_.refused.clear();
		const Port& ingress = ports_.front();
		const bool swapped = ingress.ifindex && std::find(taken.begin(), taken.end(), ingress.ifindex) != taken.end();
		log(subject + ": loaded " + forwarder_->program().name() + " (id " + std::to_string(forwarder_->program().id()) +
		    ") towards it (the egress is frozen into the program)" +
		    (swapped ? " and swapped it in on " + ingress.name + " (" + ifindex_text(ingress.ifindex) + ")" : std::string()));
	}

	StaticRoute route_;
	Port egress_;
	std::optional<StaticForwarder> forwarder_;
};

} // namespace

std::unique_ptr<FollowedForwarder> follow_fib(std::vector<std::string> interfaces, FibLookup lookup,
					      std::uint32_t route_cache_entries, AttachFlags flags)
{
	return std::make_unique<FollowedFib>(std::move(interfaces), lookup, route_cache_entries, std::move(flags));
}

std::unique_ptr<FollowedForwarder> follow_map(std::vector<std::string> interfaces, AttachFlags flags)
{
	return std::make_unique<FollowedMap>(std::move(interfaces), std::move(flags));
}

std::unique_ptr<FollowedForwarder> follow_static(const StaticArgs& args, AttachFlags flags)
{
	return std::make_unique<FollowedStatic>(args, std::move(flags));
}

} // namespace xdpfwd::cli
