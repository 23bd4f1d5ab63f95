// The reference client's pure parts: the flaw table, exit codes, message
// preparation, deadlines and the --help / --list-flaws output.

#include <set>
#include <string>

#include "absl/status/status.h"
#include "client/client_main.h"
#include "client/exit_codes.h"
#include "client/flaws.h"
#include "client/options.h"
#include "client/smtp_client.h"
#include "client/transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smtp/data_reader.h"

namespace gauntlet::client {
namespace {

using ::testing::HasSubstr;

TEST(FlawsTest, TableIsCompleteAndNamesRoundTrip) {
  ASSERT_EQ(AllFlaws().size(), kFlawCount);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < AllFlaws().size(); ++i) {
    const FlawInfo& info = AllFlaws()[i];
    EXPECT_EQ(static_cast<std::size_t>(info.flaw), i) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate " << info.name;
    EXPECT_FALSE(info.behaviour.empty()) << info.name;
    EXPECT_FALSE(info.reference.empty()) << info.name;
    EXPECT_EQ(FlawFromName(info.name), info.flaw);
    EXPECT_EQ(FlawName(info.flaw), info.name);
  }
  EXPECT_EQ(FlawFromName("no-such-flaw"), std::nullopt);
  EXPECT_EQ(FlawFromName("Keep-Buffer"), std::nullopt);
}

TEST(FlawsTest, TheIssuesNamesAreAllThere) {
  for (const char* name :
       {"fallback-on-strip", "accept-helo", "no-verify", "no-hostname-check",
        "ignore-dates", "retry-plaintext", "keep-buffer", "stale-capabilities",
        "pipeline-starttls", "no-timeout", "auth-before-tls",
        "starttls-twice", "fallback-same-connection", "always-auth-plain"}) {
    EXPECT_TRUE(FlawFromName(name).has_value()) << name;
  }
}

// Only always-auth-plain is benign: it is there to prove no false alarm.
TEST(FlawsTest, KindSeparatesVulnerabilitiesFromBenignQuirks) {
  for (const FlawInfo& info : AllFlaws()) {
    EXPECT_EQ(info.kind == FlawKind::kBenign,
              info.flaw == Flaw::kAlwaysAuthPlain)
        << info.name;
  }
}

TEST(FlawsTest, ResponseInjectionCitesItsCves) {
  const FlawInfo& info = InfoFor(Flaw::kKeepBuffer);
  for (const char* cve : {"CVE-2021-22947", "CVE-2020-14954", "CVE-2020-15953",
                          "CVE-2021-38371"}) {
    EXPECT_THAT(std::string(info.reference), HasSubstr(cve));
  }
}

TEST(FlawSetTest, AddHasAndToString) {
  FlawSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.ToString(), "none");
  set.Add(Flaw::kStarttlsTwice).Add(Flaw::kNoVerify);
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.Has(Flaw::kNoVerify));
  EXPECT_FALSE(set.Has(Flaw::kIgnoreDates));
  EXPECT_EQ(set.ToString(), "no-verify,starttls-twice");
}

TEST(ExitCodesTest, PayloadSurvivesAnnotation) {
  const absl::Status tls = ClientError(ExitCode::kTls, "bad certificate");
  EXPECT_FALSE(tls.ok());
  EXPECT_EQ(ExitCodeOf(tls), ExitCode::kTls);
  const absl::Status annotated = Annotate(tls, "TLS handshake with localhost");
  EXPECT_EQ(ExitCodeOf(annotated), ExitCode::kTls);
  EXPECT_EQ(annotated.message(),
            "TLS handshake with localhost: bad certificate");
  EXPECT_EQ(ExitCodeOf(absl::OkStatus()), ExitCode::kDelivered);
  EXPECT_EQ(ExitCodeOf(absl::DeadlineExceededError("x")), ExitCode::kConnection);
  EXPECT_EQ(ExitCodeOf(absl::InternalError("x")),
            ExitCode::kProtocolViolation);
  for (ExitCode code :
       {ExitCode::kUsage, ExitCode::kConnection, ExitCode::kTls,
        ExitCode::kStarttlsUnavailable, ExitCode::kSmtpError,
        ExitCode::kProtocolViolation}) {
    EXPECT_EQ(ExitCodeOf(ClientError(code, "m")), code) << ExitCodeName(code);
  }
}

