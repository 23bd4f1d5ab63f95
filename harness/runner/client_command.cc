#include "harness/runner/client_command.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/client_contract.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "harness/runner/policy_placeholder.h"

namespace gauntlet::runner {
namespace {

using contract::kRunPlaceholders;
using Placeholder = contract::Placeholder;

std::string ValueOf(const ClientParams& p, absl::string_view name) {
  if (name == "host") return p.host;
  if (name == "addr") return p.addr;
  if (name == "port") return std::to_string(p.port);
  if (name == "ca_file") return p.ca_file;
  if (name == "from") return p.from;
  if (name == "to") return p.to;
  if (name == "message_file") return p.message_file;
  if (name == "user") return p.user;
  if (name == "password") return p.password;
  return p.scenario;  // Names are checked by FindPlaceholder first.
}

const Placeholder* FindPlaceholder(absl::string_view name) {
  for (const Placeholder& p : kRunPlaceholders) {
    if (ToAbsl(p.name) == name) return &p;
  }
  return nullptr;
}

// Error text quotes at most this much of a bad placeholder.
constexpr std::size_t kMaxQuotedName = 40;

std::string Shorten(absl::string_view s) {
  if (s.size() <= kMaxQuotedName) return std::string(s);
  return absl::StrCat(s.substr(0, kMaxQuotedName), "...");
}

// One step of the brace layer at `text[i]`, shared by both modes.
struct BraceToken {
  enum Kind { kLiteral, kPlaceholder } kind = kLiteral;
  char literal = 0;
  absl::string_view name;  // kPlaceholder only.
  std::size_t length = 1;  // Characters consumed.
};

// `where` describes the position for error messages ("column 7").
absl::StatusOr<BraceToken> NextBraceToken(absl::string_view text,
                                          std::size_t i,
                                          absl::string_view where) {
  BraceToken t;
  const char c = text[i];
  if (c == '{') {
    if (i + 1 < text.size() && text[i + 1] == '{') {
      t.literal = '{';
      t.length = 2;
      return t;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unterminated placeholder '", Shorten(text.substr(i)),
                       "' at ", where, " (write {{ for a literal brace)"));
    }
    absl::string_view name = text.substr(i + 1, close - i - 1);
    if (FindPlaceholder(name) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown placeholder {", Shorten(name), "} at ", where,
                       " (known: {host} {addr} {port} {ca_file} {from} {to} "
                       "{message_file} {user} {password} {policy} {scenario}; "
                       "write {{ and }} for literal braces)"));
    }
    t.kind = BraceToken::kPlaceholder;
    t.name = name;
    t.length = close - i + 1;
    return t;
  }
  if (c == '}') {
    if (i + 1 < text.size() && text[i + 1] == '}') {
      t.literal = '}';
      t.length = 2;
      return t;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unmatched '}' at ", where, " (write }} for a literal brace)"));
  }
  t.literal = c;
  return t;
}

absl::Status CheckTemplateBytes(absl::string_view text) {
  if (text.size() > kMaxTemplateLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("client command template is ", text.size(),
                     " bytes long; the limit is ", kMaxTemplateLength));
  }
  const std::size_t nul = text.find('\0');
  if (nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client command template has a NUL byte at column ", nul + 1));
  }
  bool blank = true;
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
  }
  if (blank) return absl::InvalidArgumentError("client command template is empty");
  return absl::OkStatus();
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that mean something to sh when unquoted; without --shell they
// would silently become (parts of) arguments instead.
bool IsShellOperator(char c) {
  switch (c) {
    case '|': case '&': case ';': case '<': case '>': case '(': case ')':
    case '$': case '`':
      return true;
    default:
      return false;
  }
}

// Substitutes placeholders inside one already-split word.
absl::StatusOr<std::string> ExpandWord(const TemplateWord& word,
                                       const ClientParams& params) {
  const std::string where = absl::StrCat("the word at column ", word.column);
  std::string out;
  absl::string_view text = word.text;
  for (std::size_t i = 0; i < text.size();) {
    GAUNTLET_ASSIGN_OR_RETURN(BraceToken t, NextBraceToken(text, i, where));
    if (t.kind == BraceToken::kPlaceholder) {
      out += ValueOf(params, t.name);
    } else {
      out += t.literal;
    }
    i += t.length;
  }
  return out;
}

// Tracks just enough of sh's quoting to know whether the next character
// would be read as part of a plain unquoted word at the top level: the only
// place where a single-quoted value is always exactly one literal string.
class ShellQuoteTracker {
 public:
  // Why a placeholder may not go here, or nullopt if it may.
  std::optional<std::string> WhyNotHere() const {
    if (poisoned_) {
      return "after a here-document (<<) or a 'case' inside $(...), where "
             "quoting cannot be tracked";
    }
    if (comment_) return "inside a comment";
    if (escape_) return "right after a backslash";
    if (single_) return "inside single quotes";
    if (dollar_) return "right after '$'";
    if (!stack_.empty()) {
      switch (stack_.back().kind) {
        case kDouble: return "inside double quotes";
        case kCmdSubst: return "inside $(...)";
        case kBacktick: return "inside `...`";
        case kParam: return "inside ${...}";
        case kTop: break;
      }
    }
    return std::nullopt;
  }

