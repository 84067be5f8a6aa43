// A host application as a consumer builds it: one include, the library's dependency, no libbpf code.
#include <xdpfwd/xdpfwd.hpp>

#include <cstdio>

int main()
{
	try {
		xdpfwd::FibForwarder fib(xdpfwd::FibLookup::direct);
		const auto snapshot = fib.stats().snapshot();
		std::printf("loaded %s (id %u), %llu packets so far\n", fib.program().name().c_str(), fib.program().id(),
			    static_cast<unsigned long long>(snapshot.total_packets()));
		return fib.lookup() == xdpfwd::FibLookup::direct ? 0 : 1;
	} catch (const xdpfwd::Error& e) {
		std::fprintf(stderr, "%s\n", e.what());
		return 1;
	}
}
