// Tests of client profile files: the good shape, and every kind of bad one
// reported with file:line:col.

#include "harness/runner/client_profile.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kGood[] = R"(# curl, strict.
name = "curl-strict"
description = "curl with --ssl-reqd"
command = "curl --ssl-reqd --cacert {ca_file} --mail-from {from} --mail-rcpt {to} -T {message_file} smtp://{host}:{port}"
policy = "require-tls"
timeout_ms = 15000
unsupported = ["auth/*", "tls/version-?"]

[env]
SSLKEYLOGFILE = "/tmp/keys"
CURL_HOME = "/nonexistent"
)";

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<ClientProfile> p = ParseClientProfile(text, "clients/x.toml");
  EXPECT_FALSE(p.ok()) << text;
  return std::string(p.status().message());
}

TEST(ClientProfileTest, ParsesAGoodProfile) {
  absl::StatusOr<ClientProfile> p = ParseClientProfile(kGood, "clients/curl.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "curl-strict");
  EXPECT_EQ(p->description, "curl with --ssl-reqd");
  EXPECT_THAT(p->command.template_text, StartsWith("curl --ssl-reqd"));
  EXPECT_FALSE(p->command.shell);
  EXPECT_EQ(p->policy, scenario::Policy::kRequireTls);
  ASSERT_TRUE(p->timeout.has_value());
  EXPECT_EQ(p->timeout->count(), 15000);
  EXPECT_THAT(p->unsupported, ElementsAre("auth/*", "tls/version-?"));
  using Var = std::pair<std::string, std::string>;
  EXPECT_THAT(p->env, ElementsAre(Var{"CURL_HOME", "/nonexistent"},
                                  Var{"SSLKEYLOGFILE", "/tmp/keys"}));
  EXPECT_EQ(p->source_path, "clients/curl.toml");

  EXPECT_FALSE(p->Supports("auth/plain-before-tls"));
  EXPECT_EQ(*p->UnsupportedGlobFor("tls/version-1"), "tls/version-?");
  EXPECT_TRUE(p->Supports("tls/version-11"));
  EXPECT_TRUE(p->Supports("strip/capability-removed"));
  EXPECT_EQ(p->UnsupportedGlobFor("strip/x"), nullptr);
}

TEST(ClientProfileTest, MinimalProfileWithShellAndOtherPolicies) {
  absl::StatusOr<ClientProfile> p = ParseClientProfile(
      "name = \"s\"\ncommand = \"client {to} | tee /dev/null\"\nshell = true\n"
      "policy = \"opportunistic\"\n",
      "s.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->command.shell);
  EXPECT_EQ(p->policy, scenario::Policy::kOpportunistic);
  EXPECT_FALSE(p->timeout.has_value());
  EXPECT_TRUE(p->unsupported.empty());
  EXPECT_TRUE(p->env.empty());
  p = ParseClientProfile(
      "name = \"s\"\ncommand = \"c\"\npolicy = \"require-tls-no-verify\"\n", "s");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->policy, scenario::Policy::kRequireTlsNoVerify);
}

TEST(ClientProfileTest, CommandMayUseThePolicyPlaceholder) {
  absl::StatusOr<ClientProfile> p = ParseClientProfile(
      "name = \"c\"\ncommand = \"client --policy {policy} --port {port}\"\n"
      "policy = \"opportunistic\"\n",
      "c.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->command.template_text, "client --policy {policy} --port {port}");
}

TEST(ClientProfileTest, MisspeltKeyGetsTheNearestOne) {
  const std::string head =
      "name = \"c\"\ncommand = \"c\"\npolicy = \"require-tls\"\n";
  EXPECT_THAT(ErrorOf(head + "timeout = 20000\n"),
              HasSubstr("unknown key 'timeout' (did you mean 'timeout_ms'?"));
  EXPECT_THAT(ErrorOf(head + "shel = true\n"),
              HasSubstr("did you mean 'shell'?"));
}

TEST(ClientProfileTest, ErrorsNameFileLineAndColumn) {
  const std::string head = "name = \"c\"\ncommand = \"c\"\n";
  EXPECT_EQ(ErrorOf(head + "policy = \"require-tls\"\n  colour = 1\n"),
            "clients/x.toml:4:3: unknown key 'colour' (known: name, "
            "description, command, shell, policy, timeout_ms, unsupported, env)");
  EXPECT_EQ(ErrorOf(head + "policy = \"strict\"\n"),
            "clients/x.toml:3:10: unknown policy 'strict' (expected "
            "require-tls, require-tls-no-verify or opportunistic)");
  EXPECT_EQ(ErrorOf(head + "policy = 3\n"),
            "clients/x.toml:3:10: policy must be a string, not an integer");
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\nshell = \"yes\"\n"),
              StartsWith("clients/x.toml:4:9: shell must be a boolean"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\ntimeout_ms = 0\n"),
              StartsWith("clients/x.toml:4:14: timeout_ms = 0 is out of range"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\ntimeout_ms = 1.5\n"),
              StartsWith("clients/x.toml:4:14: timeout_ms must be an integer"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\nunsupported = [\"a\", 2]\n"),
              StartsWith("clients/x.toml:4:21: unsupported[] must be a string"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\n[env]\nGAUNTLET_TO = \"x\"\n"),
              StartsWith("clients/x.toml:5:1: env: GAUNTLET_TO is reserved"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\n[env]\n\"A-B\" = \"x\"\n"),
              StartsWith("clients/x.toml:5:1: env: 'A-B' is not a variable name"));
  EXPECT_THAT(ErrorOf(head + "policy = \"opportunistic\"\n[env]\nA = 1\n"),
              StartsWith("clients/x.toml:5:5: env.A must be a string"));
  EXPECT_THAT(ErrorOf("name = \"c\"\npolicy = \"opportunistic\"\n"),
              HasSubstr("missing required key 'command'"));
  EXPECT_THAT(ErrorOf("name = \"bad name\"\ncommand = \"c\"\npolicy = \"opportunistic\"\n"),
              StartsWith("clients/x.toml:1:8: name 'bad name' must be"));
}

TEST(ClientProfileTest, CommandIsValidatedWhereItIsWritten) {
  EXPECT_EQ(ErrorOf("name = \"c\"\npolicy = \"opportunistic\"\n"
                    "command = \"curl {hots}\"\n"),
            "clients/x.toml:3:11: command: unknown placeholder {hots} at the "
            "word at column 6 (known: {host} {addr} {port} {ca_file} {from} "
            "{to} {message_file} {user} {password} {policy} {scenario}; "
            "write {{ and }} for literal braces)");
  EXPECT_THAT(ErrorOf("name = \"c\"\npolicy = \"opportunistic\"\n"
                      "command = \"curl 'x\"\n"),
              StartsWith("clients/x.toml:3:11: command: unterminated single quote at column 6"));
  EXPECT_THAT(ErrorOf("name = \"c\"\npolicy = \"opportunistic\"\nshell = true\n"
                      "command = \"echo '{to}'\"\n"),
              HasSubstr("inside single quotes"));
}

TEST(ClientProfileTest, TomlSyntaxErrorsHaveLineAndColumn) {
  const std::string e = ErrorOf("name = \"c\"\ncommand = \"unterminated\n");
  EXPECT_THAT(e, StartsWith("clients/x.toml:2:"));
  EXPECT_THAT(ErrorOf("name = \"c\"\nname = \"d\"\n"), StartsWith("clients/x.toml:2:"));
}

TEST(ClientProfileTest, LoadsFilesAndReportsMissingOnes) {
  char dir_template[] = "/tmp/gauntlet-profile-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string good = dir + "/good.toml";
  const std::string bad = dir + "/bad.toml";
  for (const auto& [path, text] :
       {std::pair<std::string, std::string>{good, kGood},
        std::pair<std::string, std::string>{bad, "name = \"c\"\n\nbogus = true\n"}}) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  absl::StatusOr<ClientProfile> p = LoadClientProfile(good);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->source_path, good);
  p = LoadClientProfile(bad);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), StartsWith(bad + ":3:1: unknown key 'bogus'"));
  p = LoadClientProfile(dir + "/missing.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("No such file or directory"));
  // A FIFO is refused at once (fopen would wait for a writer forever).
  const std::string fifo = dir + "/fifo.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto result = std::async(std::launch::async,
                           [fifo] { return LoadClientProfile(fifo); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "LoadClientProfile blocked on a FIFO";
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  p = result.get();
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("FIFO"));
  unlink(fifo.c_str());
  unlink(good.c_str());
  unlink(bad.c_str());
  rmdir(dir.c_str());
}

TEST(ClientProfileTest, TheExampleProfileInDocsLoads) {
  const std::string path =
      std::string(GAUNTLET_SOURCE_DIR) + "/docs/examples/curl-require-tls.toml";
  absl::StatusOr<ClientProfile> p = LoadClientProfile(path);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "curl-require-tls");
  EXPECT_EQ(p->policy, scenario::Policy::kRequireTls);
  ASSERT_TRUE(p->timeout.has_value());
  EXPECT_THAT(p->command.template_text, HasSubstr("--ssl-reqd"));
}

TEST(ClientProfileTest, OversizedTextIsRejected) {
  std::string big = "name = \"c\"\n# ";
  big.append(kMaxProfileBytes, 'x');
  EXPECT_THAT(ErrorOf(big), HasSubstr("limit"));
}

}  // namespace
}  // namespace gauntlet::runner
