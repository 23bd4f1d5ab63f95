#include "tls/tls_session.h"

// wolfSSL's build options must precede every other wolfSSL header.
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tls/tls_context_state.h"
#include "tls/tls_names.h"

namespace gauntlet::tls {
namespace {

constexpr std::size_t kMaxReadBytes = 65536;
constexpr std::size_t kWriteChunk = 16384;
constexpr std::size_t kMaxVerifyEvents = 8;
// Consumed inbound bytes are dropped once this many have piled up.
constexpr std::size_t kCompactThreshold = 65536;

std::string WolfError(int code) {
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf,
                             sizeof(buf));
  return absl::StrFormat("%s (%d)", buf, code);
}

// With WOLFSSL_ERROR_CODE_OPENSSL (the Debian build), the verify callback
// sees OpenSSL-style X509_V_ERR codes, and wolfSSL 5.5.4 maps its date
// errors to 13/14 (X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE/AFTER_FIELD) rather
// than 9/10 (CERT_NOT_YET_VALID / CERT_HAS_EXPIRED). All of them, and the
// native ASN_*_DATE_E codes, mean "outside the validity period" here.
bool IsNotYetValid(int error) {
  return error == ASN_BEFORE_DATE_E || error == 9 || error == 13;
}
bool IsExpired(int error) {
  return error == ASN_AFTER_DATE_E || error == 10 || error == 14;
}
bool IsDateError(int error) { return IsNotYetValid(error) || IsExpired(error); }

std::string VerifyReason(int error) {
  if (error < 0) return WolfError(error);
  const char* text = IsNotYetValid(error) ? "certificate is not yet valid"
                     : IsExpired(error)   ? "certificate has expired"
                                          : wolfSSL_X509_verify_cert_error_string(
                                                error);
  return absl::StrFormat("%s (X509_V_ERR %d)", text != nullptr ? text : "?",
                         error);
}

absl::Status StatusFor(FailureKind kind, const std::string& message) {
  switch (kind) {
    case FailureKind::kPeerAlert:
    case FailureKind::kPeerCloseNotify: return absl::AbortedError(message);
    case FailureKind::kTruncated: return absl::DataLossError(message);
    case FailureKind::kNonTls: return absl::InvalidArgumentError(message);
    case FailureKind::kCertificateRejected:
      return absl::UnauthenticatedError(message);
    case FailureKind::kProtocolError:
      return absl::FailedPreconditionError(message);
    case FailureKind::kNone: break;
  }
  return absl::InternalError(message);
}

}  // namespace

struct TlsSession::Impl {
  ~Impl() {
    if (ssl != nullptr) wolfSSL_free(ssl);
  }

  std::shared_ptr<TlsContext::State> context;
  WOLFSSL* ssl = nullptr;
  Role role = Role::kServer;
  SessionConfig config;

  std::string inbound;
  std::size_t inbound_pos = 0;
  bool end_of_stream = false;
  bool eof_delivered = false;  // wolfSSL was told the transport closed.
  std::string outbound;
  ByteObserver observer;
  RecordScanner scanner;           // The peer's stream.
  RecordScanner outbound_scanner;  // Ours: which alerts went out in clear.
  ClientHelloReader hello;

  SessionState state = SessionState::kHandshaking;
  TlsFailure failure;
  std::optional<SessionFacts> facts;
  bool close_notify_received = false;
  bool close_notify_sent = false;
  std::vector<VerifyEvent> verify_events;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;

  static int Recv(WOLFSSL* /*ssl*/, char* buf, int size, void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    const std::size_t available = self->inbound.size() - self->inbound_pos;
    if (available == 0) {
      if (self->end_of_stream) {
        self->eof_delivered = true;
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
      }
      return WOLFSSL_CBIO_ERR_WANT_READ;
    }
    const std::size_t n =
        std::min(available, static_cast<std::size_t>(std::max(size, 0)));
    std::memcpy(buf, self->inbound.data() + self->inbound_pos, n);
    self->inbound_pos += n;
    return static_cast<int>(n);
  }

