// Thread-safe recording of what each connection of a fake server did.
//
// Sessions run on the server's I/O threads while a test or the runner reads
// the transcript from another thread, so every write goes through one mutex
// and readers get a copy (Snapshot). Each connection has a byte budget for
// its wire chunks and event texts: a client that streams gigabytes cannot
// exhaust memory, and once the budget is spent the transcript says so with
// one final kBadLine event whose text starts with kTruncationMarker.
//
// Timestamps are microseconds on a steady clock since the recorder was made
// (the server's start).
//
// An optional TranscriptObserver (transcript_observer.h) is told about each
// update once it is recorded, outside the lock.

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_RECORDER_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_RECORDER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "fake_servers/server/transcript_observer.h"
#include "fake_servers/transcript.h"

namespace gauntlet::fake::server {

// Text that starts the event recorded when a connection's budget runs out.
inline constexpr std::string_view kTruncationMarker =
    "gauntlet: transcript truncated";

class TranscriptRecorder {
 public:
  explicit TranscriptRecorder(std::size_t max_bytes_per_connection,
                              TranscriptObserver observer = {});

  TranscriptRecorder(const TranscriptRecorder&) = delete;
  TranscriptRecorder& operator=(const TranscriptRecorder&) = delete;

  int64_t NowUs() const;

  // Adds a connection (state kOpen) and returns its 0-based index.
  int OpenConnection();

  void AddWire(int index, Direction direction, Channel channel,
               SessionPhase phase, std::string_view bytes);
  // Stamps the event with NowUs() when its t_us is 0.
  void AddEvent(int index, SmtpEvent event);
  void AppendBytesAfterStarttls(int index, std::string_view bytes);
  void AddTlsRecordInPlaintext(int index, TlsRecordInPlaintext seen);
  void UpdateTls(int index, const std::function<void(TlsFacts&)>& update);
  // The first close wins: later calls are ignored, so the kind recorded is
  // the one that actually ended the connection.
  void Close(int index, CloseKind kind);
  bool IsClosed(int index) const;

  Transcript Snapshot() const;
  int connection_count() const;

  // Waits until at least `at_least` connections were accepted and every one
  // of them is closed. False on timeout.
  bool WaitForAllClosed(int at_least, std::chrono::milliseconds timeout) const;

 private:
  struct Entry {
    ConnectionTranscript transcript;
    std::size_t bytes_used = 0;
    bool truncated = false;
  };

  // Charges `bytes` to the entry; false (and the marker, once) when the
  // budget is spent. Caller holds mu_.
  bool Charge(Entry& entry, std::size_t bytes);
  bool AllClosedLocked(int at_least) const;
  // Tells the observer about a truncation marker that Charge() just added
  // (a copy taken under mu_, passed here after it is released).
  void NotifyMarker(int index, const std::optional<SmtpEvent>& marker) const;

  const std::chrono::steady_clock::time_point start_;
  const std::size_t max_bytes_;
  const TranscriptObserver observer_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Entry> entries_;
};

// One connection's view of the recorder: what a session holds.
class ConnectionRecorder {
 public:
  ConnectionRecorder(TranscriptRecorder& recorder, int index)
      : recorder_(&recorder), index_(index) {}

  int index() const { return index_; }
  int64_t NowUs() const { return recorder_->NowUs(); }
  void Wire(Direction direction, Channel channel, SessionPhase phase,
            std::string_view bytes) {
    recorder_->AddWire(index_, direction, channel, phase, bytes);
  }
  void Event(SmtpEvent event) { recorder_->AddEvent(index_, std::move(event)); }
  void BytesAfterStarttls(std::string_view bytes) {
    recorder_->AppendBytesAfterStarttls(index_, bytes);
  }
  void TlsRecordInPlaintext(fake::TlsRecordInPlaintext seen) {
    recorder_->AddTlsRecordInPlaintext(index_, seen);
  }
  void Tls(const std::function<void(TlsFacts&)>& update) {
    recorder_->UpdateTls(index_, update);
  }
  void Close(CloseKind kind) { recorder_->Close(index_, kind); }
  bool IsClosed() const { return recorder_->IsClosed(index_); }

 private:
  TranscriptRecorder* recorder_;
  int index_;
};

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_RECORDER_H_
