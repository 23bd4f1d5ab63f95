// The TLS side of Session: the handshake after an accepted STARTTLS, every
// HandshakeFault, TLS records once established, and the linger after a
// failed handshake.

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fake_servers/server/session.h"
#include "tls/tls_names.h"

namespace gauntlet::fake::server {
namespace {

constexpr std::size_t kNotARecord = static_cast<std::size_t>(-1);

// Size of the complete TLS record at the start of `bytes`; 0 while it is
// incomplete; kNotARecord when its header cannot be TLS.
std::size_t CompleteRecordLength(std::string_view bytes) {
  if (bytes.empty()) return 0;
  const auto type = static_cast<std::uint8_t>(bytes[0]);
  if (type < tls::kContentChangeCipherSpec || type > tls::kContentHeartbeat) {
    return kNotARecord;
  }
  if (bytes.size() < 2) return 0;
  if (bytes[1] != 3) return kNotARecord;
  if (bytes.size() < tls::kRecordHeaderSize) return 0;
  const std::size_t length =
      (static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[3])) << 8) |
      static_cast<std::uint8_t>(bytes[4]);
  if (length > tls::kMaxRecordPayload) return kNotARecord;
  const std::size_t total = tls::kRecordHeaderSize + length;
  return bytes.size() >= total ? total : 0;
}

HandshakeOutcome OutcomeOf(tls::FailureKind kind) {
  switch (kind) {
    case tls::FailureKind::kNonTls:
      return HandshakeOutcome::kNotTls;
    case tls::FailureKind::kPeerCloseNotify:
    case tls::FailureKind::kTruncated:
      return HandshakeOutcome::kClientClosed;
    default:
      return HandshakeOutcome::kFailed;
  }
}

std::vector<TlsVersion> VersionsOf(TlsVersions versions) {
  switch (versions) {
    case TlsVersions::kDefault:
      return {TlsVersion::kTls12, TlsVersion::kTls13};
    case TlsVersions::kTls13Only:
      return {TlsVersion::kTls13};
    case TlsVersions::kTls12Only:
      return {TlsVersion::kTls12};
    case TlsVersions::kTls11Only:
      return {TlsVersion::kTls11};
  }
  return {};
}

CipherSet CiphersOf(CipherPolicy policy) {
  return policy == CipherPolicy::kWeakOnly ? CipherSet::kWeakOnly
                                           : CipherSet::kModern;
}

ClientHelloFacts FactsOf(const tls::ClientHello& hello) {
  ClientHelloFacts facts;
  facts.sni = hello.server_name.value_or("");
  facts.offered_versions = hello.OfferedVersionNames();
  facts.offered_suites = hello.CipherSuiteNames();
  return facts;
}

}  // namespace

void Session::FailHandshake(HandshakeOutcome outcome, std::string failure) {
  rec_.Tls([&](TlsFacts& t) {
    t.outcome = outcome;
    t.failure = std::move(failure);
  });
}

void Session::InjectFault(TlsFault kind, FaultPoint where,
                          std::string failure) {
  const int64_t now = rec_.NowUs();
  rec_.Tls([&](TlsFacts& t) {
    t.fault = InjectedFault{kind, where, now, failure};
  });
  FailHandshake(HandshakeOutcome::kFaultInjected,
                absl::StrCat("injected: ", failure));
}

// --- Starting --------------------------------------------------------------

void Session::ResetHandshakeState() {
  hello_ = tls::ClientHelloReader();
  hello_done_ = false;
  handshake_bytes_seen_ = false;
  tls_.reset();
  tls_dead_ = false;
  eof_fed_to_tls_ = false;
  tls_records_ = tls::RecordScanner();
  tls_offset_ = 0;
  tls_abandoned_ = false;
  linger_records_ = tls::RecordScanner();
  linger_plaintext_ = false;
  linger_offset_ = 0;
  linger_alerts_seen_ = 0;
  if (absolute_deadline_) {
    absolute_deadline_ = false;
    ArmIdleDeadline();
  }
}

