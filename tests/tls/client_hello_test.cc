// ClientHello parser: synthetic edge cases, and bytes captured from real
// clients (wolfSSL in-process; openssl s_client, gnutls-cli and python3 ssl
// over loopback).

#include "tls/client_hello.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tls/tls_test_util.h"
#include "tls/record_layer.h"
#include "tls/tls_names.h"
#include "tls/tls_session.h"

namespace gauntlet::tls {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string U8(std::uint8_t v) { return std::string(1, static_cast<char>(v)); }
std::string U16(std::uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}
std::string U24(std::size_t v) {
  return {static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
          static_cast<char>(v & 0xff)};
}
std::string Ext(std::uint16_t type, const std::string& body) {
  return U16(type) + U16(static_cast<std::uint16_t>(body.size())) + body;
}

std::string SniExt(const std::string& host) {
  const std::string entry = U8(0) + U16(static_cast<std::uint16_t>(host.size())) + host;
  return Ext(0, U16(static_cast<std::uint16_t>(entry.size())) + entry);
}

// A ClientHello handshake message (type + length + body).
std::string HelloMessage(const std::string& extensions,
                         const std::vector<std::uint16_t>& suites = {0x1301,
                                                                     0xc02b}) {
  std::string suites_bytes;
  for (std::uint16_t s : suites) suites_bytes += U16(s);
  std::string body = U16(0x0303) + std::string(32, 'r') + U8(32) +
                     std::string(32, 's') +
                     U16(static_cast<std::uint16_t>(suites_bytes.size())) +
                     suites_bytes + U8(1) + U8(0);
  // Always an extensions block, possibly empty; tests that want none cut it.
  body += U16(static_cast<std::uint16_t>(extensions.size())) + extensions;
  return U8(1) + U24(body.size()) + body;
}

// Splits a handshake message into records of at most `fragment` bytes.
std::string Records(const std::string& message, std::size_t fragment = 16384,
                    std::uint16_t version = 0x0301) {
  std::string out;
  for (std::size_t i = 0; i < message.size(); i += fragment) {
    const std::string part = message.substr(i, fragment);
    out += U8(22) + U16(version) + U16(static_cast<std::uint16_t>(part.size())) +
           part;
  }
  return out;
}

std::string StandardExtensions() {
  return SniExt("mx.example.org") + Ext(43, U8(4) + U16(0x0304) + U16(0x0303)) +
         Ext(16, U16(9) + U8(8) + "smtp/1.0") +
         Ext(10, U16(4) + U16(29) + U16(23)) +
         Ext(13, U16(4) + U16(0x0403) + U16(0x0804));
}

TEST(ClientHelloTest, ParsesSyntheticHello) {
  const std::string bytes = Records(HelloMessage(StandardExtensions()));
  const ClientHelloResult r = ParseClientHello(bytes);
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << r.error;
  const ClientHello& h = r.hello;
  EXPECT_EQ(h.record_version, 0x0301);
  EXPECT_EQ(h.legacy_version, 0x0303);
  EXPECT_EQ(h.session_id.size(), 32u);
  EXPECT_EQ(h.server_name, "mx.example.org");
  EXPECT_EQ(h.OfferedVersionNames(),
            (std::vector<std::string>{"TLSv1.3", "TLSv1.2"}));
  EXPECT_EQ(h.CipherSuiteNames(),
            (std::vector<std::string>{"TLS_AES_128_GCM_SHA256",
                                      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}));
  EXPECT_EQ(h.alpn, (std::vector<std::string>{"smtp/1.0"}));
  EXPECT_EQ(h.supported_groups, (std::vector<std::uint16_t>{29, 23}));
  EXPECT_EQ(h.signature_algorithms, (std::vector<std::uint16_t>{0x0403, 0x0804}));
  EXPECT_EQ(h.record_count, 1u);
  EXPECT_EQ(h.wire_length, bytes.size());
  EXPECT_TRUE(r.ToStatus().ok());
}

TEST(ClientHelloTest, LegacyHelloWithoutExtensionsOffersItsLegacyVersion) {
  std::string msg = HelloMessage("");
  // Drop the (empty) extensions block entirely, fixing the length.
  msg.resize(msg.size() - 2);
  const std::size_t body = msg.size() - 4;
  msg.replace(1, 3, U24(body));
  const ClientHelloResult r = ParseClientHello(Records(msg));
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << r.error;
  EXPECT_FALSE(r.hello.has_extensions_block);
  EXPECT_EQ(r.hello.OfferedVersions(), (std::vector<std::uint16_t>{0x0303}));
  EXPECT_FALSE(r.hello.server_name.has_value());
}

TEST(ClientHelloTest, GreaseIsNamedAndNotOffered) {
  const std::string exts = Ext(43, U8(6) + U16(0x7a7a) + U16(0x0304) + U16(0x0303));
  const ClientHelloResult r =
      ParseClientHello(Records(HelloMessage(exts, {0x2a2a, 0x1301})));
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << r.error;
  EXPECT_EQ(r.hello.CipherSuiteNames()[0], "GREASE(0x2a2a)");
  EXPECT_EQ(r.hello.OfferedVersions(), (std::vector<std::uint16_t>{0x0304, 0x0303}));
  EXPECT_EQ(CipherSuiteName(0x00ab), "0x00ab");
  EXPECT_EQ(VersionName(0x7f1c), "0x7f1c");
  EXPECT_EQ(AlertDescriptionName(40), "handshake_failure");
}

TEST(ClientHelloTest, FragmentedAcrossRecordsGivesTheSameHello) {
  const std::string msg = HelloMessage(StandardExtensions());
  const ClientHelloResult whole = ParseClientHello(Records(msg));
  ASSERT_EQ(whole.status, ClientHelloStatus::kComplete);
  for (std::size_t fragment : {1u, 2u, 3u, 4u, 5u, 7u, 50u, 100u}) {
    const std::string bytes = Records(msg, fragment);
    const ClientHelloResult r = ParseClientHello(bytes);
    ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << fragment << r.error;
    ClientHello h = r.hello;
    EXPECT_EQ(h.record_count, (msg.size() + fragment - 1) / fragment);
    EXPECT_EQ(h.wire_length, bytes.size());
    h.record_count = whole.hello.record_count;
    h.wire_length = whole.hello.wire_length;
    EXPECT_EQ(h, whole.hello) << "fragment " << fragment;
  }
}

TEST(ClientHelloTest, EveryProperPrefixNeedsMoreBytes) {
  const std::string bytes = Records(HelloMessage(StandardExtensions()), 60);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const ClientHelloResult r = ParseClientHello(bytes.substr(0, n));
    ASSERT_EQ(r.status, ClientHelloStatus::kNeedMoreBytes) << "prefix " << n;
    EXPECT_EQ(r.ToStatus().code(), absl::StatusCode::kUnavailable);
  }
}

