// One connection of the fake SMTP server: the I/O state machine.
//
// A Session owns the socket and drives it Beast-example style: every step
// is a do_x / on_x pair (DoRead/OnRead, DoWrite/OnWrite, ...) and every
// step runs under a deadline (the idle timeout, or the absolute linger
// after a TLS failure). The reading side never stops while the connection
// is open (bounded by a 64 KiB backlog), so a client's close, reset or
// pipelined bytes are seen whatever the server is doing; the processing
// side handles one client line at a time and waits for each reply's delay
// and write. What to answer comes from SmtpResponder; this class does the
// byte stream: STARTTLS and the switch to TLS (through tls::TlsSession,
// with the server moving every byte so handshake faults can be cut at
// exact points), the linger after a failed handshake or after the client
// abandoned an established TLS session, and the recording.
//
// The session's files: session.cc (lifecycle, socket, timers, recording),
// session_smtp.cc (SMTP input and replies), session_tls.cc (handshake,
// faults and TLS records).

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_SESSION_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_SESSION_H_

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake_servers/behavior.h"
#include "fake_servers/server/smtp_responder.h"
#include "fake_servers/server/tls_context_cache.h"
#include "fake_servers/server/transcript_recorder.h"
#include "fake_servers/transcript.h"
#include "smtp/data_reader.h"
#include "smtp/line_reader.h"
#include "tls/client_hello.h"
#include "tls/record_layer.h"
#include "tls/tls_session.h"

