// The client's own leaf checks (client/cert_policy.h) on the test PKI's
// real certificates.

#include <memory>

#include "client/cert_policy.h"
#include "fake_servers/pki/test_pki.h"
#include "gtest/gtest.h"

namespace gauntlet::client {
namespace {

class CertPolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = pki::TestPki::Create({});
    ASSERT_TRUE(made.ok()) << made.status();
    pki_ = std::move(*made).release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static std::string Leaf(pki::CertProfile profile,
                          pki::KeyType key = pki::KeyType::kEcdsaP256) {
    auto chain = pki_->Chain(profile, key);
    EXPECT_TRUE(chain.ok()) << chain.status();
    return chain.ok() ? chain->leaf_der : std::string();
  }
  static const pki::TestPki* pki_;
};
const pki::TestPki* CertPolicyTest::pki_ = nullptr;

TEST_F(CertPolicyTest, GoodLeavesPass) {
  for (pki::KeyType key : pki::AllKeyTypes()) {
    EXPECT_TRUE(CheckLeafCertificate(Leaf(pki::CertProfile::kValid, key), {})
                    .ok());
  }
  // Profiles whose problem lies elsewhere (dates, chain) are not this
  // module's business.
  EXPECT_TRUE(CheckLeafCertificate(Leaf(pki::CertProfile::kExpired), {}).ok());
  EXPECT_TRUE(CheckLeafCertificate(Leaf(pki::CertProfile::kWrongHost), {}).ok());
}

TEST_F(CertPolicyTest, CommonNameOnlyFailsUnlessSanIsNotRequired) {
  const std::string leaf = Leaf(pki::CertProfile::kCommonNameOnly);
  const absl::Status strict = CheckLeafCertificate(leaf, {});
  EXPECT_TRUE(absl::IsPermissionDenied(strict)) << strict;
  LeafPolicy lax;
  lax.require_san = false;
  EXPECT_TRUE(CheckLeafCertificate(leaf, lax).ok());
}

TEST_F(CertPolicyTest, SmallRsaKeyAndSha1SignatureFail) {
  const absl::Status rsa =
      CheckLeafCertificate(Leaf(pki::CertProfile::kRsa1024), {});
  EXPECT_TRUE(absl::IsPermissionDenied(rsa)) << rsa;
  EXPECT_NE(rsa.message().find("1024"), absl::string_view::npos) << rsa;
  const absl::Status sha1 =
      CheckLeafCertificate(Leaf(pki::CertProfile::kSha1Signature), {});
  EXPECT_TRUE(absl::IsPermissionDenied(sha1)) << sha1;
}

TEST_F(CertPolicyTest, GarbageIsAnErrorNotACrash) {
  EXPECT_FALSE(CheckLeafCertificate("", {}).ok());
  EXPECT_FALSE(CheckLeafCertificate("\x30\x82\xff\xff garbage", {}).ok());
  std::string leaf = Leaf(pki::CertProfile::kValid);
  for (std::size_t cut : {1u, 10u, 100u}) {
    if (cut < leaf.size()) {
      EXPECT_FALSE(CheckLeafCertificate(leaf.substr(0, cut), {}).ok()) << cut;
    }
  }
}

}  // namespace
}  // namespace gauntlet::client
