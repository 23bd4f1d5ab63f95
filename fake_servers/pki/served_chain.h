// What a TLS server needs to present one certificate profile.
//
// A ServedChain is the output of the test PKI for one (CertProfile, KeyType)
// pair: the leaf, the intermediates the server sends after it, and the
// leaf's private key, in the forms wolfSSL loads from memory
// (wolfSSL_CTX_use_certificate_chain_buffer takes chain_pem,
// wolfSSL_CTX_use_PrivateKey_buffer takes key_pem or key_der).

#ifndef GAUNTLET_FAKE_SERVERS_PKI_SERVED_CHAIN_H_
#define GAUNTLET_FAKE_SERVERS_PKI_SERVED_CHAIN_H_

#include <string>
#include <vector>

#include "fake_servers/pki/cert_profile.h"

namespace gauntlet::pki {

struct ServedChain {
  CertProfile profile = CertProfile::kValid;
  // The key type asked for. kRsa1024 always has an RSA-1024 leaf key,
  // whatever this says.
  KeyType key_type = KeyType::kEcdsaP256;
  std::string leaf_pem;
  std::string leaf_der;
  // The CA certificates the server sends after the leaf, in order (issuer
  // of the leaf first). Empty for kSelfSigned and kMissingIntermediate.
  std::vector<std::string> intermediates_pem;
  // leaf_pem followed by intermediates_pem: the server's whole chain.
  std::string chain_pem;
  // The leaf's private key: SEC1 "EC PRIVATE KEY" or PKCS#1
  // "RSA PRIVATE KEY".
  std::string key_pem;
  std::string key_der;

  // What a client will observe, as built: what makes the chain bad
  // (DefectsOf(profile)), the DNS names the leaf carries (its SAN, or its
  // CN when it has none), its key ("ecdsa-p256", "rsa-2048", "rsa-1024")
  // and size, and the digest of its signature ("sha256", "sha1").
  std::vector<CertDefect> defects;
  std::vector<std::string> dns_names;
  std::string key_name;
  int key_bits = 0;
  std::string signature_digest;
};

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_SERVED_CHAIN_H_
