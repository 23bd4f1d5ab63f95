// The message and the identities a client under test is asked to deliver.
//
// Every scenario run hands the client the same small RFC 5322 message (a
// file, {message_file}) and the same envelope and credentials. The values
// are distinctive on purpose: the fake server decodes AUTH exchanges and
// message bodies, and a verdict quotes them, so a reader can tell at a
// glance that "gauntlet-secret" in a transcript is the test password.
// Pure: the caller supplies the time.

#ifndef GAUNTLET_HARNESS_RUNNER_TEST_MESSAGE_H_
#define GAUNTLET_HARNESS_RUNNER_TEST_MESSAGE_H_

#include <string>

#include "absl/time/time.h"

namespace gauntlet::runner {

struct TestIdentity {
  std::string from = "sender@client.gauntlet.test";
  std::string to = "recipient@mx.gauntlet.test";
  std::string user = "gauntlet-user";
  std::string password = "gauntlet-secret";
};

// The Subject every test message carries.
inline constexpr char kTestMessageSubject[] = "Gauntlet test message";

// A complete message with CRLF line endings: From, To, Subject, Date,
// Message-ID, MIME headers and a short body. `now` sets the Date header.
std::string FormatTestMessage(const TestIdentity& identity, absl::Time now);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_TEST_MESSAGE_H_
