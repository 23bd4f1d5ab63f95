#include "harness/cli/serve_live.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/text_escape.h"
#include "harness/cli/cli_common.h"
#include "harness/report/judge_result.h"
#include "harness/report/transcript_text.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::cli {
namespace {

using Kind = fake::server::TranscriptUpdate::Kind;

// Characters of one line's text before "... [N bytes]".
constexpr std::size_t kMaxLineChars = 300;
// Bytes of a TLS record chunk shown in hex with --raw.
constexpr std::size_t kMaxHexBytes = 48;

std::string Prefix(const LiveUpdate& u) {
  return absl::StrFormat("[conn %d %s] ", u.connection,
                         report::FormatServerTime(u.t_us));
}

std::string Bounded(std::string_view text) {
  std::string safe = text::SanitizeText(text);
  if (safe.size() <= kMaxLineChars) return safe;
  return absl::StrCat(safe.substr(0, kMaxLineChars), "... [", text.size(),
                      " bytes]");
}

std::string Hex(std::string_view bytes) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size() && i < kMaxHexBytes; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (i > 0) out += ' ';
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  if (bytes.size() > kMaxHexBytes) {
    absl::StrAppend(&out, " ... [", bytes.size(), " bytes]");
  }
  return out;
}

// "C→S plaintext  ", with the phase when it is not the channel's usual one
// ("C→S plaintext(after-tls-failure)  ").
std::string Flow(bool from_client, fake::Channel channel,
                 fake::SessionPhase phase) {
  std::string tag(fake::ChannelName(channel));
  const bool natural = (channel == fake::Channel::kPlaintext &&
                        phase == fake::SessionPhase::kPlaintext) ||
                       (channel == fake::Channel::kTlsApp &&
                        phase == fake::SessionPhase::kTls) ||
                       (channel == fake::Channel::kTlsRecords &&
                        (phase == fake::SessionPhase::kHandshake ||
                         phase == fake::SessionPhase::kTls));
  if (!natural) tag += "(" + std::string(fake::PhaseName(phase)) + ")";
  return absl::StrFormat("%s %-9s  ", from_client ? "C→S" : "S→C", tag);
}

}  // namespace

LiveUpdate LiveUpdate::From(const fake::server::TranscriptUpdate& u) {
  LiveUpdate out;
  out.kind = u.kind;
  out.connection = u.connection;
  out.t_us = u.t_us;
  if (u.wire != nullptr) out.wire = *u.wire;
  if (u.event != nullptr) out.event = *u.event;
  if (u.tls != nullptr) out.tls = *u.tls;
  out.bytes = std::string(u.bytes);
  out.close = u.close;
  return out;
}

std::size_t LiveUpdate::Bytes() const {
  std::size_t n = 64 + bytes.size();
  if (wire.has_value()) n += wire->bytes.size();
  if (event.has_value()) n += event->text.size() + event->verb.size();
  if (tls.has_value()) n += 256;
  return n;
}

bool LiveFormatter::Wanted(const fake::server::TranscriptUpdate& u, bool raw) {
  switch (u.kind) {
    case Kind::kWire:
      // Plaintext and decrypted bytes are shown decoded (kEvent); TLS
      // records only as hex, with --raw.
      return raw && u.wire != nullptr &&
             u.wire->channel == fake::Channel::kTlsRecords;
    case Kind::kBytesAfterStarttls:
      return raw;
    default:
      return true;
  }
}

