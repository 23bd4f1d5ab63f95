// Every certificate profile checked by a real verifier: `openssl verify`
// with the trust bundle a client gets (ca.pem) and the intermediates the
// server would send, asserting the exact failure each profile promises in
// cert_profile.h.

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fake_servers/pki/test_pki.h"
#include "gtest/gtest.h"
#include "tests/pki/subprocess.h"

namespace gauntlet::pki {
namespace {

using ::gauntlet::pki::testing::CommandResult;
using ::gauntlet::pki::testing::RunCommand;

class OpensslVerifyTest
    : public ::testing::TestWithParam<std::tuple<CertProfile, KeyType>> {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Create({});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
    auto files = pki_->WriteClientFiles();
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = files->release();
    // The withheld intermediate and the unknown root, for the checks that
    // prove those chains are otherwise sound.
    auto extra = pki_->WriteClientFiles(files_->dir());
    ASSERT_TRUE(extra.ok());
    extra_ = extra->release();
    unknown_root_file_ = files_->dir() + "/unknown-root.pem";
    std::ofstream(unknown_root_file_) << pki_->UnknownRootPem();
  }
  static void TearDownTestSuite() {
    delete extra_;
    delete files_;
    delete pki_;
    extra_ = files_ = nullptr;
    pki_ = nullptr;
  }

  CertProfile profile() const { return std::get<0>(GetParam()); }
  KeyType key() const { return std::get<1>(GetParam()); }

  // openssl verify of this profile's leaf with the served intermediates as
  // untrusted and ca.pem as the only anchor; `extra` goes before the leaf.
  CommandResult Verify(const std::vector<std::string>& extra,
                       bool with_intermediates = true,
                       const std::string& ca_file = "") {
    std::vector<std::string> argv = {
        "openssl", "verify", "-CAfile",
        ca_file.empty() ? files_->CaFile() : ca_file};
    auto chain = pki_->Chain(profile(), key());
    EXPECT_TRUE(chain.ok());
    if (with_intermediates && chain.ok() && !chain->intermediates_pem.empty()) {
      argv.push_back("-untrusted");
      argv.push_back(files_->IntermediatesFile(profile(), key()));
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(files_->LeafFile(profile(), key()));
    auto result = RunCommand(argv);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return {};
    EXPECT_FALSE(result->timed_out);
    return *result;
  }

  // The strict, modern client: RFC 5280 checks, TLS server purpose, at
  // least 112-bit security, host name localhost.
  CommandResult VerifyStrict(std::vector<std::string> extra = {},
                             bool with_intermediates = true) {
    std::vector<std::string> argv = {"-x509_strict", "-purpose", "sslserver",
                                     "-auth_level", "2"};
    if (extra.empty()) extra = {"-verify_hostname", "localhost"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Verify(argv, with_intermediates);
  }

  std::string Text() {
    auto r = RunCommand({"openssl", "x509", "-noout", "-text", "-in",
                         files_->LeafFile(profile(), key())});
    EXPECT_TRUE(r.ok() && r->exit_code == 0);
    return r.ok() ? r->output : "";
  }

  static TestPki* pki_;
  static ClientFiles* files_;
  static ClientFiles* extra_;
  static std::string unknown_root_file_;
};

TestPki* OpensslVerifyTest::pki_ = nullptr;
ClientFiles* OpensslVerifyTest::files_ = nullptr;
ClientFiles* OpensslVerifyTest::extra_ = nullptr;
std::string OpensslVerifyTest::unknown_root_file_;

void ExpectOk(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, ": OK")) << r.output;
}

// `error` must be openssl's first complaint, at `depth`.
void ExpectError(const CommandResult& r, int depth, const std::string& error) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  const std::string want = absl::StrCat(" at ", depth, " depth lookup: ", error);
  const std::size_t first = r.output.find("depth lookup: ");
  ASSERT_NE(first, std::string::npos) << r.output;
  const std::size_t line_start = r.output.rfind('\n', first);
  EXPECT_TRUE(absl::StrContains(
      r.output.substr(line_start == std::string::npos ? 0 : line_start),
      want))
      << "want \"" << want << "\" first; got:\n"
      << r.output;
}

