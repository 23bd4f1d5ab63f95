#include "smtp/command.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::smtp {
namespace {

struct VerbEntry {
  Verb verb;
  absl::string_view name;
};

constexpr std::array<VerbEntry, 13> kVerbs = {{
    {Verb::kEhlo, "EHLO"},
    {Verb::kHelo, "HELO"},
    {Verb::kStarttls, "STARTTLS"},
    {Verb::kAuth, "AUTH"},
    {Verb::kMail, "MAIL"},
    {Verb::kRcpt, "RCPT"},
    {Verb::kData, "DATA"},
    {Verb::kBdat, "BDAT"},
    {Verb::kRset, "RSET"},
    {Verb::kNoop, "NOOP"},
    {Verb::kQuit, "QUIT"},
    {Verb::kVrfy, "VRFY"},
    {Verb::kHelp, "HELP"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Byte classes as a table: these run once per byte of every path.
enum : unsigned char { kAtext = 1, kDomain = 2 };

constexpr std::array<unsigned char, 256> MakeClasses() {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                       (c >= 'A' && c <= 'Z');
    const bool high = c >= 0x80;
    bool atext = alnum || high;
    for (char special : absl::string_view("!#$%&'*+-/=?^_`{|}~")) {
      if (c == static_cast<unsigned char>(special)) atext = true;
    }
    const bool domain = alnum || high || c == '-' || c == '_';
    t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(
        (atext ? kAtext : 0) | (domain ? kDomain : 0));
  }
  return t;
}
constexpr std::array<unsigned char, 256> kClasses = MakeClasses();

// RFC 5322 atext, plus UTF-8 (RFC 6531).
bool IsAtext(char c) {
  return (kClasses[static_cast<unsigned char>(c)] & kAtext) != 0;
}

bool IsDomainChar(char c) {
  return (kClasses[static_cast<unsigned char>(c)] & kDomain) != 0;
}

std::string Describe(absl::string_view line, std::size_t pos) {
  if (pos >= line.size()) return "end of line";
  return absl::StrCat("'", absl::CHexEscape(line.substr(pos, 1)), "'");
}

absl::Status SyntaxError(absl::string_view line, std::size_t pos,
                         absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "column ", pos + 1, ": ", what, " (found ", Describe(line, pos), ")"));
}

// Parses a dot-separated run of labels made of `is_char` bytes at *pos;
// on failure *pos is where a label was expected.
template <typename IsChar>
bool ParseDotted(absl::string_view s, std::size_t* pos, IsChar is_char) {
  std::size_t i = *pos;
  for (;;) {
    const std::size_t start = i;
    while (i < s.size() && is_char(s[i])) ++i;
    if (i == start) {
      *pos = i;  // Where a label was expected, for the error's column.
      return false;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      continue;
    }
    *pos = i;
    return true;
  }
}

// Domain or address literal at *pos.
absl::Status ParseDomain(absl::string_view line, std::size_t* pos) {
  if (*pos < line.size() && line[*pos] == '[') {
    std::size_t i = *pos + 1;
    while (i < line.size() && line[i] != ']') {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      if (c < 33 || c > 126 || c == '[' || c == '\\') {
        return SyntaxError(line, i, "invalid character in address literal");
      }
      ++i;
    }
    if (i >= line.size()) {
      return SyntaxError(line, i, "unterminated address literal");
    }
    if (i == *pos + 1) return SyntaxError(line, i, "empty address literal");
    *pos = i + 1;
    return absl::OkStatus();
  }
  if (!ParseDotted(line, pos, IsDomainChar)) {
    return SyntaxError(line, *pos, "expected a domain");
  }
  return absl::OkStatus();
}

// "<" [source-route ":"] mailbox ">" or "<>", with *pos at the '<'.
absl::Status ParsePath(absl::string_view line, std::size_t* pos,
                       bool is_mail, Command* cmd) {
  std::size_t i = *pos;
  if (i >= line.size() || line[i] != '<') {
    return SyntaxError(line, i, "expected '<' to open the path");
  }
  ++i;
  if (i < line.size() && line[i] == '>') {
    if (!is_mail) {
      return SyntaxError(line, i,
                         "the null path <> is only allowed in MAIL FROM");
    }
    cmd->null_path = true;
    *pos = i + 1;
    return absl::OkStatus();
  }
  if (i < line.size() && line[i] == '@') {
    const std::size_t start = i;
    for (;;) {
      if (i >= line.size() || line[i] != '@') {
        return SyntaxError(line, i, "expected '@' in source route");
      }
      ++i;
      if (absl::Status s = ParseDomain(line, &i); !s.ok()) return s;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i >= line.size() || line[i] != ':') {
      return SyntaxError(line, i, "expected ':' after source route");
    }
    cmd->source_route = std::string(line.substr(start, i - start));
    ++i;
  }
  const std::size_t mailbox_start = i;
  if (i < line.size() && line[i] == '"') {
    ++i;
    for (;;) {
      if (i >= line.size()) {
        return SyntaxError(line, i, "unterminated quoted local part");
      }
      const unsigned char c = static_cast<unsigned char>(line[i]);
      if (c == '"') break;
      if (c == '\\') {
        ++i;
        if (i >= line.size()) {
          return SyntaxError(line, i, "unterminated quoted local part");
        }
        const unsigned char e = static_cast<unsigned char>(line[i]);
        if (e < 32 || e == 127) {
          return SyntaxError(line, i, "invalid escaped character");
        }
      } else if ((c < 32 || c == 127)) {
        return SyntaxError(line, i, "invalid character in quoted local part");
      }
      ++i;
    }
    ++i;  // Closing quote.
  } else if (!ParseDotted(line, &i, IsAtext)) {
    return SyntaxError(line, i, "invalid local part");
  }
  if (i < line.size() && line[i] == '@') {
    ++i;
    if (absl::Status s = ParseDomain(line, &i); !s.ok()) return s;
  } else if (is_mail || !absl::EqualsIgnoreCase(
                            line.substr(mailbox_start, i - mailbox_start),
                            "postmaster")) {
    return SyntaxError(line, i, "expected '@' and a domain in the mailbox");
  }
  if (i >= line.size() || line[i] != '>') {
    return SyntaxError(line, i, "expected '>' to close the path");
  }
  cmd->mailbox.assign(line.data() + mailbox_start, i - mailbox_start);
  *pos = i + 1;
  return absl::OkStatus();
}

bool IsParamValueChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u >= 33 && u <= 126 && c != '=') || u >= 0x80;
}

