// Runs a client under test through scenarios: Gauntlet's main loop.
//
// A ScenarioRunner owns what one `gauntlet run` shares between scenarios: the
// run's test PKI (its leaves also name --server-name), a private temporary
// directory holding the CA file and the message file, and the client
// command. RunScenario runs one scenario once:
//
//   start a FakeSmtpServer with the scenario's behaviour on 127.0.0.1:0
//   -> build the client's argv/env from the template ({host}, {port}, ...)
//   -> run the client (under a supervisor of its own: own process group,
//      descriptors 0-2 only, a private $TMPDIR, timeout, captured output,
//      every descendant killed and reaped when it ends)
//   -> wait briefly for its connections to close -> Snapshot -> Stop
//   -> ObserveRun -> Judge (plus a note when the client left processes
//      running).
//
// It never fails: a harness fault (the server cannot start, the command
// cannot be built or spawned) becomes verdict kError, never a verdict on
// the client. Run runs a selection: controls first (in parallel), then the
// attacks with Judge's controls_failed set if any control failed, on a
// small pool of worker threads (each scenario has its own server and port).
// When the cancel flag is raised (Ctrl-C) no new scenario starts, running
// clients are stopped, and the report holds what finished, marked
// interrupted.

#ifndef GAUNTLET_HARNESS_RUNNER_SCENARIO_RUNNER_H_
#define GAUNTLET_HARNESS_RUNNER_SCENARIO_RUNNER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fake_servers/pki/client_files.h"
#include "fake_servers/pki/test_pki.h"
#include "harness/report/run_result.h"
#include "harness/runner/client_command.h"
#include "harness/runner/test_message.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::runner {

// The loopback address every fake server listens on ({addr}).
inline constexpr char kLoopbackAddress[] = "127.0.0.1";
// Default per-scenario client timeout (a scenario's timeout_ms wins).
inline constexpr std::chrono::milliseconds kDefaultClientTimeout{10'000};
// The note id on a result whose client left processes running when it
// ended (they were killed); a finding, not a rule: the verdict is unchanged.
inline constexpr char kLeftProcessesBehindNote[] = "left-processes-behind";
// Bounds on --jobs and --repeat.
inline constexpr int kMaxJobs = 64;
inline constexpr int kMaxRepeat = 10'000;

struct RunnerOptions {
  ClientCommand command;
  // For reports: the profile name, or the program of the template.
  std::string client_name;
  // Extra environment for the client (a profile's [env]).
  std::vector<std::pair<std::string, std::string>> extra_env;
  // Scenario id globs the client does not support: judged kSkip, not run.
  std::vector<std::string> unsupported;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  // Used for scenarios without their own timeout_ms.
  std::chrono::milliseconds timeout = kDefaultClientTimeout;
  // {host}: the name the client connects to and verifies. Names other than
  // localhost are added to the PKI's leaves.
  std::string server_name = "localhost";
  TestIdentity identity;
  // Parallel scenarios (>= 1) and runs of each scenario (>= 1).
  int jobs = 1;
  int repeat = 1;
  // After the client exits: how long to wait for its connections to close
  // before taking the transcript.
  std::chrono::milliseconds close_wait{1000};
  // Raised to stop the run (Ctrl-C); may be null.
  const std::atomic<bool>* cancel = nullptr;
  // Where the run's private directory is made; empty: $TMPDIR, else /tmp.
  std::string temp_parent;
  std::string gauntlet_version;
};

// What a run reports as it goes: a scenario run is starting (its client is
// about to start), or it finished. A run the cancel flag cuts short gets no
// kFinished event.
struct ProgressEvent {
  enum class Kind { kStarted, kFinished };
  Kind kind = Kind::kStarted;
  std::string_view scenario_id;
  int repeat_index = 0;
  // The client's timeout for this run: the scenario's own, else the run's.
  std::chrono::milliseconds timeout{0};
  // Runs finished so far (including this one for kFinished), and planned.
  int done = 0;
  int total = 0;
  // The result, for kFinished only (valid during the call).
  const report::ScenarioResult* result = nullptr;
};

// Called from the worker threads, but never concurrently (the runner holds a
// lock around each call) and never after Run returns; a slow callback holds
// up the workers, so it should only print.
using ProgressCallback = std::function<void(const ProgressEvent& event)>;

class ScenarioRunner {
 public:
  // Checks the options and the command template, makes the PKI, the
  // private directory, ca.pem and the message file, and makes this process
  // adopt orphans (AdoptOrphans, process.h): a ScenarioRunner owns the
  // process's children while it lives.
  static absl::StatusOr<std::unique_ptr<ScenarioRunner>> Create(
      RunnerOptions options);

  // Kills any orphaned client process (KillOrphans) and removes the private
  // directory.
  ~ScenarioRunner();
  ScenarioRunner(const ScenarioRunner&) = delete;
  ScenarioRunner& operator=(const ScenarioRunner&) = delete;

  // Runs `scenario` once. `cancelled` (optional) is set when the run was
  // stopped by the cancel flag, in which case the result must not be
  // reported as the client's.
  report::ScenarioResult RunScenario(const scenario::Scenario& scenario,
                                     int repeat_index, bool controls_failed,
                                     bool* cancelled = nullptr) const;

  // Runs every scenario `repeat` times (controls first) and returns the
  // report, results in (id, repeat) order. Never fails: an interrupted run
  // returns what finished with `interrupted` set.
  report::RunReport Run(const std::vector<const scenario::Scenario*>& scenarios,
                        const ProgressCallback& progress = nullptr) const;

  const RunnerOptions& options() const { return options_; }
  const std::string& ca_file() const { return ca_file_; }
  const std::string& message_file() const { return message_file_; }
  const std::string& temp_dir() const { return temp_dir_; }
  const std::shared_ptr<const pki::TestPki>& pki() const { return pki_; }

 private:
  explicit ScenarioRunner(RunnerOptions options);

  bool CancelRequested() const {
    return options_.cancel != nullptr && options_.cancel->load();
  }
  std::chrono::milliseconds TimeoutFor(const scenario::Scenario& s) const;
  report::ScenarioResult SkippedResult(const scenario::Scenario& scenario,
                                       int repeat_index,
                                       const std::string& glob) const;

  RunnerOptions options_;
  std::shared_ptr<const pki::TestPki> pki_;
  std::unique_ptr<pki::ClientFiles> client_files_;
  std::string temp_dir_;
  std::string ca_file_;
  std::string message_file_;

  // The clients' $TMPDIRs, inside temp_dir_: a client gets an empty one,
  // and after its run the directory is emptied and kept for the next
  // client (a mkdir and rmdir per scenario cost ext4 up to milliseconds at
  // high rates), or removed if it cannot be emptied.
  absl::StatusOr<std::string> AcquireClientTmp() const;
  void ReleaseClientTmp(const std::string& dir) const;
  mutable std::mutex client_tmp_mu_;
  mutable std::vector<std::string> idle_client_tmp_;
};

// The controls failed when any control run ended in fail, timeout or
// inconclusive (skips and harness errors say nothing about the client).
bool ControlsFailed(const std::vector<report::ScenarioResult>& control_results);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_SCENARIO_RUNNER_H_
