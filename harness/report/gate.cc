#include "harness/report/gate.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_join.h"
#include "harness/report/escape.h"
#include "harness/report/text_util.h"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

bool Judged(verdict::VerdictKind v) {
  return v == verdict::VerdictKind::kPass || v == verdict::VerdictKind::kFail ||
         v == verdict::VerdictKind::kTimeout;
}

bool ControlFailed(const ScenarioResult& r) {
  return r.kind == scenario::ScenarioKind::kControl &&
         (r.verdict.verdict == verdict::VerdictKind::kFail ||
          r.verdict.verdict == verdict::VerdictKind::kTimeout ||
          r.verdict.verdict == verdict::VerdictKind::kInconclusive);
}

std::string Plural(int n, std::string_view one, std::string_view many) {
  return Cat(n, " ", n == 1 ? one : many);
}

// The sorted, unique ids of `results` that `pick` selects, at most 5 named.
template <typename Pick>
std::string IdList(const std::vector<ScenarioResult>& results, Pick pick) {
  std::vector<std::string> ids;
  for (const ScenarioResult& r : results) {
    if (!pick(r)) continue;
    const std::string id = SanitizeText(r.scenario_id);
    if (ids.empty() || ids.back() != id) ids.push_back(id);
  }
  constexpr std::size_t kMaxNamed = 5;
  if (ids.size() <= kMaxNamed) return absl::StrJoin(ids, ", ");
  const std::size_t more = ids.size() - kMaxNamed;
  ids.resize(kMaxNamed);
  return Cat(absl::StrJoin(ids, ", "), " and ", more, " more");
}

std::string FailOnText(scenario::Severity fail_on) {
  return Cat("--fail-on ", scenario::SeverityName(fail_on));
}

GateDecision NotJudged(std::string reason) {
  return GateDecision{GateOutcome::kNotJudged, std::move(reason)};
}

}  // namespace

bool DifferenceGates(const ScenarioResult& result, scenario::Severity fail_on) {
  return AtOrAbove(ShownSeverity(result), fail_on);
}

std::string_view GateOutcomeWords(GateOutcome outcome) {
  switch (outcome) {
    case GateOutcome::kOk: return "as expected";
    case GateOutcome::kFindings: return "failed";
    case GateOutcome::kHarnessError: return "harness error";
    case GateOutcome::kNotJudged:
      return "inconclusive: the client could not be judged";
    case GateOutcome::kInterrupted: return "interrupted";
  }
  return "harness error";
}