  // A placeholder was emitted as one complete single-quoted string.
  void Placeholder() {
    word_start_ = false;
    keyword_.clear();
    last_lt_ = false;
  }

  void Feed(char c, int column) {
    if (escape_) {
      escape_ = false;
      return;
    }
    if (single_) {
      if (c == '\'') single_ = false;
      return;
    }
    if (comment_) {
      if (c == '\n') {
        comment_ = false;
        word_start_ = true;
      }
      return;
    }
    if (dollar_) {
      dollar_ = false;
      if (c == '(') {
        stack_.push_back({kCmdSubst, column - 1, 1});
        word_start_ = true;
        keyword_.clear();
        return;
      }
      if (c == '{') {
        stack_.push_back({kParam, column - 1, 0});
        return;
      }
    }
    const Kind top = stack_.empty() ? kTop : stack_.back().kind;
    if (top == kBacktick) {
      // Inside `...` only backslash and the closing backquote matter.
      if (c == '\\') escape_ = true;
      if (c == '`') stack_.pop_back();
      return;
    }
    if (top == kDouble) {
      if (c == '\\') escape_ = true;
      if (c == '"') stack_.pop_back();
      if (c == '$') dollar_ = true;
      if (c == '`') stack_.push_back({kBacktick, column, 0});
      return;
    }
    // Unquoted context: top level, $(...) or ${...}.
    const bool was_lt = last_lt_;
    last_lt_ = false;
    if (IsBlank(c) || c == ';' || c == '|' || c == '&' || c == '(' ||
        c == ')' || c == '<' || c == '>') {
      EndWord();
      word_start_ = true;
      if (c == '<') {
        if (was_lt && top != kParam) poisoned_ = true;  // Here-document.
        last_lt_ = true;
      }
      if (top == kCmdSubst && c == '(') ++stack_.back().depth;
      if (top == kCmdSubst && c == ')' && --stack_.back().depth == 0) {
        stack_.pop_back();
        word_start_ = false;
      }
      return;
    }
    const bool at_word_start = word_start_;
    word_start_ = false;
    if (c == '#' && at_word_start && top != kParam) {
      comment_ = true;
      return;
    }
    if (c == '}' && top == kParam) {
      stack_.pop_back();
      return;
    }
    if (c == '\\') {
      escape_ = true;
      keyword_ = "-";  // Not a plain keyword any more.
      return;
    }
    if (c == '\'') {
      single_ = true;
      single_column_ = column;
      keyword_ = "-";
      return;
    }
    if (c == '"') {
      stack_.push_back({kDouble, column, 0});
      keyword_ = "-";
      return;
    }
    if (c == '`') {
      stack_.push_back({kBacktick, column, 0});
      keyword_ = "-";
      return;
    }
    if (c == '$') {
      dollar_ = true;
      keyword_ = "-";
      return;
    }
    if (keyword_.size() < 8) keyword_ += c;
  }

  // Called at the end of the template.
  absl::Status Finish() {
    EndWord();
    if (escape_) {
      return absl::InvalidArgumentError(
          "client command template ends with a backslash");
    }
    if (single_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unterminated single quote at column ", single_column_));
    }
    if (!stack_.empty()) {
      const Open& open = stack_.back();
      absl::string_view what = open.kind == kDouble      ? "double quote"
                               : open.kind == kCmdSubst  ? "$("
                               : open.kind == kBacktick ? "backquote"
                                                         : "${";
      return absl::InvalidArgumentError(absl::StrCat(
          "unterminated ", what, " at column ", open.column));
    }
    return absl::OkStatus();
  }

 private:
  enum Kind { kTop, kDouble, kCmdSubst, kBacktick, kParam };
  struct Open {
    Kind kind;
    int column;
    int depth;  // Open parentheses, for kCmdSubst.
  };

  void EndWord() {
    // `case ... in x) ...` has an unbalanced ')' that would end $(...) early
    // in this simple tracker; give up on placeholders after it.
    if (keyword_ == "case" && !stack_.empty()) poisoned_ = true;
    keyword_.clear();
  }

  std::vector<Open> stack_;
  bool single_ = false;
  int single_column_ = 0;
  bool escape_ = false;
  bool comment_ = false;
  bool dollar_ = false;
  bool last_lt_ = false;
  bool word_start_ = true;
  bool poisoned_ = false;
  std::string keyword_;
};

