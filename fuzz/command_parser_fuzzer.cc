// Fuzzes gauntlet::smtp::ParseCommand / SerializeCommand and AuthExchange
// with raw wire bytes, as a client would send them to a server.
//
// The input is framed into lines exactly as the fake server will do (the
// line-length limit comes from a hash of the input, so seeds are plain
// captures), and every line goes through the command parser; AUTH commands
// drive an AuthExchange over the following lines. Invariants (abort on
// violation): a parsed command, serialised and parsed again, is the same
// command and serialises to the same bytes; errors name a column inside the
// line; an AUTH exchange only captures what it reports.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "smtp/auth.h"
#include "smtp/command.h"
#include "smtp/line_reader.h"

namespace {

using gauntlet::smtp::AuthExchange;
using gauntlet::smtp::Command;
using gauntlet::smtp::Line;
using gauntlet::smtp::LineReader;
using gauntlet::smtp::Verb;

void CheckLine(absl::string_view text) {
  absl::StatusOr<Command> cmd = gauntlet::smtp::ParseCommand(text);
  if (!cmd.ok()) {
    // "column N: ..." with 1 <= N <= size + 1.
    absl::string_view msg = cmd.status().message();
    FUZZ_CHECK(absl::StartsWith(msg, "column "));
    msg.remove_prefix(7);
    const std::size_t colon = msg.find(':');
    FUZZ_CHECK(colon != absl::string_view::npos);
    std::uint64_t column = 0;
    FUZZ_CHECK(absl::SimpleAtoi(msg.substr(0, colon), &column));
    FUZZ_CHECK(column >= 1 && column <= text.size() + 1);
    return;
  }
  const std::string wire = gauntlet::smtp::SerializeCommand(*cmd);
  FUZZ_CHECK(absl::EndsWith(wire, "\r\n"));
  const absl::string_view again_text =
      absl::string_view(wire).substr(0, wire.size() - 2);
  absl::StatusOr<Command> again = gauntlet::smtp::ParseCommand(again_text);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *cmd);
  FUZZ_CHECK(gauntlet::smtp::SerializeCommand(*again) == wire);
  if (cmd->verb == Verb::kMail || cmd->verb == Verb::kRcpt) {
    FUZZ_CHECK(cmd->null_path == cmd->mailbox.empty());
    FUZZ_CHECK(!cmd->null_path || cmd->verb == Verb::kMail);
  }
  if (cmd->verb == Verb::kStarttls || cmd->verb == Verb::kData ||
      cmd->verb == Verb::kQuit || cmd->verb == Verb::kRset) {
    FUZZ_CHECK(again_text.size() == cmd->verb_text.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  gauntlet::fuzz::InputRandom rng(input);
  const std::size_t max = rng.OneIn(4) ? 1 + rng.Below(128)
                                       : gauntlet::smtp::kMaxCommandLineLength;

  LineReader reader(max);
  AuthExchange auth;
  reader.Feed(input, [&](const absl::StatusOr<Line>& line) {
    if (!line.ok()) return true;
    FUZZ_CHECK(line->text.size() < max);
    if (auth.awaiting_response()) {
      const AuthExchange::Action action = auth.OnClientLine(line->text);
      FUZZ_CHECK((action.step == AuthExchange::Step::kChallenge) ==
                 auth.awaiting_response());
      if (action.step == AuthExchange::Step::kComplete) {
        FUZZ_CHECK(auth.captured().has_username &&
                   auth.captured().has_password);
      }
      return true;
    }
    CheckLine(line->text);
    absl::StatusOr<Command> cmd = gauntlet::smtp::ParseCommand(line->text);
    if (cmd.ok() && cmd->verb == Verb::kAuth) {
      const AuthExchange::Action action = auth.Start(*cmd);
      FUZZ_CHECK((action.step == AuthExchange::Step::kChallenge) ==
                 auth.awaiting_response());
      FUZZ_CHECK(auth.captured().mechanism == cmd->auth_mechanism);
    }
    return true;
  });
  // The whole input as one line too: bytes no framer would pass through.
  CheckLine(input.substr(0, 1024));
  return 0;
}