void Session::BeginHandshake() {
  FailHandshake(HandshakeOutcome::kNoClientHello, "");
  rec_.Tls([&](TlsFacts& t) {
    t.server_versions = VersionsOf(behavior_.tls_versions);
    t.server_ciphers = CiphersOf(behavior_.cipher_policy);
  });
  switch (behavior_.handshake_fault) {
    case HandshakeFault::kCloseBeforeHandshake:
      InjectFault(TlsFault::kCloseBeforeHandshake,
                  FaultPoint::kBeforeClientHello, "FIN instead of a handshake");
      HalfClose();
      EnterLinger(/*absolute_deadline=*/true);
      return;
    case HandshakeFault::kResetBeforeHandshake:
      InjectFault(TlsFault::kResetBeforeHandshake,
                  FaultPoint::kBeforeClientHello, "RST instead of a handshake");
      ResetConnection();
      return;
    default:
      break;
  }
  PumpHandshake();
}

void Session::OnHandshakeBytes(std::string_view bytes) {
  // Recorded when consumed, once it is known whether they are TLS records
  // or the plaintext of a client that gave up on TLS.
  handshake_bytes_seen_ = true;
  if (!hello_.done()) hello_.Feed(bytes);
  hs_in_.append(bytes);
  PumpHandshake();
}

std::string Session::TakeHandshakeBytes(std::size_t n) {
  n = std::min(n, hs_in_.size());
  std::string taken = hs_in_.substr(0, n);
  hs_in_.erase(0, n);
  return taken;
}

void Session::PumpHandshake() {
  if (closed_ || busy_ || mode_ != Mode::kHandshake) return;
  if (!hello_done_) {
    const tls::ClientHelloResult& result = hello_.result();
    switch (result.status) {
      case tls::ClientHelloStatus::kNeedMoreBytes:
        if (peer_eof_) FinishHandshakeAtEof();
        return;
      case tls::ClientHelloStatus::kNotTls:
        FailHandshake(HandshakeOutcome::kNotTls, result.error);
        linger_plaintext_ = true;
        EnterLinger(/*absolute_deadline=*/true);
        return;
      case tls::ClientHelloStatus::kComplete:
        rec_.Tls([&](TlsFacts& t) { t.client_hello = FactsOf(result.hello); });
        break;
      case tls::ClientHelloStatus::kMalformed:
        break;  // wolfSSL (or the fault) deals with it.
    }
    hello_done_ = true;
    OnClientHelloDone();
    return;
  }
  if (tls_ && !tls_dead_) {
    DriveTls();
  } else if (peer_eof_) {
    FinishHandshakeAtEof();
  }
}

void Session::FinishHandshakeAtEof() {
  if (!handshake_bytes_seen_) {
    FailHandshake(HandshakeOutcome::kNoClientHello,
                  "the client closed without sending a ClientHello");
  } else {
    FailHandshake(HandshakeOutcome::kClientClosed,
                  "the client closed during the handshake");
  }
  Close(EofCloseKind());
}

void Session::RecordClientHelloBytes() {
  const tls::ClientHelloResult& result = hello_.result();
  const std::size_t n = result.status == tls::ClientHelloStatus::kComplete
                            ? result.hello.wire_length
                            : hs_in_.size();
  RecordIn(Channel::kTlsRecords, SessionPhase::kHandshake,
           TakeHandshakeBytes(n));
}

