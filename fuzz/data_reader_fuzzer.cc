// Fuzzes gauntlet::smtp::DataReader and DotStuff with raw wire bytes: what
// a client sends after the server's 354 reply.
//
// Limits and read boundaries come from a hash of the input, so seeds are
// plain captures. If the input holds a "DATA\r\n" line (a capture of a
// whole session), the bytes after it are read as message data too.
// Invariants (abort on violation): any split, including one byte at a time,
// gives the same result; bytes after the end-of-data marker are never
// consumed; the stored message never exceeds its limit; a message read
// successfully, dot-stuffed again and re-read, is the same message.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "smtp/data_reader.h"

namespace {

using gauntlet::fuzz::Cuts;
using gauntlet::fuzz::InputRandom;
using gauntlet::smtp::DataReader;
using gauntlet::smtp::DataReaderOptions;

struct Outcome {
  std::size_t consumed = 0;
  bool done = false;
  std::string status;
  std::string message;
  bool bare_lf = false;
  bool bare_cr = false;
  bool operator==(const Outcome&) const = default;
};

Outcome Read(absl::string_view input, const DataReaderOptions& options,
             absl::Span<const std::size_t> cuts) {
  DataReader reader(options);
  Outcome out;
  std::size_t start = 0;
  bool stopped = false;
  auto feed = [&](std::size_t end) {
    if (stopped) return;
    const absl::string_view piece = input.substr(start, end - start);
    const std::size_t used = reader.Feed(piece);
    out.consumed += used;
    FUZZ_CHECK(reader.message().size() <= options.max_message_size);
    if (used < piece.size()) {
      FUZZ_CHECK(reader.done());
      stopped = true;
    }
    start = end;
  };
  for (std::size_t cut : cuts) feed(cut);
  feed(input.size());
  FUZZ_CHECK(reader.offset() == out.consumed);
  out.done = reader.done();
  out.status = reader.status().ToString();
  out.message = reader.message();
  out.bare_lf = reader.saw_bare_lf();
  out.bare_cr = reader.saw_bare_cr();
  return out;
}

void Check(absl::string_view input, InputRandom& rng) {
  DataReaderOptions options;
  switch (rng.Below(4)) {
    case 0:
      options.max_line_length = rng.Below(80);
      break;
    case 1:
      options.max_message_size = rng.Below(512);
      break;
    default:
      break;
  }
  const Outcome whole = Read(input, options, {});
  FUZZ_CHECK(whole.consumed <= input.size());
  if (!whole.done) FUZZ_CHECK(whole.consumed == input.size());
  if (whole.done) {
    FUZZ_CHECK(input.substr(0, whole.consumed).size() >= 3);
    FUZZ_CHECK(input.substr(whole.consumed - 3, 3) == ".\r\n");
  }

  FUZZ_CHECK(Read(input, options, Cuts::Random(rng, input.size(), 6).span()) ==
             whole);
  if (input.size() <= 512) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    FUZZ_CHECK(Read(input, options, every) == whole);
  }

  if (whole.done && whole.status == "OK") {
    const std::string wire = gauntlet::smtp::DotStuff(whole.message);
    DataReaderOptions relaxed;  // Stuffing may lengthen a line by one.
    relaxed.max_line_length = std::max<std::size_t>(options.max_line_length, 3) + 1;
    relaxed.max_message_size = options.max_message_size;
    const Outcome again = Read(wire, relaxed, {});
    FUZZ_CHECK(again.done);
    FUZZ_CHECK(again.consumed == wire.size());
    FUZZ_CHECK(again.message == whole.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  InputRandom rng(input);
  Check(input, rng);
  const std::size_t data_cmd = input.find("DATA\r\n");
  if (data_cmd != absl::string_view::npos &&
      (data_cmd == 0 || input[data_cmd - 1] == '\n')) {
    Check(input.substr(data_cmd + 6), rng);
  }
  return 0;
}
