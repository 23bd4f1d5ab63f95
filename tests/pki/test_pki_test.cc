#include "fake_servers/pki/test_pki.h"

#include <sys/stat.h>

// wolfSSL's configuration must precede every other wolfSSL header.
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace gauntlet::pki {
namespace {

std::unique_ptr<TestPki> MakePki(TestPki::Options options = {}) {
  auto pki = TestPki::Create(std::move(options));
  EXPECT_TRUE(pki.ok()) << pki.status();
  return pki.ok() ? *std::move(pki) : nullptr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::size_t CountCerts(const std::string& pem) {
  std::size_t n = 0;
  for (std::size_t pos = 0;
       (pos = pem.find("-----BEGIN CERTIFICATE-----", pos)) != std::string::npos;
       ++pos) {
    ++n;
  }
  return n;
}

TEST(TestPkiTest, ServedChainShapeMatchesProfile) {
  auto pki = MakePki();
  ASSERT_NE(pki, nullptr);
  for (const CertProfile profile : AllCertProfiles()) {
    for (const KeyType key : AllKeyTypes()) {
      SCOPED_TRACE(std::string(CertProfileName(profile)) + "/" +
                   std::string(KeyTypeName(key)));
      auto chain = pki->Chain(profile, key);
      ASSERT_TRUE(chain.ok()) << chain.status();
      EXPECT_EQ(chain->profile, profile);
      EXPECT_EQ(chain->key_type, key);
      const bool no_intermediate = profile == CertProfile::kSelfSigned ||
                                   profile == CertProfile::kMissingIntermediate;
      EXPECT_EQ(chain->intermediates_pem.size(), no_intermediate ? 0u : 1u);
      std::string joined = chain->leaf_pem;
      for (const auto& pem : chain->intermediates_pem) joined += pem;
      EXPECT_EQ(chain->chain_pem, joined);
      EXPECT_EQ(CountCerts(chain->chain_pem), no_intermediate ? 1u : 2u);
      EXPECT_FALSE(chain->leaf_der.empty());
      EXPECT_FALSE(chain->key_der.empty());
      const bool rsa_key = key == KeyType::kRsa2048 ||
                           profile == CertProfile::kRsa1024;
      EXPECT_TRUE(absl::StartsWith(chain->key_pem,
                                   rsa_key ? "-----BEGIN RSA PRIVATE KEY-----"
                                           : "-----BEGIN EC PRIVATE KEY-----"));
      if (profile == CertProfile::kValid ||
          profile == CertProfile::kMissingIntermediate) {
        EXPECT_EQ(chain->intermediates_pem.empty() ? pki->IntermediatePem()
                                                   : chain->intermediates_pem[0],
                  pki->IntermediatePem());
      }
      EXPECT_FALSE(absl::StrContains(chain->chain_pem, pki->RootPem()));
    }
  }
}

TEST(TestPkiTest, RejectsOutOfRangeEnums) {
  auto pki = MakePki();
  ASSERT_NE(pki, nullptr);
  EXPECT_FALSE(pki->Chain(static_cast<CertProfile>(99), KeyType::kEcdsaP256).ok());
  EXPECT_FALSE(pki->Chain(CertProfile::kValid, static_cast<KeyType>(7)).ok());
}

// The consumer the chains are for: a wolfSSL server context must accept the
// chain and key and agree that they belong together.
TEST(TestPkiTest, EveryChainLoadsIntoAWolfSslServerContext) {
  ASSERT_EQ(wolfSSL_Init(), WOLFSSL_SUCCESS);
  auto pki = MakePki();
  ASSERT_NE(pki, nullptr);
  for (const CertProfile profile : AllCertProfiles()) {
    for (const KeyType key : AllKeyTypes()) {
      SCOPED_TRACE(std::string(CertProfileName(profile)) + "/" +
                   std::string(KeyTypeName(key)));
      auto chain = pki->Chain(profile, key);
      ASSERT_TRUE(chain.ok());
      std::unique_ptr<WOLFSSL_CTX, decltype(&wolfSSL_CTX_free)> ctx(
          wolfSSL_CTX_new(wolfTLS_server_method()), &wolfSSL_CTX_free);
      ASSERT_NE(ctx, nullptr);
      EXPECT_EQ(wolfSSL_CTX_use_certificate_chain_buffer(
                    ctx.get(),
                    reinterpret_cast<const unsigned char*>(chain->chain_pem.data()),
                    static_cast<long>(chain->chain_pem.size())),
                WOLFSSL_SUCCESS);
      EXPECT_EQ(wolfSSL_CTX_use_PrivateKey_buffer(
                    ctx.get(),
                    reinterpret_cast<const unsigned char*>(chain->key_der.data()),
                    static_cast<long>(chain->key_der.size()),
                    WOLFSSL_FILETYPE_ASN1),
                WOLFSSL_SUCCESS);
      EXPECT_EQ(wolfSSL_CTX_check_private_key(ctx.get()), WOLFSSL_SUCCESS);
    }
  }
  wolfSSL_Cleanup();
}

TEST(TestPkiTest, ClientFilesArePrivateAndRemovedOnDestruction) {
  auto pki = MakePki();
  ASSERT_NE(pki, nullptr);
  std::string dir;
  {
    auto files = pki->WriteClientFiles();
    ASSERT_TRUE(files.ok()) << files.status();
    dir = (*files)->dir();
    EXPECT_EQ(ModeOf(dir), 0700u);
    EXPECT_EQ(ReadFile((*files)->CaFile()), pki->RootPem());
    for (const CertProfile profile : AllCertProfiles()) {
      for (const KeyType key : AllKeyTypes()) {
        auto chain = pki->Chain(profile, key);
        ASSERT_TRUE(chain.ok());
        const std::string key_file = (*files)->KeyFile(profile, key);
        EXPECT_EQ(ModeOf(key_file), 0600u) << key_file;
        EXPECT_EQ(ReadFile(key_file), chain->key_pem);
        EXPECT_EQ(ReadFile((*files)->ChainFile(profile, key)), chain->chain_pem);
        EXPECT_EQ(ReadFile((*files)->LeafFile(profile, key)), chain->leaf_pem);
        EXPECT_EQ(CountCerts(ReadFile((*files)->IntermediatesFile(profile, key))),
                  chain->intermediates_pem.size());
        EXPECT_EQ(ModeOf(std::filesystem::path(key_file).parent_path()), 0700u);
      }
    }
    // Nothing in the directory is readable by anyone but the owner.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      EXPECT_EQ(ModeOf(entry.path()) & 077 & ~044, 0u) << entry.path();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(TestPkiTest, ClientFilesHonourParentAndFailCleanly) {
  auto pki = MakePki();
  ASSERT_NE(pki, nullptr);
  auto parent = pki->WriteClientFiles();  // Any private dir will do as parent.
  ASSERT_TRUE(parent.ok());
  {
    auto nested = pki->WriteClientFiles((*parent)->dir());
    ASSERT_TRUE(nested.ok()) << nested.status();
    EXPECT_EQ(std::filesystem::path((*nested)->dir()).parent_path(),
              std::filesystem::path((*parent)->dir()));
  }
  auto missing = pki->WriteClientFiles((*parent)->dir() + "/does/not/exist");
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "does/not/exist"))
      << missing.status();
}

TEST(TestPkiTest, TwoPkisAreIndependent) {
  auto a = MakePki();
  auto b = MakePki();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->RootPem(), b->RootPem());
  EXPECT_NE(a->IntermediatePem(), b->IntermediatePem());
  EXPECT_NE(a->UnknownRootPem(), b->UnknownRootPem());
  EXPECT_NE(a->RootPem(), a->UnknownRootPem());
  auto leaf_a = a->Chain(CertProfile::kValid, KeyType::kEcdsaP256);
  auto leaf_b = b->Chain(CertProfile::kValid, KeyType::kEcdsaP256);
  ASSERT_TRUE(leaf_a.ok() && leaf_b.ok());
  EXPECT_NE(leaf_a->leaf_der, leaf_b->leaf_der);
  EXPECT_NE(leaf_a->key_der, leaf_b->key_der);
  auto files_a = a->WriteClientFiles();
  auto files_b = b->WriteClientFiles();
  ASSERT_TRUE(files_a.ok() && files_b.ok());
  EXPECT_NE((*files_a)->dir(), (*files_b)->dir());
  const std::string dir_a = (*files_a)->dir();
  files_a->reset();
  EXPECT_FALSE(std::filesystem::exists(dir_a));
  EXPECT_TRUE(std::filesystem::exists((*files_b)->CaFile()));
}

TEST(TestPkiTest, ConcurrentCreateAndChainLookups) {
  std::vector<std::unique_ptr<TestPki>> pkis(3);
  std::vector<std::thread> threads;
  for (auto& slot : pkis) {
    threads.emplace_back([&slot] {
      auto pki = TestPki::Create({});
      if (pki.ok()) slot = *std::move(pki);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& pki : pkis) ASSERT_NE(pki, nullptr);

  threads.clear();
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (const CertProfile profile : AllCertProfiles()) {
        for (const KeyType key : AllKeyTypes()) {
          if (!pkis[0]->Chain(profile, key).ok()) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(TestPkiTest, RejectsUnusableExtraNames) {
  for (const char* bad :
       {"", "foo.gauntlet.test", "WRONG.gauntlet.test", "127.0.0.1", "a..b",
        "-a.example", "a-.example", "a b", "x_y.example", "a.example.",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    auto pki = TestPki::Create({.extra_dns_names = {"ok.example", bad}});
    EXPECT_FALSE(pki.ok()) << "accepted \"" << bad << "\"";
    if (!pki.ok()) {
      EXPECT_TRUE(absl::StrContains(pki.status().message(), "extra_dns_names[1]"))
          << pki.status();
    }
  }
  // Deeper names under gauntlet.test are fine: *.gauntlet.test does not
  // match them.
  EXPECT_TRUE(TestPki::Create({.extra_dns_names = {"mx.a.gauntlet.test"}}).ok());
}

}  // namespace
}  // namespace gauntlet::pki