TEST(ClientHelloTest, TrailingRecordsAreNotPartOfTheHello) {
  const std::string hello = Records(HelloMessage(StandardExtensions()));
  const ClientHelloResult r =
      ParseClientHello(hello + "\x14\x03\x03\x00\x01\x01");
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete);
  EXPECT_EQ(r.hello.wire_length, hello.size());
}

TEST(ClientHelloTest, PlaintextSmtpIsNotTls) {
  const ClientHelloResult r = ParseClientHello("EHLO client.example\r\n");
  EXPECT_EQ(r.status, ClientHelloStatus::kNotTls);
  EXPECT_EQ(r.error_offset, 0u);
  EXPECT_THAT(r.error, HasSubstr("plaintext"));
  EXPECT_THAT(r.error, HasSubstr("offset 0"));
  EXPECT_THAT(DescribeNonTlsBytes("EHLO client.example\r\n"),
              HasSubstr("EHLO client.example"));
  // Decided from the first byte alone.
  EXPECT_EQ(ParseClientHello("E").status, ClientHelloStatus::kNotTls);
  EXPECT_EQ(r.ToStatus().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClientHelloTest, Sslv2HelloIsNotTls) {
  // SSLv2-format CLIENT-HELLO: 2-byte length with the high bit, type 1.
  const std::string v2("\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10", 11);
  const ClientHelloResult r = ParseClientHello(v2);
  EXPECT_EQ(r.status, ClientHelloStatus::kNotTls);
  EXPECT_THAT(r.error, HasSubstr("SSLv2"));
  EXPECT_THAT(DescribeNonTlsBytes(v2), HasSubstr("SSLv2-format ClientHello"));
}

TEST(ClientHelloTest, MalformedInputsNameTheOffset) {
  struct Case {
    std::string bytes;
    ClientHelloStatus status;
    std::size_t offset;
    const char* what;
  };
  const std::string good = HelloMessage(StandardExtensions());
  std::string odd_suites = good;
  odd_suites[4 + 2 + 32 + 1 + 32 + 1] = 3;  // cipher_suites length low byte.
  std::string dup = HelloMessage(SniExt("a") + SniExt("b"));
  std::vector<Case> cases = {
      {"\x15\x03\x03\x00\x02\x02\x28", ClientHelloStatus::kMalformed, 0,
       "content type 21"},
      {std::string("\x16\x03\x03\x00\x00", 5), ClientHelloStatus::kMalformed, 3,
       "zero-length"},
      {"\x16\x04", ClientHelloStatus::kNotTls, 1, "major byte"},
      {Records(U8(2) + good.substr(1)), ClientHelloStatus::kMalformed, 5,
       "not ClientHello"},
      {Records(odd_suites), ClientHelloStatus::kMalformed, 5 + 4 + 2 + 32 + 1 + 32,
       "cipher_suites"},
      {Records(dup), ClientHelloStatus::kMalformed, 0, "duplicate extension"},
      {Records(U8(1) + U24(kMaxClientHelloBytes + 1)), ClientHelloStatus::kMalformed,
       6, "limit"},
      {Records(good) .substr(0, 5) + std::string("\x17"),  // junk in record.
       ClientHelloStatus::kNeedMoreBytes, 0, ""},
  };
  for (const Case& c : cases) {
    const ClientHelloResult r = ParseClientHello(c.bytes);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.error;
    if (c.status == ClientHelloStatus::kNeedMoreBytes) continue;
    if (c.offset != 0 || std::string(c.what) != "duplicate extension") {
      EXPECT_EQ(r.error_offset, c.offset) << c.what << ": " << r.error;
    }
    EXPECT_THAT(r.error, HasSubstr(c.what));
    EXPECT_THAT(r.error, HasSubstr(absl::StrCat("offset ", r.error_offset)));
  }
}

TEST(ClientHelloTest, ReaderGivesTheSameVerdictForEverySplit) {
  const std::string bytes = Records(HelloMessage(StandardExtensions()), 40);
  const ClientHelloResult whole = ParseClientHello(bytes);
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    ClientHelloReader reader;
    reader.Feed(std::string_view(bytes).substr(0, split));
    reader.Feed(std::string_view(bytes).substr(split));
    ASSERT_EQ(reader.result(), whole) << "split " << split;
  }
}