  static int Send(WOLFSSL* /*ssl*/, char* buf, int size, void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    if (size <= 0) return 0;
    const std::string_view chunk(buf, static_cast<std::size_t>(size));
    self->outbound.append(chunk);
    self->outbound_scanner.Feed(chunk);
    self->bytes_out += chunk.size();
    if (self->observer) self->observer(Direction::kOutbound, chunk);
    return size;
  }

  absl::Status FailureStatus() const {
    return StatusFor(failure.kind, failure.message);
  }

  std::optional<TlsAlert> PeerFatalAlert() const {
    for (auto it = scanner.plaintext_alerts().rbegin();
         it != scanner.plaintext_alerts().rend(); ++it) {
      if (it->fatal() || it->description == kAlertCloseNotify) return *it;
    }
    WOLFSSL_ALERT_HISTORY history{};
    if (wolfSSL_get_alert_history(ssl, &history) == WOLFSSL_SUCCESS &&
        history.last_rx.code >= 0 && history.last_rx.level > 0) {
      return TlsAlert{static_cast<std::uint8_t>(history.last_rx.level),
                      static_cast<std::uint8_t>(history.last_rx.code), true};
    }
    return std::nullopt;
  }

  std::optional<TlsAlert> SentAlert() const {
    if (!outbound_scanner.plaintext_alerts().empty()) {
      return outbound_scanner.plaintext_alerts().back();
    }
    WOLFSSL_ALERT_HISTORY history{};
    if (wolfSSL_get_alert_history(ssl, &history) == WOLFSSL_SUCCESS &&
        history.last_tx.code >= 0 && history.last_tx.level > 0) {
      return TlsAlert{static_cast<std::uint8_t>(history.last_tx.level),
                      static_cast<std::uint8_t>(history.last_tx.code), true};
    }
    return std::nullopt;
  }

  // Classifies a wolfSSL failure (err from wolfSSL_get_error, or 0 when the
  // engine itself decided) and moves the session to kFailed.
  absl::Status Fail(int err) {
    const bool handshaking = state == SessionState::kHandshaking;
    const char* phase = handshaking ? "during the handshake" : "after the handshake";
    TlsFailure f;
    f.wolfssl_error = err;
    if (err != 0 && err != WOLFSSL_ERROR_WANT_READ) {
      f.wolfssl_error_string = WolfError(err);
    }
    f.sent_alert = SentAlert();
    const std::optional<TlsAlert> peer_alert = PeerFatalAlert();
    const bool got_close_notify =
        err == WOLFSSL_ERROR_ZERO_RETURN || err == ZERO_RETURN ||
        (peer_alert.has_value() && peer_alert->description == kAlertCloseNotify);
    const VerifyEvent* rejected = nullptr;
    for (const VerifyEvent& e : verify_events) {
      if (!e.overridden) {
        rejected = &e;
        break;
      }
    }
    if (peer_alert.has_value() && !got_close_notify &&
        (err == FATAL_ERROR || !scanner.non_tls().has_value())) {
      f.kind = FailureKind::kPeerAlert;
      f.peer_alert = peer_alert;
      f.message = absl::StrCat("peer sent alert ", peer_alert->ToString(), " ",
                               phase);
    } else if (scanner.non_tls().has_value()) {
      f.kind = FailureKind::kNonTls;
      f.non_tls_offset = scanner.non_tls()->offset;
      f.message = scanner.non_tls()->description;
    } else if (got_close_notify) {
      f.kind = FailureKind::kPeerCloseNotify;
      f.peer_alert = peer_alert;
      f.message = absl::StrCat("peer sent close_notify ", phase);
    } else if (eof_delivered) {
      f.kind = FailureKind::kTruncated;
      f.message = absl::StrFormat(
          "%s: transport closed %s without close_notify after %d bytes from "
          "the peer (%s)",
          handshaking ? "connection closed" : "TLS stream truncated", phase,
          scanner.bytes_seen(),
          scanner.mid_record() ? "in the middle of a record"
                               : "at a record boundary");
    } else if (rejected != nullptr || err == DOMAIN_NAME_MISMATCH ||
               err == ASN_NO_SIGNER_E || err == VERIFY_CERT_ERROR ||
               IsDateError(err)) {
      f.kind = FailureKind::kCertificateRejected;
      f.message = rejected != nullptr
                      ? absl::StrFormat(
                            "peer certificate rejected: %s (chain depth %d)",
                            rejected->reason, rejected->depth)
                      : absl::StrCat("peer certificate rejected: ",
                                     f.wolfssl_error_string);
    } else {
      f.kind = FailureKind::kProtocolError;
      f.message = absl::StrCat("TLS failed ", phase, ": ",
                               f.wolfssl_error_string.empty()
                                   ? std::string("no further detail")
                                   : f.wolfssl_error_string);
    }
    if (f.sent_alert.has_value() && f.kind != FailureKind::kPeerAlert) {
      absl::StrAppend(&f.message, "; we sent alert ", f.sent_alert->ToString());
    }
    failure = std::move(f);
    state = SessionState::kFailed;
    return FailureStatus();
  }

