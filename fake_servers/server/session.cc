#include "fake_servers/server/session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <utility>

namespace gauntlet::fake::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Unprocessed input beyond this stops reading until the session catches up.
constexpr std::size_t kMaxBacklog = 64 * 1024;
// RFC 4954 §4: an AUTH line may be up to 12288 octets.
constexpr std::size_t kMaxLine = 12288;

}  // namespace

Session::Session(tcp::socket socket, const ConnectionBehavior& behavior,
                 SessionEnv env, ConnectionRecorder recorder)
    : socket_(std::move(socket)),
      behavior_(behavior),
      env_(env),
      rec_(recorder),
      deadline_(socket_.get_executor()),
      delay_timer_(socket_.get_executor()),
      responder_(behavior_),
      lines_(kMaxLine) {}

void Session::Start() {
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->DoStart(); });
}

void Session::DoStart() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  ArmIdleDeadline();
  DoRead();
  Handle(responder_.Greeting());
}

void Session::AbortStopped() {
  if (closed_) return;
  Close(CloseKind::kServerStopped);
}

// --- Reading ---------------------------------------------------------------

void Session::DoRead() {
  if (closed_ || reading_ || peer_eof_ || no_more_reads_) return;
  if (smtp_in_.size() + hs_in_.size() >= kMaxBacklog) return;
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(read_buf_),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  std::size_t n) { self->OnRead(ec, n); });
}

void Session::OnRead(const boost::system::error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  if (!absolute_deadline_) ArmIdleDeadline();
  OnBytes(std::string_view(read_buf_.data(), n));
  DoRead();
}

void Session::OnBytes(std::string_view bytes) {
  switch (mode_) {
    case Mode::kSmtp:
      OnSmtpBytes(bytes);
      break;
    case Mode::kHandshake:
      OnHandshakeBytes(bytes);
      break;
    case Mode::kTls:
      OnTlsRecordBytes(bytes);
      break;
    case Mode::kLinger:
      OnLingerBytes(bytes);
      break;
  }
}

void Session::OnReadError(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;
  peer_eof_ = true;
  peer_reset_ = ec != asio::error::eof;
  switch (mode_) {
    case Mode::kHandshake:
      PumpHandshake();
      break;
    case Mode::kTls:
      OnTlsEof();
      break;
    case Mode::kSmtp:
    case Mode::kLinger:
      MaybeFinishAfterEof();
      break;
  }
}

CloseKind Session::EofCloseKind() const {
  if (server_fin_sent_) return CloseKind::kServerClosed;
  if (peer_reset_) return CloseKind::kClientReset;
  if (mode_ == Mode::kTls) {
    if (tls_ && tls_->close_notify_received()) {
      return CloseKind::kClientTlsClose;
    }
    // A fatal alert then FIN is a deliberate end, not truncation.
    return peer_alert_seen_ ? CloseKind::kClientFin : CloseKind::kTlsTruncated;
  }
  return CloseKind::kClientFin;
}

void Session::MaybeFinishAfterEof() {
  if (closed_ || !peer_eof_ || busy_) return;
  // Pump() has consumed every complete line; what is left never ended.
  const std::string partial(lines_.pending());
  if (!partial.empty() && expect_ == Expect::kCommand) {
    SmtpEvent event;
    event.kind = SmtpEvent::Kind::kBadLine;
    event.phase = CommandPhase();
    event.channel = SmtpChannel();
    event.text = "unterminated line at end of stream: " + partial;
    rec_.Event(std::move(event));
  }
  Close(EofCloseKind());
}

// --- Writing ---------------------------------------------------------------

void Session::DoWrite(std::string bytes, std::function<void()> then) {
  if (closed_) return;
  if (!absolute_deadline_) ArmIdleDeadline();
  write_buf_ = std::move(bytes);
  asio::async_write(socket_, asio::buffer(write_buf_),
                    [self = shared_from_this(), then = std::move(then)](
                        const boost::system::error_code& ec, std::size_t) {
                      self->OnWrite(ec, then);
                    });
}

void Session::OnWrite(const boost::system::error_code& ec,
                      const std::function<void()>& then) {
  if (closed_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    // The client went away while we wrote: that is how it closed.
    peer_eof_ = true;
    if (!server_fin_sent_ && ec != asio::error::eof) peer_reset_ = true;
    Close(EofCloseKind());
    return;
  }
  then();
}

// --- Timers ----------------------------------------------------------------

void Session::ArmIdleDeadline() {
  deadline_.expires_after(env_.idle_timeout);
  deadline_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) {
        self->OnDeadline(ec);
      });
}

void Session::ArmAbsoluteDeadline(std::chrono::milliseconds after) {
  absolute_deadline_ = true;
  deadline_.expires_after(after);
  deadline_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) {
        self->OnDeadline(ec);
      });
}

void Session::OnDeadline(const boost::system::error_code& ec) {
  if (ec || closed_) return;
  // A re-arm may race a wait that already completed: only a deadline that
  // really passed ends the connection.
  if (deadline_.expiry() > asio::steady_timer::clock_type::now()) return;
  if (mode_ == Mode::kHandshake) {
    FailHandshake(handshake_bytes_seen_ ? HandshakeOutcome::kFailed
                                        : HandshakeOutcome::kNoClientHello,
                  "idle timeout during the handshake");
  }
  Close(server_fin_sent_ ? CloseKind::kServerClosed
                         : CloseKind::kServerTimeout);
}

void Session::DoDelay(std::chrono::milliseconds delay,
                      std::function<void()> then) {
  delay_timer_.expires_after(delay);
  delay_timer_.async_wait([self = shared_from_this(), then = std::move(then)](
                              const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    then();
  });
}

// --- Closing ---------------------------------------------------------------

void Session::HalfClose() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  server_fin_sent_ = true;
}

void Session::ResetConnection() {
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  Close(CloseKind::kServerClosed);
}

void Session::Close(CloseKind kind) {
  if (closed_) return;
  closed_ = true;
  if (!hs_in_.empty()) {
    RecordIn(Channel::kTlsRecords, phase_, hs_in_);
    hs_in_.clear();
  }
  rec_.Close(kind);
  boost::system::error_code ignored;
  deadline_.cancel();
  delay_timer_.cancel();
  socket_.close(ignored);
}

// --- Recording -------------------------------------------------------------

void Session::RecordIn(Channel channel, SessionPhase phase,
                       std::string_view bytes) {
  const std::size_t skip = std::min(in_already_recorded_, bytes.size());
  in_already_recorded_ -= skip;
  bytes.remove_prefix(skip);
  rec_.Wire(Direction::kClientToServer, channel, phase, bytes);
}

void Session::RecordOut(Channel channel, SessionPhase phase,
                        std::string_view bytes) {
  rec_.Wire(Direction::kServerToClient, channel, phase, bytes);
}

}  // namespace gauntlet::fake::server