TEST_P(OpensslVerifyTest, StrictVerifierObservesWhatTheProfilePromises) {
  const CertProfile p = profile();
  switch (p) {
    case CertProfile::kValid:
      ExpectOk(VerifyStrict());
      ExpectOk(VerifyStrict({"-verify_ip", "127.0.0.1"}));
      ExpectOk(VerifyStrict({"-verify_ip", "::1"}));
      break;
    case CertProfile::kExpired:
      ExpectError(VerifyStrict(), 0, "certificate has expired");
      break;
    case CertProfile::kExpiredSeconds:
      ExpectError(VerifyStrict(), 0, "certificate has expired");
      break;
    case CertProfile::kNotYetValid:
      ExpectError(VerifyStrict(), 0, "certificate is not yet valid");
      break;
    case CertProfile::kWrongHost:
      ExpectError(VerifyStrict(), 0, "hostname mismatch");
      ExpectError(VerifyStrict({"-verify_ip", "127.0.0.1"}), 0,
                  "IP address mismatch");
      // The chain itself is sound: it is only the name.
      ExpectOk(VerifyStrict({"-verify_hostname", "wrong.gauntlet.test"}));
      break;
    case CertProfile::kWildcardMismatch:
      ExpectError(VerifyStrict(), 0, "hostname mismatch");
      // A well-formed wildcard: it does match one label under gauntlet.test.
      ExpectOk(VerifyStrict({"-verify_hostname", "mx.gauntlet.test"}));
      ExpectError(VerifyStrict({"-verify_hostname", "gauntlet.test"}), 0,
                  "hostname mismatch");
      break;
    case CertProfile::kSelfSigned:
      ExpectError(VerifyStrict(), 0, "self-signed certificate");
      break;
    case CertProfile::kUnknownRoot:
      ExpectError(VerifyStrict(), 1, "unable to get local issuer certificate");
      break;
    case CertProfile::kMissingIntermediate: {
      ExpectError(VerifyStrict(), 0, "unable to get local issuer certificate");
      // With the withheld intermediate the chain verifies.
      auto r = RunCommand({"openssl", "verify", "-x509_strict", "-purpose",
                           "sslserver", "-verify_hostname", "localhost",
                           "-CAfile", files_->CaFile(), "-untrusted",
                           extra_->IntermediatesFile(CertProfile::kValid, key()),
                           files_->LeafFile(p, key())});
      ASSERT_TRUE(r.ok());
      ExpectOk(*r);
      break;
    }
    case CertProfile::kCommonNameOnly: {
      // OpenSSL's X509_check_host falls back to the subject CN when there
      // is no DNS SAN, so `openssl verify` accepts the name; RFC 6125
      // clients (and OpenSSL users setting NEVER_CHECK_SUBJECT) do not.
      // What we can check: no SAN at all, the name only in the CN, and
      // an IP check (which never falls back) fails.
      ExpectOk(VerifyStrict());
      ExpectError(VerifyStrict({"-verify_ip", "127.0.0.1"}), 0,
                  "IP address mismatch");
      const std::string text = Text();
      EXPECT_FALSE(absl::StrContains(text, "Subject Alternative Name")) << text;
      EXPECT_TRUE(absl::StrContains(text, "CN = localhost")) << text;
      break;
    }
    case CertProfile::kLeafIsCa: {
      // OpenSSL 3.0 accepts a CA:TRUE certificate as a TLS server leaf,
      // even with -x509_strict and -purpose sslserver (RFC 5280 does not
      // forbid it; CA/Browser Forum rules and webpki do). Pin that down, and
      // that the leaf really is a CA certificate.
      ExpectOk(VerifyStrict());
      const std::string text = Text();
      EXPECT_TRUE(absl::StrContains(text, "Basic Constraints: critical")) << text;
      EXPECT_TRUE(absl::StrContains(text, "CA:TRUE")) << text;
      EXPECT_TRUE(absl::StrContains(text, "Certificate Sign")) << text;
      break;
    }
    case CertProfile::kIntermediateNotCa:
      ExpectError(VerifyStrict(), 1, "invalid CA certificate");
      break;
    case CertProfile::kWrongEku:
      ExpectError(VerifyStrict(), 0, "unsuitable certificate purpose");
      // Only the purpose is wrong: without a purpose check it verifies.
      ExpectOk(Verify({"-x509_strict", "-verify_hostname", "localhost"}));
      break;
    case CertProfile::kRsa1024:
      ExpectError(VerifyStrict(), 0, "EE certificate key too weak");
      ExpectOk(Verify({"-x509_strict", "-purpose", "sslserver",
                       "-verify_hostname", "localhost", "-auth_level", "0"}));
      EXPECT_TRUE(absl::StrContains(Text(), "Public-Key: (1024 bit)"));
      break;
    case CertProfile::kSha1Signature:
      ExpectError(VerifyStrict(), 0, "CA signature digest algorithm too weak");
      ExpectOk(Verify({"-x509_strict", "-purpose", "sslserver",
                       "-verify_hostname", "localhost", "-auth_level", "0"}));
      EXPECT_TRUE(absl::StrContains(Text(), "Signature Algorithm: ecdsa-with-SHA1"));
      break;
    case CertProfile::kExpiredIntermediate:
      ExpectError(VerifyStrict(), 1, "certificate has expired");
      break;
  }
}