TEST(ClientHelloTest, RecordScannerFindsAlertsAndGarbage) {
  RecordScanner scanner;
  scanner.Feed(BuildAlertRecord(AlertLevel::kWarning, kAlertUnrecognizedName));
  scanner.Feed(std::string("\x15\x03\x03\x00\x1a", 5) + std::string(26, 'x'));
  ASSERT_EQ(scanner.plaintext_alerts().size(), 1u);
  EXPECT_EQ(scanner.plaintext_alerts()[0].ToString(),
            "warning unrecognized_name(112)");
  EXPECT_EQ(scanner.encrypted_alert_records(), 1u);
  EXPECT_FALSE(scanner.mid_record());
  scanner.Feed("250 OK\r\n");
  ASSERT_TRUE(scanner.non_tls().has_value());
  EXPECT_EQ(scanner.non_tls()->offset, 7u + 31u);
  EXPECT_THAT(scanner.non_tls()->description, HasSubstr("250 OK"));
}

// --- Real clients -----------------------------------------------------------

// The first flight of wolfSSL's own client.
TEST(ClientHelloRealTest, WolfSslClient) {
  TlsContextConfig config;
  config.role = Role::kClient;
  config.verify_peer = false;
  auto ctx = TlsContext::Create(config);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  SessionConfig sc;
  sc.server_name = "localhost";
  auto client = TlsSession::Create(*ctx, sc);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->Handshake().ok());
  const ClientHelloResult r = ParseClientHello(client->TakeCiphertextToSend());
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << r.error;
  EXPECT_EQ(r.hello.server_name, "localhost");
  EXPECT_TRUE(r.hello.OffersVersion(kTls13));
  EXPECT_THAT(r.hello.cipher_suites, Contains(0x1301));
}