void Session::OnClientHelloDone() {
  switch (behavior_.handshake_fault) {
    case HandshakeFault::kStall:
      InjectFault(TlsFault::kStall, FaultPoint::kAfterClientHello,
                  "stalled after the ClientHello");
      RecordClientHelloBytes();
      EnterLinger(/*absolute_deadline=*/false);
      return;
    case HandshakeFault::kPlaintextInsteadOfServerHello: {
      InjectFault(TlsFault::kPlaintextInsteadOfServerHello,
                  FaultPoint::kAfterClientHello,
                  "plaintext \"250 OK\" instead of a ServerHello");
      RecordClientHelloBytes();
      std::string reply = "250 OK\r\n";
      RecordOut(Channel::kPlaintext, SessionPhase::kHandshake, reply);
      busy_ = true;
      DoWrite(std::move(reply), [this] {
        busy_ = false;
        EnterLinger(/*absolute_deadline=*/true);
      });
      return;
    }
    case HandshakeFault::kFatalAlert: {
      InjectFault(TlsFault::kFatalAlert, FaultPoint::kAfterClientHello,
                  "fatal handshake_failure alert instead of a ServerHello");
      RecordClientHelloBytes();
      std::string alert = tls::BuildAlertRecord(tls::AlertLevel::kFatal,
                                                tls::kAlertHandshakeFailure);
      rec_.Tls([](TlsFacts& t) {
        t.alerts_sent.push_back(
            tls::TlsAlert{2, tls::kAlertHandshakeFailure, false}.ToString());
      });
      RecordOut(Channel::kTlsRecords, SessionPhase::kHandshake, alert);
      busy_ = true;
      DoWrite(std::move(alert), [this] {
        busy_ = false;
        HalfClose();
        EnterLinger(/*absolute_deadline=*/true);
      });
      return;
    }
    default:
      break;
  }
  absl::StatusOr<std::shared_ptr<const tls::TlsContext>> context =
      env_.tls_contexts->Get(behavior_);
  absl::StatusOr<tls::TlsSession> session =
      context.ok() ? tls::TlsSession::Create(**context)
                   : absl::StatusOr<tls::TlsSession>(context.status());
  if (!session.ok()) {
    FailHandshake(
        HandshakeOutcome::kFailed,
        absl::StrCat("server TLS setup failed: ", session.status().ToString()));
    RecordClientHelloBytes();
    EnterLinger(/*absolute_deadline=*/true);
    return;
  }
  if (absl::StatusOr<ServedCertificate> served =
          env_.tls_contexts->Certificate(behavior_);
      served.ok()) {
    served->t_us = rec_.NowUs();
    rec_.Tls([&](TlsFacts& t) { t.certificate = std::move(*served); });
  }
  tls_.emplace(std::move(*session));
  DriveTls();
}

// --- wolfSSL ---------------------------------------------------------------

void Session::DriveTls() {
  // One record at a time: when the handshake fails, whatever the client
  // sent after the failing record is still ours to read as plaintext.
  std::string flight;
  for (;;) {
    const std::size_t n = CompleteRecordLength(hs_in_);
    if (n == kNotARecord) {
      tls_dead_ = true;
      FailHandshake(HandshakeOutcome::kNotTls,
                    tls::DescribeNonTlsBytes(hs_in_));
      SendTlsFlight(std::move(flight),
                    [this] { EnterLinger(/*absolute_deadline=*/true); });
      return;
    }
    if (n == 0) break;
    std::string record = TakeHandshakeBytes(n);
    RecordIn(Channel::kTlsRecords, SessionPhase::kHandshake, record);
    if (absl::Status s = tls_->FeedCiphertext(record); !s.ok()) {
      tls_dead_ = true;
      FailHandshake(HandshakeOutcome::kFailed, s.ToString());
      SendTlsFlight(std::move(flight),
                    [this] { EnterLinger(/*absolute_deadline=*/true); });
      return;
    }
    if (!StepHandshake(flight)) return;
  }
  if (peer_eof_ && !eof_fed_to_tls_) {
    tls_->FeedEndOfStream();
    eof_fed_to_tls_ = true;
    if (!StepHandshake(flight)) return;
  }
  if (!flight.empty()) {
    SendTlsFlight(std::move(flight), [this] { PumpHandshake(); });
    return;
  }
  if (peer_eof_) FinishHandshakeAtEof();
}

bool Session::StepHandshake(std::string& flight) {
  absl::StatusOr<tls::HandshakeProgress> progress = tls_->Handshake();
  flight += tls_->TakeCiphertextToSend();
  if (!progress.ok()) {
    OnTlsHandshakeError(std::move(flight));
    return false;
  }
  if (behavior_.handshake_fault == HandshakeFault::kPartialFlightThenClose &&
      !flight.empty()) {
    const std::size_t full = flight.size();
    flight.resize(std::min(full, behavior_.partial_flight_bytes));
    InjectFault(TlsFault::kPartialFlightThenClose, FaultPoint::kInFirstFlight,
                absl::StrCat("sent ", flight.size(), " of the ", full,
                             " bytes of the first flight, then FIN"));
    tls_dead_ = true;
    SendTlsFlight(std::move(flight), [this] {
      HalfClose();
      EnterLinger(/*absolute_deadline=*/true);
    });
    return false;
  }
  if (*progress == tls::HandshakeProgress::kComplete) {
    OnHandshakeComplete(std::move(flight));
    return false;
  }
  return true;
}

