#include "tests/e2e/e2e_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "harness/runner/client_command.h"
#include "harness/runner/process.h"

namespace gauntlet::e2e {

Invocation RunGauntlet(const std::vector<std::string>& args,
                       std::chrono::seconds timeout) {
  runner::RunOptions o;
  o.argv.push_back(GAUNTLET_BIN);
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.timeout = timeout;
  o.output_cap = 16u << 20;
  // Never colour, whatever the environment says.
  o.env.emplace_back("NO_COLOR", "1");
  Invocation inv;
  absl::StatusOr<runner::RunResult> r = runner::RunProcess(o);
  if (!r.ok()) {
    ADD_FAILURE() << "cannot run gauntlet: " << r.status();
    return inv;
  }
  inv.ran = true;
  inv.timed_out = r->timed_out;
  if (r->exited && !r->timed_out) inv.exit_code = r->exit_code;
  inv.out = r->out.data;
  inv.err = r->err.data;
  inv.took = std::chrono::duration_cast<std::chrono::milliseconds>(r->duration);
  return inv;
}

std::string ReferenceClientTemplate(const std::string& extra,
                                    int client_timeout_s) {
  std::string path;
  for (char c : std::string(GAUNTLET_BIN)) {
    path += c;
    if (c == '{' || c == '}') path += c;
  }
  return runner::ShellQuote(path) +
         " client --host {addr} --port {port} --server-name {host}"
         " --ca-file {ca_file} --from {from} --to {to} --user {user}"
         " --password {password} --message-file {message_file}"
         " --policy {policy} --timeout " + std::to_string(client_timeout_s) +
         (extra.empty() ? "" : " " + extra);
}

std::string CurlTemplate(bool require_tls) {
  return std::string("curl --silent --show-error ") +
         (require_tls ? "--ssl-reqd" : "--ssl") +
         " --max-time 3 --cacert {ca_file} --resolve {host}:{port}:{addr}"
         " --mail-from {from} --mail-rcpt {to} --upload-file {message_file}"
         " --user {user}:{password} smtp://{host}:{port}";
}

std::string SourcePath(const std::string& relative) {
  return std::string(GAUNTLET_SOURCE_DIR) + "/" + relative;
}

std::string SmtplibTemplate(bool verified) {
  return "/usr/bin/python3 " +
         runner::ShellQuote(SourcePath("tests/e2e/clients/smtplib_client.py")) +
         (verified ? " verified" : " unverified");
}

TempDir::TempDir() {
  std::string tmpl = "/tmp/gauntlet-e2e-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  ASSERT_TRUE(out.good()) << path;
}

nlohmann::json ReadJson(const std::string& path) {
  return nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
}

std::vector<std::pair<std::string, nlohmann::json>> Results(
    const nlohmann::json& report) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  if (!report.is_object() || !report.contains("results")) return out;
  for (const nlohmann::json& r : report["results"]) {
    out.emplace_back(r.value("id", ""), r);
  }
  return out;
}

std::vector<std::string> ViolationRules(const nlohmann::json& result) {
  std::vector<std::string> rules;
  if (!result.contains("violations")) return rules;
  for (const nlohmann::json& v : result["violations"]) {
    rules.push_back(v.value("rule", ""));
  }
  return rules;
}

}  // namespace gauntlet::e2e