// Accepts one connection from the client started by `argv_for(port)` and
// returns what it sent until a complete ClientHello (or 10 s).
std::string CaptureFrom(
    const std::function<std::vector<std::string>(int)>& argv_for) {
  auto listener = testing::Listener::Open();
  if (!listener.ok()) {
    ADD_FAILURE() << listener.status();
    return "";
  }
  auto child = testing::Subprocess::Start(argv_for(listener->port()));
  if (!child.ok()) {
    ADD_FAILURE() << child.status();
    return "";
  }
  auto fd = listener->Accept(std::chrono::seconds(10));
  if (!fd.ok()) {
    ADD_FAILURE() << fd.status();
    return "";
  }
  const std::string bytes =
      testing::ReadUntil(*fd, std::chrono::seconds(10), [](const std::string& b) {
        return ParseClientHello(b).status != ClientHelloStatus::kNeedMoreBytes;
      });
  ::close(*fd);
  (*child)->Kill();
  return bytes;
}

bool Installed(const char* tool) {
  return testing::RunCommand({"sh", "-c", absl::StrCat("command -v ", tool)}).ok();
}

void ExpectModernHelloToLocalhost(const std::string& bytes, const char* who) {
  SCOPED_TRACE(who);
  const ClientHelloResult r = ParseClientHello(bytes);
  ASSERT_EQ(r.status, ClientHelloStatus::kComplete) << r.error;
  EXPECT_EQ(r.hello.server_name, "localhost");
  EXPECT_TRUE(r.hello.OffersVersion(kTls13));
  EXPECT_TRUE(r.hello.OffersVersion(kTls12));
  EXPECT_THAT(r.hello.cipher_suites, Contains(0x1301));
  EXPECT_FALSE(r.hello.supported_groups.empty());
  EXPECT_FALSE(r.hello.signature_algorithms.empty());
  EXPECT_EQ(r.hello.wire_length, bytes.size());

  // The same bytes re-framed one handshake byte per record, and truncated.
  const std::string message = bytes.substr(5, r.hello.wire_length - 5);
  const std::string fragmented = Records(message, 1, 0x0301);
  const ClientHelloResult f = ParseClientHello(fragmented);
  ASSERT_EQ(f.status, ClientHelloStatus::kComplete) << f.error;
  EXPECT_EQ(f.hello.server_name, "localhost");
  EXPECT_EQ(f.hello.cipher_suites, r.hello.cipher_suites);
  EXPECT_EQ(f.hello.record_count, message.size());
  for (std::size_t n : {std::size_t{1}, std::size_t{5}, bytes.size() / 2,
                        bytes.size() - 1}) {
    EXPECT_EQ(ParseClientHello(bytes.substr(0, n)).status,
              ClientHelloStatus::kNeedMoreBytes)
        << "prefix " << n;
  }
}

TEST(ClientHelloRealTest, OpensslSClient) {
  const std::string bytes = CaptureFrom([](int port) {
    return std::vector<std::string>{
        "openssl", "s_client", "-connect", absl::StrCat("127.0.0.1:", port),
        "-servername", "localhost"};
  });
  ExpectModernHelloToLocalhost(bytes, "openssl s_client");
}

TEST(ClientHelloRealTest, GnutlsCli) {
  if (!Installed("gnutls-cli")) GTEST_SKIP() << "gnutls-cli not installed";
  const std::string bytes = CaptureFrom([](int port) {
    return std::vector<std::string>{"gnutls-cli", "--sni-hostname=localhost",
                                    "--insecure", "-p", absl::StrCat(port),
                                    "127.0.0.1"};
  });
  ExpectModernHelloToLocalhost(bytes, "gnutls-cli");
}

TEST(ClientHelloRealTest, Python3Ssl) {
  if (!Installed("python3")) GTEST_SKIP() << "python3 not installed";
  const std::string bytes = CaptureFrom([](int port) {
    return std::vector<std::string>{
        "python3", "-c",
        absl::StrCat("import socket, ssl\n"
                     "s = socket.create_connection(('127.0.0.1', ", port,
                     "), timeout=10)\n"
                     "ctx = ssl.create_default_context()\n"
                     "try:\n"
                     "    ctx.wrap_socket(s, server_hostname='localhost')\n"
                     "except Exception:\n"
                     "    pass\n")};
  });
  ExpectModernHelloToLocalhost(bytes, "python3 ssl");
}

}  // namespace
}  // namespace gauntlet::tls
