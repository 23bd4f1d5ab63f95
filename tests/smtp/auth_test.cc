#include "smtp/auth.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smtp/command.h"

namespace gauntlet::smtp {
namespace {

using ::testing::HasSubstr;
using Step = AuthExchange::Step;

Command Auth(absl::string_view line) {
  absl::StatusOr<Command> cmd = ParseCommand(line);
  EXPECT_TRUE(cmd.ok()) << cmd.status();
  return cmd.ok() ? *cmd : Command();
}

TEST(AuthDecodeTest, Plain) {
  const std::string wire = EncodeAuthPlain("", "alice", "s3cret");
  absl::StatusOr<PlainCredentials> creds = DecodeAuthPlain(wire);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(*creds, (PlainCredentials{"", "alice", "s3cret"}));
  creds = DecodeAuthPlain(EncodeAuthPlain("admin", "bob", ""));
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->authzid, "admin");
  EXPECT_EQ(creds->password, "");
}

TEST(AuthDecodeTest, PlainWrongFieldCount) {
  EXPECT_THAT(DecodeAuthPlain(absl::Base64Escape("alice")).status().message(),
              HasSubstr("got 1"));
  EXPECT_THAT(DecodeAuthPlain(absl::Base64Escape(std::string("a\0b\0c\0d", 7)))
                  .status()
                  .message(),
              HasSubstr("got 4"));
  EXPECT_FALSE(DecodeAuthPlain("").ok());
}

TEST(AuthDecodeTest, InvalidBase64) {
  EXPECT_THAT(DecodeAuthPlain("AGFs!WNl").status().message(),
              HasSubstr("byte offset 4"));
  EXPECT_FALSE(DecodeAuthLogin("dXNl cg==").ok());
  EXPECT_FALSE(DecodeAuthLogin("dXNlc").ok());     // 5 chars: truncated.
  EXPECT_FALSE(DecodeAuthLogin("dXN=lcg=").ok());  // '=' inside.
  EXPECT_FALSE(DecodeAuthLogin("dXNlcg===").ok());
  EXPECT_FALSE(DecodeAuthLogin("dXNlcg=").ok());   // Padding to 7.
  EXPECT_EQ(DecodeAuthLogin("dXNlcg==").value(), "user");
  EXPECT_EQ(DecodeAuthLogin("dXNlcg").value(), "user");
  EXPECT_EQ(DecodeAuthLogin("").value(), "");
}

TEST(AuthExchangeTest, PlainWithInitialResponse) {
  AuthExchange auth;
  AuthExchange::Action action = auth.Start(
      Auth("AUTH PLAIN " + EncodeAuthPlain("", "alice", "pw")));
  EXPECT_EQ(action.step, Step::kComplete);
  EXPECT_FALSE(auth.awaiting_response());
  EXPECT_EQ(auth.captured().mechanism, "PLAIN");
  EXPECT_EQ(auth.captured().username, "alice");
  EXPECT_EQ(auth.captured().password, "pw");
  EXPECT_TRUE(auth.captured().has_password);
}

TEST(AuthExchangeTest, PlainWithoutInitialResponse) {
  AuthExchange auth;
  AuthExchange::Action action = auth.Start(Auth("auth plain"));
  EXPECT_EQ(action.step, Step::kChallenge);
  EXPECT_EQ(action.challenge, "");
  EXPECT_TRUE(auth.awaiting_response());
  action = auth.OnClientLine(EncodeAuthPlain("z", "bob", "hunter2"));
  EXPECT_EQ(action.step, Step::kComplete);
  EXPECT_EQ(auth.captured().authzid, "z");
  EXPECT_EQ(auth.captured().password, "hunter2");
}

TEST(AuthExchangeTest, PlainEmptyInitialResponseFails) {
  AuthExchange auth;
  AuthExchange::Action action = auth.Start(Auth("AUTH PLAIN ="));
  EXPECT_EQ(action.step, Step::kFailed);
  EXPECT_THAT(action.error.message(), HasSubstr("3 NUL-separated"));
}

TEST(AuthExchangeTest, LoginUserThenPassword) {
  AuthExchange auth;
  AuthExchange::Action action = auth.Start(Auth("AUTH LOGIN"));
  ASSERT_EQ(action.step, Step::kChallenge);
  std::string prompt;
  ASSERT_TRUE(absl::Base64Unescape(action.challenge, &prompt));
  EXPECT_EQ(prompt, "Username:");
  action = auth.OnClientLine(absl::Base64Escape("carol"));
  ASSERT_EQ(action.step, Step::kChallenge);
  ASSERT_TRUE(absl::Base64Unescape(action.challenge, &prompt));
  EXPECT_EQ(prompt, "Password:");
  EXPECT_TRUE(auth.captured().has_username);
  EXPECT_FALSE(auth.captured().has_password);
  action = auth.OnClientLine(absl::Base64Escape("letmein"));
  EXPECT_EQ(action.step, Step::kComplete);
  EXPECT_EQ(auth.captured().username, "carol");
  EXPECT_EQ(auth.captured().password, "letmein");
  // The exchange is over: another line is out of place.
  EXPECT_EQ(auth.OnClientLine("x").step, Step::kFailed);
}

TEST(AuthExchangeTest, LoginWithInitialResponse) {
  AuthExchange auth;
  AuthExchange::Action action =
      auth.Start(Auth("AUTH LOGIN " + absl::Base64Escape("dave")));
  ASSERT_EQ(action.step, Step::kChallenge);
  EXPECT_EQ(auth.captured().username, "dave");
  EXPECT_EQ(auth.OnClientLine(absl::Base64Escape("pw")).step, Step::kComplete);
}

TEST(AuthExchangeTest, CancelKeepsWhatWasRevealed) {
  AuthExchange auth;
  auth.Start(Auth("AUTH LOGIN"));
  auth.OnClientLine(absl::Base64Escape("erin"));
  EXPECT_EQ(auth.OnClientLine("*").step, Step::kCancelled);
  EXPECT_FALSE(auth.awaiting_response());
  EXPECT_EQ(auth.captured().username, "erin");
  EXPECT_FALSE(auth.captured().has_password);
}

TEST(AuthExchangeTest, BadBase64AndUnsupported) {
  AuthExchange auth;
  auth.Start(Auth("AUTH LOGIN"));
  AuthExchange::Action action = auth.OnClientLine("not base64!");
  EXPECT_EQ(action.step, Step::kFailed);
  EXPECT_THAT(action.error.message(), HasSubstr("byte offset 3"));
  EXPECT_FALSE(auth.awaiting_response());
  EXPECT_EQ(auth.Start(Auth("AUTH CRAM-MD5")).step, Step::kUnsupported);
  EXPECT_EQ(auth.Start(Auth("NOOP")).step, Step::kFailed);
}

}  // namespace
}  // namespace gauntlet::smtp