void Session::SendTlsFlight(std::string flight, std::function<void()> then) {
  if (flight.empty()) {
    then();
    return;
  }
  RecordOut(Channel::kTlsRecords, phase_, flight);
  busy_ = true;
  DoWrite(std::move(flight), [this, then = std::move(then)] {
    busy_ = false;
    then();
  });
}

void Session::OnTlsHandshakeError(std::string flight) {
  const tls::TlsFailure& failure = tls_->failure();
  tls_dead_ = true;
  peer_alert_seen_ = failure.peer_alert.has_value();
  rec_.Tls([&](TlsFacts& t) {
    t.outcome = OutcomeOf(failure.kind);
    t.failure = failure.message;
    if (failure.peer_alert) {
      t.alerts_received.push_back(failure.peer_alert->ToString());
    }
    if (failure.sent_alert) {
      t.alerts_sent.push_back(failure.sent_alert->ToString());
    }
  });
  if (peer_eof_) {
    Close(EofCloseKind());
    return;
  }
  SendTlsFlight(std::move(flight),
                [this] { EnterLinger(/*absolute_deadline=*/true); });
}

void Session::OnHandshakeComplete(std::string flight) {
  const std::optional<tls::SessionFacts>& facts = tls_->facts();
  rec_.Tls([&](TlsFacts& t) {
    t.outcome = HandshakeOutcome::kCompleted;
    t.failure.clear();
    if (facts) {
      t.version = facts->version;
      t.cipher = facts->cipher_suite_name;
    }
    t.handshake_done_us = rec_.NowUs();
  });
  if (behavior_.handshake_fault == HandshakeFault::kCloseAfterHandshake) {
    const int64_t now = rec_.NowUs();
    rec_.Tls([&](TlsFacts& t) {
      t.failure = "injected: connection closed right after the handshake";
      t.fault = InjectedFault{TlsFault::kCloseAfterHandshake,
                              FaultPoint::kAfterHandshake, now,
                              "connection closed right after the handshake"};
    });
    no_more_reads_ = true;
    SendTlsFlight(std::move(flight), [this] {
      HalfClose();
      Close(CloseKind::kServerClosed);
    });
    return;
  }
  mode_ = Mode::kTls;
  layer_ = Layer::kTls;
  phase_ = SessionPhase::kTls;
  responder_.OnTlsStarted();
  lines_.Reset();
  expect_ = Expect::kCommand;
  DropSmtpInput();
  SendTlsFlight(std::move(flight), [this] { Pump(); });
  // Records the client sent right after its Finished (its EHLO, often).
  std::string early = TakeHandshakeBytes(hs_in_.size());
  if (!early.empty()) OnTlsRecordBytes(early);
}

// --- Established TLS -------------------------------------------------------

void Session::OnTlsRecordBytes(std::string_view bytes) {
  if (tls_abandoned_) {
    // Kept for the linger, which records it once it is known what it is.
    hs_in_.append(bytes);
    Pump();
    return;
  }
  // A client that gives up on TLS may go on in plaintext on this socket
  // (RFC 3207 §6 warns of exactly that); its plaintext must never reach
  // the engine, which would only call it a bad record.
  const std::uint64_t start = tls_offset_;
  tls_offset_ += bytes.size();
  tls_records_.Feed(bytes);
  std::string_view records = bytes;
  if (tls_records_.non_tls()) {
    const std::uint64_t at = tls_records_.non_tls()->offset;
    const std::size_t split =
        at <= start ? 0
                    : static_cast<std::size_t>(
                          std::min<std::uint64_t>(at - start, bytes.size()));
    records = bytes.substr(0, split);
    hs_in_.append(bytes.substr(split));
    tls_abandoned_ = true;
    rec_.Tls([&](TlsFacts& t) {
      if (t.failure.empty()) {
        t.failure = absl::StrCat("after the handshake: ",
                                 tls_records_.non_tls()->description);
      }
    });
  }
  RecordIn(Channel::kTlsRecords, SessionPhase::kTls, records);
  if (!tls_dead_ && !records.empty()) {
    if (absl::Status s = tls_->FeedCiphertext(records); !s.ok()) {
      OnTlsAppError();
    }
  }
  Pump();
}

