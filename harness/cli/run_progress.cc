#include "harness/cli/run_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/report/escape.h"

namespace gauntlet::cli {
namespace {

constexpr std::chrono::seconds kRedrawEvery{1};
constexpr std::size_t kDefaultWidth = 80;

// Columns of the terminal on `fd`, less one so that the cursor never
// wraps; kDefaultWidth when unknown.
std::size_t StatusWidth(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col < 20) {
    return kDefaultWidth - 1;
  }
  return static_cast<std::size_t>(ws.ws_col) - 1;
}

}  // namespace

LiveProgress::LiveProgress(Options options, std::ostream& out,
                           std::ostream& status)
    : options_(std::move(options)), out_(out), status_(status) {
  if (options_.status_line) redraw_ = std::thread([this] { RedrawLoop(); });
}

LiveProgress::~LiveProgress() { Stop(); }

runner::ProgressCallback LiveProgress::Callback() {
  return [this](const runner::ProgressEvent& event) { OnEvent(event); };
}

void LiveProgress::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    ClearLocked();
  }
  wake_.notify_all();
  if (redraw_.joinable()) redraw_.join();
}

void LiveProgress::OnEvent(const runner::ProgressEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  done_ = event.done;
  total_ = event.total;
  const std::pair<std::string, int> key(std::string(event.scenario_id),
                                        event.repeat_index);
  if (event.kind == runner::ProgressEvent::Kind::kStarted) {
    running_[key] = Running{Clock::now(), event.timeout};
    DrawLocked();
    return;
  }
  running_.erase(key);
  if (event.result == nullptr) return;
  const report::ScenarioResult* result = event.result;
  report::ScenarioResult marked;
  if (options_.baseline != nullptr) {
    marked = *event.result;
    report::MarkAgainstBaseline(marked, *options_.baseline);
    result = &marked;
  }
  const verdict::VerdictKind v = result->verdict.verdict;
  const bool quiet =
      options_.results == ResultLines::kNone ||
      (options_.failures_only && !report::ShownWhenQuiet(*result));
  ClearLocked();
  if (!quiet) {
    if (options_.results == ResultLines::kFull) {
      out_ << report::FormatResult(*result, options_.console);
    } else {
      out_ << "  [" << event.done << "/" << event.total << "] "
           << report::VerdictMark(v) << " "
           << report::SanitizeText(result->scenario_id) << "\n";
    }
    out_.flush();
  }
  DrawLocked();
}

void LiveProgress::RedrawLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    DrawLocked();
    wake_.wait_for(lock, kRedrawEvery, [this] { return stopping_; });
  }
}

void LiveProgress::DrawLocked() {
  if (!options_.status_line || stopping_ || total_ == 0) return;
  const Clock::time_point now = Clock::now();
  std::vector<report::RunningScenario> running;
  for (const auto& [key, r] : running_) {
    report::RunningScenario s;
    s.id = key.first;
    s.repeat_index = key.second;
    s.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - r.started)
            .count();
    s.timeout_ms = r.timeout.count();
    running.push_back(std::move(s));
  }
  // The longest-running first: that is what a user waits for.
  std::stable_sort(
      running.begin(), running.end(),
      [](const report::RunningScenario& a, const report::RunningScenario& b) {
        return a.elapsed_ms > b.elapsed_ms;
      });
  status_ << "\r"
          << report::FormatStatusLine(done_, total_, running,
                                      StatusWidth(options_.status_fd))
          << "\x1b[K" << std::flush;
  drawn_ = true;
}

void LiveProgress::ClearLocked() {
  if (!drawn_) return;
  status_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace gauntlet::cli
