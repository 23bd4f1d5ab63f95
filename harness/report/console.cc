#include "harness/report/console.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/report/escape.h"
#include "harness/report/text_util.h"
#include "harness/report/transcript_text.h"
#include "harness/verdict/rules.h"

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

// A universal rule as a noun phrase for "...; X, Y and Z still fail". A
// rule without a phrase here reads as its id, so a new universal rule is
// never left out of the expectation text (console_test checks each has one).
std::string_view UniversalRulePhrase(std::string_view rule) {
  if (rule == verdict::kRuleActedOnInjectedBytes) {
    return "acting on injected bytes";
  }
  if (rule == verdict::kRuleProceededWithoutReply) {
    return "not waiting for a reply";
  }
  if (rule == verdict::kRuleStarttlsPipelining) {
    return "pipelining after STARTTLS";
  }
  if (rule == verdict::kRulePlaintextAfterStarttlsAccepted) {
    return "plaintext after a 220 to STARTTLS";
  }
  if (rule == verdict::kRuleStarttlsInsideTls) return "STARTTLS inside TLS";
  if (rule == verdict::kRuleStaleCapabilities) return "stale capabilities";
  if (rule == verdict::kRuleNoEhloAfterTls) return "no EHLO after TLS";
  if (rule == verdict::kRuleHang) return "hanging";
  if (rule == verdict::kRuleGaveUpLate) return "waiting past the limit";
  return rule;
}

bool ShowsSeverity(const ScenarioResult& r) {
  return r.verdict.verdict == verdict::VerdictKind::kFail ||
         r.verdict.verdict == verdict::VerdictKind::kTimeout;
}

// "(known, in baseline)", "(differs from baseline: ...)", "(below
// --fail-on high)", or empty.
std::string ResultMark(const ScenarioResult& r, const ConsoleOptions& options) {
  const std::string below =
      Cat("below --fail-on ", scenario::SeverityName(options.fail_on));
  if (r.differs_from_baseline) {
    std::string text =
        r.baseline_expected.has_value()
            ? Cat("differs from baseline: baseline expects ",
                  SanitizeText(*r.baseline_expected))
            : std::string("differs from baseline: not in baseline");
    if (!DifferenceGates(r, options.fail_on)) Append(&text, "; ", below);
    return Cat("(", text, ")");
  }
  if (KnownFailure(r)) return "(known, in baseline)";
  if (BelowFailOn(r, options.fail_on)) return Cat("(", below, ")");
  return "";
}

// The distinct rule ids of a result's violations, in order.
std::string RuleIds(const ScenarioResult& r) {
  std::vector<std::string> rules;
  for (const verdict::Violation& v : r.verdict.violations) {
    const std::string rule = SanitizeText(v.rule);
    bool seen = false;
    for (const std::string& x : rules) seen = seen || x == rule;
    if (!seen) rules.push_back(rule);
  }
  return absl::StrJoin(rules, ", ");
}

std::string Plural(int n, std::string_view one, std::string_view many) {
  return Cat(n, " ", n == 1 ? one : many);
}

}  // namespace

bool TerminalCanRedraw(int fd) {
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return isatty(fd) == 1;
}

bool ColorWanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return TerminalCanRedraw(fd);
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

std::string UniversalRulesInWords() {
  std::vector<std::string> words;
  for (const verdict::Rule& rule : verdict::AllRules()) {
    if (!rule.universal) continue;
    words.push_back(std::string(UniversalRulePhrase(rule.id)));
  }
  if (words.empty()) return "";
  if (words.size() == 1) return words.front();
  const std::string last = words.back();
  words.pop_back();
  return Cat(absl::StrJoin(words, ", "), " and ", last);
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
      words = "plaintext and any certificate are allowed";
      break;
  }
  return Cat("under ", scenario::PolicyName(policy), ", ", words, "; ",
             UniversalRulesInWords(),
             expectation == scenario::Expectation::kUnrestricted
                 ? " still fail"
                 : " fail under every policy");
}

bool ShownWhenQuiet(const ScenarioResult& result) {
  return result.differs_from_baseline ||
         (result.verdict.verdict != verdict::VerdictKind::kPass &&
          result.verdict.verdict != verdict::VerdictKind::kSkip);
}

std::string FormatResultLine(const ScenarioResult& result,
                             const ConsoleOptions& options) {
  const verdict::Verdict& v = result.verdict;
  const bool color = options.color;
  std::string out =
      Cat("  ", Paint(VerdictMark(v.verdict), ColorOf(v.verdict), color), " ",
          SanitizeText(result.scenario_id));
  if (ShowsSeverity(result)) {
    Append(&out, " [", scenario::SeverityName(ShownSeverity(result)), "]");
  }
  Append(&out, "  ", SanitizeText(result.title));
  if (options.show_policy) {
    Append(&out, " [", scenario::PolicyName(result.policy), "]");
  }
  if (result.repeat_index > 0) {
    Append(&out, " (repeat ", result.repeat_index + 1, ")");
  }
  const std::string mark = ResultMark(result, options);
  if (!mark.empty()) {
    Append(&out, " ",
           Paint(mark, result.differs_from_baseline ? kYellow : kDim, color));
  }
  return out;
}