void Session::DrainPlaintext() {
  constexpr std::size_t kMaxBacklog = 64 * 1024;
  while (!tls_dead_ && !closed_ && smtp_in_.size() < kMaxBacklog) {
    absl::StatusOr<tls::ReadResult> read = tls_->ReadPlaintext(16 * 1024);
    if (!read.ok()) {
      OnTlsAppError();
      return;
    }
    if (read->event == tls::ReadEvent::kCloseNotify) {
      // A clean end: answer what is pending, then close (kClientTlsClose).
      peer_eof_ = true;
      return;
    }
    if (read->event != tls::ReadEvent::kData) return;
    RecordIn(Channel::kTlsApp, SessionPhase::kTls, read->plaintext);
    AppendSmtpInput(read->plaintext);
  }
}

void Session::OnTlsAppError() {
  const tls::TlsFailure& failure = tls_->failure();
  tls_dead_ = true;
  if (failure.peer_alert) peer_alert_seen_ = true;
  rec_.Tls([&](TlsFacts& t) {
    if (failure.peer_alert) {
      t.alerts_received.push_back(failure.peer_alert->ToString());
    }
    // Truncation shows in the close kind; other failures are worth words.
    if (failure.kind != tls::FailureKind::kTruncated &&
        failure.kind != tls::FailureKind::kPeerAlert && t.failure.empty()) {
      t.failure = absl::StrCat("after the handshake: ", failure.message);
    }
  });
  // Truncation is the end of the stream; anything else leaves a client
  // that may still talk, in plaintext.
  if (failure.kind != tls::FailureKind::kTruncated) tls_abandoned_ = true;
}

void Session::AbandonTls() {
  // What TLS delivered but never completed a line is not a command.
  smtp_in_.clear();
  tls_dead_ = true;
  EnterLinger(/*absolute_deadline=*/true);
}

void Session::OnTlsEof() {
  if (tls_ && !tls_dead_ && !eof_fed_to_tls_) {
    tls_->FeedEndOfStream();
    eof_fed_to_tls_ = true;
  }
  Pump();
}

// --- Linger after a failed handshake ---------------------------------------

void Session::EnterLinger(bool absolute_deadline) {
  mode_ = Mode::kLinger;
  layer_ = Layer::kPlaintext;
  phase_ = SessionPhase::kAfterTlsFailure;
  expect_ = Expect::kCommand;
  lines_.Reset();
  data_.reset();
  responder_.OnTlsFailed();
  if (absolute_deadline) {
    if (behavior_.linger_after_tls_failure.count() <= 0) {
      Close(server_fin_sent_ ? CloseKind::kServerClosed
                             : CloseKind::kServerTimeout);
      return;
    }
    ArmAbsoluteDeadline(behavior_.linger_after_tls_failure);
  }
  // Whatever the handshake did not consume is read as the linger's input.
  std::string rest = TakeHandshakeBytes(hs_in_.size());
  if (!rest.empty()) {
    OnLingerBytes(rest);
  } else {
    Pump();
  }
}

void Session::OnLingerBytes(std::string_view bytes) {
  if (linger_plaintext_) {
    OnSmtpBytes(bytes);
    return;
  }
  const std::uint64_t start = linger_offset_;
  linger_offset_ += bytes.size();
  linger_records_.Feed(bytes);
  RecordLingerAlerts();
  if (!linger_records_.non_tls()) {
    RecordIn(Channel::kTlsRecords, SessionPhase::kAfterTlsFailure, bytes);
    return;
  }
  // The client stopped speaking TLS: the rest is (probably) plaintext SMTP.
  const std::uint64_t at = linger_records_.non_tls()->offset;
  const std::size_t split =
      at <= start ? 0
                  : static_cast<std::size_t>(
                        std::min<std::uint64_t>(at - start, bytes.size()));
  RecordIn(Channel::kTlsRecords, SessionPhase::kAfterTlsFailure,
           bytes.substr(0, split));
  linger_plaintext_ = true;
  OnSmtpBytes(bytes.substr(split));
}

void Session::RecordLingerAlerts() {
  const std::vector<tls::TlsAlert>& alerts = linger_records_.plaintext_alerts();
  if (alerts.size() <= linger_alerts_seen_) return;
  rec_.Tls([&](TlsFacts& t) {
    for (std::size_t i = linger_alerts_seen_; i < alerts.size(); ++i) {
      t.alerts_received.push_back(alerts[i].ToString());
    }
  });
  linger_alerts_seen_ = alerts.size();
}

}  // namespace gauntlet::fake::server
