#include "harness/cli/preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "harness/cli/cli_common.h"
#include "harness/report/file_io.h"
#include "harness/report/json_report.h"
#include "harness/runner/policy_placeholder.h"

namespace gauntlet::cli {
namespace {

// glibc's execvp/posix_spawnp search this when PATH is unset
// (confstr(_CS_PATH)).
constexpr char kDefaultPath[] = "/bin:/usr/bin";
// The test PKI's limit for a name it adds to the certificates.
constexpr std::size_t kMaxServerNameBytes = 63;

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// The program word of a split template with {{ and }} unescaped, or
// nothing when a placeholder is part of it (its value is not known yet).
std::optional<std::string> LiteralProgram(const std::string& word) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if ((c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '{') return std::nullopt;
    out += c;
  }
  return out;
}

absl::Status Unrunnable(const std::string& program, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot run '", Safe(program), "': ", why));
}

// An error if exec(program) would fail to find or run it.
absl::Status ResolveProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    struct stat st;
    if (stat(program.c_str(), &st) != 0) {
      return Unrunnable(program, std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return Unrunnable(program, "not a regular file");
    if (access(program.c_str(), X_OK) != 0) {
      return Unrunnable(program, "not executable (permission denied)");
    }
    return absl::OkStatus();
  }
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : kDefaultPath;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    // An empty PATH entry means the current directory, as for execvp.
    const std::string candidate =
        dir.empty() ? program : absl::StrCat(dir, "/", program);
    if (IsExecutableFile(candidate)) return absl::OkStatus();
  }
  return Unrunnable(program,
                    absl::StrCat("no such program in PATH (", path, ")"));
}

// The nearest existing ancestor of a directory that does not exist yet:
// where --report-dir will be created.
std::string ExistingAncestor(std::string dir) {
  while (true) {
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) return dir;
    const std::size_t slash = dir.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    dir.resize(slash);
  }
}

absl::Status CheckReportDir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--report-dir ", Safe(dir), ": exists and is not a directory"));
    }
    if (access(dir.c_str(), W_OK | X_OK) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(
          "--report-dir ", Safe(dir), ": no permission to write in it"));
    }
    return absl::OkStatus();
  }
  const std::string ancestor = ExistingAncestor(dir);
  if (stat(ancestor.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--report-dir ", Safe(dir), ": cannot be created ('",
                     Safe(ancestor), "' is not a directory)"));
  }
  if (access(ancestor.c_str(), W_OK | X_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("--report-dir ", Safe(dir),
                                                    ": cannot be created (no "
                                                    "permission to write in '",
                                                    Safe(ancestor), "')"));
  }
  return absl::OkStatus();
}

absl::Status CheckOutput(const char* flag, const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  if (absl::Status s = report::CheckOutputFile(path); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(flag, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckServerName(const std::string& name, const char* flag) {
  if (name == "127.0.0.1" || name == "::1") return absl::OkStatus();
  bool ok = !name.empty() && name.size() <= kMaxServerNameBytes &&
            name.front() != '.' && name.back() != '.' &&
            name.find("..") == std::string::npos;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '-' || c == '.');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      flag, " \"", Safe(name),
      "\": expected a host name of 1 to 63 letters, digits, '-' and '.', "
      "such as localhost or mx.example.test"));
}

absl::Status CheckClientProgram(const runner::ClientCommand& command) {
  if (command.shell) {
    if (!IsExecutableFile(runner::kShellPath)) {
      return Unrunnable(runner::kShellPath,
                        "--shell needs it, and it is missing or not "
                        "executable");
    }
    return absl::OkStatus();
  }
  // Split as the runner will ({policy} is substituted first); a template
  // that does not split is reported by the runner's own validation.
  absl::StatusOr<std::vector<runner::TemplateWord>> words =
      runner::SplitWords(runner::SubstitutePolicy(
          command.template_text, scenario::Policy::kRequireTls));
  if (!words.ok() || words->empty()) return absl::OkStatus();
  const std::optional<std::string> program =
      LiteralProgram(words->front().text);
  if (!program.has_value() || program->empty()) return absl::OkStatus();
  return ResolveProgram(*program);
}

absl::Status PreflightRun(const RunCliOptions& o,
                          const runner::ClientCommand& command) {
  GAUNTLET_RETURN_IF_ERROR(CheckServerName(o.server_name, "--server-name"));
  if (o.json_file != kStdoutPath) {
    GAUNTLET_RETURN_IF_ERROR(CheckOutput("--json", o.json_file));
  }
  GAUNTLET_RETURN_IF_ERROR(CheckOutput("--junit", o.junit_file));
  GAUNTLET_RETURN_IF_ERROR(CheckOutput("--write-baseline", o.write_baseline));
  if (!o.report_dir.empty()) {
    GAUNTLET_RETURN_IF_ERROR(CheckReportDir(o.report_dir));
  }
  if (absl::Status s = CheckClientProgram(command); !s.ok()) {
    const std::string from =
        !o.client_profile.empty()
            ? absl::StrCat("--client-profile ", Safe(o.client_profile),
                           ": command")
        : !o.client.empty() ? std::string("--client")
                            : std::string("the reference client");
    return absl::Status(s.code(), absl::StrCat(from, ": ", s.message()));
  }
  return absl::OkStatus();
}

std::ostream& ConsoleStream(const RunCliOptions& o) {
  return o.json_file == kStdoutPath ? std::cerr : std::cout;
}

std::string JsonFileToWrite(const RunCliOptions& o) {
  return o.json_file == kStdoutPath ? std::string() : o.json_file;
}

absl::Status WriteJsonToStdoutIfAsked(const RunCliOptions& o,
                                      const report::RunReport& report) {
  if (o.json_file != kStdoutPath) return absl::OkStatus();
  GAUNTLET_ASSIGN_OR_RETURN(const std::string json,
                            report::FormatJsonReport(report));
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << "\n";
  std::cout.flush();
  if (!std::cout)
    return absl::DataLossError("cannot write the JSON report to stdout");
  return absl::OkStatus();
}

}  // namespace gauntlet::cli
