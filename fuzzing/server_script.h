// A server script: everything a fake SMTP server sends in one session, step
// by step, as exact bytes -- the input `gauntlet fuzz` mutates.
//
// A session has fixed steps (the greeting, the reply to each command before
// and inside TLS, the bytes glued after the 220 to STARTTLS) and a TLS
// behaviour (a handshake fault of some kind at some point, or none). Each
// step holds the raw bytes the server writes when the step comes, however
// malformed, and how it writes them: split into segments of n bytes, with
// a delay before each segment. Nothing is parsed or normalised here: a
// script is plain data that the mutator (mutator.h) changes, the textual
// form (script_text.h) saves, and a server plays.
//
// Sizes are capped (kMaxStepBytes per step, kMaxDelayMs per delay) so a
// mutated script, and the server playing it, stays bounded in memory and
// time.

#ifndef GAUNTLET_FUZZING_SERVER_SCRIPT_H_
#define GAUNTLET_FUZZING_SERVER_SCRIPT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::fuzzing {

// The most bytes one step may hold (1 MiB): enough for a 70,000-byte
// capability line or ten thousand capabilities, small enough that a
// session's worth of steps stays a few MiB.
inline constexpr std::size_t kMaxStepBytes = std::size_t{1} << 20;
// The longest delay before a segment, and the most segments that may be
// delayed in one step (so a step's total delay is bounded).
inline constexpr std::uint32_t kMaxDelayMs = 2000;
inline constexpr std::uint32_t kMaxDelayedSegments = 16;

// The steps of a session, in the order a client meets them.
enum class Step : std::uint8_t {
  kGreeting,       // on connect
  kEhloReply,      // to EHLO, before TLS
  kHeloReply,      // to HELO, before TLS
  kStarttlsReply,  // to STARTTLS
  kAfterStarttls,  // glued after the STARTTLS reply, before the handshake
  kTlsEhloReply,   // to EHLO inside TLS
  kAuthReply,      // to AUTH, inside TLS
  kMailReply,      // to MAIL FROM
  kRcptReply,      // to RCPT TO
  kDataReply,      // to DATA
  kFinalReply,     // after the message's terminating "."
  kQuitReply,      // to QUIT
};
inline constexpr std::size_t kStepCount = 12;

// The step's name in the textual form and in mutation records
// ("greeting", "ehlo", "helo", "starttls", "after-starttls", "tls-ehlo",
// "auth", "mail", "rcpt", "data", "final", "quit").
std::string_view StepName(Step step);
std::optional<Step> StepFromName(std::string_view name);
// Whether the step is an SMTP reply (everything but kAfterStarttls, which
// is whatever bytes follow a reply).
bool IsReplyStep(Step step);

// How a step's bytes are written.
struct Segmentation {
  // 0: all in one write; n: writes of at most n bytes each.
  std::uint32_t segment_bytes = 0;
  // Milliseconds to wait before each of the first `delayed_segments`
  // segments (0 = no delay).
  std::uint32_t delay_ms = 0;
  std::uint32_t delayed_segments = 0;

  friend bool operator==(const Segmentation&, const Segmentation&) = default;
};

struct StepBytes {
  std::string bytes;
  Segmentation segmentation;

  friend bool operator==(const StepBytes&, const StepBytes&) = default;
};

// What the server does to the TLS handshake after its STARTTLS reply.
enum class TlsFault : std::uint8_t {
  kNone,             // a normal handshake
  kClose,            // close the connection
  kReset,            // close with RST
  kAlert,            // send a fatal alert (TlsBehaviour::alert)
  kTruncatedRecord,  // send the first bytes of a record, then close
  kPlaintext,        // answer with plaintext SMTP instead of TLS
  kStall,            // send nothing more (the client must time out)
};
// Where in the handshake the fault strikes.
enum class TlsFaultPoint : std::uint8_t {
  kBeforeServerHello,  // on the ClientHello
  kAfterServerHello,   // after the ServerHello (TLS 1.2: after the flight)
  kAfterHandshake,     // once the handshake is complete
};
std::string_view TlsFaultName(TlsFault fault);
std::optional<TlsFault> TlsFaultFromName(std::string_view name);
std::string_view TlsFaultPointName(TlsFaultPoint point);
std::optional<TlsFaultPoint> TlsFaultPointFromName(std::string_view name);

struct TlsBehaviour {
  TlsFault fault = TlsFault::kNone;
  TlsFaultPoint point = TlsFaultPoint::kBeforeServerHello;
  // The alert description for kAlert (RFC 8446 §6: 40 handshake_failure).
  std::uint8_t alert = 40;

  friend bool operator==(const TlsBehaviour&, const TlsBehaviour&) = default;
};

struct ServerScript {
  std::array<StepBytes, kStepCount> steps;
  TlsBehaviour tls;

  StepBytes& step(Step s) { return steps[static_cast<std::size_t>(s)]; }
  const StepBytes& step(Step s) const {
    return steps[static_cast<std::size_t>(s)];
  }
  // Bytes over all steps.
  std::size_t total_bytes() const;

  friend bool operator==(const ServerScript&, const ServerScript&) = default;
};

// A good server: greeting, an EHLO reply offering STARTTLS (and, inside
// TLS, AUTH PLAIN), 220 to STARTTLS, nothing after it, a normal handshake,
// and success replies to the rest. The usual seed.
ServerScript GoodServerScript();

// Every step within kMaxStepBytes and every delay within its bounds:
// whatever a mutation did, the script a server plays is bounded.
void ClampToLimits(ServerScript* script);
bool WithinLimits(const ServerScript& script);

}  // namespace gauntlet::fuzzing

#endif  // GAUNTLET_FUZZING_SERVER_SCRIPT_H_