  void OnEstablished() {
    state = SessionState::kEstablished;
    SessionFacts out;
    const char* version = wolfSSL_get_version(ssl);
    out.version = version != nullptr ? version : "";
    out.cipher_suite =
        static_cast<std::uint16_t>(wolfSSL_get_current_cipher_suite(ssl));
    out.cipher_suite_name = CipherSuiteName(out.cipher_suite);
    const char* wolf_name = wolfSSL_get_cipher_name(ssl);
    out.cipher_suite_wolfssl = wolf_name != nullptr ? wolf_name : "";
    if (role == Role::kServer) {
      if (hello.result().status == ClientHelloStatus::kComplete) {
        out.sni = hello.result().hello.server_name;
      }
    } else if (config.send_sni && !config.server_name.empty()) {
      out.sni = config.server_name;
    }
    WOLFSSL_X509_CHAIN* chain = wolfSSL_get_peer_chain(ssl);
    if (chain != nullptr) {
      out.peer_chain_length = wolfSSL_get_chain_count(chain);
      if (out.peer_chain_length > 0) {
        const unsigned char* der = wolfSSL_get_chain_cert(chain, 0);
        const int length = wolfSSL_get_chain_length(chain, 0);
        if (der != nullptr && length > 0) {
          out.peer_leaf_der.assign(reinterpret_cast<const char*>(der),
                                   static_cast<std::size_t>(length));
        }
      }
    }
    out.peer_certificate_present = !out.peer_leaf_der.empty();
    facts = std::move(out);
  }
};

