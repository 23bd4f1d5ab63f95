#include "fake_servers/pki/asn1_der.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace gauntlet::pki {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(EncodeTimeTest, UtcTimeBefore2050) {
  auto der = EncodeTime(Utc(2026, 1, 2, 3, 4, 5) + absl::Milliseconds(900));
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, std::string("\x17\x0d") + "260102030405Z");
}

TEST(EncodeTimeTest, GeneralizedTimeFrom2050AndBefore1950) {
  auto late = EncodeTime(Utc(2050, 12, 31, 23, 59, 59));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, std::string("\x18\x0f") + "20501231235959Z");
  auto early = EncodeTime(Utc(1949, 6, 1, 0, 0, 0));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, std::string("\x18\x0f") + "19490601000000Z");
  auto last_utc = EncodeTime(Utc(2049, 12, 31, 23, 59, 59));
  ASSERT_TRUE(last_utc.ok());
  EXPECT_EQ((*last_utc)[0], '\x17');
}

TEST(EncodeTimeTest, RejectsYearsBeyondFourDigits) {
  EXPECT_FALSE(EncodeTime(Utc(10000, 1, 1, 0, 0, 0)).ok());
  EXPECT_FALSE(EncodeTime(absl::InfiniteFuture()).ok());
}

TEST(EncodeGeneralNamesTest, DnsAndIpEntries) {
  auto der = EncodeGeneralNames({{AltName::Kind::kDns, "ab"},
                                 {AltName::Kind::kIp, "127.0.0.1"},
                                 {AltName::Kind::kIp, "::1"}});
  ASSERT_TRUE(der.ok()) << der.status();
  const std::string expected =
      std::string("\x30\x1c", 2) + std::string("\x82\x02" "ab", 4) +
      std::string("\x87\x04\x7f\x00\x00\x01", 6) + std::string("\x87\x10", 2) +
      std::string(15, '\0') + "\x01";
  EXPECT_EQ(*der, expected);
}

TEST(EncodeGeneralNamesTest, LongFormLength) {
  auto der = EncodeGeneralNames({{AltName::Kind::kDns, std::string(200, 'a')}});
  ASSERT_TRUE(der.ok());
  // SEQUENCE of 203 bytes: 0x30 0x81 0xcb, then 0x82 0x81 0xc8.
  EXPECT_EQ(der->substr(0, 6), std::string("\x30\x81\xcb\x82\x81\xc8", 6));
  EXPECT_EQ(der->size(), 206u);
}

TEST(EncodeGeneralNamesTest, RejectsBadEntries) {
  EXPECT_FALSE(EncodeGeneralNames({}).ok());
  EXPECT_FALSE(EncodeGeneralNames({{AltName::Kind::kDns, ""}}).ok());
  EXPECT_FALSE(
      EncodeGeneralNames({{AltName::Kind::kDns, std::string("a\0b", 3)}}).ok());
  EXPECT_FALSE(EncodeGeneralNames({{AltName::Kind::kDns, "a b"}}).ok());
  EXPECT_FALSE(EncodeGeneralNames({{AltName::Kind::kIp, "localhost"}}).ok());
  EXPECT_FALSE(EncodeGeneralNames({{AltName::Kind::kIp, "1.2.3.256"}}).ok());
}

// A minimal TBS-shaped SEQUENCE: INTEGER, then [3] { SEQUENCE { ext... } }.
std::string Tbs(const std::string& exts) {
  const std::string seq = std::string(1, '\x30') +
                          std::string(1, static_cast<char>(exts.size())) + exts;
  const std::string a3 = std::string(1, '\xa3') +
                         std::string(1, static_cast<char>(seq.size())) + seq;
  const std::string body = std::string("\x02\x01\x05", 3) + a3;
  return std::string(1, '\x30') + std::string(1, static_cast<char>(body.size())) +
         body;
}

const std::string kBcOid("\x55\x1d\x13", 3);
// basicConstraints CA:TRUE, not critical; and a keyUsage extension.
const std::string kBcExt("\x30\x0c\x06\x03\x55\x1d\x13\x04\x05\x30\x03\x01\x01\xff",
                         14);
const std::string kKuExt("\x30\x0b\x06\x03\x55\x1d\x0f\x04\x04\x03\x02\x01\x06",
                         13);
const std::string kBcCritical(
    "\x30\x0f\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x05\x30\x03\x01\x01\xff", 17);

TEST(MarkExtensionCriticalTest, InsertsCriticalFlagAndFixesLengths) {
  auto out = MarkExtensionCritical(Tbs(kKuExt + kBcExt), kBcOid);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Tbs(kKuExt + kBcCritical));
}

TEST(MarkExtensionCriticalTest, AlreadyCriticalStaysTheSame) {
  auto out = MarkExtensionCritical(Tbs(kBcCritical), kBcOid);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Tbs(kBcCritical));
}

TEST(MarkExtensionCriticalTest, MissingExtensionOrGarbageFails) {
  EXPECT_FALSE(MarkExtensionCritical(Tbs(kKuExt), kBcOid).ok());
  EXPECT_FALSE(MarkExtensionCritical("", kBcOid).ok());
  EXPECT_FALSE(MarkExtensionCritical(std::string("\x30\x85\xff\xff\xff\xff\xff", 7),
                                     kBcOid)
                   .ok());
  // Every truncation of a good input fails cleanly (no overread: ASan).
  const std::string good = Tbs(kKuExt + kBcExt);
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(MarkExtensionCritical(good.substr(0, n), kBcOid).ok()) << n;
  }
}

}  // namespace
}  // namespace gauntlet::pki
