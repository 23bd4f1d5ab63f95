#include "harness/runner/scenario_runner.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "fake_servers/server/server.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/policy_placeholder.h"
#include "harness/runner/process.h"
#include "harness/scenario/glob.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::runner {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes of the client's stdout and stderr kept per run (reports show an
// excerpt; a client printing megabytes must not bloat them).
constexpr std::size_t kClientOutputCap = 64 * 1024;
constexpr std::size_t kMaxServerNameBytes = 253;

int64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                               start)
      .count();
}

// CPU time this process (every thread) has used since it started; child
// processes are not included until reaped, and RUSAGE_SELF never counts them.
int64_t ProcessCpuMicros() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  const auto micros = [](const timeval& tv) {
    return static_cast<int64_t>(tv.tv_sec) * 1'000'000 + tv.tv_usec;
  };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

std::string ErrnoText() { return std::strerror(errno); }

absl::StatusOr<std::string> MakePrivateDir(const std::string& parent_in,
                                           const char* prefix) {
  std::string parent = parent_in;
  if (parent.empty()) {
    const char* tmp = getenv("TMPDIR");
    parent = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  std::string templ = absl::StrCat(parent, "/", prefix, "-XXXXXX");
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  // mkdtemp creates the directory with mode 0700.
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create a private directory under ", parent, ": ",
        ErrnoText()));
  }
  return std::string(buf.data());
}

// Removes `path` and everything below it, even directories a client made
// unreadable (chmod 000): those are made accessible to their owner first.
// Symbolic links are removed, never followed. Called once the client's
// processes are all dead.
void RemoveTree(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(path, ec);
  if (!ec) return;
  std::vector<fs::path> dirs = {path};
  for (std::size_t i = 0; i < dirs.size() && i < 100'000; ++i) {
    if (!fs::is_directory(fs::symlink_status(dirs[i], ec))) continue;
    fs::permissions(dirs[i], fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::directory_iterator it(dirs[i], ec), end; !ec && it != end;
         it.increment(ec)) {
      dirs.push_back(it->path());
    }
  }
  fs::remove_all(path, ec);
}

// Removes everything inside `dir` and gives it mode 0700 again; false (and
// `dir` possibly partly emptied) when `dir` is not a plain directory any
// more -- a client may have replaced it with a symbolic link -- or
// something in it could not be removed.
bool EmptyDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec)) || ec) return false;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return false;
  std::vector<std::string> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    entries.push_back(it->path().string());
  }
  if (ec) return false;
  for (const std::string& entry : entries) RemoveTree(entry);
  return fs::is_empty(dir, ec) && !ec;
}

absl::Status WriteNewFile(const std::string& path, const std::string& data) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", ErrnoText()));
  }
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = ErrnoText();
      close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", path, ": ", err));
    }
    off += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

bool IsLoopbackName(const std::string& name) {
  return name == "localhost" || name == "127.0.0.1" || name == "::1";
}

report::ScenarioResult BaseResult(const scenario::Scenario& s,
                                  scenario::Policy policy, int repeat_index) {
  report::ScenarioResult r;
  r.scenario_id = s.id;
  r.title = s.title;
  r.tags = s.tags;
  r.severity = s.severity;
  r.kind = s.kind;
  r.policy = policy;
  r.expectation = s.ExpectationFor(policy);
  r.repeat_index = repeat_index;
  return r;
}

verdict::JudgeInput MakeJudgeInput(const report::ScenarioResult& r,
                                   bool controls_failed) {
  verdict::JudgeInput in;
  in.expectation = r.expectation;
  in.policy = r.policy;
  in.kind = r.kind;
  in.controls_failed = controls_failed;
  in.severity = r.severity;
  return in;
}

// A result that says the harness, not the client, failed.
void JudgeHarnessError(report::ScenarioResult& r, bool controls_failed,
                       absl::Status status) {
  verdict::JudgeInput in = MakeJudgeInput(r, controls_failed);
  in.harness_status = std::move(status);
  r.observations = verdict::Observations{};
  r.observations.client_ran = r.client.ran;
  r.verdict = verdict::Judge(r.observations, in);
}

verdict::ClientRun ToClientRun(const RunResult& rr,
                               std::chrono::milliseconds timeout) {
  verdict::ClientRun cr;
  cr.ran = true;
  if (rr.exited) cr.exit_code = rr.exit_code;
  if (rr.signaled) cr.signal = rr.term_signal;
  cr.timed_out = rr.timed_out;
  cr.unsupported = rr.unsupported();
  cr.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(rr.duration)
          .count();
  cr.timeout_us =
      std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  cr.stderr_text = rr.err.data;
  return cr;
}

struct Job {
  const scenario::Scenario* scenario = nullptr;
  int repeat_index = 0;
};

}  // namespace