// Only kValid is accepted by a strict client; kCommonNameOnly and kLeafIsCa
// are the documented exceptions for OpenSSL (see above).
TEST_P(OpensslVerifyTest, OnlyTheValidProfileIsAcceptedByIp) {
  const CommandResult r = VerifyStrict({"-verify_ip", "127.0.0.1"});
  const bool accepted = r.exit_code == 0;
  EXPECT_EQ(accepted, profile() == CertProfile::kValid ||
                          profile() == CertProfile::kLeafIsCa)
      << r.output;
}

TEST_P(OpensslVerifyTest, UnknownRootChainIsSoundUnderItsOwnRoot) {
  // Trusting the unknown root instead, only kUnknownRoot's chain verifies:
  // the failure above is the missing anchor, nothing else.
  const CommandResult r = Verify({"-x509_strict", "-purpose", "sslserver",
                                  "-verify_hostname", "localhost"},
                                 /*with_intermediates=*/true, unknown_root_file_);
  EXPECT_EQ(r.exit_code == 0, profile() == CertProfile::kUnknownRoot) << r.output;
}

std::string ParamName(
    const ::testing::TestParamInfo<std::tuple<CertProfile, KeyType>>& info) {
  std::string name = std::string(CertProfileName(std::get<0>(info.param))) +
                     "_" + std::string(KeyTypeName(std::get<1>(info.param)));
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    AllProfiles, OpensslVerifyTest,
    ::testing::Combine(::testing::ValuesIn(AllCertProfiles().begin(),
                                           AllCertProfiles().end()),
                       ::testing::ValuesIn(AllKeyTypes().begin(),
                                           AllKeyTypes().end())),
    ParamName);

// ---- Dates, names and independence ------------------------------------------

