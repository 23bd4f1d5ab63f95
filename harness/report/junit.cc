#include "harness/report/junit.h"

#include <exception>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "harness/report/console.h"
#include "harness/report/escape.h"
#include "harness/report/file_io.h"
#include "harness/report/text_util.h"
#include "harness/report/transcript_text.h"
#include "pugixml.hpp"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

// Longest client stderr kept in <system-err> (the end carries the error).
constexpr std::size_t kMaxStderrBytes = 64 * 1024;

std::string Seconds(int64_t us) {
  return absl::StrFormat("%.3f", static_cast<double>(us < 0 ? 0 : us) / 1e6);
}

void SetAttr(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(SanitizeText(value).c_str());
}

void SetAttr(pugi::xml_node node, const char* name, int value) {
  node.append_attribute(name).set_value(value);
}

void SetText(pugi::xml_node node, std::string_view text) {
  node.text().set(SanitizeText(text, /*keep_newlines=*/true).c_str());
}

std::string Details(const ScenarioResult& r, scenario::Severity fail_on) {
  std::string out = Cat("Severity: ", scenario::SeverityName(ShownSeverity(r)));
  if (BelowFailOn(r, fail_on)) {
    Append(&out, " (below --fail-on ", scenario::SeverityName(fail_on),
           ": reported, not failing the run)");
  }
  if (KnownFailure(r)) Append(&out, " (known, in baseline)");
  Append(&out, "\nExpected: ", ExpectationInWords(r.policy, r.expectation),
         "\n");
  for (const verdict::Violation& v : r.verdict.violations) {
    Append(&out, "Actual: ", v.sentence, "\n");
    std::string where = v.evidence.connection < 0
                            ? std::string("the whole run")
                            : Cat("connection ", v.evidence.connection);
    if (v.evidence.t_us >= 0) {
      Append(&where, " at ", FormatServerTime(v.evidence.t_us));
    }
    Append(&out, "Evidence: ", where);
    if (!v.evidence.excerpt.empty()) {
      Append(&out, ": ", v.evidence.excerpt);
    }
    Append(&out, "\nFix: ", v.fix, "\nRef: ", v.reference, " [",
                    v.rule, "]\n");
  }
  if (r.verdict.violations.empty()) {
    Append(&out, "Actual: ", r.verdict.summary, "\n");
  }
  return out;
}

void AddCase(pugi::xml_node suite, const ScenarioResult& r,
             scenario::Severity fail_on) {
  pugi::xml_node tc = suite.append_child("testcase");
  SetAttr(tc, "classname",
          Cat("gauntlet.", IdFamily(r.scenario_id)));
  std::string name = Cat(r.scenario_id, " (",
                                  scenario::PolicyName(r.policy), ")");
  if (r.repeat_index > 0) Append(&name, " #", r.repeat_index + 1);
  SetAttr(tc, "name", name);
  SetAttr(tc, "time", Seconds(r.duration_us));

  const verdict::Verdict& v = r.verdict;
  const std::string first_sentence =
      v.violations.empty() ? v.summary : v.violations.front().sentence;
  switch (v.verdict) {
    case verdict::VerdictKind::kPass:
      break;
    case verdict::VerdictKind::kFail:
    case verdict::VerdictKind::kTimeout: {
      pugi::xml_node f = tc.append_child("failure");
      SetAttr(f, "message", first_sentence);
      std::string type = v.verdict == verdict::VerdictKind::kTimeout
                             ? std::string("hang")
                             : (v.violations.empty() ? std::string("fail")
                                                     : v.violations.front().rule);
      SetAttr(f, "type", type);
      SetText(f, Details(r, fail_on));
      break;
    }
    case verdict::VerdictKind::kError: {
      pugi::xml_node e = tc.append_child("error");
      SetAttr(e, "message", v.summary);
      SetAttr(e, "type", "harness");
      SetText(e, v.summary);
      break;
    }
    case verdict::VerdictKind::kSkip: {
      pugi::xml_node s = tc.append_child("skipped");
      SetAttr(s, "message", v.summary);
      break;
    }
    case verdict::VerdictKind::kInconclusive: {
      pugi::xml_node s = tc.append_child("skipped");
      // The verdict's summary normally starts with "inconclusive:" already.
      const bool prefixed = v.summary.rfind("inconclusive", 0) == 0;
      SetAttr(s, "message",
              prefixed ? v.summary : Cat("inconclusive: ", v.summary));
      break;
    }
  }
  if (v.verdict != verdict::VerdictKind::kPass &&
      v.verdict != verdict::VerdictKind::kSkip) {
    TranscriptTextOptions topts;
    topts.indent = "";
    SetText(tc.append_child("system-out"),
            FormatTranscript(r.transcript, topts));
  }
  if (!r.client_stderr.empty()) {
    std::string_view err = r.client_stderr;
    if (err.size() > kMaxStderrBytes) err = err.substr(err.size() - kMaxStderrBytes);
    SetText(tc.append_child("system-err"), err);
  }
}

}  // namespace