bool ControlsFailed(
    const std::vector<report::ScenarioResult>& control_results) {
  for (const report::ScenarioResult& r : control_results) {
    if (r.kind != scenario::ScenarioKind::kControl) continue;
    switch (r.verdict.verdict) {
      case verdict::VerdictKind::kFail:
      case verdict::VerdictKind::kTimeout:
      case verdict::VerdictKind::kInconclusive:
        return true;
      default:
        break;
    }
  }
  return false;
}

ScenarioRunner::ScenarioRunner(RunnerOptions options)
    : options_(std::move(options)) {}

ScenarioRunner::~ScenarioRunner() {
  // Every client is reaped by now; this catches the processes of one whose
  // supervisor was killed before it could clean up (a no-op otherwise).
  KillOrphans();
  client_files_.reset();
  if (!temp_dir_.empty()) {
    SetDirectoryToRemoveOnForcedExit("");
    RemoveTree(temp_dir_);
  }
}

absl::StatusOr<std::unique_ptr<ScenarioRunner>> ScenarioRunner::Create(
    RunnerOptions options) {
  if (options.jobs < 1 || options.jobs > kMaxJobs) {
    return absl::InvalidArgumentError(
        absl::StrCat("jobs must be between 1 and ", kMaxJobs, "; got ",
                     options.jobs));
  }
  if (options.repeat < 1 || options.repeat > kMaxRepeat) {
    return absl::InvalidArgumentError(
        absl::StrCat("repeat must be between 1 and ", kMaxRepeat, "; got ",
                     options.repeat));
  }
  if (options.timeout.count() <= 0) {
    return absl::InvalidArgumentError("the client timeout must be positive");
  }
  if (options.server_name.empty() ||
      options.server_name.size() > kMaxServerNameBytes) {
    return absl::InvalidArgumentError(
        "the server name must be 1 to 253 bytes long");
  }
  if (options.close_wait.count() < 0) {
    return absl::InvalidArgumentError("close_wait must not be negative");
  }
  options.command.template_text =
      SubstitutePolicy(options.command.template_text, options.policy);
  if (absl::Status s = ValidateClientCommand(options.command); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("client command: ", s.message()));
  }

  // The backstop for a supervisor killed before it cleaned up: its
  // client's processes come to us instead of init (process.h).
  if (absl::Status s = AdoptOrphans(); !s.ok()) return s;

  std::unique_ptr<ScenarioRunner> runner(
      new ScenarioRunner(std::move(options)));
  const RunnerOptions& o = runner->options_;

  pki::TestPki::Options pki_options;
  if (!IsLoopbackName(o.server_name)) {
    pki_options.extra_dns_names.push_back(o.server_name);
  }
  absl::StatusOr<std::unique_ptr<pki::TestPki>> pki =
      pki::TestPki::Create(pki_options);
  if (!pki.ok()) {
    return absl::Status(pki.status().code(),
                        absl::StrCat("test PKI: ", pki.status().message()));
  }
  runner->pki_ = std::shared_ptr<const pki::TestPki>(std::move(*pki));

  GAUNTLET_ASSIGN_OR_RETURN(runner->temp_dir_,
                            MakePrivateDir(o.temp_parent, "gauntlet-run"));
  // A second Ctrl-C ends the process at once, without this destructor.
  SetDirectoryToRemoveOnForcedExit(runner->temp_dir_);
  runner->message_file_ = absl::StrCat(runner->temp_dir_, "/message.eml");
  GAUNTLET_RETURN_IF_ERROR(WriteNewFile(
      runner->message_file_, FormatTestMessage(o.identity, absl::Now())));
  GAUNTLET_ASSIGN_OR_RETURN(runner->client_files_,
                            runner->pki_->WriteClientFiles(runner->temp_dir_));
  runner->ca_file_ = runner->client_files_->CaFile();
  return runner;
}

absl::StatusOr<std::string> ScenarioRunner::AcquireClientTmp() const {
  {
    std::lock_guard<std::mutex> lock(client_tmp_mu_);
    if (!idle_client_tmp_.empty()) {
      std::string dir = std::move(idle_client_tmp_.back());
      idle_client_tmp_.pop_back();
      return dir;
    }
  }
  return MakePrivateDir(temp_dir_, "client-tmp");
}

void ScenarioRunner::ReleaseClientTmp(const std::string& dir) const {
  if (!EmptyDirectory(dir)) {
    RemoveTree(dir);
    return;
  }
  std::lock_guard<std::mutex> lock(client_tmp_mu_);
  idle_client_tmp_.push_back(dir);
}

std::chrono::milliseconds ScenarioRunner::TimeoutFor(
    const scenario::Scenario& s) const {
  return s.timeout.has_value() ? *s.timeout : options_.timeout;
}

