// The run's certificate authority: a fresh PKI made at startup.
//
// TestPki generates, with wolfCrypt, a root CA, an intermediate CA and one
// leaf chain for every (CertProfile, KeyType) pair, with dates computed
// from the current time so nothing is ever stale. Clients trust only
// RootPem(); each profile's chain then fails verification in exactly the
// way cert_profile.h describes. Everything is generated eagerly in
// Create() (about 10 ms of CPU; the first call in a process also makes the
// RSA-2048 and RSA-1024 keys, 0.1-0.3 s, which later calls reuse), after
// which a TestPki is immutable and safe to share between threads.
//
//   GAUNTLET_ASSIGN_OR_RETURN(auto pki, pki::TestPki::Create({}));
//   GAUNTLET_ASSIGN_OR_RETURN(pki::ServedChain chain,
//       pki->Chain(pki::CertProfile::kExpired, pki::KeyType::kEcdsaP256));
//   GAUNTLET_ASSIGN_OR_RETURN(auto files, pki->WriteClientFiles());
//   RunClient("--cafile", files->CaFile());

#ifndef GAUNTLET_FAKE_SERVERS_PKI_TEST_PKI_H_
#define GAUNTLET_FAKE_SERVERS_PKI_TEST_PKI_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/pki/client_files.h"
#include "fake_servers/pki/served_chain.h"

namespace gauntlet::pki {

class TestPki {
 public:
  struct Options {
    // Host names, besides localhost, that the leaves name (e.g. the
    // --server-name). The first one, if any, is also the subject CN (the
    // name kCommonNameOnly carries). Each must be a plain DNS name of at
    // most 63 bytes that *.gauntlet.test does not match.
    std::vector<std::string> extra_dns_names = {};
    // The moment every validity period is relative to; absl::Now() when
    // unset.
    std::optional<absl::Time> now = std::nullopt;
  };

  // Every leaf (except kWrongHost, kWildcardMismatch, kCommonNameOnly)
  // carries these names: DNS localhost (plus
  // extra_dns_names), IP 127.0.0.1 and IP ::1.
  static constexpr std::string_view kLocalHost = "localhost";
  // What kWrongHost and kWildcardMismatch name instead.
  static constexpr std::string_view kWrongHostName = "wrong.gauntlet.test";
  static constexpr std::string_view kWildcardName = "*.gauntlet.test";
  // How long before created_at() the kExpiredSeconds leaf expired.
  static constexpr absl::Duration kExpiredSecondsAgo = absl::Seconds(5);

  static absl::StatusOr<std::unique_ptr<TestPki>> Create(Options options);

  // The chain a server presents for `profile` with a `key`-type leaf.
  // Fails only for a value outside the enums.
  absl::StatusOr<ServedChain> Chain(CertProfile profile, KeyType key) const;

  // The only trust anchor clients are given.
  const std::string& RootPem() const { return root_pem_; }
  // The intermediate kValid (and most profiles) chain through; kept back by
  // kMissingIntermediate.
  const std::string& IntermediatePem() const { return intermediate_pem_; }
  // The root kUnknownRoot chains to; never in the trust bundle.
  const std::string& UnknownRootPem() const { return unknown_root_pem_; }
  // The `now` all dates were computed from, in whole seconds.
  absl::Time created_at() const { return created_at_; }

  // Writes RootPem() and every chain to a new private directory (see
  // client_files.h), removed when the returned object is destroyed.
  absl::StatusOr<std::unique_ptr<ClientFiles>> WriteClientFiles(
      std::string_view parent = "") const;

 private:
  TestPki() = default;

  absl::Time created_at_;
  std::string root_pem_;
  std::string intermediate_pem_;
  std::string unknown_root_pem_;
  std::map<std::pair<CertProfile, KeyType>, ServedChain> chains_;
};

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_TEST_PKI_H_
