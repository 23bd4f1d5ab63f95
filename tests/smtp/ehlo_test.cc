#include "smtp/ehlo.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smtp/reply.h"

namespace gauntlet::smtp {
namespace {

using ::testing::ElementsAre;

EhloCapabilities Caps(const std::string& wire) {
  absl::StatusOr<Reply> reply = ParseReply(wire);
  EXPECT_TRUE(reply.ok()) << reply.status();
  absl::StatusOr<EhloCapabilities> caps = EhloCapabilities::FromReply(*reply);
  EXPECT_TRUE(caps.ok()) << caps.status();
  return caps.ok() ? *caps : EhloCapabilities();
}

TEST(EhloTest, TypicalReply) {
  EhloCapabilities caps = Caps(
      "250-mx.example.org Hello client [127.0.0.1]\r\n250-PIPELINING\r\n"
      "250-SIZE 10485760\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n"
      "250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n");
  EXPECT_EQ(caps.domain(), "mx.example.org");
  EXPECT_EQ(caps.greeting_text(), "Hello client [127.0.0.1]");
  EXPECT_TRUE(caps.starttls());
  EXPECT_TRUE(caps.pipelining());
  EXPECT_TRUE(caps.eight_bit_mime());
  EXPECT_TRUE(caps.smtputf8());
  EXPECT_TRUE(caps.chunking());
  EXPECT_TRUE(caps.enhanced_status_codes());
  EXPECT_EQ(caps.size_limit(), 10485760u);
  EXPECT_TRUE(caps.auth_mechanisms().empty());
  EXPECT_EQ(caps.capabilities().size(), 7u);
}

// RFC 5321 §4.1.1.1 separates keyword and parameters with SP only, but
// clients (smtplib's str.split(), curl's mechanism loop) also split on
// HTAB: what they read as offered, the core reads as offered.
TEST(EhloTest, TabSeparatesKeywordAndParametersLikeSpace) {
  EhloCapabilities caps = Caps(
      "250-mx.example.org\tHello\r\n250-AUTH\tPLAIN \tLOGIN\r\n"
      "250-SIZE\t1000\r\n250 STARTTLS\t\r\n");
  EXPECT_EQ(caps.domain(), "mx.example.org");
  EXPECT_THAT(caps.auth_mechanisms(), ElementsAre("PLAIN", "LOGIN"));
  EXPECT_TRUE(caps.SupportsAuth("PLAIN"));
  EXPECT_EQ(caps.size_limit(), 1000u);
  EXPECT_TRUE(caps.starttls());
  // A tab inside a keyword still makes it another keyword.
  EXPECT_FALSE(Caps("250-mx\r\n250 START\tTLS\r\n").starttls());
}

TEST(EhloTest, StarttlsOnlyAsAWholeKeyword) {
  EXPECT_FALSE(Caps("250-mx\r\n250 STARTTLSX\r\n").starttls());
  EXPECT_FALSE(Caps("250-mx\r\n250 XSTARTTLS\r\n").starttls());
  EXPECT_FALSE(Caps("250-mx\r\n250 START TLS\r\n").starttls());
  EXPECT_TRUE(Caps("250-mx\r\n250 starttls\r\n").starttls());
  EXPECT_TRUE(Caps("250-mx\r\n250 StartTLS   \r\n").starttls());
  EXPECT_TRUE(Caps("250-mx\r\n250-STARTTLS\r\n250 SIZE\r\n").starttls());
  // The first line is the server's domain, never a keyword.
  EXPECT_FALSE(Caps("250-STARTTLS\r\n250 SIZE\r\n").starttls());
  EXPECT_EQ(Caps("250-STARTTLS\r\n250 SIZE\r\n").domain(), "STARTTLS");
}

TEST(EhloTest, AuthMechanismsUnionBothForms) {
  EhloCapabilities caps = Caps(
      "250-mx\r\n250-AUTH PLAIN login\r\n250-AUTH=PLAIN CRAM-MD5\r\n"
      "250 OK\r\n");
  EXPECT_THAT(caps.auth_mechanisms(), ElementsAre("PLAIN", "LOGIN", "CRAM-MD5"));
  EXPECT_TRUE(caps.SupportsAuth("login"));
  EXPECT_FALSE(caps.SupportsAuth("XOAUTH2"));
  ASSERT_NE(caps.Find("auth"), nullptr);
  EXPECT_FALSE(caps.Find("auth")->legacy_auth_form);
  EXPECT_TRUE(caps.capabilities()[1].legacy_auth_form);

  EhloCapabilities legacy_only = Caps("250-mx\r\n250 AUTH=LOGIN\r\n");
  EXPECT_THAT(legacy_only.auth_mechanisms(), ElementsAre("LOGIN"));
}

TEST(EhloTest, SizeVariants) {
  EXPECT_EQ(Caps("250-mx\r\n250 SIZE\r\n").size_limit(), 0u);
  EXPECT_EQ(Caps("250-mx\r\n250 SIZE abc\r\n").size_limit(), std::nullopt);
  EXPECT_EQ(Caps("250-mx\r\n250 SIZE 99999999999999999999999\r\n").size_limit(),
            std::nullopt);
  EXPECT_EQ(Caps("250 mx\r\n").size_limit(), std::nullopt);
  EXPECT_EQ(Caps("250-mx\r\n250 size 1000\r\n").size_limit(), 1000u);
}

TEST(EhloTest, BareCodeAndEmptyLines) {
  EhloCapabilities caps = Caps("250-mx\r\n250-\r\n250-   \r\n250\r\n");
  EXPECT_EQ(caps.domain(), "mx");
  EXPECT_TRUE(caps.capabilities().empty());
}

TEST(EhloTest, RejectsNon250) {
  absl::StatusOr<Reply> reply = ParseReply("500 5.5.1 unknown command\r\n");
  ASSERT_TRUE(reply.ok());
  absl::StatusOr<EhloCapabilities> caps = EhloCapabilities::FromReply(*reply);
  EXPECT_FALSE(caps.ok());
  EXPECT_THAT(caps.status().message(), ::testing::HasSubstr("500"));
}

// Assign() reuses an earlier reply's strings and vectors; nothing of that
// reply may survive into the next one.
TEST(EhloTest, AssignLeavesNothingOfAnEarlierReply) {
  const auto reply = [](const std::string& wire) {
    absl::StatusOr<Reply> r = ParseReply(wire);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Reply();
  };
  const Reply big = reply(
      "250-big.example Hello there\r\n250-AUTH=LOGIN PLAIN XOAUTH2\r\n"
      "250-SIZE 1000 2000 3000\r\n250-AUTH CRAM-MD5 login\r\n"
      "250-PIPELINING\r\n250 STARTTLS\r\n");
  const Reply small = reply("250-mx\r\n250-auth plain\r\n250 size\r\n");

  EhloCapabilities reused;
  ASSERT_TRUE(reused.Assign(big).ok());
  EXPECT_THAT(reused.auth_mechanisms(),
              ElementsAre("LOGIN", "PLAIN", "XOAUTH2", "CRAM-MD5"));
  ASSERT_TRUE(reused.Assign(small).ok());
  const EhloCapabilities fresh =
      Caps("250-mx\r\n250-auth plain\r\n250 size\r\n");
  EXPECT_EQ(reused.domain(), "mx");
  EXPECT_EQ(reused.greeting_text(), "");
  EXPECT_EQ(reused.capabilities(), fresh.capabilities());
  EXPECT_THAT(reused.auth_mechanisms(), ElementsAre("PLAIN"));
  EXPECT_FALSE(reused.capabilities()[0].legacy_auth_form);
  EXPECT_THAT(reused.capabilities()[1].params, ElementsAre());
  EXPECT_EQ(reused.size_limit(), 0u);
  EXPECT_FALSE(reused.starttls());

  EXPECT_FALSE(reused.Assign(reply("502 no\r\n")).ok());
  EXPECT_EQ(reused.domain(), "");
  EXPECT_TRUE(reused.capabilities().empty());
  EXPECT_TRUE(reused.auth_mechanisms().empty());
}

}  // namespace
}  // namespace gauntlet::smtp
