// Interoperability: openssl s_client completes real handshakes against a
// server TlsSession pumped over a loopback socket, verifying the chain and
// the host name, and receives application data and close_notify.

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tls/tls_test_util.h"
#include "tls/tls_context.h"
#include "tls/tls_names.h"
#include "tls/tls_session.h"

namespace gauntlet::tls {
namespace {

using ::testing::HasSubstr;

struct InteropCase {
  const char* name;
  tls::Versions versions;
  testing::TestKey key;
  const char* expected_protocol;  // As s_client prints it.
  const char* expected_cipher;    // As s_client prints it.
};

class OpensslInteropTest : public ::testing::TestWithParam<InteropCase> {};

TEST_P(OpensslInteropTest, SClientCompletesHandshakeAndReadsData) {
  const InteropCase& c = GetParam();
  auto pki = testing::TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  testing::LeafSpec leaf;
  leaf.key = c.key;
  auto id = (*pki)->Issue(leaf);
  ASSERT_TRUE(id.ok()) << id.status();
  TlsContextConfig config;
  config.versions = c.versions;
  auto ctx = testing::ServerContext(*id, config);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  auto server = TlsSession::Create(*ctx);
  ASSERT_TRUE(server.ok());

  auto listener = testing::Listener::Open();
  ASSERT_TRUE(listener.ok());
  auto client = testing::Subprocess::Start(
      {"openssl", "s_client", "-connect",
       absl::StrCat("127.0.0.1:", listener->port()), "-servername",
       "localhost", "-verify_hostname", "localhost", "-verify_return_error",
       "-CAfile", (*pki)->root_file(), "-ign_eof"});
  ASSERT_TRUE(client.ok()) << client.status();
  auto fd = listener->Accept(std::chrono::seconds(10));
  ASSERT_TRUE(fd.ok()) << fd.status();

  const std::string message = "220 hello from the gauntlet engine\r\n";
  const absl::Status served =
      testing::ServeOverSocket(*server, *fd, message, std::chrono::seconds(10));
  // Half-close and drain, so the kernel never turns unread bytes into a RST
  // that could destroy data s_client has not read yet.
  ::shutdown(*fd, SHUT_WR);
  testing::ReadUntil(*fd, std::chrono::seconds(5),
                     [](const std::string&) { return false; });
  ::close(*fd);
  ASSERT_TRUE(served.ok()) << served;

  auto exit_code = (*client)->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  const std::string& out = (*client)->output();
  EXPECT_THAT(out, HasSubstr(message.substr(0, message.size() - 2)));
  EXPECT_THAT(out, HasSubstr("Verify return code: 0 (ok)"));
  EXPECT_THAT(out, HasSubstr(absl::StrCat("Protocol  : ", c.expected_protocol)));

  ASSERT_TRUE(server->facts().has_value());
  EXPECT_EQ(server->facts()->version, c.expected_protocol);
  EXPECT_EQ(server->facts()->sni, "localhost");
  EXPECT_THAT(out, HasSubstr(absl::StrCat("Cipher    : ", c.expected_cipher)));
  // Our report names the same suite s_client negotiated.
  EXPECT_TRUE(server->facts()->cipher_suite_name == c.expected_cipher ||
              server->facts()->cipher_suite_wolfssl == c.expected_cipher)
      << server->facts()->cipher_suite_name;
}

INSTANTIATE_TEST_SUITE_P(
    Versions, OpensslInteropTest,
    ::testing::Values(
        InteropCase{"Tls13Ecdsa", tls::Versions::kDefault,
                    testing::TestKey::kEcdsaP256, "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256"},
        InteropCase{"Tls12Rsa", tls::Versions::kTls12Only,
                    testing::TestKey::kRsa2048, "TLSv1.2",
                    "ECDHE-RSA-AES128-GCM-SHA256"}),
    [](const ::testing::TestParamInfo<InteropCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace gauntlet::tls
