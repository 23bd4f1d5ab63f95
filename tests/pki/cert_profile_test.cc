#include "fake_servers/pki/cert_profile.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace gauntlet::pki {
namespace {

TEST(CertProfileNameTest, EveryProfileRoundTrips) {
  std::set<std::string> names;
  for (const CertProfile profile : AllCertProfiles()) {
    const std::string_view name = CertProfileName(profile);
    EXPECT_NE(name, "unknown");
    EXPECT_EQ(CertProfileFromName(name), profile) << name;
    EXPECT_TRUE(names.insert(std::string(name)).second) << "duplicate " << name;
  }
}

TEST(CertProfileNameTest, AllCertProfilesCoversTheWholeEnum) {
  // The enum is dense from kValid to kExpiredIntermediate.
  const int last = static_cast<int>(CertProfile::kExpiredIntermediate);
  ASSERT_EQ(AllCertProfiles().size(), static_cast<std::size_t>(last + 1));
  std::set<int> seen;
  for (const CertProfile p : AllCertProfiles()) seen.insert(static_cast<int>(p));
  for (int i = 0; i <= last; ++i) EXPECT_TRUE(seen.count(i)) << i;
}

TEST(CertProfileNameTest, KnownSpellings) {
  EXPECT_EQ(CertProfileName(CertProfile::kValid), "valid");
  EXPECT_EQ(CertProfileName(CertProfile::kWrongHost), "wrong-host");
  EXPECT_EQ(CertProfileName(CertProfile::kExpiredIntermediate),
            "expired-intermediate");
  EXPECT_EQ(CertProfileFromName("self-signed"), CertProfile::kSelfSigned);
}

TEST(CertProfileNameTest, RejectsUnknownAndNearMissNames) {
  for (const char* bad : {"", "Valid", "valid ", "wrong_host", "unknown",
                          "expired-seconds\n", "rsa1024"}) {
    EXPECT_EQ(CertProfileFromName(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(CertProfileName(static_cast<CertProfile>(999)), "unknown");
}

TEST(KeyTypeNameTest, RoundTripsAndRejects) {
  ASSERT_EQ(AllKeyTypes().size(), 2u);
  for (const KeyType key : AllKeyTypes()) {
    EXPECT_EQ(KeyTypeFromName(KeyTypeName(key)), key);
  }
  EXPECT_EQ(KeyTypeName(KeyType::kEcdsaP256), "ecdsa-p256");
  EXPECT_EQ(KeyTypeName(KeyType::kRsa2048), "rsa-2048");
  EXPECT_EQ(KeyTypeFromName("rsa"), std::nullopt);
  EXPECT_EQ(KeyTypeFromName("ECDSA-P256"), std::nullopt);
}

}  // namespace
}  // namespace gauntlet::pki