report::ScenarioResult ScenarioRunner::SkippedResult(
    const scenario::Scenario& s, int repeat_index,
    const std::string& glob) const {
  report::ScenarioResult r = BaseResult(s, options_.policy, repeat_index);
  r.client.ran = false;
  r.observations.client_ran = false;
  r.verdict.verdict = verdict::VerdictKind::kSkip;
  r.verdict.summary = absl::StrCat(
      "skip: the client profile marks this scenario unsupported (", glob,
      ")");
  return r;
}

report::ScenarioResult ScenarioRunner::RunScenario(
    const scenario::Scenario& s, int repeat_index, bool controls_failed,
    bool* cancelled) const {
  const Clock::time_point start = Clock::now();
  if (cancelled != nullptr) *cancelled = false;
  for (const std::string& glob : options_.unsupported) {
    if (scenario::GlobMatch(glob, s.id)) {
      return SkippedResult(s, repeat_index, glob);
    }
  }

  report::ScenarioResult r = BaseResult(s, options_.policy, repeat_index);
  const auto finish = [&]() -> report::ScenarioResult {
    r.duration_us = MicrosSince(start);
    return std::move(r);
  };

  fake::server::ServerOptions server_options;
  server_options.behavior = s.server;
  server_options.bind_address = kLoopbackAddress;
  server_options.pki = pki_;
  absl::StatusOr<std::unique_ptr<fake::server::FakeSmtpServer>> server =
      fake::server::FakeSmtpServer::Start(std::move(server_options));
  if (!server.ok()) {
    r.client.ran = false;
    JudgeHarnessError(r, controls_failed,
                      absl::Status(server.status().code(),
                                   absl::StrCat("the fake server did not start: ",
                                                server.status().message())));
    return finish();
  }

  ClientParams params;
  params.host = options_.server_name;
  params.addr = kLoopbackAddress;
  params.port = (*server)->port();
  params.ca_file = ca_file_;
  params.from = options_.identity.from;
  params.to = options_.identity.to;
  params.message_file = message_file_;
  params.user = options_.identity.user;
  params.password = options_.identity.password;
  params.scenario = s.id;
  absl::StatusOr<CommandLine> command =
      BuildCommandLine(options_.command, params);
  if (!command.ok()) {
    r.client.ran = false;
    JudgeHarnessError(r, controls_failed,
                      absl::Status(command.status().code(),
                                   absl::StrCat("client command: ",
                                                command.status().message())));
    return finish();
  }

  // The client's own temporary files ($TMPDIR) go into a directory inside
  // the run's private one, emptied when the scenario ends.
  absl::StatusOr<std::string> client_tmp = AcquireClientTmp();
  if (!client_tmp.ok()) {
    r.client.ran = false;
    JudgeHarnessError(r, controls_failed, client_tmp.status());
    return finish();
  }

  const std::chrono::milliseconds timeout = TimeoutFor(s);
  RunOptions run;
  run.argv = std::move(command->argv);
  run.env = std::move(command->env);
  run.env.emplace_back(kPolicyEnvVar,
                       std::string(scenario::PolicyName(options_.policy)));
  run.env.emplace_back("TMPDIR", *client_tmp);
  for (const auto& kv : options_.extra_env) run.env.push_back(kv);
  run.timeout = timeout;
  run.output_cap = kClientOutputCap;
  run.cancel = options_.cancel;
  // The client's start on the transcript's clock: the stop at the limit
  // comes `timeout` after it (verdict: a close after the stop is the stop's).
  const int64_t client_start_us = (*server)->NowUs();
  absl::StatusOr<RunResult> ran = RunProcess(run);
  // Every process of the client is dead and reaped by now.
  ReleaseClientTmp(*client_tmp);
  if (!ran.ok()) {
    r.client.ran = false;
    JudgeHarnessError(r, controls_failed,
                      absl::Status(ran.status().code(),
                                   absl::StrCat("the client did not start: ",
                                                ran.status().message())));
    return finish();
  }
  if (ran->cancelled && CancelRequested() && cancelled != nullptr) {
    *cancelled = true;
  }

  // The client has exited and its process group is gone, so its sockets are
  // closed; the server may still be reading the last bytes.
  (*server)->WaitForConnectionsClosed(options_.close_wait, 0);
  r.transcript = (*server)->Snapshot();
  (*server)->Stop();

  r.client = ToClientRun(*ran, timeout);
  if (ran->timed_out) {
    r.client.stopped_us = client_start_us + r.client.timeout_us;
  }
  r.client_stdout = ran->out.data;
  r.client_stderr = ran->err.data;
  if (ran->supervisor_lost) {
    // How the client ended is unknown: fail closed rather than judge it.
    JudgeHarnessError(
        r, controls_failed,
        absl::AbortedError(
            "the client's supervisor was killed before it reported (by the "
            "client?): the run cannot be judged"));
    return finish();
  }
  r.observations = verdict::ObserveRun(r.transcript, r.client);
  r.verdict =
      verdict::Judge(r.observations, MakeJudgeInput(r, controls_failed));
  if (ran->leftover_processes > 0) {
    // A finding about the client, not a rule: it does not change the
    // verdict.
    verdict::Note note;
    note.rule = kLeftProcessesBehindNote;
    note.text =
        absl::StrCat("the client left ", ran->leftover_processes,
                     ran->leftover_processes == 1 ? " process" : " processes",
                     " running after it exited (killed by Gauntlet)");
    r.verdict.notes.push_back(std::move(note));
  }
  return finish();
}

