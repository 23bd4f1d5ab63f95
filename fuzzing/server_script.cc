#include "fuzzing/server_script.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace gauntlet::fuzzing {
namespace {

constexpr std::array<std::string_view, kStepCount> kStepNames = {
    "greeting", "ehlo", "helo", "starttls", "after-starttls", "tls-ehlo",
    "auth",     "mail", "rcpt", "data",     "final",          "quit"};

constexpr std::array<std::string_view, 7> kFaultNames = {
    "none",      "close", "reset", "alert", "truncated-record",
    "plaintext", "stall"};

constexpr std::array<std::string_view, 3> kPointNames = {
    "before-server-hello", "after-server-hello", "after-handshake"};

template <typename Enum, std::size_t N>
std::optional<Enum> FromName(const std::array<std::string_view, N>& names,
                             std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view StepName(Step step) {
  return kStepNames[static_cast<std::size_t>(step)];
}
std::optional<Step> StepFromName(std::string_view name) {
  return FromName<Step>(kStepNames, name);
}
bool IsReplyStep(Step step) { return step != Step::kAfterStarttls; }

std::string_view TlsFaultName(TlsFault fault) {
  return kFaultNames[static_cast<std::size_t>(fault)];
}
std::optional<TlsFault> TlsFaultFromName(std::string_view name) {
  return FromName<TlsFault>(kFaultNames, name);
}
std::string_view TlsFaultPointName(TlsFaultPoint point) {
  return kPointNames[static_cast<std::size_t>(point)];
}
std::optional<TlsFaultPoint> TlsFaultPointFromName(std::string_view name) {
  return FromName<TlsFaultPoint>(kPointNames, name);
}

std::size_t ServerScript::total_bytes() const {
  std::size_t n = 0;
  for (const StepBytes& s : steps) n += s.bytes.size();
  return n;
}

ServerScript GoodServerScript() {
  ServerScript s;
  s.step(Step::kGreeting).bytes = "220 mx.gauntlet.test ESMTP\r\n";
  s.step(Step::kEhloReply).bytes =
      "250-mx.gauntlet.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
      "250-8BITMIME\r\n250 STARTTLS\r\n";
  s.step(Step::kHeloReply).bytes = "250 mx.gauntlet.test\r\n";
  s.step(Step::kStarttlsReply).bytes = "220 2.0.0 Ready to start TLS\r\n";
  s.step(Step::kTlsEhloReply).bytes =
      "250-mx.gauntlet.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
      "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
  s.step(Step::kAuthReply).bytes = "235 2.7.0 Authentication successful\r\n";
  s.step(Step::kMailReply).bytes = "250 2.1.0 Ok\r\n";
  s.step(Step::kRcptReply).bytes = "250 2.1.5 Ok\r\n";
  s.step(Step::kDataReply).bytes = "354 End data with <CR><LF>.<CR><LF>\r\n";
  s.step(Step::kFinalReply).bytes = "250 2.0.0 Ok: queued\r\n";
  s.step(Step::kQuitReply).bytes = "221 2.0.0 Bye\r\n";
  return s;
}

void ClampToLimits(ServerScript* script) {
  for (StepBytes& s : script->steps) {
    if (s.bytes.size() > kMaxStepBytes) s.bytes.resize(kMaxStepBytes);
    Segmentation& g = s.segmentation;
    g.delay_ms = std::min(g.delay_ms, kMaxDelayMs);
    g.delayed_segments = std::min(g.delayed_segments, kMaxDelayedSegments);
    if (g.delay_ms == 0) g.delayed_segments = 0;
    g.segment_bytes = std::min<std::uint32_t>(g.segment_bytes, kMaxStepBytes);
  }
}

bool WithinLimits(const ServerScript& script) {
  for (const StepBytes& s : script.steps) {
    const Segmentation& g = s.segmentation;
    if (s.bytes.size() > kMaxStepBytes || g.delay_ms > kMaxDelayMs ||
        g.delayed_segments > kMaxDelayedSegments ||
        g.segment_bytes > kMaxStepBytes) {
      return false;
    }
  }
  return true;
}

}  // namespace gauntlet::fuzzing