namespace internal {

int VerifyCallback(int preverify_ok, WOLFSSL_X509_STORE_CTX* store) {
  if (preverify_ok != 0 || store == nullptr) return preverify_ok;
  auto* ssl = static_cast<WOLFSSL*>(wolfSSL_X509_STORE_CTX_get_ex_data(
      store, wolfSSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* session = ssl != nullptr
                      ? static_cast<TlsSession::Impl*>(wolfSSL_GetIOReadCtx(ssl))
                      : nullptr;
  const int error = store->error;
  const bool override = IsDateError(error) && session != nullptr &&
                        session->context->config.ignore_validity_dates;
  if (session != nullptr && session->verify_events.size() < kMaxVerifyEvents) {
    VerifyEvent event;
    event.error = error;
    event.depth = store->error_depth;
    event.reason = VerifyReason(error);
    event.overridden = override;
    session->verify_events.push_back(std::move(event));
  }
  return override ? 1 : 0;
}

}  // namespace internal

absl::StatusOr<TlsSession> TlsSession::Create(const TlsContext& context,
                                              SessionConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->context = context.state();
  impl->role = context.role();
  impl->config = std::move(config);
  impl->ssl = wolfSSL_new(impl->context->ctx);
  if (impl->ssl == nullptr) {
    return absl::InternalError("TLS session: wolfSSL_new failed");
  }
  wolfSSL_SSLSetIORecv(impl->ssl, &Impl::Recv);
  wolfSSL_SSLSetIOSend(impl->ssl, &Impl::Send);
  wolfSSL_SetIOReadCtx(impl->ssl, impl.get());
  wolfSSL_SetIOWriteCtx(impl->ssl, impl.get());

  const TlsContextConfig& cc = impl->context->config;
  if (impl->role == Role::kClient) {
    const std::string& name = impl->config.server_name;
    if (impl->config.send_sni && !name.empty()) {
      if (name.size() > 255 ||
          wolfSSL_UseSNI(impl->ssl, WOLFSSL_SNI_HOST_NAME, name.data(),
                         static_cast<unsigned short>(name.size())) !=
              WOLFSSL_SUCCESS) {
        return absl::InvalidArgumentError(
            absl::StrCat("TLS session: cannot send SNI \"", name, "\""));
      }
    }
    if (cc.verify_peer && cc.check_host_name) {
      if (name.empty()) {
        return absl::InvalidArgumentError(
            "TLS session: host name verification is on but server_name is "
            "empty");
      }
      if (wolfSSL_check_domain_name(impl->ssl, name.c_str()) !=
          WOLFSSL_SUCCESS) {
        return absl::InternalError(absl::StrCat(
            "TLS session: wolfSSL_check_domain_name(\"", name, "\") failed"));
      }
    }
  }
  return TlsSession(std::move(impl));
}

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;
TlsSession::~TlsSession() = default;

void TlsSession::SetByteObserver(ByteObserver observer) {
  impl_->observer = std::move(observer);
}

absl::Status TlsSession::FeedCiphertext(std::string_view bytes) {
  Impl& s = *impl_;
  if (s.end_of_stream) {
    return absl::FailedPreconditionError(
        "TLS session: ciphertext fed after end of stream");
  }
  const std::size_t unread = s.inbound.size() - s.inbound_pos;
  if (bytes.size() > s.config.max_buffered_inbound ||
      unread > s.config.max_buffered_inbound - bytes.size()) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "TLS session: %d unread ciphertext bytes plus %d more exceed the "
        "%d-byte limit",
        unread, bytes.size(), s.config.max_buffered_inbound));
  }
  if (bytes.empty()) return absl::OkStatus();
  if (s.observer) s.observer(Direction::kInbound, bytes);
  s.scanner.Feed(bytes);
  if (s.role == Role::kServer && !s.hello.done()) s.hello.Feed(bytes);
  if (s.inbound_pos == s.inbound.size()) {
    s.inbound.clear();
    s.inbound_pos = 0;
  } else if (s.inbound_pos >= kCompactThreshold) {
    s.inbound.erase(0, s.inbound_pos);
    s.inbound_pos = 0;
  }
  s.inbound.append(bytes);
  s.bytes_in += bytes.size();
  return absl::OkStatus();
}

void TlsSession::FeedEndOfStream() { impl_->end_of_stream = true; }

std::string TlsSession::TakeCiphertextToSend() {
  std::string out;
  out.swap(impl_->outbound);
  return out;
}

std::size_t TlsSession::pending_ciphertext_size() const {
  return impl_->outbound.size();
}

absl::StatusOr<HandshakeProgress> TlsSession::Handshake() {
  Impl& s = *impl_;
  switch (s.state) {
    case SessionState::kFailed: return s.FailureStatus();
    case SessionState::kEstablished:
    case SessionState::kCloseNotifyReceived:
      return HandshakeProgress::kComplete;
    case SessionState::kHandshaking: break;
  }
  const int ret = wolfSSL_negotiate(s.ssl);
  if (ret == WOLFSSL_SUCCESS) {
    s.OnEstablished();
    return HandshakeProgress::kComplete;
  }
  const int err = wolfSSL_get_error(s.ssl, ret);
  if ((err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) &&
      !s.scanner.non_tls().has_value() && !s.eof_delivered) {
    return HandshakeProgress::kNeedMoreData;
  }
  return s.Fail(err);
}

absl::Status TlsSession::WritePlaintext(std::string_view data) {
  Impl& s = *impl_;
  if (s.state == SessionState::kFailed) return s.FailureStatus();
  if (s.state == SessionState::kHandshaking) {
    return absl::FailedPreconditionError(
        "TLS session: WritePlaintext before the handshake completed");
  }
  if (s.close_notify_sent) {
    return absl::FailedPreconditionError(
        "TLS session: WritePlaintext after our close_notify");
  }
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kWriteChunk);
    const int ret = wolfSSL_write(s.ssl, data.data(), static_cast<int>(n));
    if (ret <= 0) return s.Fail(wolfSSL_get_error(s.ssl, ret));
    data.remove_prefix(static_cast<std::size_t>(ret));
  }
  return absl::OkStatus();
}

