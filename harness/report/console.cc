#include "harness/report/console.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "harness/report/text_util.h"
#include "absl/strings/str_format.h"
#include "harness/report/escape.h"
#include "harness/report/transcript_text.h"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kMagenta = "\x1b[35m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kReset = "\x1b[0m";

// Lines of client stderr shown with -v (the end carries the error).
constexpr std::size_t kMaxStderrLines = 40;

std::string_view ColorOf(verdict::VerdictKind kind) {
  switch (kind) {
    case verdict::VerdictKind::kPass: return kGreen;
    case verdict::VerdictKind::kFail: return kRed;
    case verdict::VerdictKind::kTimeout: return kRed;
    case verdict::VerdictKind::kError: return kMagenta;
    case verdict::VerdictKind::kSkip: return kYellow;
    case verdict::VerdictKind::kInconclusive: return kYellow;
  }
  return kReset;
}

std::string Paint(std::string_view text, std::string_view color, bool on) {
  if (!on) return std::string(text);
  return Cat(color, text, kReset);
}

std::string EvidenceText(const verdict::Evidence& e) {
  std::string where =
      e.connection < 0 ? "the whole run"
                       : Cat("connection ", e.connection);
  if (e.t_us >= 0) Append(&where, " at ", FormatServerTime(e.t_us));
  if (e.excerpt.empty()) return where;
  return Cat(where, ": ", SanitizeText(e.excerpt));
}

// The last kMaxStderrLines lines of the client's stderr, escaped.
std::string StderrBlock(std::string_view text, std::string_view indent) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  std::size_t first = 0;
  if (lines.size() > kMaxStderrLines) {
    first = lines.size() - kMaxStderrLines;
    Append(&out, indent, "... ", first, " earlier lines\n");
  }
  for (std::size_t i = first; i < lines.size(); ++i) {
    Append(&out, indent, SanitizeText(lines[i].substr(0, 400)), "\n");
  }
  return out;
}

}  // namespace

bool ColorWanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return isatty(fd) == 1;
}

std::string_view VerdictMark(verdict::VerdictKind kind) {
  switch (kind) {
    case verdict::VerdictKind::kPass: return "✔";
    case verdict::VerdictKind::kFail: return "✘";
    case verdict::VerdictKind::kSkip: return "−";
    case verdict::VerdictKind::kInconclusive: return "?";
    case verdict::VerdictKind::kTimeout: return "⏱";
    case verdict::VerdictKind::kError: return "!";
  }
  return "!";
}

std::string ExpectationInWords(scenario::Policy policy,
                               scenario::Expectation expectation) {
  std::string_view words;
  switch (expectation) {
    case scenario::Expectation::kDeliverTls:
      words = "deliver the message over TLS";
      break;
    case scenario::Expectation::kStaySecure:
      words =
          "never send protected data in plaintext, and refuse a TLS session "
          "with a bad certificate, TLS 1.1 or a weak cipher suite";
      break;
    case scenario::Expectation::kStayEncrypted:
      words =
          "never send protected data in plaintext (the certificate is not "
          "judged)";
      break;
    case scenario::Expectation::kUnrestricted:
      words = "anything goes (plaintext and any certificate are allowed)";
      break;
  }
  return Cat("under ", scenario::PolicyName(policy), ", ", words);
}