namespace gauntlet::fake::server {

// What a session gets from its server.
struct SessionEnv {
  TlsContextCache* tls_contexts = nullptr;
  std::chrono::milliseconds idle_timeout{30000};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket,
          const ConnectionBehavior& behavior, SessionEnv env,
          ConnectionRecorder recorder);

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Sends the greeting and starts reading (on the session's strand).
  void Start();
  // The server is stopping: records kServerStopped and closes the socket.
  // Only call while no thread runs the io_context.
  void AbortStopped();

 private:
  // Where client bytes go.
  enum class Mode {
    kSmtp,       // SMTP lines (plaintext, or decrypted inside TLS).
    kHandshake,  // TLS handshake bytes after an accepted STARTTLS.
    kTls,        // TLS records carrying SMTP.
    kLinger,     // After a failed handshake: TLS leftovers, then plaintext.
  };
  // What the next SMTP input is.
  enum class Expect { kCommand, kDataBody, kBdatChunk };

  // --- Lifecycle, socket, timers (session.cc) -----------------------------
  void DoStart();
  void DoRead();
  void OnRead(const boost::system::error_code& ec, std::size_t n);
  void OnReadError(const boost::system::error_code& ec);
  void DoWrite(std::string bytes, std::function<void()> then);
  void OnWrite(const boost::system::error_code& ec,
               const std::function<void()>& then);
  void ArmIdleDeadline();
  void ArmAbsoluteDeadline(std::chrono::milliseconds after);
  void OnDeadline(const boost::system::error_code& ec);
  void DoDelay(std::chrono::milliseconds delay, std::function<void()> then);
  void HalfClose();
  void ResetConnection();
  void Close(CloseKind kind);
  // After the peer's FIN / reset: close once pending input is handled.
  void MaybeFinishAfterEof();
  CloseKind EofCloseKind() const;
  void RecordIn(Channel channel, SessionPhase phase, std::string_view bytes);
  void RecordOut(Channel channel, SessionPhase phase, std::string_view bytes);
  void OnBytes(std::string_view bytes);

  // --- SMTP (session_smtp.cc) ----------------------------------------------
  void OnSmtpBytes(std::string_view bytes);
  void Pump();
  bool PumpOnce();
  bool PumpCommand();
  bool PumpDataBody();
  bool PumpBdat();
  void Handle(Response response);
  void SendResponse(Response response);
  void AfterResponse(Next next);
  void OnStarttlsReplyIssued(Next next);
  void RecordUnansweredLines(std::string_view bytes, SessionPhase phase);
  void RecordClientEvents(std::vector<SmtpEvent> events);
  void RecordReply(std::string_view verb, std::string_view text);
  void SendSmtp(std::string bytes, std::function<void()> then);
  void AppendSmtpInput(std::string_view bytes);
  // Removes the first `n` bytes of smtp_in_ and sets event_read_us_ to the
  // time the last of them was read.
  void ConsumeSmtpInput(std::size_t n);
  // Forgets all of smtp_in_ (and when it was read).
  void DropSmtpInput();
  void RecordReplyDecision(const Response& response);
  void CloseAfterQuit();
  Channel SmtpChannel() const;
  SessionPhase CommandPhase() const;

  // --- TLS (session_tls.cc) ------------------------------------------------
  // Forgets any earlier handshake (a client may STARTTLS again in linger).
  void ResetHandshakeState();
  void BeginHandshake();
  void OnHandshakeBytes(std::string_view bytes);
  void PumpHandshake();
  void OnClientHelloDone();
  std::string TakeHandshakeBytes(std::size_t n);
  void RecordClientHelloBytes();
  void DriveTls();
  // Runs wolfSSL on what was fed, adding its output to `flight`; false when
  // the handshake left this state (done, failed or cut by a fault).
  bool StepHandshake(std::string& flight);
  void OnTlsHandshakeError(std::string flight);
  void OnHandshakeComplete(std::string flight);
  void SendTlsFlight(std::string flight, std::function<void()> then);
  void OnTlsRecordBytes(std::string_view bytes);
  void DrainPlaintext();
  void OnTlsEof();
  void OnTlsAppError();
  // The client gave up on an established TLS session (fatal alert, a
  // broken record, or plaintext where records belong): once what TLS
  // delivered is answered, the rest of the stream is the linger's.
  void AbandonTls();
  void FailHandshake(HandshakeOutcome outcome, std::string failure);
  void InjectFault(TlsFault kind, FaultPoint where, std::string failure);
  void EnterLinger(bool absolute_deadline);
  void OnLingerBytes(std::string_view bytes);
  void FinishHandshakeAtEof();
  void RecordLingerAlerts();

  boost::asio::ip::tcp::socket socket_;
  const ConnectionBehavior behavior_;
  const SessionEnv env_;
  ConnectionRecorder rec_;
  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer delay_timer_;
  std::array<char, 16 * 1024> read_buf_{};
  std::string write_buf_;

  Mode mode_ = Mode::kSmtp;
  Layer layer_ = Layer::kPlaintext;
  SessionPhase phase_ = SessionPhase::kPlaintext;
  bool closed_ = false;
  bool reading_ = false;
  bool busy_ = false;  // A reply is delayed or being written.
  bool peer_eof_ = false;
  bool peer_reset_ = false;
  bool server_fin_sent_ = false;
  bool absolute_deadline_ = false;
  bool no_more_reads_ = false;

  // SMTP input.
  SmtpResponder responder_;
  Expect expect_ = Expect::kCommand;
  std::string smtp_in_;
  smtp::LineReader lines_;
  std::optional<smtp::DataReader> data_;
  std::uint64_t bdat_remaining_ = 0;
  // Bytes of smtp_in_ that arrived after STARTTLS, before its reply.
  std::size_t starttls_tail_ = 0;
  bool starttls_reply_pending_ = false;
  // Phase of the input that produced the events being recorded.
  SessionPhase event_phase_ = SessionPhase::kPlaintext;
  // When each piece of smtp_in_ was read: (stream offset just past the
  // piece, server time), offsets counting every byte ever appended. They
  // give each client line the read time of its last byte (read_us).
  std::deque<std::pair<std::uint64_t, int64_t>> in_times_;
  std::uint64_t in_appended_ = 0;
  std::uint64_t in_consumed_ = 0;
  // Read time of the last byte of the input being recorded.
  int64_t event_read_us_ = -1;

  // TLS.
  std::string hs_in_;  // Handshake bytes not yet processed (or recorded).
  // Leading inbound bytes already recorded (a ClientHello pipelined with
  // STARTTLS was recorded as it arrived): RecordIn skips them once.
  std::size_t in_already_recorded_ = 0;
  tls::ClientHelloReader hello_;
  bool hello_done_ = false;
  std::optional<tls::TlsSession> tls_;
  bool tls_dead_ = false;  // wolfSSL failed: later records only recorded.
  // The client's stream once TLS is established: where it stops being TLS.
  tls::RecordScanner tls_records_;
  std::uint64_t tls_offset_ = 0;
  // The client abandoned TLS; hs_in_ holds what it sent after the last
  // record the engine was given (AbandonTls reads it as plaintext).
  bool tls_abandoned_ = false;
  tls::RecordScanner linger_records_;
  bool linger_plaintext_ = false;  // Linger bytes stopped looking like TLS.
  std::uint64_t linger_offset_ = 0;
  std::size_t linger_alerts_seen_ = 0;
  bool peer_alert_seen_ = false;
  bool eof_fed_to_tls_ = false;
  bool handshake_bytes_seen_ = false;
};

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_SESSION_H_