std::string FormatResult(const ScenarioResult& result,
                         const ConsoleOptions& options) {
  const verdict::Verdict& v = result.verdict;
  const bool color = options.color;
  std::string out = FormatResultLine(result, options);
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
    std::string of = report.planned > 0 ? Cat(s.total, " of ", report.planned)
                                        : Cat(s.total);
    Append(&out, Paint("Interrupted", kYellow, options.color), ": ", of,
           " results finished; this report is partial.\n");
  }
  for (const std::string& note : report.notes) {
    Append(&out, "Note: ", SanitizeText(note), "\n");
  }
  Append(&out, absl::StrFormat("Finished in %.3f s (%d jobs)\n",
                               static_cast<double>(report.wall_us) / 1e6,
                               report.jobs));
  Append(&out, "inconclusive: ", s.inconclusive, ", timeout: ", s.timeouts,
         ", error: ", s.errors,
         ", differs from baseline: ", s.baseline_diffs + s.baseline_missing,
         "\n");
  if (report.baseline_applied) {
    Append(&out, "Baseline ", SanitizeText(report.baseline_source), ": ",
           s.failing(), " failed (", s.known, " known, ", s.new_failures,
           " new), ", s.fixed, " fixed since baseline");
    if (s.baseline_missing > 0) {
      Append(&out, ", ", Plural(s.baseline_missing, "entry", "entries"),
             " not run");
    }
    out += "\n";
  }
  if (s.below_fail_on > 0) {
    Append(&out, "Below --fail-on ", scenario::SeverityName(report.fail_on),
           ": ", Plural(s.below_fail_on, "failure", "failures"),
           " listed and counted, not failing the run\n");
  }
  // Never coloured: CI scripts read this line.
  Append(&out, s.passed, " passed, ", s.failing(), " failed, ", s.skipped,
         " skipped, ", s.inconclusive, " inconclusive\n");
  return out;
}

std::string FormatRecap(const RunReport& report,
                        const ConsoleOptions& options) {
  std::vector<std::string> failures;
  std::vector<std::string> differences;
  for (const ScenarioResult& r : report.results) {
    std::string id = SanitizeText(r.scenario_id);
    if (r.repeat_index > 0) Append(&id, " (repeat ", r.repeat_index + 1, ")");
    const std::string mark = ResultMark(r, options);
    if (IsFailing(r.verdict.verdict)) {
      std::string line = Cat("  ", id);
      if (r.verdict.verdict == verdict::VerdictKind::kError) {
        Append(&line, " [error] ", SanitizeText(r.verdict.summary));
      } else {
        Append(&line, " [", scenario::SeverityName(ShownSeverity(r)), "]");
        const std::string rules = RuleIds(r);
        if (!rules.empty()) Append(&line, " ", rules);
      }
      if (r.kind == scenario::ScenarioKind::kControl) {
        Append(&line, " (control: the client could not deliver)");
      }
      if (!mark.empty()) Append(&line, " ", mark);
      failures.push_back(std::move(line));
    } else if (r.differs_from_baseline) {
      std::string line =
          Cat("  ", id, ": ", verdict::VerdictName(r.verdict.verdict));
      if (FixedSinceBaseline(r)) Append(&line, " (fixed)");
      Append(&line, " ", mark);
      differences.push_back(std::move(line));
    }
  }
  for (const BaselineEntryNotRun& e : report.baseline_not_run) {
    if (e.excluded_by_filter) continue;
    std::string line =
        Cat("  ", SanitizeText(e.key),
            ": not run (differs from baseline: baseline expects ",
            verdict::VerdictName(e.expected));
    if (!AtOrAbove(e.severity, options.fail_on)) {
      Append(&line, "; below --fail-on ",
             scenario::SeverityName(options.fail_on));
    }
    line += ")";
    differences.push_back(std::move(line));
  }
  if (failures.empty() && differences.empty()) return "";
  std::string out = "\n";
  if (!failures.empty()) {
    Append(&out,
           Paint(Cat("Failures (", failures.size(), "):"), kRed, options.color),
           "\n");
    for (const std::string& l : failures) Append(&out, l, "\n");
  }
  if (!differences.empty()) {
    Append(&out, "Differences from baseline (", differences.size(), "):\n");
    for (const std::string& l : differences) Append(&out, l, "\n");
  }
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
    if (opts.failures_only && !ShownWhenQuiet(r)) continue;
    out += FormatResult(r, opts);
  }
  out += "\n";
  out += FormatSummaryLines(report, opts);
  out += FormatRecap(report, opts);
  return out;
}

std::string FormatExitLine(const GateDecision& decision, int exit_status) {
  return Cat("Exit status ", exit_status, " (",
             GateOutcomeWords(decision.outcome), "): ", decision.reason, "\n");
}

std::string FormatStatusLine(int done, int total,
                             const std::vector<RunningScenario>& running,
                             std::size_t max_width) {
  std::string out = Cat("[", done, "/", total, "]");
  if (running.empty()) return out.substr(0, max_width);
  out += " running:";
  const std::size_t n = running.size();
  for (std::size_t i = 0; i < n; ++i) {
    const RunningScenario& r = running[i];
    std::string item = Cat(" ", EscapeBytesBounded(r.id, 60));
    if (r.repeat_index > 0) Append(&item, "#", r.repeat_index + 1);
    Append(&item, " ", r.elapsed_ms / 1000, " s of ",
           (r.timeout_ms + 999) / 1000, " s");
    if (i + 1 < n) item += ",";
    // Leave room to say how many did not fit after this one.
    const std::string tail = i + 1 < n ? Cat(" +", n - i - 1, " more") : "";
    if (out.size() + item.size() + tail.size() > max_width) {
      const std::string rest = Cat(" +", n - i, " more");
      if (out.size() + rest.size() <= max_width) out += rest;
      break;
    }
    out += item;
  }
  return out.substr(0, max_width);
}

}  // namespace gauntlet::report