absl::StatusOr<ReadResult> TlsSession::ReadPlaintext(std::size_t max_bytes) {
  Impl& s = *impl_;
  if (s.state == SessionState::kFailed) return s.FailureStatus();
  if (s.state == SessionState::kHandshaking) {
    return absl::FailedPreconditionError(
        "TLS session: ReadPlaintext before the handshake completed");
  }
  if (s.close_notify_received) return ReadResult{ReadEvent::kCloseNotify, {}};
  max_bytes = std::clamp<std::size_t>(max_bytes, 1, kMaxReadBytes);
  std::string buf(max_bytes, '\0');
  const int ret = wolfSSL_read(s.ssl, buf.data(), static_cast<int>(max_bytes));
  if (ret > 0) {
    buf.resize(static_cast<std::size_t>(ret));
    return ReadResult{ReadEvent::kData, std::move(buf)};
  }
  const int err = wolfSSL_get_error(s.ssl, ret);
  if (err == WOLFSSL_ERROR_ZERO_RETURN ||
      (wolfSSL_get_shutdown(s.ssl) & WOLFSSL_RECEIVED_SHUTDOWN) != 0) {
    s.close_notify_received = true;
    s.state = SessionState::kCloseNotifyReceived;
    return ReadResult{ReadEvent::kCloseNotify, {}};
  }
  if (err == WOLFSSL_ERROR_WANT_READ && !s.scanner.non_tls().has_value() &&
      !s.eof_delivered) {
    return ReadResult{ReadEvent::kNeedMoreData, {}};
  }
  return s.Fail(err);
}

absl::Status TlsSession::Shutdown() {
  Impl& s = *impl_;
  if (s.state == SessionState::kFailed) return s.FailureStatus();
  if (s.state == SessionState::kHandshaking) {
    return absl::FailedPreconditionError(
        "TLS session: Shutdown before the handshake completed (close the "
        "transport, or send an alert record, instead)");
  }
  if (s.close_notify_sent) return absl::OkStatus();
  const int ret = wolfSSL_shutdown(s.ssl);
  if (ret != WOLFSSL_SUCCESS && ret != WOLFSSL_SHUTDOWN_NOT_DONE) {
    return s.Fail(wolfSSL_get_error(s.ssl, ret));
  }
  s.close_notify_sent = true;
  return absl::OkStatus();
}

Role TlsSession::role() const { return impl_->role; }
SessionState TlsSession::state() const { return impl_->state; }
bool TlsSession::handshake_complete() const {
  return impl_->facts.has_value();
}
bool TlsSession::close_notify_received() const {
  return impl_->close_notify_received;
}
bool TlsSession::close_notify_sent() const { return impl_->close_notify_sent; }
bool TlsSession::end_of_stream() const { return impl_->end_of_stream; }
const TlsFailure& TlsSession::failure() const { return impl_->failure; }
const std::optional<SessionFacts>& TlsSession::facts() const {
  return impl_->facts;
}
const ClientHelloResult& TlsSession::client_hello() const {
  return impl_->hello.result();
}
const RecordScanner& TlsSession::inbound_records() const {
  return impl_->scanner;
}
const std::vector<VerifyEvent>& TlsSession::verify_events() const {
  return impl_->verify_events;
}
std::uint64_t TlsSession::bytes_received() const { return impl_->bytes_in; }
std::uint64_t TlsSession::bytes_sent() const { return impl_->bytes_out; }

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone: return "none";
    case FailureKind::kPeerAlert: return "peer-alert";
    case FailureKind::kPeerCloseNotify: return "peer-close-notify";
    case FailureKind::kTruncated: return "truncated";
    case FailureKind::kNonTls: return "non-tls";
    case FailureKind::kCertificateRejected: return "certificate-rejected";
    case FailureKind::kProtocolError: return "protocol-error";
  }
  return "unknown";
}

}  // namespace gauntlet::tls
