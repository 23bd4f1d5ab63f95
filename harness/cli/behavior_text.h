// A fake server's behaviour in words, for `gauntlet show`.
//
// The capabilities offered before and inside TLS are always listed (they are
// what a client decides on: "capabilities before TLS: PIPELINING, SIZE
// 10485760, ..., AUTH PLAIN LOGIN, STARTTLS"); of the other switches only
// those that differ from a good server are, so a reader sees at once what a
// scenario changes: "reply to STARTTLS: 502 ...", "after the STARTTLS
// reply: stay in plaintext". Raw wire bytes are shown
// C-escaped ("\r\n"), so the exact bytes stay visible.

#ifndef GAUNTLET_HARNESS_CLI_BEHAVIOR_TEXT_H_
#define GAUNTLET_HARNESS_CLI_BEHAVIOR_TEXT_H_

#include <string>
#include <vector>

#include "fake_servers/behavior.h"

namespace gauntlet::cli {

// One line per non-default switch of one connection (empty: a good server).
std::vector<std::string> DescribeConnection(
    const fake::ConnectionBehavior& connection);

// The whole behaviour, as indented lines ending in '\n': the server-wide
// switches, then one block per connection entry ("connection 1", or
// "connections 2 and later" for the last entry of several).
std::string DescribeBehavior(const fake::ServerBehavior& behavior,
                             const std::string& indent);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_BEHAVIOR_TEXT_H_
