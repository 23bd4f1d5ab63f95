// Configuration shared by the TLS connections of one role: a WOLFSSL_CTX.
//
// A TlsContext fixes what the fake server (or the reference client, or the
// MITM proxy's two halves) will speak: which versions, which cipher suites,
// which certificate chain, which trust anchors, and, for clients, which
// certificate checks to skip. Deliberately flawed clients are built by
// flipping the verification switches, never by patching the engine.
//
// The context holds no sockets and no per-connection state; it is created
// once and shared by any number of TlsSession objects (see tls_session.h),
// which keep it alive. Creation validates everything and reports any
// problem as a Status naming what was wrong; nothing here throws.

#ifndef GAUNTLET_TLS_TLS_CONTEXT_H_
#define GAUNTLET_TLS_TLS_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tls/versions.h"

namespace gauntlet::tls {

enum class Role { kServer, kClient };

// A protocol version for explicit floors and ceilings.
enum class TlsVersion { kTls11, kTls12, kTls13 };

struct TlsContextConfig {
  Role role = Role::kServer;

  // Versions: kDefault = TLS 1.2 + 1.3; the others pin one version.
  Versions versions = Versions::kDefault;
  // Overrides the lowest version `versions` allows (e.g. a client that still
  // accepts TLS 1.1). Must not exceed the highest one.
  std::optional<TlsVersion> min_version;

  // kDefault: TLS 1.3 suites first, then ECDHE AEAD suites for TLS 1.2, then
  // (only when TLS 1.1 is allowed) ECDHE AES-CBC-SHA suites, since TLS 1.1
  // has no AEAD suites. kWeakOnly: only the ECDHE 3DES-EDE-CBC-SHA suites
  // (ECDHE-ECDSA-DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA); 3DES does not exist
  // in TLS 1.3, so kWeakOnly caps the highest version at TLS 1.2. No DHE
  // suites at all: every client worth testing has ECDHE, and DHE would need
  // DH parameters for no gain.
  CipherSet ciphers = CipherSet::kDefault;
  // Replaces the suite list entirely (wolfSSL names, ':'-separated), for
  // experiments the two sets do not cover. Empty = use `ciphers`.
  std::string cipher_list_override;

  // --- Server identity (required for kServer, ignored for kClient) --------
  // Leaf first, then intermediates. Either PEM text (any number of
  // CERTIFICATE blocks) or a list of DER certificates.
  std::string cert_chain_pem;
  std::vector<std::string> cert_chain_der;
  // The leaf's private key, PEM (PKCS#8, SEC1 or PKCS#1) or DER.
  std::string private_key_pem;
  std::string private_key_der;

  // --- Client verification (ignored for kServer) ---------------------------
  // Trust anchors: PEM text and/or a PEM file path. At least one is needed
  // unless verify_peer is false.
  std::string ca_pem;
  std::string ca_file;
  // false: accept any certificate at all (the "no verification" flaw).
  bool verify_peer = true;
  // false: verify the chain but not that it names the host (the "any valid
  // certificate will do" flaw). Only meaningful with verify_peer.
  bool check_host_name = true;
  // true: accept certificates outside their validity period; every other
  // verification error is still fatal (the "ignores expiry" flaw).
  bool ignore_validity_dates = false;
};

class TlsContext {
 public:
  static absl::StatusOr<TlsContext> Create(const TlsContextConfig& config);

  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;
  ~TlsContext();

  Role role() const;
  const TlsContextConfig& config() const;
  // The wolfSSL suite list actually installed, ':'-separated.
  const std::string& cipher_list() const;

  // Opaque shared state; TlsSession holds a reference.
  struct State;
  const std::shared_ptr<State>& state() const { return state_; }

 private:
  explicit TlsContext(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

// The wolfSSL cipher list a configuration installs (exposed for tests and
// reports).
std::string CipherListFor(CipherSet ciphers, bool allows_tls11);

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_TLS_CONTEXT_H_
