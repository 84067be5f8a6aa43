// `run`'s forwarder and its interfaces, followed by name: when an interface is deleted the
// forwarder carries on with the others, and when one of that name appears again it is attached
// again (fib: an egress again; map: without a route until `route set`; static: the ingress,
// or a new program when the egress came back, since its ifindex is frozen into the program).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "attach_args.hpp"

namespace xdpfwd::cli {

/// Where each log line goes (one line per event).
using Log = std::function<void(const std::string&)>;

class FollowedForwarder {
public:
	virtual ~FollowedForwarder() = default;

	/// Attaches every interface, all or none (Error: the first that failed). With `keep`, what
	/// it attaches (now and later) stays attached when it is destroyed or the process ends.
	void start(bool keep);

	/// Looks at the interfaces again: forgets those that are gone, re-adds those that are back,
	/// notices a program someone else detached or replaced. Logs what changed. Called on link
	/// notifications, and periodically while waiting() (a veth whose peer is not ready yet).
	void follow(const Log& log);

	/// True while an interface exists but could not be attached yet.
	[[nodiscard]] bool waiting() const;

	/// Detaches what it attached, or with `keep` leaves it; one line saying which.
	void stop(bool keep, const std::string& why, const Log& log);

	[[nodiscard]] virtual const Forwarder& forwarder() const = 0;
	/// The fib forwarder, for the route cache keeper; nullptr in the other modes.
	[[nodiscard]] virtual const FibForwarder* fib() const { return nullptr; }
	/// Where the program runs now.
	[[nodiscard]] std::vector<ProgramMetrics::Port> attached() const;
	/// "xdpfwd_fib (id 12) on uno (ifindex 2, native), dos (ifindex 3, native)" and what the mode adds.
	[[nodiscard]] std::string describe() const;

protected:
	FollowedForwarder(std::vector<std::string> names, AttachFlags flags);

	[[nodiscard]] virtual Forwarder& owned_forwarder() = 0;
	/// Attaches the program to `ifindex` as a port. Throws Error.
	virtual void add(unsigned ifindex) = 0;
	/// Drops the port: detaches it (if the program there is still ours: true) and forgets its entries.
	virtual bool remove(unsigned ifindex) = 0;
	/// What a port added again does, for the log ("egress enabled").
	[[nodiscard]] virtual std::string added_note() const = 0;
	/// What is lost with a port that is gone, for the log.
	[[nodiscard]] virtual std::string gone_note() const { return {}; }
	/// The mode's own configuration, for describe().
	[[nodiscard]] virtual std::string configuration() const { return {}; }
	/// Interfaces the mode depends on without running there (static's egress).
	virtual void follow_others(const Log&) {}
	/// What follows the ports (fib: the VLAN devices on them), after follow() has seen to them.
	virtual void after_ports(const Log&) {}
	[[nodiscard]] virtual bool others_waiting() const { return false; }

	struct Port {
		std::string name;
		unsigned ifindex = 0;   ///< where it is attached; 0 while it is missing or refused
		std::string refused;    ///< why re-adding it failed last (logged once, retried)
		bool lost = false;      ///< someone else detached or replaced our program: left alone
	};
	[[nodiscard]] AttachOptions options() const;
	[[nodiscard]] bool check_peer() const { return !flags_.no_peer_check; }
	/// "uno (ifindex 2), dos (ifindex 3)": the ports attached now, or "no interface".
	[[nodiscard]] std::string attached_list() const;
	/// follow() for one port: gone, back, or no longer running `ours` (a program id).
	void follow(Port& port, std::uint32_t ours, const Log& log);
	/// Tries to attach `port` at `ifindex`; logs the outcome, starting with `subject` (a refusal
	/// once: it is tried again on the next follow()).
	void try_add(Port& port, unsigned ifindex, const std::string& subject, const Log& log);
	/// Logs `failure` of `port` unless it was the last one logged; it is tried again later.
	static void refused(Port& port, const std::string& subject, const Error& failure, const Log& log);

	std::vector<Port> ports_;

private:
	AttachFlags flags_;
	bool keep_ = false;
};

std::unique_ptr<FollowedForwarder> follow_fib(std::vector<std::string> interfaces, FibLookup lookup,
					      std::uint32_t route_cache_entries, AttachFlags flags);
std::unique_ptr<FollowedForwarder> follow_map(std::vector<std::string> interfaces, AttachFlags flags);
std::unique_ptr<FollowedForwarder> follow_static(const StaticArgs& args, AttachFlags flags);

} // namespace xdpfwd::cli
