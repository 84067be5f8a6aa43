// What arrived where: frames captured on an interface of a test namespace (AF_PACKET), the
// fields of an Ethernet + IP frame a forwarding test checks, and UDP datagrams sent from one
// namespace to another and counted on arrival.
//
// Sockets are opened while the thread is inside the namespace (Netns::enter()) and stay bound
// to it after the thread leaves, so one thread can watch several namespaces.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "checksum.hpp"
#include "netns.hpp"

namespace xdpfwd::test {

using namespace std::chrono_literals;

/// The fields of a captured Ethernet frame that forwarding changes or keeps.
struct Frame {
	std::vector<std::uint8_t> bytes;
	MacAddress dst_mac;
	MacAddress src_mac;
	std::uint16_t ethertype = 0;  ///< host order: 0x0800, 0x86dd, 0x0806, ...
	int ip_version = 0;           ///< 4, 6, or 0 for anything else
	int ttl = -1;                 ///< IPv4 TTL or IPv6 hop limit
	int protocol = -1;            ///< IPv4 protocol or IPv6 next header
	std::string src_ip;
	std::string dst_ip;
	int l4_type = -1;             ///< first byte after the IP header: ICMP / ICMPv6 type
	bool ipv4_checksum_ok = false;

	/// Parses an Ethernet frame (no VLAN tags); fields it cannot read stay at their defaults.
	static Frame parse(const std::uint8_t* data, std::size_t length)
	{
		Frame f;
		f.bytes.assign(data, data + length);
		if (length < ETH_HLEN)
			return f;
		std::memcpy(f.dst_mac.bytes.data(), data, 6);
		std::memcpy(f.src_mac.bytes.data(), data + 6, 6);
		f.ethertype = static_cast<std::uint16_t>(data[12] << 8 | data[13]);
		const std::uint8_t* l3 = data + ETH_HLEN;
		const std::size_t l3_length = length - ETH_HLEN;
		char text[INET6_ADDRSTRLEN] = {};
		if (f.ethertype == ETH_P_IP && l3_length >= sizeof(iphdr)) {
			iphdr ip;
			std::memcpy(&ip, l3, sizeof(ip));
			const std::size_t header_length = ip.ihl * 4u;
			f.ip_version = ip.version;
			f.ttl = ip.ttl;
			f.protocol = ip.protocol;
			f.src_ip = ::inet_ntop(AF_INET, &ip.saddr, text, sizeof(text));
			f.dst_ip = ::inet_ntop(AF_INET, &ip.daddr, text, sizeof(text));
			if (header_length >= sizeof(iphdr) && l3_length >= header_length) {
				f.ipv4_checksum_ok = internet_checksum(l3, header_length) == 0;
				if (l3_length > header_length)
					f.l4_type = l3[header_length];
			}
		} else if (f.ethertype == ETH_P_IPV6 && l3_length >= sizeof(ip6_hdr)) {
			ip6_hdr ip6;
			std::memcpy(&ip6, l3, sizeof(ip6));
			f.ip_version = 6;
			f.ttl = ip6.ip6_hlim;
			f.protocol = ip6.ip6_nxt;
			f.src_ip = ::inet_ntop(AF_INET6, &ip6.ip6_src, text, sizeof(text));
			f.dst_ip = ::inet_ntop(AF_INET6, &ip6.ip6_dst, text, sizeof(text));
			if (l3_length > sizeof(ip6_hdr))
				f.l4_type = l3[sizeof(ip6_hdr)];
		}
		return f;
	}

	/// An ICMP / ICMPv6 echo request from `src` to `dst`.
	[[nodiscard]] bool is_echo_request(const std::string& src, const std::string& dst) const
	{
		const bool echo = (ip_version == 4 && protocol == IPPROTO_ICMP && l4_type == 8) ||
				  (ip_version == 6 && protocol == IPPROTO_ICMPV6 && l4_type == 128);
		return echo && src_ip == src && dst_ip == dst;
	}
};

/// Frames received on one interface of a namespace, from the moment of construction.
class Capture {
public:
	Capture(const Netns& ns, const std::string& interface) : Capture(ns.name(), interface) {}

	/// In the namespace called `netns` (one something else made: the CLI's scenario, say).
	Capture(const std::string& netns, const std::string& interface)
	{
		const NetnsScope scope(netns);
		socket_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
		if (!socket_)
			throw Error(errno, "open AF_PACKET socket in " + netns);
		sockaddr_ll where{};
		where.sll_family = AF_PACKET;
		where.sll_protocol = htons(ETH_P_ALL);
		where.sll_ifindex = static_cast<int>(ifindex_of(interface));
		if (::bind(socket_.get(), reinterpret_cast<sockaddr*>(&where), sizeof(where)) != 0)
			throw Error(errno, "bind AF_PACKET socket to " + interface + " in " + netns);
	}

