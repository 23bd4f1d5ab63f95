// Live progress of a scenario run on the console, for `gauntlet run` and
// `gauntlet demo --flaw`: progress that tells the truth.
//
// Each result is printed on stdout as its scenario finishes (its console
// lines, or one compact "[12/73] ✔ cert/expired" line), in a terminal and
// outside one, so a CI log shows what finished and when. In a terminal that
// can redraw (report::TerminalCanRedraw on stderr: not TERM=dumb) a status
// line on stderr shows what is running now, for how long, and its timeout:
//
//   [69/73] running: tls/stall 12 s of 60 s, proto/x 3 s of 10 s
//
// A thread redraws it about once a second, sleeping on a condition
// variable in between; each result erases it before it is printed, so the
// two never mix. The runner calls the callback under its own lock, and this
// class takes its own around everything it prints.

#ifndef GAUNTLET_HARNESS_CLI_RUN_PROGRESS_H_
#define GAUNTLET_HARNESS_CLI_RUN_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "harness/report/baseline.h"
#include "harness/report/console.h"
#include "harness/runner/scenario_runner.h"

namespace gauntlet::cli {

class LiveProgress {
 public:
  enum class ResultLines {
    kFull,     // The result's console lines (report::FormatResult).
    kCompact,  // "  [12/73] ✔ cert/expired".
    kNone,     // Only the status line.
  };
  struct Options {
    // Redraw a status line of what is running on `status`.
    bool status_line = false;
    ResultLines results = ResultLines::kFull;
    // -q: print only the results report::ShownWhenQuiet.
    bool failures_only = false;
    report::ConsoleOptions console;
    // When set, each result is marked against it (known, differs) before
    // it is printed.
    const report::Baseline* baseline = nullptr;
    // The terminal whose width bounds the status line.
    int status_fd = 2;
  };

  LiveProgress(Options options, std::ostream& out, std::ostream& status);
  // Stop().
  ~LiveProgress();
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  // For ScenarioRunner::Run; it must not outlive this object.
  runner::ProgressCallback Callback();

  // Stops the redraw thread and erases the status line. Idempotent.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Running {
    Clock::time_point started;
    std::chrono::milliseconds timeout{0};
  };

  void OnEvent(const runner::ProgressEvent& event);
  void RedrawLoop();
  void DrawLocked();
  void ClearLocked();

  const Options options_;
  std::ostream& out_;
  std::ostream& status_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drawn_ = false;
  int done_ = 0;
  int total_ = 0;
  // (scenario id, repeat) -> when it started.
  std::map<std::pair<std::string, int>, Running> running_;
  std::thread redraw_;
};

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_RUN_PROGRESS_H_
