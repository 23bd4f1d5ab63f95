// The planted-bug test client (tests/fuzzing/planted_client.c): with every
// bug off it is secure under Gauntlet's own catalog; each planted memory
// bug and the busy loop trigger, under ASan, on the crafted reply that
// carries it (from a loopback ScriptServer); and the two logic bugs are
// caught by the catalog's existing verdicts under `gauntlet run`.

#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_util.h"
#include "tests/fuzzing/child.h"
#include "tests/fuzzing/script_server.h"

namespace gauntlet::fuzzing_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGreeting[] = "220 mx.test ESMTP\r\n";

// The ASan client pointed at a ScriptServer, with a 5 s limit per reply.
std::vector<std::string> ClientArgs(int port, const std::string& bug) {
  std::vector<std::string> argv = PlantedClientArgs(PLANTED_CLIENT_ASAN, port);
  argv.push_back("--timeout-ms");
  argv.push_back("5000");
  if (!bug.empty()) {
    argv.push_back("--bug");
    argv.push_back(bug);
  }
  return argv;
}

// ASan's own options, whatever the environment running the tests says:
// a report ends the process with SIGABRT.
const std::vector<std::pair<std::string, std::string>> kSanitizerEnv = {
    {"ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1"},
    {"UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:abort_on_error=1"}};

ChildEnd RunScript(
    const std::vector<std::string>& replies, const std::string& bug,
    std::chrono::milliseconds cpu_limit = std::chrono::milliseconds::max()) {
  ScriptServer server(replies);
  ChildEnd end = RunChild(ClientArgs(server.port(), bug), kSanitizerEnv,
                          std::chrono::seconds(20), cpu_limit);
  server.Commands();
  return end;
}

const std::vector<std::string> LongCapability() {
  return {kGreeting, "250-mx.test\r\n250-X-" + std::string(300, 'A') +
                         "\r\n250 STARTTLS\r\n"};
}

TEST(PlantedClientTest, StackOverflowOnLongCapabilityLine) {
  const ChildEnd bad = RunScript(LongCapability(), "stack-overflow-capability");
  EXPECT_TRUE(bad.signaled && bad.term_signal == SIGABRT) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("AddressSanitizer: stack-buffer-overflow"));

  // Bug off: the same reply is read safely and the client goes on to
  // STARTTLS (then the script ends: the server closed).
  ScriptServer server(LongCapability());
  const ChildEnd good = RunChild(ClientArgs(server.port(), ""), kSanitizerEnv,
                                 std::chrono::seconds(20));
  EXPECT_TRUE(good.exited) << good.err;
  EXPECT_EQ(good.exit_code, 2) << good.err;  // I/O: the server closed.
  EXPECT_THAT(good.err, Not(HasSubstr("Sanitizer")));
  EXPECT_THAT(server.Commands(),
              ::testing::ElementsAre("EHLO planted.client.test"));
}

TEST(PlantedClientTest, NullDereferenceOnReplyWithEmptyText) {
  const std::vector<std::string> script = {"220\r\n"};
  const ChildEnd bad = RunScript(script, "null-empty-text");
  EXPECT_TRUE(bad.signaled) << bad.err;
  // ASan reports the SEGV; UBSan may see the null load first.
  EXPECT_THAT(bad.err, testing::AnyOf(HasSubstr("AddressSanitizer: SEGV"),
                                      HasSubstr("null pointer")));

  const ChildEnd good = RunScript(script, "");
  EXPECT_TRUE(good.exited) << good.err;
  EXPECT_EQ(good.exit_code, 2) << good.err;
  EXPECT_THAT(good.err, Not(HasSubstr("Sanitizer")));
}

TEST(PlantedClientTest, BusyLoopOnContinuationLineThatNeverEnds) {
  // A continuation line, then the server closes: the reply never ends.
  const std::vector<std::string> script = {"220-mx.test\r\n"};
  // Spinning: a second of CPU time (a waiting client uses next to none),
  // reached long before the 20 s deadline and the client's 5 s timeout.
  const ChildEnd bad = RunScript(script, "endless-continuation",
                                 std::chrono::milliseconds(1000));
  EXPECT_TRUE(bad.still_running) << bad.err;
  EXPECT_GE(bad.cpu.count(), 1000);

  const ChildEnd good = RunScript(script, "", std::chrono::milliseconds(1000));
  EXPECT_FALSE(good.still_running);
  EXPECT_TRUE(good.exited && good.exit_code == 2) << good.err;
}

