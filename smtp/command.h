// SMTP commands as seen by a server: parsing one command line into a value
// and serialising it back.
//
// Verbs are case-insensitive. An unrecognised verb is a value (Verb::
// kUnknown), not an error, so a server can answer it with 500 and log it.
// Syntax errors are errors (kInvalidArgument) whose message names the
// 1-based column in the line. Parsing follows RFC 5321 §4.1 with the
// leniency real servers apply: spaces after "FROM:" / "TO:" are tolerated,
// as are source routes ("<@a,@b:user@c>", kept but meaningless) and
// trailing spaces. The null reverse-path "<>" is accepted for MAIL only,
// and "<postmaster>" without a domain for RCPT only.

#ifndef GAUNTLET_SMTP_COMMAND_H_
#define GAUNTLET_SMTP_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gauntlet::smtp {

enum class Verb {
  kUnknown,
  kEhlo,
  kHelo,
  kStarttls,
  kAuth,
  kMail,
  kRcpt,
  kData,
  kBdat,
  kRset,
  kNoop,
  kQuit,
  kVrfy,
  kHelp,
};

// Upper-case name of a known verb ("EHLO", ...); "" for kUnknown.
absl::string_view VerbName(Verb verb);

// An ESMTP parameter of MAIL or RCPT (RFC 5321 §4.1.2), e.g. SIZE=1000.
struct EsmtpParam {
  std::string keyword;               // Upper-cased.
  std::optional<std::string> value;  // As sent; nullopt without '='.
  friend bool operator==(const EsmtpParam&, const EsmtpParam&) = default;
};

struct Command {
  Verb verb = Verb::kUnknown;
  // The verb as sent (original case); for kUnknown the line's first word.
  // SerializeCommand uses VerbName(verb) when this is empty.
  std::string verb_text;
  // EHLO/HELO domain or address literal; VRFY, HELP, NOOP and unknown
  // verbs' argument text. Surrounding spaces removed.
  std::string argument;

  // MAIL / RCPT: the mailbox between '<' and '>' as sent (quotes kept,
  // source route excluded); empty for the null path.
  std::string mailbox;
  // MAIL / RCPT: a source route such as "@a,@b" (without the ':').
  std::string source_route;
  // MAIL FROM:<> (a bounce).
  bool null_path = false;
  std::vector<EsmtpParam> params;

  // AUTH: the mechanism, upper-cased, and the initial response as sent
  // ("" when the client sent "=", meaning an empty response; nullopt when
  // there was none).
  std::string auth_mechanism;
  std::optional<std::string> auth_initial_response;

  // BDAT: chunk size and whether LAST was given.
  std::uint64_t bdat_size = 0;
  bool bdat_last = false;

  // The first MAIL/RCPT parameter with this keyword (case-insensitive).
  const EsmtpParam* FindParam(absl::string_view keyword) const;

  friend bool operator==(const Command&, const Command&) = default;
};

// Parses one command line, without its line ending.
absl::StatusOr<Command> ParseCommand(absl::string_view line);

// The command's wire form, CRLF included.
std::string SerializeCommand(const Command& command);

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_COMMAND_H_
