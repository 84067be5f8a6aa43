// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace xdpfwd {

/// libbpf's own diagnostics (the verifier log when a load fails, kernel feature probes):
/// xdpfwd's Error already says what failed and why in one line, so a host application decides
/// whether it also wants these, and where.
enum class LogLevel { warn, info, debug };
enum class LibbpfLog { off, to_stderr };
using LogCallback = std::function<void(LogLevel, std::string_view line)>;

namespace detail {

struct LibbpfSink {
	std::mutex mutex;
	LogCallback callback;
};

inline LibbpfSink& libbpf_sink()
{
	static auto* sink = new LibbpfSink; // never destroyed: libbpf may log during static destruction
	return *sink;
}

inline int forward_libbpf_message(enum libbpf_print_level level, const char* format, va_list args)
{
	va_list again;
	va_copy(again, args);
	const int length = std::vsnprintf(nullptr, 0, format, args);
	std::string text(length > 0 ? static_cast<std::size_t>(length) : 0, '\0');
	if (length > 0)
		std::vsnprintf(text.data(), text.size() + 1, format, again);
	va_end(again);
	const LogLevel ours = level == LIBBPF_WARN ? LogLevel::warn : level == LIBBPF_INFO ? LogLevel::info : LogLevel::debug;
	LibbpfSink& sink = libbpf_sink();
	const std::lock_guard lock(sink.mutex);
	if (!sink.callback)
		return 0;
	// one message may hold many lines (a whole verifier log): the callback gets them one by one
	std::string_view rest(text);
	while (!rest.empty()) {
		const std::size_t end = rest.find('\n');
		sink.callback(ours, rest.substr(0, end));
		rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
	}
	return length;
}

} // namespace detail

/// Sends each of libbpf's messages, one line at a time, to `callback` (from whichever thread
/// libbpf runs in; calls are serialised). Process-wide, like libbpf's own setting.
inline void set_libbpf_log(LogCallback callback)
{
	detail::LibbpfSink& sink = detail::libbpf_sink();
	{
		const std::lock_guard lock(sink.mutex);
		sink.callback = std::move(callback);
	}
	libbpf_set_print(detail::forward_libbpf_message);
}

/// off: libbpf says nothing; to_stderr: libbpf's warnings and information go to stderr.
inline void set_libbpf_log(LibbpfLog where)
{
	if (where == LibbpfLog::off) {
		libbpf_set_print(nullptr);
		return;
	}
	set_libbpf_log([](LogLevel level, std::string_view line) {
		if (level != LogLevel::debug)
			std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data()); // libbpf says "libbpf: " itself
	});
}

} // namespace xdpfwd
