#include "fake_servers/transcript.h"

#include <optional>
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

std::string_view SmtpEventKindName(SmtpEvent::Kind kind) {
  switch (kind) {
    case SmtpEvent::Kind::kCommand:
      return "command";
    case SmtpEvent::Kind::kReply:
      return "reply";
    case SmtpEvent::Kind::kAuthData:
      return "auth-data";
    case SmtpEvent::Kind::kCredentials:
      return "credentials";
    case SmtpEvent::Kind::kMessage:
      return "message";
    case SmtpEvent::Kind::kBadLine:
      return "bad-line";
    case SmtpEvent::Kind::kInjected:
      return "injected";
    case SmtpEvent::Kind::kReplyWithheld:
      return "reply-withheld";
    case SmtpEvent::Kind::kReplyDelayed:
      return "reply-delayed";
  }
  return "unknown";
}

std::string_view TlsVersionName(TlsVersion version) {
  switch (version) {
    case TlsVersion::kSsl3:
      return "SSLv3";
    case TlsVersion::kTls10:
      return "TLSv1";
    case TlsVersion::kTls11:
      return "TLSv1.1";
    case TlsVersion::kTls12:
      return "TLSv1.2";
    case TlsVersion::kTls13:
      return "TLSv1.3";
  }
  return "unknown";
}

std::string_view CipherSetName(CipherSet set) {
  switch (set) {
    case CipherSet::kModern:
      return "modern";
    case CipherSet::kWeakOnly:
      return "weak-only";
  }
  return "unknown";
}

std::string_view CertFlawName(CertFlaw flaw) {
  switch (flaw) {
    case CertFlaw::kExpired:
      return "expired";
    case CertFlaw::kNotYetValid:
      return "not-yet-valid";
    case CertFlaw::kNameMismatch:
      return "name-mismatch";
    case CertFlaw::kSelfSigned:
      return "self-signed";
    case CertFlaw::kUntrustedRoot:
      return "untrusted-root";
    case CertFlaw::kMissingIntermediate:
      return "missing-intermediate";
    case CertFlaw::kCommonNameOnly:
      return "common-name-only";
    case CertFlaw::kLeafIsCa:
      return "leaf-is-ca";
    case CertFlaw::kIntermediateNotCa:
      return "intermediate-not-ca";
    case CertFlaw::kWrongEku:
      return "wrong-eku";
    case CertFlaw::kWeakKey:
      return "weak-key";
    case CertFlaw::kSha1Signature:
      return "sha1-signature";
    case CertFlaw::kExpiredIntermediate:
      return "expired-intermediate";
  }
  return "unknown";
}

std::string_view CertFlawPhrase(CertFlaw flaw) {
  switch (flaw) {
    case CertFlaw::kExpired:
      return "expired";
    case CertFlaw::kNotYetValid:
      return "not yet valid";
    case CertFlaw::kNameMismatch:
      return "for another host name";
    case CertFlaw::kSelfSigned:
      return "self-signed";
    case CertFlaw::kUntrustedRoot:
      return "from an untrusted root";
    case CertFlaw::kMissingIntermediate:
      return "served without its intermediate";
    case CertFlaw::kCommonNameOnly:
      return "naming the host only in its CN (no SAN)";
    case CertFlaw::kLeafIsCa:
      return "a CA certificate used as the server certificate";
    case CertFlaw::kIntermediateNotCa:
      return "issued by a non-CA intermediate";
    case CertFlaw::kWrongEku:
      return "not valid for TLS servers (EKU)";
    case CertFlaw::kWeakKey:
      return "with a weak key";
    case CertFlaw::kSha1Signature:
      return "SHA-1-signed";
    case CertFlaw::kExpiredIntermediate:
      return "with an expired intermediate";
  }
  return "bad";
}

std::string_view TlsFaultName(TlsFault fault) {
  switch (fault) {
    case TlsFault::kCloseBeforeHandshake:
      return "close-before-handshake";
    case TlsFault::kResetBeforeHandshake:
      return "reset-before-handshake";
    case TlsFault::kStall:
      return "stall";
    case TlsFault::kPlaintextInsteadOfServerHello:
      return "plaintext-instead-of-server-hello";
    case TlsFault::kFatalAlert:
      return "fatal-alert";
    case TlsFault::kPartialFlightThenClose:
      return "partial-flight-then-close";
    case TlsFault::kCloseAfterHandshake:
      return "close-after-handshake";
  }
  return "unknown";
}

std::string_view FaultPointName(FaultPoint point) {
  switch (point) {
    case FaultPoint::kBeforeClientHello:
      return "before-client-hello";
    case FaultPoint::kAfterClientHello:
      return "after-client-hello";
    case FaultPoint::kInFirstFlight:
      return "in-first-flight";
    case FaultPoint::kAfterHandshake:
      return "after-handshake";
  }
  return "unknown";
}

namespace {

// Inverts a *Name function over the enum's values [0, count).
template <typename Enum>
std::optional<Enum> FromName(std::string_view name, int count,
                             std::string_view (*name_of)(Enum)) {
  for (int i = 0; i < count; ++i) {
    const Enum value = static_cast<Enum>(i);
    if (name_of(value) == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<SessionPhase> PhaseFromName(std::string_view name) {
  return FromName<SessionPhase>(name, 6, PhaseName);
}
std::optional<Channel> ChannelFromName(std::string_view name) {
  return FromName<Channel>(name, 3, ChannelName);
}
std::optional<HandshakeOutcome> HandshakeOutcomeFromName(
    std::string_view name) {
  return FromName<HandshakeOutcome>(name, 7, HandshakeOutcomeName);
}
std::optional<CloseKind> CloseKindFromName(std::string_view name) {
  return FromName<CloseKind>(name, 8, CloseKindName);
}
std::optional<SmtpEvent::Kind> SmtpEventKindFromName(std::string_view name) {
  return FromName<SmtpEvent::Kind>(name, 9, SmtpEventKindName);
}
std::optional<TlsVersion> TlsVersionFromName(std::string_view name) {
  return FromName<TlsVersion>(name, 5, TlsVersionName);
}
std::optional<CipherSet> CipherSetFromName(std::string_view name) {
  return FromName<CipherSet>(name, 2, CipherSetName);
}
std::optional<CertFlaw> CertFlawFromName(std::string_view name) {
  return FromName<CertFlaw>(name, 13, CertFlawName);
}
std::optional<TlsFault> TlsFaultFromName(std::string_view name) {
  return FromName<TlsFault>(name, 7, TlsFaultName);
}
std::optional<FaultPoint> FaultPointFromName(std::string_view name) {
  return FromName<FaultPoint>(name, 4, FaultPointName);
}

}  // namespace gauntlet::fake
