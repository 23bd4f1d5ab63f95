#include "fake_servers/server/transcript_recorder.h"

#include <string>
#include <utility>

namespace gauntlet::fake::server {

TranscriptRecorder::TranscriptRecorder(std::size_t max_bytes_per_connection,
                                       TranscriptObserver observer)
    : start_(std::chrono::steady_clock::now()),
      max_bytes_(max_bytes_per_connection),
      observer_(std::move(observer)) {}

// Every recording method below changes the transcript under mu_, copies what
// the observer needs (only when there is one), releases mu_, and only then
// calls the observer: it may read the recorder, and a slow observer never
// holds up other connections' recording.

void TranscriptRecorder::NotifyMarker(
    int index, const std::optional<SmtpEvent>& marker) const {
  if (!observer_ || !marker.has_value()) return;
  TranscriptUpdate u;
  u.kind = TranscriptUpdate::Kind::kEvent;
  u.connection = index;
  u.t_us = marker->t_us;
  u.event = &*marker;
  observer_(u);
}

int64_t TranscriptRecorder::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - start_)
      .count();
}

int TranscriptRecorder::OpenConnection() {
  TranscriptUpdate u;
  u.kind = TranscriptUpdate::Kind::kAccepted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Entry entry;
    entry.transcript.index = static_cast<int>(entries_.size());
    entry.transcript.accepted_us = NowUs();
    u.connection = entry.transcript.index;
    u.t_us = entry.transcript.accepted_us;
    entries_.push_back(std::move(entry));
    cv_.notify_all();
  }
  if (observer_) observer_(u);
  return u.connection;
}

bool TranscriptRecorder::Charge(Entry& entry, std::size_t bytes) {
  if (entry.truncated) return false;
  if (entry.bytes_used + bytes <= max_bytes_) {
    entry.bytes_used += bytes;
    return true;
  }
  entry.truncated = true;
  SmtpEvent marker;
  marker.kind = SmtpEvent::Kind::kBadLine;
  marker.t_us = NowUs();
  marker.text = std::string(kTruncationMarker) + " after " +
                std::to_string(entry.bytes_used) + " bytes";
  entry.transcript.events.push_back(std::move(marker));
  return false;
}

void TranscriptRecorder::AddWire(int index, Direction direction,
                                 Channel channel, SessionPhase phase,
                                 std::string_view bytes) {
  if (bytes.empty()) return;
  std::optional<WireChunk> copy;
  std::optional<SmtpEvent> marker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& entry = entries_.at(static_cast<std::size_t>(index));
    const bool was_truncated = entry.truncated;
    if (!Charge(entry, bytes.size())) {
      if (observer_ && !was_truncated) marker = entry.transcript.events.back();
    } else {
      WireChunk chunk;
      chunk.t_us = NowUs();
      chunk.direction = direction;
      chunk.channel = channel;
      chunk.phase = phase;
      chunk.bytes.assign(bytes.data(), bytes.size());
      if (observer_) copy = chunk;
      entry.transcript.wire.push_back(std::move(chunk));
    }
  }
  NotifyMarker(index, marker);
  if (copy.has_value()) {
    TranscriptUpdate u;
    u.kind = TranscriptUpdate::Kind::kWire;
    u.connection = index;
    u.t_us = copy->t_us;
    u.wire = &*copy;
    observer_(u);
  }
}

void TranscriptRecorder::AddEvent(int index, SmtpEvent event) {
  std::optional<SmtpEvent> copy;
  std::optional<SmtpEvent> marker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& entry = entries_.at(static_cast<std::size_t>(index));
    // A fixed overhead per event keeps a flood of empty lines bounded too.
    constexpr std::size_t kEventOverhead = 64;
    const bool was_truncated = entry.truncated;
    if (!Charge(entry,
                event.text.size() + event.verb.size() + kEventOverhead)) {
      if (observer_ && !was_truncated) marker = entry.transcript.events.back();
    } else {
      if (event.t_us == 0) event.t_us = NowUs();
      if (observer_) copy = event;
      entry.transcript.events.push_back(std::move(event));
    }
  }
  NotifyMarker(index, marker);
  if (copy.has_value()) {
    TranscriptUpdate u;
    u.kind = TranscriptUpdate::Kind::kEvent;
    u.connection = index;
    u.t_us = copy->t_us;
    u.event = &*copy;
    observer_(u);
  }
}