report::RunReport ScenarioRunner::Run(
    const std::vector<const scenario::Scenario*>& scenarios,
    const ProgressCallback& progress) const {
  const Clock::time_point start = Clock::now();
  report::RunReport report;
  report.gauntlet_version = options_.gauntlet_version;
  report.client_name = options_.client_name;
  report.client_command = options_.command.template_text;
  report.policy = options_.policy;
  report.started = absl::Now();
  report.jobs = options_.jobs;

  std::vector<Job> controls;
  std::vector<Job> attacks;
  for (const scenario::Scenario* s : scenarios) {
    if (s == nullptr) continue;
    for (int i = 0; i < options_.repeat; ++i) {
      (s->kind == scenario::ScenarioKind::kControl ? controls : attacks)
          .push_back(Job{s, i});
    }
  }
  const int total = static_cast<int>(controls.size() + attacks.size());
  report.planned = total;

  std::mutex mu;  // Guards `done` and serialises `progress`.
  int done = 0;
  // Runs `jobs` on the pool; returns the results of the runs that finished
  // (not cancelled), in job order.
  const auto run_phase = [&](const std::vector<Job>& jobs,
                             bool controls_failed) {
    std::vector<std::optional<report::ScenarioResult>> slots(jobs.size());
    std::atomic<std::size_t> next{0};
    const auto worker = [&] {
      while (!CancelRequested()) {
        const std::size_t i = next.fetch_add(1);
        if (i >= jobs.size()) break;
        const scenario::Scenario& s = *jobs[i].scenario;
        ProgressEvent event;
        event.scenario_id = s.id;
        event.repeat_index = jobs[i].repeat_index;
        event.timeout = TimeoutFor(s);
        event.total = total;
        if (progress) {
          std::lock_guard<std::mutex> lock(mu);
          event.done = done;
          progress(event);
        }
        bool cancelled = false;
        report::ScenarioResult r =
            RunScenario(s, jobs[i].repeat_index, controls_failed, &cancelled);
        // A run the cancel flag cut short says nothing about the client.
        if (cancelled) break;
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        if (progress) {
          event.kind = ProgressEvent::Kind::kFinished;
          event.done = done;
          event.result = &r;
          progress(event);
        }
        slots[i] = std::move(r);
      }
    };
    const std::size_t workers =
        std::min<std::size_t>(static_cast<std::size_t>(options_.jobs),
                              jobs.size());
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
    std::vector<report::ScenarioResult> out;
    for (auto& slot : slots) {
      if (slot.has_value()) out.push_back(std::move(*slot));
    }
    return out;
  };

  std::vector<report::ScenarioResult> results = run_phase(controls, false);
  const bool controls_failed = ControlsFailed(results);
  if (controls.empty() && !attacks.empty()) {
    report.notes.push_back(
        "no control scenario was selected: passes were not cross-checked "
        "against a delivery over TLS");
  } else if (controls_failed) {
    std::vector<std::string> failed;
    for (const report::ScenarioResult& r : results) {
      if (ControlsFailed({r})) failed.push_back(r.scenario_id);
    }
    std::sort(failed.begin(), failed.end());
    failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
    report.notes.push_back(absl::StrCat(
        "the client failed control scenario(s) ", absl::StrJoin(failed, ", "),
        ": attack scenarios it passed are reported as inconclusive"));
  }
  if (!CancelRequested()) {
    std::vector<report::ScenarioResult> attack_results =
        run_phase(attacks, controls_failed);
    for (auto& r : attack_results) results.push_back(std::move(r));
  }

  std::stable_sort(results.begin(), results.end(),
                   [](const report::ScenarioResult& a,
                      const report::ScenarioResult& b) {
                     if (a.scenario_id != b.scenario_id) {
                       return a.scenario_id < b.scenario_id;
                     }
                     return a.repeat_index < b.repeat_index;
                   });
  report.results = std::move(results);
  report.interrupted = CancelRequested();
  report.wall_us = MicrosSince(start);
  report.harness_cpu_us = ProcessCpuMicros();
  return report;
}

}  // namespace gauntlet::runner