std::vector<std::string> LiveFormatter::Format(const LiveUpdate& u) {
  std::vector<std::string> lines;
  const std::string prefix = Prefix(u);
  switch (u.kind) {
    case Kind::kAccepted:
      lines.push_back(prefix + "connected");
      break;
    case Kind::kWire:
      if (raw_ && u.wire.has_value() &&
          u.wire->channel == fake::Channel::kTlsRecords) {
        lines.push_back(
            prefix +
            Flow(u.wire->direction == fake::Direction::kClientToServer,
                 u.wire->channel, u.wire->phase) +
            Hex(u.wire->bytes));
      }
      break;
    case Kind::kBytesAfterStarttls:
      if (raw_) {
        lines.push_back(prefix + "bytes after STARTTLS, before its reply: " +
                        text::EscapeBytesBounded(u.bytes, kMaxLineChars));
      }
      break;
    case Kind::kEvent: {
      if (!u.event.has_value()) break;
      const fake::SmtpEvent& e = *u.event;
      switch (e.kind) {
        case fake::SmtpEvent::Kind::kCommand:
          lines.push_back(prefix + Flow(true, e.channel, e.phase) +
                          Bounded(e.text));
          break;
        case fake::SmtpEvent::Kind::kReply:
          for (absl::string_view line : absl::StrSplit(
                   e.text, absl::ByAnyChar("\r\n"), absl::SkipEmpty())) {
            lines.push_back(
                prefix + Flow(false, e.channel, e.phase) +
                Bounded(std::string_view(line.data(), line.size())));
          }
          break;
        case fake::SmtpEvent::Kind::kAuthData:
          lines.push_back(prefix + Flow(true, e.channel, e.phase) +
                          Bounded(e.text) + "  (AUTH data)");
          break;
        case fake::SmtpEvent::Kind::kCredentials:
          if (e.credentials.has_value()) {
            lines.push_back(
                prefix +
                "credentials decoded: " + Bounded(e.credentials->mechanism) +
                " user=\"" + Bounded(e.credentials->user) + "\" password=\"" +
                Bounded(e.credentials->password) + "\"" +
                (e.channel == fake::Channel::kPlaintext ? " (in plaintext)"
                                                        : ""));
          }
          break;
        case fake::SmtpEvent::Kind::kMessage:
          lines.push_back(absl::StrCat(
              prefix, "message received: ", e.message_size,
              " bytes, Subject: \"", Bounded(e.message_subject), "\"",
              e.channel == fake::Channel::kPlaintext ? " (in plaintext)"
                                                     : " (over TLS)"));
          break;
        case fake::SmtpEvent::Kind::kBadLine:
          lines.push_back(prefix + Flow(true, e.channel, e.phase) +
                          "(not a command) " + Bounded(e.text));
          break;
        case fake::SmtpEvent::Kind::kInjected:
          lines.push_back(prefix + Flow(false, e.channel, e.phase) +
                          Bounded(e.text) + "  (injected: answers no command)");
          break;
        case fake::SmtpEvent::Kind::kReplyWithheld:
          lines.push_back(prefix + "reply to " + Bounded(e.verb) +
                          " withheld (never sent)");
          break;
        case fake::SmtpEvent::Kind::kReplyDelayed:
          lines.push_back(absl::StrCat(prefix, "reply to ", Bounded(e.verb),
                                       " delayed by ", e.delay_us / 1000,
                                       " ms"));
          break;
      }
      break;
    }
    case Kind::kTls: {
      if (!u.tls.has_value()) break;
      const std::string facts = report::FormatTlsFacts(*u.tls);
      std::string& last = last_tls_[u.connection];
      if (!facts.empty() && facts != last) {
        last = facts;
        lines.push_back(prefix + facts);
      }
      break;
    }
    case Kind::kClosed:
      lines.push_back(prefix +
                      "closed: " + std::string(fake::CloseKindName(u.close)));
      last_tls_.erase(u.connection);
      break;
  }
  return lines;
}

LiveFeed::LiveFeed(std::ostream& out, bool raw)
    : out_(out), raw_(raw), formatter_(raw) {}

LiveFeed::~LiveFeed() { Finish(); }

fake::server::TranscriptObserver LiveFeed::Observer() {
  return [this](const fake::server::TranscriptUpdate& u) { Push(u); };
}

void LiveFeed::Push(const fake::server::TranscriptUpdate& u) {
  if (!LiveFormatter::Wanted(u, raw_)) return;
  LiveUpdate copy = LiveUpdate::From(u);
  const std::size_t bytes = copy.Bytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;  // The server is stopped before Finish().
    if (queue_.size() >= kMaxQueuedUpdates ||
        queued_bytes_ + bytes > kMaxQueuedBytes) {
      ++dropped_;
      return;
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(copy));
  }
  cv_.notify_one();
}

void LiveFeed::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (printer_.joinable() || finishing_) return;
  printer_ = std::thread([this] { PrintLoop(); });
}

void LiveFeed::PrintLoop() {
  std::size_t dropped_reported = 0;
  while (true) {
    std::deque<LiveUpdate> batch;
    std::size_t dropped = 0;
    bool done = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return finishing_ || !queue_.empty(); });
      batch.swap(queue_);
      queued_bytes_ = 0;
      dropped = dropped_;
      done = finishing_;
    }
    // Formatting and writing happen outside the lock: the server's threads
    // only ever wait for a push.
    std::string text;
    if (dropped > dropped_reported) {
      absl::StrAppend(&text, "... ", dropped - dropped_reported,
                      " update(s) not shown (the output could not keep up)\n");
      dropped_reported = dropped;
    }
    for (const LiveUpdate& u : batch) {
      for (const std::string& line : formatter_.Format(u)) {
        text += line;
        text += '\n';
      }
    }
    if (!text.empty()) out_ << text << std::flush;
    if (done) {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) return;
    }
  }
}

void LiveFeed::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finishing_ = true;
  }
  cv_.notify_all();
  if (printer_.joinable()) printer_.join();
}

report::ScenarioResult JudgeServedClient(const scenario::Scenario& s,
                                         scenario::Policy policy,
                                         fake::Transcript transcript) {
  report::ScenarioResult r;
  r.scenario_id = s.id;
  r.title = s.title;
  r.tags = s.tags;
  r.severity = s.severity;
  r.kind = s.kind;
  r.policy = policy;
  r.expectation = s.ExpectationFor(policy);
  for (const scenario::Policy p : scenario::AllPolicies()) {
    r.expectations.emplace_back(p, s.ExpectationFor(p));
  }
  r.transcript = std::move(transcript);
  // The client ran, but not under Gauntlet: nothing is known of its exit.
  r.client.ran = true;
  // The runner's own path from recorded facts to a verdict.
  report::JudgeRecordedResult(r, /*controls_failed=*/false);
  return r;
}

}  // namespace gauntlet::cli