void TranscriptRecorder::AppendBytesAfterStarttls(int index,
                                                  std::string_view bytes) {
  if (bytes.empty()) return;
  bool recorded = false;
  std::optional<SmtpEvent> marker;
  int64_t t_us = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& entry = entries_.at(static_cast<std::size_t>(index));
    const bool was_truncated = entry.truncated;
    if (!Charge(entry, bytes.size())) {
      if (observer_ && !was_truncated) marker = entry.transcript.events.back();
    } else {
      entry.transcript.bytes_after_starttls.append(bytes.data(), bytes.size());
      recorded = true;
      t_us = NowUs();
    }
  }
  NotifyMarker(index, marker);
  if (recorded && observer_) {
    TranscriptUpdate u;
    u.kind = TranscriptUpdate::Kind::kBytesAfterStarttls;
    u.connection = index;
    u.t_us = t_us;
    u.bytes = bytes;
    observer_(u);
  }
}

void TranscriptRecorder::AddTlsRecordInPlaintext(int index,
                                                 TlsRecordInPlaintext seen) {
  std::lock_guard<std::mutex> lock(mu_);
  ConnectionTranscript& t =
      entries_.at(static_cast<std::size_t>(index)).transcript;
  // One per phase is all a verdict needs; a flood stays bounded.
  for (const TlsRecordInPlaintext& have : t.tls_records_in_plaintext) {
    if (have.phase == seen.phase) return;
  }
  t.tls_records_in_plaintext.push_back(seen);
}

void TranscriptRecorder::UpdateTls(
    int index, const std::function<void(TlsFacts&)>& update) {
  std::optional<TlsFacts> copy;
  int64_t t_us = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    TlsFacts& tls = entries_.at(static_cast<std::size_t>(index)).transcript.tls;
    update(tls);
    if (observer_) {
      copy = tls;
      t_us = NowUs();
    }
  }
  if (copy.has_value()) {
    TranscriptUpdate u;
    u.kind = TranscriptUpdate::Kind::kTls;
    u.connection = index;
    u.t_us = t_us;
    u.tls = &*copy;
    observer_(u);
  }
}

void TranscriptRecorder::Close(int index, CloseKind kind) {
  TranscriptUpdate u;
  u.kind = TranscriptUpdate::Kind::kClosed;
  u.connection = index;
  u.close = kind;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ConnectionTranscript& t =
        entries_.at(static_cast<std::size_t>(index)).transcript;
    if (t.close != CloseKind::kOpen) return;
    t.close = kind;
    t.closed_us = NowUs();
    u.t_us = t.closed_us;
    cv_.notify_all();
  }
  if (observer_) observer_(u);
}

bool TranscriptRecorder::IsClosed(int index) const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.at(static_cast<std::size_t>(index)).transcript.close !=
         CloseKind::kOpen;
}

Transcript TranscriptRecorder::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  Transcript out;
  out.connections.reserve(entries_.size());
  for (const Entry& entry : entries_)
    out.connections.push_back(entry.transcript);
  return out;
}

int TranscriptRecorder::connection_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(entries_.size());
}

bool TranscriptRecorder::AllClosedLocked(int at_least) const {
  if (static_cast<int>(entries_.size()) < at_least) return false;
  for (const Entry& entry : entries_) {
    if (entry.transcript.close == CloseKind::kOpen) return false;
  }
  return true;
}

bool TranscriptRecorder::WaitForAllClosed(
    int at_least, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return AllClosedLocked(at_least); });
}

}  // namespace gauntlet::fake::server
