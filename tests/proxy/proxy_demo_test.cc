// `gauntlet demo downgrade` end to end: a real aiosmtpd server, the strip
// proxy, curl and the reference client; the summary must say that the
// attacker read the vulnerable clients' credentials and not the secure
// ones'.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "harness/cli/proxy_commands.h"
#include "harness/proxy/aiosmtpd_upstream.h"

namespace gauntlet::cli {
namespace {

TEST(DemoDowngradeTest, AttackerReadsTheVulnerableClientsOnly) {
  if (!proxy::FindAiosmtpdPython().ok()) {
    GTEST_SKIP() << "python3-aiosmtpd is not installed";
  }
  DemoOptions o;
  o.timeout_s = 15;
  o.no_color = true;
  o.reference_client = {GAUNTLET_CLIENT_EXE};
  std::ostringstream out;
  absl::StatusOr<DowngradeDemoResult> r = RunDowngradeDemo(o, out);
  ASSERT_TRUE(r.ok()) << r.status() << "\n" << out.str();
  ASSERT_EQ(r->clients.size(), 4u) << out.str();
  int vulnerable = 0, secure = 0;
  for (const DemoClientOutcome& c : r->clients) {
    SCOPED_TRACE(c.label);
    ASSERT_TRUE(c.ran) << c.status;
    if (c.secure) {
      ++secure;
      EXPECT_NE(c.exit_code, 0);
      EXPECT_FALSE(c.attacker_saw_credentials);
      EXPECT_FALSE(c.attacker_saw_message);
      EXPECT_EQ(c.server_messages, 0);
    } else {
      ++vulnerable;
      EXPECT_EQ(c.exit_code, 0) << c.stderr_line;
      EXPECT_TRUE(c.attacker_saw_credentials) << out.str();
      EXPECT_TRUE(c.attacker_saw_message);
      // The real server got the mail over TLS: it noticed nothing.
      EXPECT_EQ(c.server_messages, 1);
      EXPECT_TRUE(c.server_tls);
    }
  }
  EXPECT_EQ(vulnerable, 2);
  EXPECT_EQ(secure, 2);
  // What the person watching reads.
  const std::string text = out.str();
  EXPECT_TRUE(absl::StrContains(text, "Summary")) << text;
  EXPECT_TRUE(absl::StrContains(
      text, "login alice / \"correct-horse-battery\""))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "VULNERABLE")) << text;
  EXPECT_TRUE(absl::StrContains(text, "SAFE: it refused")) << text;
}

int ParseAndRunProxy(std::vector<std::string> args) {
  CLI::App app{"test"};
  ProxyOptions o;
  AddProxyCommand(app, o);
  args.insert(args.begin(), "proxy");
  std::reverse(args.begin(), args.end());  // CLI11 wants them reversed.
  try {
    app.parse(args);
  } catch (const CLI::ParseError&) {
    return -1;
  }
  return RunProxy(o);
}

TEST(ProxyCliTest, RejectsUnsafeOrIncompleteConfigurations) {
  EXPECT_EQ(ParseAndRunProxy({"--upstream", "127.0.0.1:25", "--attack",
                              "passthrough", "--listen", "0.0.0.0:0"}),
            2);
  EXPECT_EQ(ParseAndRunProxy(
                {"--upstream", "127.0.0.1:25", "--attack", "strip"}),
            2);  // Neither --upstream-ca nor --upstream-no-verify.
  EXPECT_EQ(ParseAndRunProxy({"--upstream", "127.0.0.1:25", "--attack", "mitm"}),
            2);
  EXPECT_EQ(ParseAndRunProxy({"--upstream", "127.0.0.1:25", "--attack",
                              "inject", "--inject", "\\q"}),
            2);
  EXPECT_EQ(ParseAndRunProxy({"--attack", "strip"}), -1);  // No --upstream.
}

}  // namespace
}  // namespace gauntlet::cli