absl::Status ParseParams(absl::string_view line, std::size_t i, Command* cmd) {
  if (i < line.size() && line[i] != ' ') {
    return SyntaxError(line, i, "expected a space after the path");
  }
  for (;;) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) return absl::OkStatus();
    const std::size_t kw_start = i;
    if (!IsAlnum(line[i])) {
      return SyntaxError(line, i, "expected an ESMTP parameter keyword");
    }
    while (i < line.size() && (IsAlnum(line[i]) || line[i] == '-')) ++i;
    EsmtpParam param;
    param.keyword = absl::AsciiStrToUpper(line.substr(kw_start, i - kw_start));
    if (i < line.size() && line[i] == '=') {
      ++i;
      const std::size_t v_start = i;
      while (i < line.size() && IsParamValueChar(line[i])) ++i;
      if (i == v_start) {
        return SyntaxError(line, i, "empty ESMTP parameter value");
      }
      param.value = std::string(line.substr(v_start, i - v_start));
    }
    if (i < line.size() && line[i] != ' ') {
      return SyntaxError(line, i, "invalid character in ESMTP parameter");
    }
    if (param.keyword == "SIZE" &&
        (!param.value.has_value() || param.value->size() > 19 ||
         !std::all_of(param.value->begin(), param.value->end(), IsDigit))) {
      return SyntaxError(line, kw_start, "SIZE needs a decimal value");
    }
    if ((param.keyword == "BODY" || param.keyword == "AUTH") &&
        !param.value.has_value()) {
      return SyntaxError(line, kw_start,
                         absl::StrCat(param.keyword, " needs a value"));
    }
    if (param.keyword == "SMTPUTF8" && param.value.has_value()) {
      return SyntaxError(line, kw_start, "SMTPUTF8 takes no value");
    }
    cmd->params.push_back(std::move(param));
  }
}

absl::Status ParseMailOrRcpt(absl::string_view line, std::size_t arg_pos,
                             bool is_mail, Command* cmd) {
  const absl::string_view prefix = is_mail ? "FROM:" : "TO:";
  if (!absl::StartsWithIgnoreCase(line.substr(arg_pos), prefix)) {
    return SyntaxError(line, arg_pos,
                       is_mail ? "expected FROM:" : "expected TO:");
  }
  std::size_t i = arg_pos + prefix.size();
  while (i < line.size() && line[i] == ' ') ++i;
  if (absl::Status s = ParsePath(line, &i, is_mail, cmd); !s.ok()) return s;
  return ParseParams(line, i, cmd);
}