GateDecision DecideGate(const RunReport& report, const GateOptions& options) {
  const Summary s = Summarize(report);
  if (report.interrupted) {
    return GateDecision{
        GateOutcome::kInterrupted,
        Cat("the run was interrupted after ", s.total,
            report.planned > 0 ? Cat(" of ", report.planned) : std::string(),
            " results; nothing was decided")};
  }
  if (s.errors > 0) {
    return GateDecision{
        GateOutcome::kHarnessError,
        Cat(Plural(s.errors, "scenario run", "scenario runs"),
            " hit a harness error (marked '!': ",
            IdList(report.results,
                   [](const ScenarioResult& r) {
                     return r.verdict.verdict == verdict::VerdictKind::kError;
                   }),
            "); that is Gauntlet's fault or the machine's, not the "
            "client's: read the message, fix it and run again")};
  }

  const std::string fail_on = FailOnText(report.fail_on);
  if (options.baseline_written.empty()) {
    if (report.baseline_applied) {
      int counted = 0;
      for (const ScenarioResult& r : report.results) {
        if (r.differs_from_baseline && DifferenceGates(r, report.fail_on)) {
          ++counted;
        }
      }
      int missing = 0;
      for (const BaselineEntryNotRun& e : report.baseline_not_run) {
        if (!e.excluded_by_filter && AtOrAbove(e.severity, report.fail_on)) {
          ++missing;
        }
      }
      if (counted + missing > 0) {
        std::string why =
            Cat(Plural(counted + missing, "difference", "differences"),
                " from the baseline ", SanitizeText(report.baseline_source));
        if (missing > 0) {
          Append(&why, " (", Plural(missing, "entry", "entries"),
                 " did not run)");
        }
        if (report.fail_on != scenario::Severity::kInfo) {
          Append(&why, " at or above ", fail_on);
        }
        Append(&why,
               ": if a change is intended (a fix, a new scenario), rewrite "
               "the baseline with --write-baseline; otherwise fix the "
               "client");
        return GateDecision{GateOutcome::kFindings, std::move(why)};
      }
    } else {
      int gating = 0;
      for (const ScenarioResult& r : report.results) {
        if (r.kind != scenario::ScenarioKind::kAttack) continue;
        if ((r.verdict.verdict == verdict::VerdictKind::kFail ||
             r.verdict.verdict == verdict::VerdictKind::kTimeout) &&
            AtOrAbove(ShownSeverity(r), report.fail_on)) {
          ++gating;
        }
      }
      if (gating > 0) {
        return GateDecision{
            GateOutcome::kFindings,
            Cat(Plural(gating, "failure", "failures"), " at or above ", fail_on,
                ": see the Failures list; gauntlet show ID explains a "
                "scenario")};
      }
    }
  }

  bool any_attack = false;
  bool attack_judged = false;
  bool control_passed = false;
  bool controls_failed = false;
  for (const ScenarioResult& r : report.results) {
    if (r.kind == scenario::ScenarioKind::kAttack) {
      any_attack = true;
      attack_judged = attack_judged || Judged(r.verdict.verdict);
    } else {
      control_passed =
          control_passed || r.verdict.verdict == verdict::VerdictKind::kPass;
      controls_failed = controls_failed || ControlFailed(r);
    }
  }
  if (controls_failed) {
    return NotJudged(
        Cat("the client failed control scenario(s) ",
            IdList(report.results, ControlFailed),
            ": it did not deliver over TLS to a good server, so its other "
            "results prove nothing; check its command template, {ca_file} and "
            "{host}, and run --filter 'control/*' -v to see its output"));
  }
  if (s.total == 0) return NotJudged("no scenario produced a result");
  if (s.skipped == s.total) {
    return NotJudged(
        "every scenario was skipped (the client exited 89, \"unsupported\", "
        "or its profile marks them unsupported): nothing was tested");
  }
  if (any_attack && !attack_judged) {
    return NotJudged(Cat("no attack scenario produced a pass or a fail (",
                         s.inconclusive, " inconclusive, ", s.skipped,
                         " skipped): run with -v to see what the client did"));
  }
  if (!any_attack && !control_passed) {
    return NotJudged("no control scenario passed");
  }

  std::string why = "every selected scenario as expected";
  if (report.baseline_applied && options.baseline_written.empty()) {
    why = Cat("no difference from the baseline ",
              SanitizeText(report.baseline_source));
    if (s.known > 0) {
      Append(&why, " (", Plural(s.known, "known failure", "known failures"),
             ")");
    }
    const int below = s.baseline_diffs + s.baseline_missing;
    if (below > 0) {
      Append(&why, " at or above ", fail_on, "; ",
             Plural(below, "difference", "differences"),
             " below it reported but not counted");
    }
  }
  if (!options.baseline_written.empty()) {
    why = Cat("baseline written to ", SanitizeText(options.baseline_written));
    if (s.failing() > 0) {
      Append(&why, "; its ", Plural(s.failing(), "failure is", "failures are"),
             " now known");
    }
  } else if (s.below_fail_on > 0 && !report.baseline_applied) {
    Append(&why, "; ", Plural(s.below_fail_on, "failure", "failures"),
           " below ", fail_on, " reported but not counted");
  }
  return GateDecision{GateOutcome::kOk, std::move(why)};
}

}  // namespace gauntlet::report
