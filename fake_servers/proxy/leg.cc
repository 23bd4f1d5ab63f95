#include "fake_servers/proxy/leg.h"

#include <sys/socket.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace gauntlet::proxy {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::string AlertText(const tls::TlsAlert& alert) { return alert.ToString(); }

}  // namespace

Leg::Leg(Fd fd, Side side, fake::server::ConnectionRecorder recorder,
         Limits limits, int stop_fd)
    : fd_(std::move(fd)),
      side_(side),
      rec_(recorder),
      limits_(limits),
      stop_fd_(stop_fd) {}

fake::Direction Leg::Inbound() const {
  return side_ == Side::kClient ? fake::Direction::kClientToServer
                                : fake::Direction::kServerToClient;
}

fake::Direction Leg::Outbound() const {
  return side_ == Side::kClient ? fake::Direction::kServerToClient
                                : fake::Direction::kClientToServer;
}

void Leg::RecordIn(fake::Channel channel, std::string_view bytes) {
  if (!bytes.empty()) rec_.Wire(Inbound(), channel, phase_, bytes);
}

void Leg::RecordOut(fake::Channel channel, std::string_view bytes) {
  if (!bytes.empty()) rec_.Wire(Outbound(), channel, phase_, bytes);
}

void Leg::RecordEvent(fake::SmtpEvent event) {
  event.phase = phase_;
  event.channel = app_channel();
  rec_.Event(std::move(event));
}

void Leg::SetOpaque() {
  opaque_ = true;
  phase_ = fake::SessionPhase::kTls;
}

absl::Status Leg::SendPendingCiphertext() {
  if (!tls_.has_value()) return absl::OkStatus();
  const std::string out = tls_->TakeCiphertextToSend();
  if (out.empty()) return absl::OkStatus();
  RecordOut(fake::Channel::kTlsRecords, out);
  return WriteAll(fd_.get(), out, Deadline(), stop_fd_);
}

absl::Status Leg::DrainPlaintext() {
  for (;;) {
    absl::StatusOr<tls::ReadResult> r = tls_->ReadPlaintext(65536);
    if (!r.ok()) {
      const tls::TlsFailure& f = tls_->failure();
      rec_.Tls([&](fake::TlsFacts& facts) {
        if (f.peer_alert.has_value()) {
          facts.alerts_received.push_back(AlertText(*f.peer_alert));
        }
      });
      if (f.kind == tls::FailureKind::kTruncated) {
        eof_ = true;
        Close(fake::CloseKind::kTlsTruncated);
      }
      return absl::AbortedError(
          absl::StrCat("TLS: ", f.message.empty() ? r.status().message()
                                                  : f.message));
    }
    if (r->event == tls::ReadEvent::kData) {
      RecordIn(fake::Channel::kTlsApp, r->plaintext);
      inbox_ += r->plaintext;
      if (inbox_.size() > limits_.max_buffered_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "peer sent more than ", limits_.max_buffered_bytes,
            " bytes ahead of the relay"));
      }
      continue;
    }
    if (r->event == tls::ReadEvent::kCloseNotify) {
      eof_ = true;
    }
    break;
  }
  return SendPendingCiphertext();
}

absl::Status Leg::Pump() {
  absl::StatusOr<std::string> got = ReadSome(fd_.get(), kReadChunk);
  if (!got.ok()) {
    if (absl::IsUnavailable(got.status())) return absl::OkStatus();
    eof_ = true;
    Close(side_ == Side::kClient ? fake::CloseKind::kClientReset
                                 : fake::CloseKind::kServerClosed);
    return got.status();
  }
  if (got->empty()) {
    eof_ = true;
    if (tls_.has_value() && !opaque_) {
      tls_->FeedEndOfStream();
      // Truncation inside TLS is reported by DrainPlaintext.
      if (!tls_->close_notify_received()) {
        Close(fake::CloseKind::kTlsTruncated);
      } else {
        Close(side_ == Side::kClient ? fake::CloseKind::kClientTlsClose
                                     : fake::CloseKind::kServerClosed);
      }
      return absl::OkStatus();
    }
    Close(side_ == Side::kClient ? fake::CloseKind::kClientFin
                                 : fake::CloseKind::kServerClosed);
    return absl::OkStatus();
  }
  if (tls_.has_value() && !opaque_) {
    RecordIn(fake::Channel::kTlsRecords, *got);
    GAUNTLET_RETURN_IF_ERROR(tls_->FeedCiphertext(*got));
    return DrainPlaintext();
  }
  RecordIn(opaque_ ? fake::Channel::kTlsRecords : fake::Channel::kPlaintext,
           *got);
  inbox_ += *got;
  if (inbox_.size() > limits_.max_buffered_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("peer sent more than ", limits_.max_buffered_bytes,
                     " bytes ahead of the relay"));
  }
  return absl::OkStatus();
}

absl::Status Leg::WaitAndPump() {
  const int fds[1] = {fd_.get()};
  bool ready[1];
  switch (WaitReadable(fds, ready, 1, Deadline(), stop_fd_)) {
    case WaitResult::kStopped:
      return absl::CancelledError("proxy stopping");
    case WaitResult::kTimeout:
      return absl::DeadlineExceededError(absl::StrCat(
          side_ == Side::kClient ? "client" : "upstream", " silent for ",
          limits_.io_timeout.count(), " ms"));
    case WaitResult::kReady:
      break;
  }
  return Pump();
}