absl::Status ParseAuth(absl::string_view line, std::size_t i, Command* cmd) {
  const std::size_t mech_start = i;
  while (i < line.size() && line[i] != ' ') {
    const char c = line[i];
    if (!IsAlnum(c) && c != '-' && c != '_') {
      return SyntaxError(line, i, "invalid character in SASL mechanism");
    }
    ++i;
  }
  if (i == mech_start || i - mech_start > 20) {
    return SyntaxError(line, mech_start, "expected a SASL mechanism name");
  }
  cmd->auth_mechanism =
      absl::AsciiStrToUpper(line.substr(mech_start, i - mech_start));
  while (i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size()) return absl::OkStatus();
  const std::size_t resp_start = i;
  while (i < line.size() && line[i] != ' ') ++i;
  absl::string_view response = line.substr(resp_start, i - resp_start);
  while (i < line.size() && line[i] == ' ') ++i;
  if (i < line.size()) {
    return SyntaxError(line, i, "unexpected text after the initial response");
  }
  cmd->auth_initial_response =
      response == "=" ? std::string() : std::string(response);
  return absl::OkStatus();
}

absl::Status ParseBdat(absl::string_view line, std::size_t i, Command* cmd) {
  const std::size_t start = i;
  std::uint64_t size = 0;
  while (i < line.size() && IsDigit(line[i])) {
    const std::uint64_t digit = static_cast<std::uint64_t>(line[i] - '0');
    if (size > (UINT64_MAX - digit) / 10) {
      return SyntaxError(line, start, "BDAT chunk size does not fit 64 bits");
    }
    size = size * 10 + digit;
    ++i;
  }
  if (i == start) return SyntaxError(line, i, "expected the BDAT chunk size");
  cmd->bdat_size = size;
  if (i < line.size() && line[i] != ' ') {
    return SyntaxError(line, i, "invalid character in BDAT chunk size");
  }
  while (i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size()) return absl::OkStatus();
  if (!absl::EqualsIgnoreCase(line.substr(i, 4), "LAST")) {
    return SyntaxError(line, i, "expected LAST or end of line");
  }
  i += 4;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i < line.size()) {
    return SyntaxError(line, i, "unexpected text after LAST");
  }
  cmd->bdat_last = true;
  return absl::OkStatus();
}

