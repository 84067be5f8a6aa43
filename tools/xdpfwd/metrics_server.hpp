// `run --metrics ADDR:PORT`: GET /metrics over HTTP (cpp-httplib), from a listener bound in the
// network namespace xdpfwd started in, so that a Prometheus on the host can scrape a forwarder
// that runs in another namespace.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace xdpfwd::cli {

/// ADDR:PORT as given on the command line: 127.0.0.1:9100, [::1]:9100, localhost:9100; port 0
/// picks a free one.
struct ListenAddress {
	std::string host;
	int port = 0;

	/// Throws UsageError ("takes ADDR:PORT ...") when `text` is not HOST:PORT.
	static ListenAddress parse(const std::string& text);
};

class MetricsServer {
public:
	/// Binds and listens in the calling thread's network namespace; serves nothing until
	/// serve(). Throws Error (EADDRINUSE, EACCES, ...).
	explicit MetricsServer(const ListenAddress& address);
	MetricsServer(const MetricsServer&) = delete;
	MetricsServer& operator=(const MetricsServer&) = delete;
	/// Stops serving and waits for the server's thread.
	~MetricsServer();

	/// Answers GET /metrics with render() (the Prometheus text format), on a thread of its own
	/// with one worker. A thread made from a thread in another namespace serves the socket bound
	/// here all the same: a socket keeps the namespace it was made in.
	void serve(std::function<std::string()> render);

	/// http://HOST:PORT/metrics, with the port actually bound.
	[[nodiscard]] std::string url() const;

private:
	struct Server;
	std::unique_ptr<Server> server_;
	ListenAddress address_;
	std::thread thread_;
};

} // namespace xdpfwd::cli
