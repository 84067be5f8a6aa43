// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// xdpfwd benchmark: forwarding rates of every mode against the kernel's own IP forwarding and
// against bare redirect ceilings, the fib mode's sensitivity to the routing table's size, and
// each program's per-packet cost. See bench/README.md; run it with scripts/bench.sh.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "options.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "stop.hpp"

namespace {

int main_checked(int argc, char** argv)
{
	using namespace bench;
	const Options o = parse_options(argc, argv);
	if (::geteuid() != 0)
		throw std::runtime_error("needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces)");
	xdpfwd::test::prepare_process({.netns_prefix = "xfwdb-",
				       .on_signal = xdpfwd::test::OnSignal::stop_then_clean_up,
				       .on_stale = [](const std::string& name) {
					       std::fprintf(stderr, "bench: removing namespace %s left by a run that died\n",
							    name.c_str());
				       }});

	const Results res = measure(o, describe_machine(o));
	::mkdir(o.output_dir.c_str(), 0755);
	write_file(o.output_dir + "/results.json", to_json(res));
	const std::string markdown = to_markdown(res);
	write_file(o.output_dir + "/results.md", markdown);
	std::fputs(markdown.c_str(), stdout);
	std::fprintf(stderr, "bench: wrote %s/results.json and %s/results.md\n", o.output_dir.c_str(), o.output_dir.c_str());

	if (!o.smoke)
		return 0;
	const auto failures = smoke_failures(res);
	for (const auto& f : failures)
		std::fprintf(stderr, "bench smoke: FAILED: %s\n", f.c_str());
	std::printf("[doctest] test cases: 1 | %d passed | %d failed | 0 skipped\n", failures.empty() ? 1 : 0,
		    failures.empty() ? 0 : 1);
	return failures.empty() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
	bool smoke = false;
	for (int i = 1; i < argc; ++i)
		smoke = smoke || std::strcmp(argv[i], "--smoke") == 0;
	try {
		return main_checked(argc, argv);
	} catch (const std::exception& e) {
		if (bench::stop_signal())
			std::fprintf(stderr, "xdpfwd_bench: interrupted by signal %d\n", bench::stop_signal());
		else
			std::fprintf(stderr, "xdpfwd_bench: %s\n", e.what());
		if (smoke)
			std::printf("[doctest] test cases: 1 | 0 passed | 1 failed | 0 skipped\n");
		return bench::stop_signal() ? 128 + bench::stop_signal() : 1;
	}
}