absl::Status Leg::Write(std::string_view bytes) {
  if (bytes.empty()) return absl::OkStatus();
  if (tls_.has_value() && !opaque_) {
    RecordOut(fake::Channel::kTlsApp, bytes);
    GAUNTLET_RETURN_IF_ERROR(tls_->WritePlaintext(bytes));
    return SendPendingCiphertext();
  }
  RecordOut(opaque_ ? fake::Channel::kTlsRecords : fake::Channel::kPlaintext,
            bytes);
  return WriteAll(fd_.get(), bytes, Deadline(), stop_fd_);
}

absl::Status Leg::StartTls(const tls::TlsContext& context,
                           tls::SessionConfig config) {
  config.max_buffered_inbound = limits_.max_buffered_bytes;
  GAUNTLET_ASSIGN_OR_RETURN(tls::TlsSession session,
                            tls::TlsSession::Create(context, config));
  tls_.emplace(std::move(session));
  phase_ = fake::SessionPhase::kHandshake;

  // The peer's first handshake bytes may already be here (pipelined).
  std::string early;
  early.swap(inbox_);
  if (!early.empty()) GAUNTLET_RETURN_IF_ERROR(tls_->FeedCiphertext(early));

  const Clock::time_point deadline = Deadline();
  absl::Status result = absl::OkStatus();
  for (;;) {
    absl::StatusOr<tls::HandshakeProgress> p = tls_->Handshake();
    const absl::Status sent = SendPendingCiphertext();
    if (!p.ok()) {
      result = absl::AbortedError(absl::StrCat(
          "TLS handshake failed: ", tls_->failure().message.empty()
                                        ? p.status().message()
                                        : tls_->failure().message));
      break;
    }
    if (!sent.ok()) {
      result = sent;
      break;
    }
    if (*p == tls::HandshakeProgress::kComplete) break;
    const int fds[1] = {fd_.get()};
    bool ready[1];
    const WaitResult w = WaitReadable(fds, ready, 1, deadline, stop_fd_);
    if (w == WaitResult::kStopped) {
      result = absl::CancelledError("proxy stopping");
      break;
    }
    if (w == WaitResult::kTimeout) {
      result = absl::DeadlineExceededError("TLS handshake timed out");
      break;
    }
    absl::StatusOr<std::string> got = ReadSome(fd_.get(), kReadChunk);
    if (!got.ok()) {
      if (absl::IsUnavailable(got.status())) continue;
      result = absl::AbortedError(absl::StrCat(
          "TLS handshake: connection reset (", got.status().message(), ")"));
      break;
    }
    if (got->empty()) {
      tls_->FeedEndOfStream();
      eof_ = true;
      continue;  // The next Handshake() reports the closed transport.
    }
    RecordIn(fake::Channel::kTlsRecords, *got);
    absl::Status fed = tls_->FeedCiphertext(*got);
    if (!fed.ok()) {
      result = fed;
      break;
    }
  }

  const tls::TlsFailure failure = tls_->failure();
  const std::optional<tls::SessionFacts> facts = tls_->facts();
  const tls::ClientHelloResult hello = tls_->client_hello();
  const int64_t now = rec_.NowUs();
  rec_.Tls([&](fake::TlsFacts& t) {
    if (hello.status == tls::ClientHelloStatus::kComplete) {
      fake::ClientHelloFacts ch;
      ch.sni = hello.hello.server_name.value_or("");
      ch.offered_versions = hello.hello.OfferedVersionNames();
      ch.offered_suites = hello.hello.CipherSuiteNames();
      t.client_hello = std::move(ch);
    }
    if (result.ok()) {
      t.outcome = fake::HandshakeOutcome::kCompleted;
      t.handshake_done_us = now;
      if (facts.has_value()) {
        t.version = facts->version;
        t.cipher = facts->cipher_suite_name;
      }
    } else {
      t.outcome = eof_ ? fake::HandshakeOutcome::kClientClosed
                       : fake::HandshakeOutcome::kFailed;
      t.failure = std::string(result.message());
      if (failure.peer_alert.has_value()) {
        t.alerts_received.push_back(AlertText(*failure.peer_alert));
      }
      if (failure.sent_alert.has_value()) {
        t.alerts_sent.push_back(AlertText(*failure.sent_alert));
      }
    }
  });
  if (!result.ok()) {
    phase_ = fake::SessionPhase::kAfterTlsFailure;
    return result;
  }
  phase_ = fake::SessionPhase::kTls;
  return DrainPlaintext();
}

void Leg::ShutdownWrite() {
  if (write_shut_ || !fd_.valid()) return;
  write_shut_ = true;
  if (tls_.has_value() && tls_->handshake_complete() && !opaque_) {
    if (tls_->Shutdown().ok()) {
      const std::string out = tls_->TakeCiphertextToSend();
      RecordOut(fake::Channel::kTlsRecords, out);
      // Best effort: the peer may already be gone.
      (void)WriteAll(fd_.get(), out, Clock::now() + std::chrono::seconds(1),
                     stop_fd_);
    }
  }
  ::shutdown(fd_.get(), SHUT_WR);
}

void Leg::RecordCertificate(fake::ServedCertificate certificate) {
  certificate.t_us = rec_.NowUs();
  rec_.Tls([&](fake::TlsFacts& t) { t.certificate = std::move(certificate); });
}

void Leg::Close(fake::CloseKind kind) { rec_.Close(kind); }

}  // namespace gauntlet::proxy
