#include "smtp/command.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::smtp {
namespace {

using ::testing::HasSubstr;

Command Parse(absl::string_view line) {
  absl::StatusOr<Command> cmd = ParseCommand(line);
  EXPECT_TRUE(cmd.ok()) << line << ": " << cmd.status();
  return cmd.ok() ? *cmd : Command();
}

std::string ErrorOf(absl::string_view line) {
  absl::StatusOr<Command> cmd = ParseCommand(line);
  EXPECT_FALSE(cmd.ok()) << line;
  return cmd.ok() ? "" : std::string(cmd.status().message());
}

TEST(CommandTest, VerbsAreCaseInsensitive) {
  EXPECT_EQ(Parse("starttls").verb, Verb::kStarttls);
  EXPECT_EQ(Parse("StartTLS").verb_text, "StartTLS");
  EXPECT_EQ(Parse("ehlo client.example").argument, "client.example");
  EXPECT_EQ(Parse("HELO [127.0.0.1]").verb, Verb::kHelo);
  EXPECT_EQ(Parse("DATA").verb, Verb::kData);
  EXPECT_EQ(Parse("rset").verb, Verb::kRset);
  EXPECT_EQ(Parse("NOOP").verb, Verb::kNoop);
  EXPECT_EQ(Parse("NOOP hi there").argument, "hi there");
  EXPECT_EQ(Parse("QUIT  ").verb, Verb::kQuit);
  EXPECT_EQ(Parse("VRFY postmaster").argument, "postmaster");
  EXPECT_EQ(Parse("HELP").verb, Verb::kHelp);
}

TEST(CommandTest, UnknownVerbIsAValue) {
  Command cmd = Parse("XCLIENT NAME=spoof");
  EXPECT_EQ(cmd.verb, Verb::kUnknown);
  EXPECT_EQ(cmd.verb_text, "XCLIENT");
  EXPECT_EQ(cmd.argument, "NAME=spoof");
  EXPECT_EQ(Parse("STARTTLSX").verb, Verb::kUnknown);
  EXPECT_EQ(Parse(std::string("\x16\x03\x01\x00", 4)).verb, Verb::kUnknown);
}

TEST(CommandTest, NoArgumentVerbsRejectArguments) {
  EXPECT_THAT(ErrorOf("STARTTLS now"), HasSubstr("column 10"));
  EXPECT_THAT(ErrorOf("DATA x"), HasSubstr("takes no argument"));
  EXPECT_THAT(ErrorOf("QUIT bye"), HasSubstr("column 6"));
  EXPECT_THAT(ErrorOf("RSET 1"), HasSubstr("RSET"));
  EXPECT_THAT(ErrorOf("EHLO"), HasSubstr("needs an argument"));
  EXPECT_THAT(ErrorOf("EHLO   "), HasSubstr("column"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf(" NOOP"), HasSubstr("column 1"));
}

TEST(CommandTest, MailWithParameters) {
  Command cmd = Parse(
      "MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME SMTPUTF8 "
      "AUTH=<>");
  EXPECT_EQ(cmd.verb, Verb::kMail);
  EXPECT_EQ(cmd.mailbox, "alice@example.org");
  EXPECT_FALSE(cmd.null_path);
  ASSERT_EQ(cmd.params.size(), 4u);
  EXPECT_EQ(cmd.FindParam("size")->value, "1000");
  EXPECT_EQ(cmd.FindParam("BODY")->value, "8BITMIME");
  EXPECT_EQ(cmd.FindParam("SMTPUTF8")->value, std::nullopt);
  EXPECT_EQ(cmd.FindParam("AUTH")->value, "<>");
  EXPECT_EQ(cmd.FindParam("RET"), nullptr);
  EXPECT_EQ(Parse("mail from: <a@b>").mailbox, "a@b");
  EXPECT_EQ(Parse("MAIL FROM:<a@b> size=5").params[0].keyword, "SIZE");
}

TEST(CommandTest, NullPathOnlyForMail) {
  Command cmd = Parse("MAIL FROM:<>");
  EXPECT_TRUE(cmd.null_path);
  EXPECT_EQ(cmd.mailbox, "");
  EXPECT_THAT(ErrorOf("RCPT TO:<>"), HasSubstr("column 10"));
  EXPECT_EQ(Parse("RCPT TO:<Postmaster>").mailbox, "Postmaster");
  EXPECT_THAT(ErrorOf("MAIL FROM:<postmaster>"), HasSubstr("column 22"));
}

TEST(CommandTest, PathSyntax) {
  Command routed = Parse("RCPT TO:<@relay1.example,@relay2.example:bob@c.example>");
  EXPECT_EQ(routed.source_route, "@relay1.example,@relay2.example");
  EXPECT_EQ(routed.mailbox, "bob@c.example");
  EXPECT_EQ(Parse("RCPT TO:<\"john doe\\\"x\"@example.org>").mailbox,
            "\"john doe\\\"x\"@example.org");
  EXPECT_EQ(Parse("RCPT TO:<a.b+tag@[192.0.2.1]>").mailbox,
            "a.b+tag@[192.0.2.1]");
  EXPECT_EQ(Parse("RCPT TO:<\xc3\xa9@ex\xc3\xa4mple.org> NOTIFY=NEVER").mailbox,
            "\xc3\xa9@ex\xc3\xa4mple.org");
  EXPECT_THAT(ErrorOf("MAIL FROM:a@b"), HasSubstr("column 11"));
  EXPECT_THAT(ErrorOf("RCPT TO:<a@b"), HasSubstr("column 13"));
  EXPECT_THAT(ErrorOf("RCPT TO:<a..b@c>"), HasSubstr("column 12"));
  EXPECT_THAT(ErrorOf("RCPT TO:<a@>"), HasSubstr("column 12"));
  EXPECT_THAT(ErrorOf("RCPT TO:<\"open@x>"), HasSubstr("unterminated"));
  EXPECT_THAT(ErrorOf("RCPT TO:<a@b>x"), HasSubstr("column 14"));
  EXPECT_THAT(ErrorOf("RCPT TO <a@b>"), HasSubstr("column 6"));
  EXPECT_THAT(ErrorOf("MAIL FROM:<a@b> SIZE=big"), HasSubstr("column 17"));
  EXPECT_THAT(ErrorOf("MAIL FROM:<a@b> BODY="), HasSubstr("column 22"));
  EXPECT_THAT(ErrorOf("MAIL FROM:<a@b> SMTPUTF8=1"), HasSubstr("SMTPUTF8"));
}

TEST(CommandTest, Auth) {
  Command plain = Parse("AUTH plain");
  EXPECT_EQ(plain.auth_mechanism, "PLAIN");
  EXPECT_EQ(plain.auth_initial_response, std::nullopt);
  EXPECT_EQ(Parse("AUTH PLAIN =").auth_initial_response, "");
  EXPECT_EQ(Parse("AUTH PLAIN AGFsaWNlAHNlY3JldA==").auth_initial_response,
            "AGFsaWNlAHNlY3JldA==");
  EXPECT_THAT(ErrorOf("AUTH"), HasSubstr("column 5"));
  EXPECT_THAT(ErrorOf("AUTH PLAIN a b"), HasSubstr("column 14"));
  EXPECT_THAT(ErrorOf("AUTH PL@IN"), HasSubstr("column 8"));
}

TEST(CommandTest, Bdat) {
  Command cmd = Parse("BDAT 1024");
  EXPECT_EQ(cmd.bdat_size, 1024u);
  EXPECT_FALSE(cmd.bdat_last);
  cmd = Parse("bdat 0 last");
  EXPECT_EQ(cmd.bdat_size, 0u);
  EXPECT_TRUE(cmd.bdat_last);
  EXPECT_EQ(Parse("BDAT 18446744073709551615").bdat_size, UINT64_MAX);
  EXPECT_THAT(ErrorOf("BDAT 18446744073709551616"), HasSubstr("64 bits"));
  EXPECT_THAT(ErrorOf("BDAT"), HasSubstr("column 5"));
  EXPECT_THAT(ErrorOf("BDAT x"), HasSubstr("column 6"));
  EXPECT_THAT(ErrorOf("BDAT 10LAST"), HasSubstr("column 8"));
  EXPECT_THAT(ErrorOf("BDAT 10 FIRST"), HasSubstr("column 9"));
  EXPECT_THAT(ErrorOf("BDAT 10 LAST x"), HasSubstr("column 14"));
}

TEST(CommandTest, SerializeRoundTrips) {
  for (const char* line :
       {"EHLO client.example", "helo x", "STARTTLS", "AUTH PLAIN =",
        "AUTH LOGIN dXNlcg==", "MAIL FROM:<> BODY=7BIT",
        "MAIL FROM:<@a,@b:\"q x\"@[1.2.3.4]> SIZE=7 SMTPUTF8",
        "RCPT TO:<postmaster>", "DATA", "BDAT 5 LAST", "RSET", "NOOP",
        "QUIT", "VRFY bob", "HELP MAIL", "XFOO bar  baz"}) {
    absl::StatusOr<Command> cmd = ParseCommand(line);
    ASSERT_TRUE(cmd.ok()) << line << ": " << cmd.status();
    const std::string wire = SerializeCommand(*cmd);
    EXPECT_EQ(wire, std::string(line) + "\r\n");
    absl::StatusOr<Command> again =
        ParseCommand(absl::string_view(wire).substr(0, wire.size() - 2));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *cmd);
  }
  Command built;
  built.verb = Verb::kRcpt;
  built.mailbox = "bob@example.org";
  EXPECT_EQ(SerializeCommand(built), "RCPT TO:<bob@example.org>\r\n");
}

}  // namespace
}  // namespace gauntlet::smtp
