// The test PKI written to disk for programs that read files.
//
// Real clients (openssl, curl, python, ...) take their trust anchors as a
// CA file, and `gauntlet serve` may hand chains to other servers. A
// ClientFiles owns a private directory (mkdtemp, mode 0700) holding them:
//
//   <dir>/ca.pem                           the trusted root bundle
//   <dir>/<profile>/<key>/leaf.pem         the leaf certificate
//   <dir>/<profile>/<key>/intermediates.pem  what the server sends after it
//                                          (possibly empty)
//   <dir>/<profile>/<key>/chain.pem        leaf + intermediates
//   <dir>/<profile>/<key>/key.pem          the leaf key (mode 0600)
//
// with <profile> from CertProfileName and <key> from KeyTypeName. The
// directory and everything in it is removed when the ClientFiles is
// destroyed, so key material never outlives the run.

#ifndef GAUNTLET_FAKE_SERVERS_PKI_CLIENT_FILES_H_
#define GAUNTLET_FAKE_SERVERS_PKI_CLIENT_FILES_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/pki/served_chain.h"

namespace gauntlet::pki {

class ClientFiles {
 public:
  // Creates a fresh directory under `parent` (or $TMPDIR, else /tmp, when
  // empty) and writes ca_pem and every chain into it. On failure nothing is
  // left behind.
  static absl::StatusOr<std::unique_ptr<ClientFiles>> Write(
      const std::string& ca_pem, std::span<const ServedChain> chains,
      std::string_view parent = "");

  ~ClientFiles();
  ClientFiles(const ClientFiles&) = delete;
  ClientFiles& operator=(const ClientFiles&) = delete;

  const std::string& dir() const { return dir_; }
  std::string CaFile() const;
  std::string LeafFile(CertProfile profile, KeyType key) const;
  std::string IntermediatesFile(CertProfile profile, KeyType key) const;
  std::string ChainFile(CertProfile profile, KeyType key) const;
  std::string KeyFile(CertProfile profile, KeyType key) const;

 private:
  explicit ClientFiles(std::string dir) : dir_(std::move(dir)) {}
  std::string ChainDir(CertProfile profile, KeyType key) const;

  std::string dir_;
};

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_CLIENT_FILES_H_