CommandResult VerifyFiles(const ClientFiles& files, CertProfile profile,
                          KeyType key, std::vector<std::string> extra,
                          const std::string& ca_file = "") {
  std::vector<std::string> argv = {
      "openssl", "verify", "-x509_strict", "-purpose", "sslserver",
      "-CAfile", ca_file.empty() ? files.CaFile() : ca_file,
      "-untrusted", files.IntermediatesFile(profile, key)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(files.LeafFile(profile, key));
  auto r = RunCommand(argv);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : CommandResult{};
}

std::string At(absl::Time t) {
  return std::to_string(absl::ToUnixSeconds(t));
}

TEST(OpensslDatesTest, ExpiredSecondsIsExpiredNowButWasValidJustBefore) {
  auto pki = TestPki::Create({});
  ASSERT_TRUE(pki.ok());
  auto files = (*pki)->WriteClientFiles();
  ASSERT_TRUE(files.ok());
  const absl::Time not_after =
      (*pki)->created_at() - TestPki::kExpiredSecondsAgo;
  for (const KeyType key : AllKeyTypes()) {
    const auto verify = [&](std::vector<std::string> extra) {
      extra.push_back("-verify_hostname");
      extra.push_back("localhost");
      return VerifyFiles(**files, CertProfile::kExpiredSeconds, key, extra);
    };
    ExpectError(verify({}), 0, "certificate has expired");
    ExpectOk(verify({"-attime", At((*pki)->created_at() - absl::Minutes(1))}));
    // To the second: valid at notAfter - 1s, expired at notAfter + 1s.
    ExpectOk(verify({"-attime", At(not_after - absl::Seconds(1))}));
    ExpectError(verify({"-attime", At(not_after + absl::Seconds(1))}), 0,
                "certificate has expired");
  }
}

TEST(OpensslDatesTest, DatesFollowTheInjectedNow) {
  const absl::Time then = absl::FromUnixSeconds(1600000000);  // Sep 2020.
  auto pki = TestPki::Create({.now = then});
  ASSERT_TRUE(pki.ok());
  EXPECT_EQ((*pki)->created_at(), then);
  auto files = (*pki)->WriteClientFiles();
  ASSERT_TRUE(files.ok());
  const std::vector<std::string> host = {"-verify_hostname", "localhost"};
  auto at = [&](absl::Time t) {
    std::vector<std::string> extra = host;
    extra.push_back("-attime");
    extra.push_back(At(t));
    return extra;
  };
  ExpectOk(VerifyFiles(**files, CertProfile::kValid, KeyType::kEcdsaP256,
                       at(then)));
  // Relative to a now in 2020, today is long past every notAfter.
  ExpectError(VerifyFiles(**files, CertProfile::kValid, KeyType::kEcdsaP256,
                          host),
              0, "certificate has expired");
  ExpectError(VerifyFiles(**files, CertProfile::kNotYetValid,
                          KeyType::kEcdsaP256, at(then)),
              0, "certificate is not yet valid");
  ExpectOk(VerifyFiles(**files, CertProfile::kNotYetValid, KeyType::kEcdsaP256,
                       at(then + absl::Hours(24 * 3))));
}

TEST(OpensslNamesTest, ExtraDnsNameIsNamedAndIsTheCommonName) {
  auto pki = TestPki::Create({.extra_dns_names = {"mx.example.org"}});
  ASSERT_TRUE(pki.ok()) << pki.status();
  auto files = (*pki)->WriteClientFiles();
  ASSERT_TRUE(files.ok());
  for (const KeyType key : AllKeyTypes()) {
    ExpectOk(VerifyFiles(**files, CertProfile::kValid, key,
                         {"-verify_hostname", "mx.example.org"}));
    ExpectOk(VerifyFiles(**files, CertProfile::kValid, key,
                         {"-verify_hostname", "localhost"}));
    ExpectError(VerifyFiles(**files, CertProfile::kWrongHost, key,
                            {"-verify_hostname", "mx.example.org"}),
                0, "hostname mismatch");
    ExpectError(VerifyFiles(**files, CertProfile::kExpired, key,
                            {"-verify_hostname", "mx.example.org"}),
                0, "certificate has expired");
  }
  auto text = RunCommand(
      {"openssl", "x509", "-noout", "-subject", "-in",
       (*files)->LeafFile(CertProfile::kCommonNameOnly, KeyType::kEcdsaP256)});
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(absl::StrContains(text->output, "CN = mx.example.org"))
      << text->output;
}

TEST(OpensslIndependenceTest, ChainsOfOnePkiAreUnknownToAnother) {
  auto a = TestPki::Create({});
  auto b = TestPki::Create({});
  ASSERT_TRUE(a.ok() && b.ok());
  auto files_a = (*a)->WriteClientFiles();
  auto files_b = (*b)->WriteClientFiles();
  ASSERT_TRUE(files_a.ok() && files_b.ok());
  const std::vector<std::string> host = {"-verify_hostname", "localhost"};
  ExpectOk(VerifyFiles(**files_a, CertProfile::kValid, KeyType::kEcdsaP256, host));
  ExpectOk(VerifyFiles(**files_b, CertProfile::kValid, KeyType::kEcdsaP256, host));
  ExpectError(VerifyFiles(**files_a, CertProfile::kValid, KeyType::kEcdsaP256,
                          host, (*files_b)->CaFile()),
              1, "unable to get local issuer certificate");
}

}  // namespace
}  // namespace gauntlet::pki
