// A live view of what a fake server records, as it is recorded.
//
// The Transcript (fake_servers/transcript.h) is read after the fact with
// FakeSmtpServer::Snapshot(). A TranscriptObserver is told about each piece
// while the session is still going, which is what `gauntlet serve` streams
// to the terminal and what a later HTTP or WebSocket live view can forward:
// every update carries the connection index, the server time and the
// recorded value itself, so a consumer needs no other access to the server.
//
// Contract (FakeSmtpServer, TranscriptRecorder):
//  * The observer is called on the thread that recorded the update: one of
//    the server's I/O threads, or the thread calling Stop() (connections
//    still open are recorded as closed by kServerStopped). With
//    io_threads > 1 it can be called concurrently for different
//    connections, so it must be thread-safe.
//  * It is called after the recorder's lock is released, so it may call
//    FakeSmtpServer::Snapshot() or connection_count(); it must not call
//    Stop(), and it must not throw.
//  * For one connection, updates arrive in the order they were recorded
//    (a session's handlers never run concurrently): kAccepted first, then
//    the others exactly as they appear in Snapshot(); kClosed exactly once
//    (anything a session still records after its close follows it).
//  * It runs inside the session's I/O handler: it must return quickly and
//    never block (no terminal or socket writes that could stall -- hand the
//    update to a queue of your own and write from another thread). The
//    server does not protect itself against a slow observer.
//  * Only what was recorded is reported: bytes over a connection's
//    transcript budget are not, but the truncation marker event is.
//  * The pointers in a TranscriptUpdate are valid only during the call.

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_OBSERVER_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_OBSERVER_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "fake_servers/transcript.h"

namespace gauntlet::fake::server {

struct TranscriptUpdate {
  enum class Kind {
    kAccepted,            // A connection was accepted (nothing else set).
    kWire,                // `wire` was recorded.
    kEvent,               // `event` was recorded (SMTP command, reply, ...).
    kBytesAfterStarttls,  // `bytes` were appended to bytes_after_starttls.
    kTls,                 // `tls` holds the connection's TLS facts now.
    kClosed,              // The connection ended; `close` says how.
  };
  Kind kind = Kind::kAccepted;
  int connection = 0;  // ConnectionTranscript::index.
  int64_t t_us = 0;    // Server clock, µs since the server started.
  const WireChunk* wire = nullptr;
  const SmtpEvent* event = nullptr;
  const TlsFacts* tls = nullptr;
  std::string_view bytes;
  CloseKind close = CloseKind::kOpen;
};

using TranscriptObserver = std::function<void(const TranscriptUpdate&)>;

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_TRANSCRIPT_OBSERVER_H_