// The shell script for a --shell template (validation when params is null).
absl::StatusOr<std::string> BuildShellScript(absl::string_view text,
                                             const ClientParams& params) {
  ShellQuoteTracker tracker;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const int column = static_cast<int>(i) + 1;
    const std::string where = absl::StrCat("column ", column);
    GAUNTLET_ASSIGN_OR_RETURN(BraceToken t, NextBraceToken(text, i, where));
    if (t.kind == BraceToken::kPlaceholder) {
      if (std::optional<std::string> why = tracker.WhyNotHere()) {
        const Placeholder* p = FindPlaceholder(t.name);
        return absl::InvalidArgumentError(absl::StrCat(
            "placeholder {", t.name, "} at column ", column, " is ", *why,
            "; with --shell placeholders are quoted for you, so write them "
            "as plain words (or use \"$",
            ToAbsl(p->env), "\" in the script)"));
      }
      out += ShellQuote(ValueOf(params, t.name));
      tracker.Placeholder();
    } else {
      out += t.literal;
      tracker.Feed(t.literal, column);
    }
    i += t.length;
  }
  GAUNTLET_RETURN_IF_ERROR(tracker.Finish());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<TemplateWord>> SplitWords(absl::string_view text) {
  std::vector<TemplateWord> words;
  TemplateWord word;
  bool in_word = false;
  auto start_word = [&](std::size_t i) {
    if (!in_word) {
      in_word = true;
      word.text.clear();
      word.column = static_cast<int>(i) + 1;
    }
  };
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const char c = text[i];
    if (IsBlank(c)) {
      if (in_word) words.push_back(std::move(word));
      word = TemplateWord();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      start_word(i);
      const std::size_t close = text.find('\'', i + 1);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("unterminated single quote at column ", i + 1));
      }
      word.text.append(text.data() + i + 1, close - i - 1);
      i = close + 1;
    } else if (c == '"') {
      start_word(i);
      const std::size_t open = i;
      ++i;
      for (;;) {
        if (i >= n) {
          return absl::InvalidArgumentError(
              absl::StrCat("unterminated double quote at column ", open + 1));
        }
        const char d = text[i];
        if (d == '"') {
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < n) {
          const char e = text[i + 1];
          if (e == '\n') {  // Line continuation.
            i += 2;
            continue;
          }
          if (e == '"' || e == '\\' || e == '$' || e == '`') {
            word.text += e;
            i += 2;
            continue;
          }
        }
        word.text += d;
        ++i;
      }
    } else if (c == '\\') {
      if (i + 1 >= n) {
        return absl::InvalidArgumentError(absl::StrCat(
            "backslash at column ", i + 1, " escapes nothing (end of text)"));
      }
      if (text[i + 1] != '\n') {  // \<newline> is a line continuation.
        start_word(i);
        word.text += text[i + 1];
      }
      i += 2;
    } else if (IsShellOperator(c) || (c == '#' && !in_word)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unquoted '", absl::string_view(&c, 1), "' at column ", i + 1,
          " is shell syntax; quote it, or use --shell to run the command "
          "through /bin/sh"));
    } else {
      start_word(i);
      word.text += c;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string ShellQuote(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::vector<std::pair<std::string, std::string>> ClientEnvironment(
    const ClientParams& params) {
  std::vector<std::pair<std::string, std::string>> env;
  env.reserve(kRunPlaceholders.size());
  for (const Placeholder& p : kRunPlaceholders) {
    env.emplace_back(std::string(p.env), ValueOf(params, ToAbsl(p.name)));
  }
  return env;
}

absl::Status ValidateClientCommand(const ClientCommand& command) {
  // {policy} is the runner's (policy_placeholder.h): it is substituted
  // before the others, with a name that needs no quoting, so any policy
  // stands in for it here.
  ClientCommand substituted = command;
  substituted.template_text =
      SubstitutePolicy(command.template_text, scenario::Policy::kRequireTls);
  return BuildCommandLine(substituted, ClientParams()).status();
}

absl::StatusOr<CommandLine> BuildCommandLine(const ClientCommand& command,
                                             const ClientParams& params) {
  const absl::string_view text = command.template_text;
  GAUNTLET_RETURN_IF_ERROR(CheckTemplateBytes(text));
  CommandLine line;
  if (command.shell) {
    GAUNTLET_ASSIGN_OR_RETURN(std::string script,
                              BuildShellScript(text, params));
    line.argv = {kShellPath, "-c", std::move(script)};
  } else {
    GAUNTLET_ASSIGN_OR_RETURN(std::vector<TemplateWord> words,
                              SplitWords(text));
    if (words.empty()) {
      return absl::InvalidArgumentError("client command template is empty");
    }
    for (const TemplateWord& w : words) {
      GAUNTLET_ASSIGN_OR_RETURN(std::string arg, ExpandWord(w, params));
      line.argv.push_back(std::move(arg));
    }
    if (line.argv[0].empty()) {
      return absl::InvalidArgumentError(
          "client command template names an empty program");
    }
  }
  line.env = ClientEnvironment(params);
  return line;
}

}  // namespace gauntlet::runner