absl::StatusOr<std::string> FormatJunitReport(const RunReport& report) {
  try {
    const Summary s = Summarize(report);
    pugi::xml_document doc;
    pugi::xml_node suites = doc.append_child("testsuites");
    SetAttr(suites, "name", "gauntlet");
    SetAttr(suites, "tests", s.total);
    SetAttr(suites, "failures", s.failed + s.timeouts);
    SetAttr(suites, "errors", s.errors);
    SetAttr(suites, "skipped", s.not_judged());
    SetAttr(suites, "time", Seconds(report.wall_us));
    pugi::xml_node suite = suites.append_child("testsuite");
    SetAttr(suite, "name", "gauntlet");
    SetAttr(suite, "tests", s.total);
    SetAttr(suite, "failures", s.failed + s.timeouts);
    SetAttr(suite, "errors", s.errors);
    SetAttr(suite, "skipped", s.not_judged());
    SetAttr(suite, "time", Seconds(report.wall_us));
    SetAttr(suite, "timestamp",
            absl::FormatTime("%Y-%m-%dT%H:%M:%S", report.started,
                             absl::UTCTimeZone()));
    pugi::xml_node props = suite.append_child("properties");
    auto prop = [&](std::string_view name, std::string_view value) {
      pugi::xml_node p = props.append_child("property");
      SetAttr(p, "name", name);
      SetAttr(p, "value", value);
    };
    prop("gauntlet_version", report.gauntlet_version);
    prop("client", report.client_name);
    prop("client_command", report.client_command);
    prop("policy", scenario::PolicyName(report.policy));
    prop("interrupted", report.interrupted ? "true" : "false");
    // "skipped" counts both skips and inconclusive results (both are
    // <skipped> elements); these say which is which.
    prop("skip", Cat(s.skipped));
    prop("inconclusive", Cat(s.inconclusive));
    prop("fail_on", scenario::SeverityName(report.fail_on));
    prop("below_fail_on", Cat(s.below_fail_on));
    if (report.baseline_applied) {
      prop("baseline", report.baseline_source);
      prop("baseline_known", Cat(s.known));
      prop("baseline_new", Cat(s.new_failures));
      prop("baseline_fixed", Cat(s.fixed));
      prop("baseline_not_run", Cat(s.baseline_missing));
    }
    for (const ScenarioResult& r : report.results) {
      AddCase(suite, r, report.fail_on);
    }
    if (report.interrupted || !report.notes.empty()) {
      std::string text;
      if (report.interrupted) {
        Append(&text, "Interrupted: ", s.total,
                        report.planned > 0
                            ? Cat(" of ", report.planned)
                            : std::string(),
                        " results finished; this report is partial.\n");
      }
      for (const std::string& n : report.notes) {
        Append(&text, "Note: ", n, "\n");
      }
      SetText(suite.append_child("system-out"), text);
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default | pugi::format_no_declaration,
             pugi::encoding_utf8);
    return Cat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                        os.str());
  } catch (const std::exception& e) {
    return absl::InternalError(
        Cat("cannot build the JUnit report: ", e.what()));
  }
}

absl::Status WriteJunitReport(const std::string& path,
                              const RunReport& report) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text, FormatJunitReport(report));
  return WriteFileAtomically(path, text);
}

}  // namespace gauntlet::report