std::string FormatResult(const ScenarioResult& result,
                         const ConsoleOptions& options) {
  const verdict::Verdict& v = result.verdict;
  const bool color = options.color;
  std::string out = Cat(
      "  ", Paint(VerdictMark(v.verdict), ColorOf(v.verdict), color), " ",
      SanitizeText(result.scenario_id), "  ", SanitizeText(result.title));
  if (options.show_policy) {
    Append(&out, " [", scenario::PolicyName(result.policy), "]");
  }
  if (result.repeat_index > 0) {
    Append(&out, " (repeat ", result.repeat_index + 1, ")");
  }
  if (result.differs_from_baseline) {
    const std::string expected =
        result.baseline_expected.has_value()
            ? Cat("baseline expects ",
                           SanitizeText(*result.baseline_expected))
            : std::string("not in baseline");
    Append(&out, " ",
                    Paint(Cat("(differs from baseline: ", expected,
                                       ")"),
                          kYellow, color));
  }
  out += "\n";

  const std::string in = "      ";
  const bool pass = v.verdict == verdict::VerdictKind::kPass;
  if (!v.violations.empty()) {
    Append(&out, in, "Expected: ",
                    ExpectationInWords(result.policy, result.expectation),
                    "\n");
    for (const verdict::Violation& viol : v.violations) {
      Append(&out, in, "Actual: ",
                      Paint(SanitizeText(viol.sentence), kRed, color), "\n");
      Append(&out, in, "Evidence: ", EvidenceText(viol.evidence),
                      "\n");
      if (!viol.fix.empty()) {
        Append(&out, in, "Fix: ", SanitizeText(viol.fix), "\n");
      }
      Append(&out, in, "Ref: ", SanitizeText(viol.reference), " [",
                      SanitizeText(viol.rule), "]\n");
    }
  } else if (!pass && !v.summary.empty()) {
    Append(&out, in, SanitizeText(v.summary), "\n");
  }

  if (options.verbose) {
    for (const verdict::Note& note : v.notes) {
      Append(&out, in, Paint("Note: ", kDim, color),
                      SanitizeText(note.text), " [", SanitizeText(note.rule),
                      "]\n");
    }
    if (!pass && v.verdict != verdict::VerdictKind::kSkip) {
      if (!result.client_stderr.empty()) {
        Append(&out, in, "Client stderr:\n");
        Append(&out, StderrBlock(result.client_stderr, in + "  "));
      }
      Append(&out, in, "Transcript:\n");
      TranscriptTextOptions topts;
      topts.indent = in + "  ";
      Append(&out, FormatTranscript(result.transcript, topts));
    }
  }
  return out;
}

std::string FormatSummaryLines(const RunReport& report,
                               const ConsoleOptions& options) {
  const Summary s = Summarize(report);
  std::string out;
  if (report.interrupted) {
    std::string of = report.planned > 0
                         ? Cat(s.total, " of ", report.planned)
                         : Cat(s.total);
    Append(&out,
                    Paint("Interrupted", kYellow, options.color), ": ", of,
                    " results finished; this report is partial.\n");
  }
  for (const std::string& note : report.notes) {
    Append(&out, "Note: ", SanitizeText(note), "\n");
  }
  Append(&out,
                  absl::StrFormat("Finished in %.3f s (%d jobs)\n",
                                  static_cast<double>(report.wall_us) / 1e6,
                                  report.jobs));
  Append(&out, "inconclusive: ", s.inconclusive,
                  ", timeout: ", s.timeouts, ", error: ", s.errors,
                  ", differs from baseline: ", s.baseline_diffs, "\n");
  // Never coloured: CI scripts read this line.
  Append(&out, s.passed, " passed, ", s.failing(), " failed, ",
                  s.not_judged(), " skipped\n");
  return out;
}

std::string FormatConsoleReport(const RunReport& report,
                                const ConsoleOptions& options) {
  ConsoleOptions opts = options;
  for (const ScenarioResult& r : report.results) {
    if (r.policy != report.policy) opts.show_policy = true;
  }
  std::string out;
  for (const ScenarioResult& r : report.results) {
    out += FormatResult(r, opts);
  }
  out += "\n";
  out += FormatSummaryLines(report, opts);
  return out;
}

std::string FormatProgress(int done, int total, std::string_view scenario_id,
                           bool terminal) {
  const std::string line =
      Cat("[", done, "/", total, "] ",
                   EscapeBytesBounded(scenario_id, 80), " ...");
  if (terminal) return Cat("\r", line, "\x1b[K");
  return Cat(line, "\n");
}

std::string ClearProgress(bool terminal) {
  return terminal ? std::string("\r\x1b[K") : std::string();
}

}  // namespace gauntlet::report
