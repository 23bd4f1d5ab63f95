// The SMTP side of Session: framing client input, asking SmtpResponder what
// to answer, and sending replies (in the clear or through TLS).

#include <algorithm>
#include <string>
#include <utility>

#include "fake_servers/server/session.h"

namespace gauntlet::fake::server {
namespace {

bool LooksLikeTlsRecord(std::string_view bytes) {
  return !bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x16;
}

std::string WithoutFinalLineEnd(std::string_view text) {
  if (text.size() >= 2 && text.substr(text.size() - 2) == "\r\n") {
    text.remove_suffix(2);
  } else if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string FirstWordUpper(std::string_view line) {
  std::string word(line.substr(0, line.find(' ')));
  for (char& c : word) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return word;
}

}  // namespace

Channel Session::SmtpChannel() const {
  return layer_ == Layer::kTls ? Channel::kTlsApp : Channel::kPlaintext;
}

SessionPhase Session::CommandPhase() const {
  return starttls_tail_ > 0 ? SessionPhase::kAfterStarttlsCommand : phase_;
}

void Session::OnSmtpBytes(std::string_view bytes) {
  const SessionPhase phase =
      starttls_reply_pending_ ? SessionPhase::kAfterStarttlsCommand : phase_;
  // A TLS handshake record at the start of a command line, where the
  // server speaks plaintext: a client starting TLS the server did not
  // start (after a refused or non-transitioning STARTTLS reply).
  if (layer_ == Layer::kPlaintext && expect_ == Expect::kCommand &&
      smtp_in_.empty() && bytes.size() >= 2 && LooksLikeTlsRecord(bytes) &&
      bytes[1] == '\x03') {
    rec_.TlsRecordInPlaintext(TlsRecordInPlaintext{rec_.NowUs(), phase});
  }
  RecordIn(SmtpChannel(), phase, bytes);
  AppendSmtpInput(bytes);
  Pump();
}

void Session::AppendSmtpInput(std::string_view bytes) {
  if (starttls_reply_pending_) {
    rec_.BytesAfterStarttls(bytes);
    starttls_tail_ += bytes.size();
  }
  smtp_in_.append(bytes);
  if (!bytes.empty()) {
    in_appended_ += bytes.size();
    in_times_.emplace_back(in_appended_, rec_.NowUs());
  }
}

void Session::ConsumeSmtpInput(std::size_t n) {
  n = std::min(n, smtp_in_.size());
  if (n == 0) return;
  const std::uint64_t last = in_consumed_ + n - 1;
  for (const auto& [end, t] : in_times_) {
    if (end > last) {
      event_read_us_ = t;
      break;
    }
  }
  in_consumed_ += n;
  while (!in_times_.empty() && in_times_.front().first <= in_consumed_) {
    in_times_.pop_front();
  }
  smtp_in_.erase(0, n);
}

void Session::DropSmtpInput() {
  if (!in_times_.empty()) event_read_us_ = in_times_.back().second;
  in_consumed_ = in_appended_;
  in_times_.clear();
  smtp_in_.clear();
}

// --- Processing ------------------------------------------------------------

void Session::Pump() {
  if (closed_) return;
  if (mode_ == Mode::kHandshake) {
    PumpHandshake();
    return;
  }
  if (mode_ == Mode::kTls) DrainPlaintext();
  while (!closed_ && !busy_ && mode_ != Mode::kHandshake && PumpOnce()) {
    if (mode_ == Mode::kTls) DrainPlaintext();
  }
  if (closed_ || mode_ == Mode::kHandshake) return;
  if (mode_ == Mode::kTls && tls_abandoned_ && !busy_) {
    AbandonTls();
    return;
  }
  DoRead();
  MaybeFinishAfterEof();
}

bool Session::PumpOnce() {
  switch (expect_) {
    case Expect::kCommand:
      return PumpCommand();
    case Expect::kDataBody:
      return PumpDataBody();
    case Expect::kBdatChunk:
      return PumpBdat();
  }
  return false;
}

bool Session::PumpCommand() {
  std::optional<absl::StatusOr<smtp::Line>> line;
  const std::size_t used =
      lines_.Feed(smtp_in_, [&](const absl::StatusOr<smtp::Line>& l) {
        line = l;
        return false;
      });
  event_phase_ = CommandPhase();
  ConsumeSmtpInput(used);
  starttls_tail_ -= std::min(starttls_tail_, used);
  if (!line.has_value()) return false;
  Handle(responder_.OnLine(*line, layer_));
  return true;
}

bool Session::PumpDataBody() {
  const std::size_t used = data_->Feed(smtp_in_);
  event_phase_ = CommandPhase();
  ConsumeSmtpInput(used);
  starttls_tail_ -= std::min(starttls_tail_, used);
  if (!data_->done()) return false;
  Response response = responder_.OnDataBody(*data_, layer_);
  data_.reset();
  Handle(std::move(response));
  return true;
}

bool Session::PumpBdat() {
  if (bdat_remaining_ > 0) {
    const std::size_t take = static_cast<std::size_t>(
        std::min<std::uint64_t>(bdat_remaining_, smtp_in_.size()));
    if (take == 0) return false;
    responder_.OnBdatBytes(std::string_view(smtp_in_).substr(0, take));
    event_phase_ = CommandPhase();
    ConsumeSmtpInput(take);
    starttls_tail_ -= std::min(starttls_tail_, take);
    bdat_remaining_ -= take;
    if (bdat_remaining_ > 0) return false;
  }
  Handle(responder_.OnBdatChunkEnd(layer_));
  return true;
}

void Session::Handle(Response response) {
  RecordClientEvents(std::move(response.events));
  response.events.clear();
  switch (response.next) {
    case Next::kDataBody: {
      expect_ = Expect::kDataBody;
      smtp::DataReaderOptions options;
      // Only the size limit matters; long lines are a client's business.
      options.max_line_length = options.max_message_size;
      data_.emplace(options);
      break;
    }
    case Next::kBdatChunk:
      expect_ = Expect::kBdatChunk;
      bdat_remaining_ = response.bdat_size;
      break;
    default:
      expect_ = Expect::kCommand;
      break;
  }
  const bool starttls = response.verb == "STARTTLS" &&
                        layer_ == Layer::kPlaintext && response.send;
  if (starttls) {
    // Everything still unread arrived after STARTTLS, before our reply.
    starttls_reply_pending_ = true;
    starttls_tail_ = smtp_in_.size();
    rec_.BytesAfterStarttls(smtp_in_);
  }
  RecordReplyDecision(response);
  busy_ = true;
  if (response.delay.count() > 0) {
    auto shared = std::make_shared<Response>(std::move(response));
    DoDelay(shared->delay,
            [this, shared] { SendResponse(std::move(*shared)); });
    return;
  }
  SendResponse(std::move(response));
}

void Session::SendResponse(Response response) {
  const Next next = response.next;
  std::string bytes = response.reply + response.injected;
  // After our FIN nothing can be sent; the linger only listens.
  if (!response.send || bytes.empty() || server_fin_sent_) {
    if (starttls_reply_pending_) OnStarttlsReplyIssued(next);
    AfterResponse(next);
    return;
  }
  event_phase_ = phase_;
  RecordReply(response.verb, response.reply);
  if (!response.injected.empty()) {
    SmtpEvent injected;
    injected.kind = SmtpEvent::Kind::kInjected;
    injected.t_us = rec_.NowUs();
    injected.phase = phase_;
    injected.channel = SmtpChannel();
    injected.verb = response.verb;
    injected.text = response.injected;
    rec_.Event(std::move(injected));
  }
  if (starttls_reply_pending_) {
    RecordOut(Channel::kPlaintext, phase_, bytes);
    OnStarttlsReplyIssued(next);
    // One write: injected bytes share the reply's segment.
    DoWrite(std::move(bytes), [this, next] { AfterResponse(next); });
    return;
  }
  SendSmtp(std::move(bytes), [this, next] { AfterResponse(next); });
}

void Session::SendSmtp(std::string bytes, std::function<void()> then) {
  if (layer_ == Layer::kPlaintext) {
    RecordOut(Channel::kPlaintext, phase_, bytes);
    DoWrite(std::move(bytes), std::move(then));
    return;
  }
  RecordOut(Channel::kTlsApp, phase_, bytes);
  if (absl::Status s = tls_->WritePlaintext(bytes); !s.ok()) {
    Close(CloseKind::kServerClosed);
    return;
  }
  std::string records = tls_->TakeCiphertextToSend();
  RecordOut(Channel::kTlsRecords, phase_, records);
  DoWrite(std::move(records), std::move(then));
}

void Session::AfterResponse(Next next) {
  busy_ = false;
  if (closed_) return;
  switch (next) {
    case Next::kClose:
      CloseAfterQuit();
      return;
    case Next::kStartTls:
      BeginHandshake();
      return;
    default:
      Pump();
      return;
  }
}

void Session::OnStarttlsReplyIssued(Next next) {
  starttls_reply_pending_ = false;
  if (next == Next::kStarttlsRefused) {
    // The pipelined tail is answered as ordinary commands, but its events
    // keep the kAfterStarttlsCommand phase (starttls_tail_).
    phase_ = SessionPhase::kAfterStarttlsRefused;
    return;
  }
  std::string tail = std::move(smtp_in_);
  DropSmtpInput();
  starttls_tail_ = 0;
  lines_.Reset();
  if (next == Next::kStartTls) {
    mode_ = Mode::kHandshake;
    phase_ = SessionPhase::kHandshake;
    ResetHandshakeState();
    if (LooksLikeTlsRecord(tail)) {
      // A client that did not wait for our 220: its ClientHello is here.
      hello_.Feed(tail);
      in_already_recorded_ = tail.size();
      hs_in_ = std::move(tail);
      handshake_bytes_seen_ = true;
      return;
    }
  }
  RecordUnansweredLines(tail, SessionPhase::kAfterStarttlsCommand);
}

void Session::CloseAfterQuit() {
  if (layer_ == Layer::kTls && tls_ && !tls_dead_ && tls_->Shutdown().ok()) {
    std::string records = tls_->TakeCiphertextToSend();
    if (!records.empty()) {
      RecordOut(Channel::kTlsRecords, phase_, records);
      busy_ = true;
      DoWrite(std::move(records), [this] { Close(CloseKind::kServerClosed); });
      return;
    }
  }
  Close(CloseKind::kServerClosed);
}

// --- Recording -------------------------------------------------------------

void Session::RecordReplyDecision(const Response& response) {
  // A reply the server will never send (on purpose: ignore_ehlo_in_tls, or
  // an empty override) or holds back (delays). A BDAT command is answered
  // only after its chunk (RFC 3030 §2): no reply withheld.
  if (response.verb.empty() || response.next == Next::kBdatChunk) return;
  if (!response.send || (response.reply.empty() && response.injected.empty())) {
    SmtpEvent event;
    event.kind = SmtpEvent::Kind::kReplyWithheld;
    event.t_us = rec_.NowUs();
    event.phase = phase_;
    event.channel = SmtpChannel();
    event.verb = response.verb;
    rec_.Event(std::move(event));
  } else if (response.delay.count() > 0) {
    SmtpEvent event;
    event.kind = SmtpEvent::Kind::kReplyDelayed;
    event.t_us = rec_.NowUs();
    event.phase = phase_;
    event.channel = SmtpChannel();
    event.verb = response.verb;
    event.delay_us =
        std::chrono::duration_cast<std::chrono::microseconds>(response.delay)
            .count();
    rec_.Event(std::move(event));
  }
}

void Session::RecordClientEvents(std::vector<SmtpEvent> events) {
  for (SmtpEvent& event : events) {
    event.phase = event_phase_;
    event.channel = SmtpChannel();
    event.t_us = rec_.NowUs();
    if (event.kind != SmtpEvent::Kind::kReply) event.read_us = event_read_us_;
    rec_.Event(std::move(event));
  }
}

void Session::RecordReply(std::string_view verb, std::string_view text) {
  SmtpEvent event;
  event.kind = SmtpEvent::Kind::kReply;
  event.t_us = rec_.NowUs();
  event.phase = phase_;
  event.channel = SmtpChannel();
  event.verb = std::string(verb);
  event.text = WithoutFinalLineEnd(text);
  event.reply_code = ReplyCodeOf(text);
  rec_.Event(std::move(event));
}

void Session::RecordUnansweredLines(std::string_view bytes,
                                    SessionPhase phase) {
  if (bytes.empty()) return;
  smtp::LineReader reader(smtp::kMaxCommandLineLength);
  std::vector<SmtpEvent> events;
  reader.Feed(absl::string_view(bytes.data(), bytes.size()),
              [&](const absl::StatusOr<smtp::Line>& line) {
                SmtpEvent event;
                if (line.ok()) {
                  event.kind = SmtpEvent::Kind::kCommand;
                  event.verb = FirstWordUpper(line->text);
                  event.text = line->text;
                } else {
                  event.kind = SmtpEvent::Kind::kBadLine;
                  event.text = std::string(line.status().message());
                }
                events.push_back(std::move(event));
                return events.size() < 256;
              });
  if (!reader.pending().empty()) {
    SmtpEvent event;
    event.kind = SmtpEvent::Kind::kBadLine;
    event.text =
        "unterminated line after STARTTLS: " + std::string(reader.pending());
    events.push_back(std::move(event));
  }
  const SessionPhase saved = event_phase_;
  event_phase_ = phase;
  RecordClientEvents(std::move(events));
  event_phase_ = saved;
}

}  // namespace gauntlet::fake::server
