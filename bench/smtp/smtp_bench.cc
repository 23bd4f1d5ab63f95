// Throughput of the SMTP protocol core: EHLO reply parsing, a pipelined
// command stream through the framer and command parser, and DATA reading.
//
// Run: build/<dir>/bench/smtp/smtp_bench (RelWithDebInfo, no sanitizers).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/ehlo.h"
#include "smtp/line_reader.h"
#include "smtp/reply.h"

namespace gauntlet::smtp {
namespace {

constexpr char kEhloReply[] =
    "250-mx.example.org Hello client.example.net [192.0.2.10]\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 52428800\r\n"
    "250-ETRN\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250-AUTH=PLAIN LOGIN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250 STARTTLS\r\n";

// One-shot parse, as a client does for each reply.
void BM_ParseEhloReply(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<Reply> reply = ParseReply(kEhloReply);
    benchmark::DoNotOptimize(reply);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          (sizeof(kEhloReply) - 1));
}
BENCHMARK(BM_ParseEhloReply);

// A long-lived parser fed one read at a time, as on a connection.
void BM_StreamEhloReply(benchmark::State& state) {
  ReplyParser parser;
  for (auto _ : state) {
    parser.Feed(kEhloReply, [](const ReplyResult& reply) {
      benchmark::DoNotOptimize(reply);
      return true;
    });
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          (sizeof(kEhloReply) - 1));
}
BENCHMARK(BM_StreamEhloReply);

void BM_ParseEhloCapabilities(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<Reply> reply = ParseReply(kEhloReply);
    absl::StatusOr<EhloCapabilities> caps = EhloCapabilities::FromReply(*reply);
    benchmark::DoNotOptimize(caps);
  }
}
BENCHMARK(BM_ParseEhloCapabilities);

// ~1 MiB of typical pipelined client commands.
std::string CommandBlock() {
  std::string block;
  int i = 0;
  while (block.size() < (1 << 20)) {
    absl::StrAppend(
        &block, "MAIL FROM:<sender", i, "@example.org> SIZE=", 1000 + i,
        " BODY=8BITMIME\r\n", "RCPT TO:<rcpt", i, "@example.net>\r\n",
        "RCPT TO:<\"quoted user\"@[192.0.2.1]> NOTIFY=NEVER\r\n", "NOOP\r\n",
        "RSET\r\n", "EHLO client", i, ".example.net\r\n");
    ++i;
  }
  return block;
}

// 100 MB per iteration through LineReader::FeedViews + ParseCommand, in
// 16 KiB reads.
void BM_CommandStream(benchmark::State& state) {
  const std::string block = CommandBlock();
  constexpr std::size_t kRead = 16 * 1024;
  const std::size_t passes = (100u << 20) / block.size();
  std::size_t commands = 0;
  for (auto _ : state) {
    LineReader reader(kMaxCommandLineLength);
    for (std::size_t pass = 0; pass < passes; ++pass) {
      for (std::size_t off = 0; off < block.size(); off += kRead) {
        reader.FeedViews(
            absl::string_view(block).substr(off, kRead),
            [&](const LineView& line) {
              absl::StatusOr<Command> cmd = ParseCommand(line.text);
              benchmark::DoNotOptimize(cmd);
              commands += cmd.ok() ? 1 : 0;
              return true;
            },
            [](std::uint64_t) { return true; });
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(passes * block.size()));
  state.counters["commands"] = static_cast<double>(commands);
}
BENCHMARK(BM_CommandStream)->Unit(benchmark::kMillisecond)->Iterations(3);

// A 10 MiB message of 78-octet lines, some dot-stuffed, in 16 KiB reads.
void BM_DataReader(benchmark::State& state) {
  std::string wire;
  const std::string line(76, 'm');
  for (int i = 0; wire.size() < (10u << 20); ++i) {
    if (i % 50 == 0) wire += '.';
    absl::StrAppend(&wire, line, "\r\n");
  }
  wire += ".\r\n";
  constexpr std::size_t kRead = 16 * 1024;
  DataReaderOptions options;
  options.max_message_size = 20u << 20;
  for (auto _ : state) {
    DataReader reader(options);
    for (std::size_t off = 0; off < wire.size() && !reader.done();
         off += kRead) {
      reader.Feed(absl::string_view(wire).substr(off, kRead));
    }
    if (!reader.done() || !reader.status().ok()) {
      state.SkipWithError("message not read");
      break;
    }
    benchmark::DoNotOptimize(reader.message().size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(wire.size()));
}
BENCHMARK(BM_DataReader)->Unit(benchmark::kMillisecond);

void BM_DotStuff(benchmark::State& state) {
  std::string message;
  for (int i = 0; message.size() < (1u << 20); ++i) {
    absl::StrAppend(&message, i % 50 == 0 ? "." : "", std::string(76, 'm'),
                    "\r\n");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(DotStuff(message));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(message.size()));
}
BENCHMARK(BM_DotStuff)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gauntlet::smtp

BENCHMARK_MAIN();
