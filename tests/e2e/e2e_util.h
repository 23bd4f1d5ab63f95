// Helpers for Gauntlet's end-to-end tests: running the real `gauntlet`
// binary (built by this tree) with real clients, private temp dirs, and
// reading the reports it writes.

#ifndef GAUNTLET_TESTS_E2E_E2E_UTIL_H_
#define GAUNTLET_TESTS_E2E_E2E_UTIL_H_

#include <chrono>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace gauntlet::e2e {

// What one `gauntlet` invocation did.
struct Invocation {
  bool ran = false;
  int exit_code = -1;  // -1 unless it exited.
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};
};

// Runs the gauntlet binary with `args` (bounded by `timeout`).
Invocation RunGauntlet(const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(150));

// The --client template for curl: `--ssl-reqd` (require TLS) or `--ssl`
// (opportunistic), with --max-time 4 s (below the 5 s scenario timeout the
// tests use) and --resolve so it connects to {addr} while verifying {host}.
std::string CurlTemplate(bool require_tls);

// The reference client (gauntlet client) as a --client template: braces in
// the binary's path doubled so they do not read as placeholders, `extra`
// flags (e.g. "--flaw no-verify") and its own per-reply timeout in seconds.
std::string ReferenceClientTemplate(const std::string& extra = "",
                                    int client_timeout_s = 2);

// The --client template for tests/e2e/clients/smtplib_client.py.
std::string SmtplibTemplate(bool verified);

// Source-tree paths.
std::string SourcePath(const std::string& relative);

// A private temporary directory (mkdtemp, 0700), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

// Parses a JSON file; a discarded value (is_discarded()) when it is not.
nlohmann::json ReadJson(const std::string& path);

// (scenario id -> result object) of a gauntlet-report/1 document.
std::vector<std::pair<std::string, nlohmann::json>> Results(
    const nlohmann::json& report);

// The rule ids of a result's violations.
std::vector<std::string> ViolationRules(const nlohmann::json& result);

}  // namespace gauntlet::e2e

#endif  // GAUNTLET_TESTS_E2E_E2E_UTIL_H_
