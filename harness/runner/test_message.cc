#include "harness/runner/test_message.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace gauntlet::runner {

std::string FormatTestMessage(const TestIdentity& identity, absl::Time now) {
  const std::string date =
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now, absl::UTCTimeZone());
  // The Message-ID only needs to be unique per run, not unguessable.
  const std::string message_id = absl::StrCat(
      "<", absl::ToUnixMicros(now), ".gauntlet@client.gauntlet.test>");
  return absl::StrCat(
      "From: Gauntlet <", identity.from, ">\r\n",             //
      "To: <", identity.to, ">\r\n",                           //
      "Subject: ", kTestMessageSubject, "\r\n",                //
      "Date: ", date, "\r\n",                                  //
      "Message-ID: ", message_id, "\r\n",                      //
      "MIME-Version: 1.0\r\n",                                 //
      "Content-Type: text/plain; charset=us-ascii\r\n",        //
      "\r\n",                                                  //
      "This message was sent by an SMTP client under test by Gauntlet.\r\n",
      "If a fake server saw it in plaintext, the client leaked it.\r\n");
}

}  // namespace gauntlet::runner
