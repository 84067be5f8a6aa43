#include "metrics_server.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>

#include <sys/socket.h>

#include <httplib.h>

#include "cli.hpp"

namespace xdpfwd::cli {

struct MetricsServer::Server : httplib::Server {
	std::atomic<bool> ended = false; ///< listen_after_bind() returned
};

ListenAddress ListenAddress::parse(const std::string& text)
{
	const auto bad = [&] {
		return UsageError("takes ADDR:PORT such as 127.0.0.1:9100 or [::1]:9100, not \"" + one_line(text) + "\"");
	};
	std::string host, port;
	if (!text.empty() && text.front() == '[') {
		const auto close = text.find(']');
		if (close == std::string::npos || text.compare(close + 1, 1, ":") != 0)
			throw bad();
		host = text.substr(1, close - 1);
		port = text.substr(close + 2);
	} else {
		const auto colon = text.rfind(':');
		if (colon == std::string::npos || text.find(':') != colon)
			throw bad(); // an IPv6 address needs its brackets
		host = text.substr(0, colon);
		port = text.substr(colon + 1);
	}
	if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
	    std::stoi(port) > 65535)
		throw bad();
	return {host, std::stoi(port)};
}

MetricsServer::MetricsServer(const ListenAddress& address) : server_(std::make_unique<Server>()), address_(address)
{
	// a scrape every few seconds needs one worker, not httplib's default pool of eight
	server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
	// httplib's default adds SO_REUSEPORT, with which a second xdpfwd could bind the same port
	// and take half the scrapes: SO_REUSEADDR alone (a restart must not wait for TIME_WAIT)
	server_->set_socket_options([](int sock) {
		const int yes = 1;
		::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	});
	errno = 0;
	bool bound = false;
	if (address_.port == 0) {
		const int port = server_->bind_to_any_port(address_.host);
		bound = port > 0;
		address_.port = port;
	} else {
		bound = server_->bind_to_port(address_.host, address_.port);
	}
	if (!bound) {
		// httplib says only that it failed; errno is bind()'s (or 0 when the name did not resolve)
		const int err = errno ? errno : EADDRNOTAVAIL;
		throw Error(err, "listen on " + address.host + ":" + std::to_string(address.port) + " for --metrics",
			    err == EADDRINUSE ? "something listens there already; pick another port"
					      : "give an address of this host (the namespace xdpfwd was started in)");
	}
}

MetricsServer::~MetricsServer()
{
	if (thread_.joinable()) {
		server_->stop();
		thread_.join();
	}
}

void MetricsServer::serve(std::function<std::string()> render)
{
	server_->Get("/metrics", [render = std::move(render)](const httplib::Request&, httplib::Response& response) {
		try {
			response.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
		} catch (const std::exception& e) {
			response.status = 500;
			response.set_content(std::string(e.what()) + "\n", "text/plain; charset=utf-8");
		}
	});
	thread_ = std::thread([this] {
		server_->listen_after_bind();
		server_->ended = true;
	});
	// stop() does nothing before the loop runs: wait for it, so that the destructor can end it
	while (!server_->is_running() && !server_->ended)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::string MetricsServer::url() const
{
	const bool v6 = address_.host.find(':') != std::string::npos;
	return "http://" + (v6 ? "[" + address_.host + "]" : address_.host) + ":" + std::to_string(address_.port) + "/metrics";
}

} // namespace xdpfwd::cli
