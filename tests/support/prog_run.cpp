#include "prog_run.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <string>
#include <utility>

#include <xdpfwd/error.hpp>

namespace xdpfwd::test {

int try_run(const Program& program, const Bytes& frame, unsigned ingress_ifindex, RunResult& result,
	    const RunOptions& options)
{
	xdp_md ctx{};
	ctx.data_end = static_cast<std::uint32_t>(frame.size()); // the whole frame is packet data
	ctx.ingress_ifindex = ingress_ifindex;
	// more than any test frame: the kernel fails with ENOSPC if it does not fit
	Bytes out(options.live ? 0 : 4096);

	bpf_test_run_opts opts{}; // zeroed and sized by hand: LIBBPF_OPTS is C, not C++
	opts.sz = sizeof(opts);
	opts.data_in = frame.data();
	opts.data_size_in = static_cast<std::uint32_t>(frame.size());
	if (!options.live) {
		opts.data_out = out.data();
		opts.data_size_out = static_cast<std::uint32_t>(out.size());
	}
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = options.repeat;
	if (options.live) {
		opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
		opts.batch_size = options.batch;
	}
	const int rc = bpf_prog_test_run_opts(program.fd(), &opts);
	if (rc != 0)
		return rc < 0 ? rc : -EIO;
	out.resize(opts.data_size_out);
	result = {static_cast<XdpAction>(opts.retval), std::move(out), opts.duration};
	return 0;
}

RunResult run(const Program& program, const Bytes& frame, unsigned ingress_ifindex, const RunOptions& options)
{
	RunResult result;
	check(try_run(program, frame, ingress_ifindex, result, options), [&] {
		return "BPF_PROG_RUN of " + program.name() + " on a " + std::to_string(frame.size()) + "-byte frame" +
		       (options.live ? " (live frames)" : "");
	});
	return result;
}

} // namespace xdpfwd::test
