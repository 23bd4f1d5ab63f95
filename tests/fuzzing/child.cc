#include "tests/fuzzing/child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

extern char** environ;

namespace gauntlet::fuzzing_test {
namespace {

// utime + stime of a running process, from /proc/PID/stat (proc(5)).
std::chrono::milliseconds CpuOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::chrono::milliseconds(0);
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  long long utime = 0, stime = 0;
  // Fields 3.. after the command; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && (fields >> f); ++i) {
    if (i == 14) utime = std::stoll(f);
    if (i == 15) stime = std::stoll(f);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((utime + stime) * 1000 / ticks);
}

}  // namespace

ChildEnd RunChild(const std::vector<std::string>& argv,
                  const std::vector<std::pair<std::string, std::string>>& env,
                  std::chrono::milliseconds deadline,
                  std::chrono::milliseconds cpu_limit) {
  ChildEnd end;
  char err_path[] = "/tmp/gauntlet-child-err-XXXXXX";
  const int err_fd = mkostemp(err_path, O_CLOEXEC);
  if (err_fd < 0) {
    ADD_FAILURE() << "mkostemp failed";
    return end;
  }
  unlink(err_path);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& [name, value] : env) {
      replaced = replaced || entry.rfind(name + "=", 0) == 0;
    }
    if (!replaced) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env)
    env_strings.push_back(name + "=" + value);
  std::vector<char*> envp, args;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot run " << argv[0];
    close(err_fd);
    return end;
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const auto stop_at = std::chrono::steady_clock::now() + deadline;
  bool done = false;
  while (!done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        stop_at - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // Wakes on the child's exit, or every 50 ms to look at its CPU time.
    pollfd p{pidfd, POLLIN, 0};
    const int ready =
        poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 50)));
    if (ready == 1) {
      done = true;
      break;
    }
    end.cpu = CpuOf(pid);
    if (end.cpu >= cpu_limit) break;
  }
  if (!done) {
    end.still_running = true;
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (pidfd >= 0) close(pidfd);
  if (!end.still_running) {
    end.exited = WIFEXITED(status);
    end.exit_code = end.exited ? WEXITSTATUS(status) : 0;
    end.signaled = WIFSIGNALED(status);
    end.term_signal = end.signaled ? WTERMSIG(status) : 0;
  }
  std::string err;
  char buf[4096];
  ssize_t n;
  lseek(err_fd, 0, SEEK_SET);
  while ((n = read(err_fd, buf, sizeof buf)) > 0 && err.size() < (1u << 20)) {
    err.append(buf, static_cast<std::size_t>(n));
  }
  close(err_fd);
  end.err = std::move(err);
  return end;
}

}  // namespace gauntlet::fuzzing_test
