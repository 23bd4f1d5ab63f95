// Shared helpers for the fake server's tests: one PKI per test binary, a
// server factory, and transcript queries.

#ifndef GAUNTLET_TESTS_SERVER_TEST_UTIL_H_
#define GAUNTLET_TESTS_SERVER_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fake_servers/behavior.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "fake_servers/transcript.h"
#include "tests/server/test_client.h"

namespace gauntlet::fake::server::testing {

// Made once per process: generating keys is the slow part of a test.
const std::shared_ptr<const pki::TestPki>& SharedPki();

// A started server whose every connection follows `behavior` (with a short
// linger and idle timeout so tests end quickly). Fails the test on error.
std::unique_ptr<FakeSmtpServer> StartServer(ConnectionBehavior behavior = {},
                                            int max_connections = 8);
std::unique_ptr<FakeSmtpServer> StartServer(ServerOptions options);

// A client connected to `server` that has read the greeting.
std::unique_ptr<TestClient> ConnectAndGreet(const FakeSmtpServer& server);

// A client context trusting the shared PKI's root.
tls::TlsContext TrustingContext(TlsVersions versions = TlsVersions::kDefault);

// Waits until `n` connections were accepted and all are closed, then
// returns the transcript.
Transcript WaitAndSnapshot(const FakeSmtpServer& server, int n = 1);

std::vector<SmtpEvent> EventsOf(const ConnectionTranscript& c,
                                SmtpEvent::Kind kind,
                                std::string_view verb = "");
// The client→server bytes of one channel, concatenated.
std::string ClientBytes(const ConnectionTranscript& c, Channel channel);
std::string ServerBytes(const ConnectionTranscript& c, Channel channel);

}  // namespace gauntlet::fake::server::testing

#endif  // GAUNTLET_TESTS_SERVER_TEST_UTIL_H_
