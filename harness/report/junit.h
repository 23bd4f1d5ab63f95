// The JUnit XML report, for CI systems (GitLab, Jenkins) that display test
// results from it. Built with pugixml; never by hand.
//
//   <testsuites>
//     <testsuite name="gauntlet" tests= failures= errors= skipped= time=>
//       <testcase classname="gauntlet.cert" name="cert/expired (require-tls)"
//                 time=>
//         <failure message="<first violation sentence>" type="<rule id>">
//           Expected/Actual/Evidence/Fix/Ref per violation</failure>
//         <system-out>the transcript, as with -v</system-out>
//         <system-err>the client's stderr</system-err>
//       </testcase>
//
// fail -> <failure type=rule>; timeout -> <failure type="hang">; harness
// error -> <error type="harness">; skip -> <skipped>; inconclusive ->
// <skipped message="inconclusive: ...">. Repeats are named "... #2".
// Every string is sanitized (escape.h SanitizeText) before it reaches the
// document, so the output is well-formed XML 1.0 whatever bytes the
// transcript holds.

#ifndef GAUNTLET_HARNESS_REPORT_JUNIT_H_
#define GAUNTLET_HARNESS_REPORT_JUNIT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/report/run_result.h"

namespace gauntlet::report {

// The document, UTF-8 with an XML declaration.
absl::StatusOr<std::string> FormatJunitReport(const RunReport& report);

// FormatJunitReport, written atomically (file_io.h).
absl::Status WriteJunitReport(const std::string& path,
                              const RunReport& report);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_JUNIT_H_