constexpr std::uint32_t Pack4(const char* upper) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(upper[0])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(upper[1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(upper[2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(upper[3]));
}

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// Case-insensitive verb lookup without a table scan: every known verb but
// STARTTLS has four letters.
Verb LookupVerb(absl::string_view text) {
  if (text.size() == 8) {
    for (std::size_t i = 0; i < 8; ++i) {
      if (Upper(text[i]) != "STARTTLS"[i]) return Verb::kUnknown;
    }
    return Verb::kStarttls;
  }
  if (text.size() != 4) return Verb::kUnknown;
  const char upper[4] = {Upper(text[0]), Upper(text[1]), Upper(text[2]),
                         Upper(text[3])};
  switch (Pack4(upper)) {
    case Pack4("EHLO"): return Verb::kEhlo;
    case Pack4("HELO"): return Verb::kHelo;
    case Pack4("AUTH"): return Verb::kAuth;
    case Pack4("MAIL"): return Verb::kMail;
    case Pack4("RCPT"): return Verb::kRcpt;
    case Pack4("DATA"): return Verb::kData;
    case Pack4("BDAT"): return Verb::kBdat;
    case Pack4("RSET"): return Verb::kRset;
    case Pack4("NOOP"): return Verb::kNoop;
    case Pack4("QUIT"): return Verb::kQuit;
    case Pack4("VRFY"): return Verb::kVrfy;
    case Pack4("HELP"): return Verb::kHelp;
    default: return Verb::kUnknown;
  }
}

}  // namespace

absl::string_view VerbName(Verb verb) {
  for (const VerbEntry& entry : kVerbs) {
    if (entry.verb == verb) return entry.name;
  }
  return "";
}

const EsmtpParam* Command::FindParam(absl::string_view keyword) const {
  for (const EsmtpParam& param : params) {
    if (absl::EqualsIgnoreCase(param.keyword, keyword)) return &param;
  }
  return nullptr;
}

absl::StatusOr<Command> ParseCommand(absl::string_view line) {
  if (line.empty()) {
    return absl::InvalidArgumentError("column 1: empty command line");
  }
  std::size_t verb_end = line.find(' ');
  if (verb_end == absl::string_view::npos) verb_end = line.size();
  if (verb_end == 0) {
    return SyntaxError(line, 0, "command line starts with a space");
  }
  const absl::string_view verb_text = line.substr(0, verb_end);
  // Argument: from the first non-space after the verb to the last non-space.
  std::size_t arg_pos = verb_end;
  while (arg_pos < line.size() && line[arg_pos] == ' ') ++arg_pos;
  std::size_t arg_end = line.size();
  while (arg_end > arg_pos && line[arg_end - 1] == ' ') --arg_end;
  const absl::string_view trimmed = line.substr(0, arg_end);
  const absl::string_view arg = trimmed.substr(arg_pos);

  // Built in place: moving a finished Command into a StatusOr would cost
  // as much as a good part of the parse.
  absl::StatusOr<Command> result(absl::in_place);
  Command& cmd = *result;
  cmd.verb_text.assign(verb_text.data(), verb_text.size());
  cmd.verb = LookupVerb(verb_text);
  switch (cmd.verb) {
    case Verb::kStarttls:
    case Verb::kData:
    case Verb::kRset:
    case Verb::kQuit:
      if (!arg.empty()) {
        return SyntaxError(line, arg_pos,
                           absl::StrCat(VerbName(cmd.verb),
                                        " takes no argument"));
      }
      break;
    case Verb::kEhlo:
    case Verb::kHelo:
    case Verb::kVrfy:
      if (arg.empty()) {
        return SyntaxError(line, arg_pos,
                           absl::StrCat(VerbName(cmd.verb),
                                        " needs an argument"));
      }
      cmd.argument.assign(arg.data(), arg.size());
      break;
    case Verb::kNoop:
    case Verb::kHelp:
    case Verb::kUnknown:
      cmd.argument.assign(arg.data(), arg.size());
      break;
    case Verb::kAuth:
      if (absl::Status s = ParseAuth(trimmed, arg_pos, &cmd); !s.ok()) {
        return s;
      }
      break;
    case Verb::kMail:
    case Verb::kRcpt:
      if (absl::Status s = ParseMailOrRcpt(trimmed, arg_pos,
                                           cmd.verb == Verb::kMail, &cmd);
          !s.ok()) {
        return s;
      }
      break;
    case Verb::kBdat:
      if (absl::Status s = ParseBdat(trimmed, arg_pos, &cmd); !s.ok()) {
        return s;
      }
      break;
  }
  return result;
}

std::string SerializeCommand(const Command& cmd) {
  std::string out =
      cmd.verb_text.empty() ? std::string(VerbName(cmd.verb)) : cmd.verb_text;
  switch (cmd.verb) {
    case Verb::kStarttls:
    case Verb::kData:
    case Verb::kRset:
    case Verb::kQuit:
      break;
    case Verb::kEhlo:
    case Verb::kHelo:
    case Verb::kVrfy:
    case Verb::kNoop:
    case Verb::kHelp:
    case Verb::kUnknown:
      if (!cmd.argument.empty()) absl::StrAppend(&out, " ", cmd.argument);
      break;
    case Verb::kAuth:
      absl::StrAppend(&out, " ", cmd.auth_mechanism);
      if (cmd.auth_initial_response.has_value()) {
        absl::StrAppend(&out, " ",
                        cmd.auth_initial_response->empty()
                            ? absl::string_view("=")
                            : absl::string_view(*cmd.auth_initial_response));
      }
      break;
    case Verb::kMail:
    case Verb::kRcpt:
      absl::StrAppend(&out, cmd.verb == Verb::kMail ? " FROM:<" : " TO:<");
      if (!cmd.source_route.empty()) {
        absl::StrAppend(&out, cmd.source_route, ":");
      }
      absl::StrAppend(&out, cmd.mailbox, ">");
      for (const EsmtpParam& param : cmd.params) {
        absl::StrAppend(&out, " ", param.keyword);
        if (param.value.has_value()) absl::StrAppend(&out, "=", *param.value);
      }
      break;
    case Verb::kBdat:
      absl::StrAppend(&out, " ", cmd.bdat_size);
      if (cmd.bdat_last) out += " LAST";
      break;
  }
  out += "\r\n";
  return out;
}

}  // namespace gauntlet::smtp
