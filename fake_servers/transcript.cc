#include "fake_servers/transcript.h"

#include <string_view>

namespace gauntlet::fake {

std::string_view PhaseName(SessionPhase phase) {
  switch (phase) {
    case SessionPhase::kPlaintext:
      return "plaintext";
    case SessionPhase::kAfterStarttlsCommand:
      return "after-starttls-command";
    case SessionPhase::kAfterStarttlsRefused:
      return "after-starttls-refused";
    case SessionPhase::kHandshake:
      return "handshake";
    case SessionPhase::kTls:
      return "tls";
    case SessionPhase::kAfterTlsFailure:
      return "after-tls-failure";
  }
  return "unknown";
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kPlaintext:
      return "plaintext";
    case Channel::kTlsRecords:
      return "tls-records";
    case Channel::kTlsApp:
      return "tls-app";
  }
  return "unknown";
}

std::string_view HandshakeOutcomeName(HandshakeOutcome outcome) {
  switch (outcome) {
    case HandshakeOutcome::kNotAttempted:
      return "not-attempted";
    case HandshakeOutcome::kNoClientHello:
      return "no-client-hello";
    case HandshakeOutcome::kNotTls:
      return "not-tls";
    case HandshakeOutcome::kCompleted:
      return "completed";
    case HandshakeOutcome::kFailed:
      return "failed";
    case HandshakeOutcome::kFaultInjected:
      return "fault-injected";
    case HandshakeOutcome::kClientClosed:
      return "client-closed";
  }
  return "unknown";
}

std::string_view CloseKindName(CloseKind kind) {
  switch (kind) {
    case CloseKind::kOpen:
      return "open";
    case CloseKind::kClientFin:
      return "client-fin";
    case CloseKind::kClientReset:
      return "client-reset";
    case CloseKind::kClientTlsClose:
      return "client-tls-close";
    case CloseKind::kTlsTruncated:
      return "tls-truncated";
    case CloseKind::kServerClosed:
      return "server-closed";
    case CloseKind::kServerTimeout:
      return "server-timeout";
    case CloseKind::kServerStopped:
      return "server-stopped";
  }
  return "unknown";
}

}  // namespace gauntlet::fake
