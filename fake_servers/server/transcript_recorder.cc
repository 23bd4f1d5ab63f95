#include "fake_servers/server/transcript_recorder.h"

#include <string>
#include <utility>

namespace gauntlet::fake::server {

TranscriptRecorder::TranscriptRecorder(std::size_t max_bytes_per_connection)
    : start_(std::chrono::steady_clock::now()),
      max_bytes_(max_bytes_per_connection) {}

int64_t TranscriptRecorder::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - start_)
      .count();
}

int TranscriptRecorder::OpenConnection() {
  std::lock_guard<std::mutex> lock(mu_);
  Entry entry;
  entry.transcript.index = static_cast<int>(entries_.size());
  entry.transcript.accepted_us = NowUs();
  entries_.push_back(std::move(entry));
  cv_.notify_all();
  return static_cast<int>(entries_.size()) - 1;
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
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_.at(static_cast<std::size_t>(index));
  if (!Charge(entry, bytes.size())) return;
  WireChunk chunk;
  chunk.t_us = NowUs();
  chunk.direction = direction;
  chunk.channel = channel;
  chunk.phase = phase;
  chunk.bytes.assign(bytes.data(), bytes.size());
  entry.transcript.wire.push_back(std::move(chunk));
}

void TranscriptRecorder::AddEvent(int index, SmtpEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_.at(static_cast<std::size_t>(index));
  // A fixed overhead per event keeps a flood of empty lines bounded too.
  constexpr std::size_t kEventOverhead = 64;
  if (!Charge(entry, event.text.size() + event.verb.size() + kEventOverhead)) {
    return;
  }
  if (event.t_us == 0) event.t_us = NowUs();
  entry.transcript.events.push_back(std::move(event));
}

void TranscriptRecorder::AppendBytesAfterStarttls(int index,
                                                  std::string_view bytes) {
  if (bytes.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_.at(static_cast<std::size_t>(index));
  if (!Charge(entry, bytes.size())) return;
  entry.transcript.bytes_after_starttls.append(bytes.data(), bytes.size());
}

void TranscriptRecorder::UpdateTls(
    int index, const std::function<void(TlsFacts&)>& update) {
  std::lock_guard<std::mutex> lock(mu_);
  update(entries_.at(static_cast<std::size_t>(index)).transcript.tls);
}

void TranscriptRecorder::Close(int index, CloseKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ConnectionTranscript& t =
      entries_.at(static_cast<std::size_t>(index)).transcript;
  if (t.close != CloseKind::kOpen) return;
  t.close = kind;
  t.closed_us = NowUs();
  cv_.notify_all();
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