	/// The next received (not sent) frame that `wanted` accepts, or nothing by `timeout`.
	std::optional<Frame> next(const std::function<bool(const Frame&)>& wanted,
				  std::chrono::milliseconds timeout = 2000ms)
	{
		const auto deadline = std::chrono::steady_clock::now() + timeout;
		std::vector<std::uint8_t> buffer(65536);
		for (;;) {
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
			if (left.count() <= 0)
				return std::nullopt;
			pollfd p{socket_.get(), POLLIN, 0};
			if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
				continue;
			sockaddr_ll from{};
			socklen_t from_length = sizeof(from);
			const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
						     reinterpret_cast<sockaddr*>(&from), &from_length);
			if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
				continue;
			Frame frame = Frame::parse(buffer.data(), static_cast<std::size_t>(n));
			if (wanted(frame))
				return frame;
		}
	}

private:
	UniqueFd socket_;
};

/// `address`:`port`, IPv4 or IPv6 by the address's text, as a socket address.
struct SocketAddress {
	sockaddr_storage storage{};
	socklen_t length = 0;
	[[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
	[[nodiscard]] int family() const { return storage.ss_family; }
};
inline SocketAddress socket_address(const std::string& address, std::uint16_t port)
{
	SocketAddress result;
	if (address.find(':') != std::string::npos) {
		auto& a = reinterpret_cast<sockaddr_in6&>(result.storage);
		a.sin6_family = AF_INET6;
		a.sin6_port = htons(port);
		::inet_pton(AF_INET6, address.c_str(), &a.sin6_addr);
		result.length = sizeof(sockaddr_in6);
	} else {
		auto& a = reinterpret_cast<sockaddr_in&>(result.storage);
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
		result.length = sizeof(sockaddr_in);
	}
	return result;
}

/// UDP from a socket in one namespace to a socket bound in another.
class UdpFlow {
public:
	/// Receives on `to_address`:`port` inside `to`; sends from inside `from`.
	UdpFlow(const Netns& from, const Netns& to, const std::string& to_address, std::uint16_t port)
	    : address_(socket_address(to_address, port)), family_(address_.family())
	{
		{
			const auto scope = to.enter();
			receiver_ = open("receiving UDP socket in " + to.name());
			if (::bind(receiver_.get(), address_.get(), address_.length) != 0)
				throw Error(errno, "bind UDP socket to " + to_address + " in " + to.name());
		}
		{
			const auto scope = from.enter();
			sender_ = open("sending UDP socket in " + from.name());
			if (::connect(sender_.get(), address_.get(), address_.length) != 0)
				throw Error(errno, "connect UDP socket to " + to_address + " from " + from.name());
		}
	}

	/// Sends `count` datagrams of `size` bytes, then counts those that arrive (waiting at most
	/// `quiet` after the last one). Datagrams still queued from earlier sends are dropped first.
	int send_and_count(int count, std::size_t size = 64, std::chrono::milliseconds quiet = 1000ms)
	{
		drain();
		std::vector<std::uint8_t> payload(size, 0x5a);
		for (int i = 0; i < count; ++i) {
			payload[0] = static_cast<std::uint8_t>(i);
			if (::send(sender_.get(), payload.data(), payload.size(), 0) != static_cast<ssize_t>(payload.size()))
				throw Error(errno, "send UDP datagram " + std::to_string(i));
		}
		int received = 0;
		std::vector<std::uint8_t> buffer(size + 1);
		while (received < count) {
			pollfd p{receiver_.get(), POLLIN, 0};
			if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0)
				break;
			if (::recv(receiver_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT) == static_cast<ssize_t>(size))
				++received;
		}
		return received;
	}

private:
	UniqueFd open(const std::string& what) const
	{
		UniqueFd fd(::socket(family_, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (!fd)
			throw Error(errno, "open " + what);
		return fd;
	}

	void drain()
	{
		std::uint8_t byte;
		while (::recv(receiver_.get(), &byte, 1, MSG_DONTWAIT) >= 0) {
		}
	}

	SocketAddress address_;
	int family_ = AF_INET;
	UniqueFd sender_;
	UniqueFd receiver_;
};

} // namespace xdpfwd::test
