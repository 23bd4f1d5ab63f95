// TLS 1.3 handshakes per second between an in-process client and server
// TlsSession (ECDSA P-256 leaf + intermediate), no sockets: the cost of the
// engine plus wolfSSL's cryptography, which bounds how fast a fake server
// can accept TLS connections on one core.
//
// The certificate comes from the openssl CLI at start-up (a private temp
// dir, removed afterwards).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace {

using gauntlet::tls::HandshakeProgress;
using gauntlet::tls::Role;
using gauntlet::tls::SessionConfig;
using gauntlet::tls::TlsContext;
using gauntlet::tls::TlsContextConfig;
using gauntlet::tls::TlsSession;

struct Pem {
  std::string cert;
  std::string key;
};

std::optional<Pem> MakeSelfSigned() {
  char tmpl[] = "/tmp/gauntlet-tls-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return std::nullopt;
  const std::string dir = tmpl;
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout " + dir + "/k.pem -out " + dir + "/c.pem -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -days 2 >/dev/null 2>&1";
  std::optional<Pem> out;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream c(dir + "/c.pem"), k(dir + "/k.pem");
    out = Pem{std::string(std::istreambuf_iterator<char>(c), {}),
              std::string(std::istreambuf_iterator<char>(k), {})};
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return out;
}

bool Handshake(const TlsContext& server_ctx, const TlsContext& client_ctx) {
  SessionConfig sc;
  sc.server_name = "localhost";
  auto client = TlsSession::Create(client_ctx, sc);
  auto server = TlsSession::Create(server_ctx);
  if (!client.ok() || !server.ok()) return false;
  bool c_done = false, s_done = false;
  for (int round = 0; round < 8 && !(c_done && s_done); ++round) {
    if (!c_done) {
      auto p = client->Handshake();
      if (!p.ok()) return false;
      c_done = *p == HandshakeProgress::kComplete;
    }
    if (!server->FeedCiphertext(client->TakeCiphertextToSend()).ok()) return false;
    if (!s_done) {
      auto p = server->Handshake();
      if (!p.ok()) return false;
      s_done = *p == HandshakeProgress::kComplete;
    }
    if (!client->FeedCiphertext(server->TakeCiphertextToSend()).ok()) return false;
  }
  return c_done && s_done && client->facts()->version == "TLSv1.3";
}

void BM_Tls13HandshakeEcdsaP256(benchmark::State& state) {
  const std::optional<Pem> pem = MakeSelfSigned();
  if (!pem) {
    state.SkipWithError("openssl could not make a certificate");
    return;
  }
  TlsContextConfig server_config;
  server_config.cert_chain_pem = pem->cert;
  server_config.private_key_pem = pem->key;
  auto server_ctx = TlsContext::Create(server_config);
  TlsContextConfig client_config;
  client_config.role = Role::kClient;
  client_config.ca_pem = pem->cert;
  auto client_ctx = TlsContext::Create(client_config);
  if (!server_ctx.ok() || !client_ctx.ok()) {
    state.SkipWithError("context creation failed");
    return;
  }
  for (auto _ : state) {
    if (!Handshake(*server_ctx, *client_ctx)) {
      state.SkipWithError("handshake failed");
      return;
    }
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Tls13HandshakeEcdsaP256)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