TEST(MessageTest, LineEndingsBecomeCrlfOnce) {
  EXPECT_EQ(NormalizeLineEndings("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(NormalizeLineEndings("\n"), "\r\n");
  EXPECT_EQ(NormalizeLineEndings("x\ry"), "x\ry");
  EXPECT_EQ(NormalizeLineEndings(""), "");
}

TEST(MessageTest, DefaultMessageIsCrlfAndExercisesDotStuffing) {
  ClientOptions options;
  options.from = "a@x.test";
  options.to = {"b@x.test", "c@x.test"};
  const std::string message = DefaultMessage(options);
  EXPECT_THAT(message, HasSubstr("From: <a@x.test>\r\n"));
  EXPECT_THAT(message, HasSubstr("To: <b@x.test>, <c@x.test>\r\n"));
  EXPECT_EQ(NormalizeLineEndings(message), message);
  EXPECT_THAT(smtp::DotStuff(message), HasSubstr("\r\n..hidden"));
}

TEST(DeadlineTest, NeverAndExpired) {
  EXPECT_TRUE(Deadline::Never().infinite());
  EXPECT_EQ(Deadline::Never().PollTimeoutMs(), -1);
  const Deadline past = Deadline::In(std::chrono::milliseconds(-5));
  EXPECT_TRUE(past.expired());
  EXPECT_EQ(past.PollTimeoutMs(), 0);
  const Deadline soon = Deadline::In(std::chrono::milliseconds(60'000));
  EXPECT_FALSE(soon.expired());
  EXPECT_GT(soon.PollTimeoutMs(), 59'000);
}

TEST(PolicyTest, NamesRoundTrip) {
  for (TlsPolicy p : {TlsPolicy::kRequireTls, TlsPolicy::kRequireTlsNoVerify,
                      TlsPolicy::kOpportunistic}) {
    EXPECT_EQ(TlsPolicyFromName(TlsPolicyName(p)), p);
  }
  EXPECT_EQ(TlsPolicyFromName("may"), std::nullopt);
}

TEST(HelpTest, ListsEveryFlawWithItsReferenceAndEveryExitCode) {
  const std::string help = FlawAndExitCodeHelp();
  for (const FlawInfo& info : AllFlaws()) {
    EXPECT_THAT(help, HasSubstr(std::string(info.name)));
    EXPECT_THAT(help, HasSubstr(std::string(info.reference)));
  }
  for (const char* code : {"  0  ", "  1  ", "  2  ", "  3  ", "  4  ", "  5  ",
                           "  6  "}) {
    EXPECT_THAT(help, HasSubstr(code));
  }
}

// In-process ClientMain: only paths that never touch the network.
int Main(std::vector<std::string> args) {
  args.insert(args.begin(), "gauntlet-client");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return ClientMain(static_cast<int>(args.size()), argv.data());
}

TEST(ClientMainTest, UsageErrorsExitWithOne) {
  EXPECT_EQ(Main({}), 1);  // No --host.
  EXPECT_EQ(Main({"--host", "localhost", "--flaw", "bogus"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--policy", "may"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--port", "70000"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--timeout", "0"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--to", "a@b\r\nRSET"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--from", "<x>"}), 1);
  EXPECT_EQ(Main({"--host", "localhost", "--message-file",
                  "/nonexistent/gauntlet/message"}),
            1);
  EXPECT_EQ(Main({"--host", "localhost", "--ca-file",
                  "/nonexistent/gauntlet/ca.pem"}),
            1);
  EXPECT_EQ(Main({"--no-such-option"}), 1);
}

TEST(ClientMainTest, HelpAndListFlawsExitWithZero) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Main({"--list-flaws"}), 0);
  const std::string listed = ::testing::internal::GetCapturedStdout();
  for (const FlawInfo& info : AllFlaws()) {
    EXPECT_THAT(listed, HasSubstr(std::string(info.name) + "\t"));
  }
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Main({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(help, HasSubstr("--flaw"));
  EXPECT_THAT(help, HasSubstr("CVE-2021-22947"));
}

}  // namespace
}  // namespace gauntlet::client