// --- Under `gauntlet run`, over the catalog ------------------------------

std::string Template(const std::string& bug) {
  std::string t = std::string(PLANTED_CLIENT_ASAN) +
                  " --host {host} --addr {addr} --port {port}"
                  " --ca-file {ca_file} --from {from} --to {to}"
                  " --message-file {message_file} --user {user}"
                  " --password {password} --policy {policy}"
                  " --timeout-ms 3000";
  if (!bug.empty()) t += " --bug " + bug;
  return t;
}

// Result per scenario of one run: id -> verdict.
std::map<std::string, std::string> RunCatalog(
    const std::string& bug, const std::vector<std::string>& filters) {
  e2e::TempDir dir;
  std::vector<std::string> args = {"run", "--client", Template(bug),
                                   "-j",  "2",        "--timeout",
                                   "5s",  "--json",   dir.File("report.json")};
  for (const std::string& f : filters) {
    args.push_back("--filter");
    args.push_back(f);
  }
  const e2e::Invocation inv = e2e::RunGauntlet(args);
  EXPECT_TRUE(inv.ran && !inv.timed_out) << inv.err;
  std::map<std::string, std::string> verdicts;
  for (const auto& [id, result] :
       e2e::Results(e2e::ReadJson(dir.File("report.json")))) {
    verdicts[id] = result.value("verdict", "");
  }
  return verdicts;
}

TEST(PlantedClientCatalogTest,
     SecureBuildPassesStrippingCertificateAndInjection) {
  const std::map<std::string, std::string> verdicts = RunCatalog(
      "", {"strip/*", "inject/*", "cert/self-signed", "cert/wrong-host",
           "cert/expired", "cert/rsa-1024", "cert/sha1-signature",
           "cert/common-name-only", "tls/tls11-only", "tls/weak-cipher-only",
           "control/good-tls13-ecdsa", "control/auth-inside-tls"});
  EXPECT_EQ(verdicts.size(), 12u + 7u + 10u);
  for (const auto& [id, verdict] : verdicts) {
    EXPECT_EQ(verdict, "pass") << id;
  }
}

TEST(PlantedClientCatalogTest, FallbackBugFailsTheRefusedStartTlsScenarios) {
  const std::map<std::string, std::string> verdicts =
      RunCatalog("fallback-on-starttls-error",
                 {"strip/starttls-454", "strip/starttls-502",
                  "strip/capability-removed", "control/good-tls13-ecdsa"});
  EXPECT_EQ(verdicts.at("strip/starttls-454"), "fail");
  EXPECT_EQ(verdicts.at("strip/starttls-502"), "fail");
  // Only the reply code is mishandled: no STARTTLS at all is refused.
  EXPECT_EQ(verdicts.at("strip/capability-removed"), "pass");
  EXPECT_EQ(verdicts.at("control/good-tls13-ecdsa"), "pass");
}

TEST(PlantedClientCatalogTest, KeepBufferBugActsOnInjectedBytes) {
  const std::map<std::string, std::string> verdicts = RunCatalog(
      "keep-buffer", {"inject/after-220-extra-capabilities",
                      "inject/after-220-fake-transaction", "strip/starttls-454",
                      "control/good-tls13-ecdsa"});
  EXPECT_EQ(verdicts.at("inject/after-220-extra-capabilities"), "fail");
  EXPECT_EQ(verdicts.at("inject/after-220-fake-transaction"), "fail");
  EXPECT_EQ(verdicts.at("strip/starttls-454"), "pass");
  EXPECT_EQ(verdicts.at("control/good-tls13-ecdsa"), "pass");
}

}  // namespace
}  // namespace gauntlet::fuzzing_test
