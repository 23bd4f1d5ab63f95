// What the transcript keeps of a received message: its size and Subject.
//
// Bodies are not stored (a client may send megabytes); the summary keeps
// only a bounded prefix in which to find the header section, and counts
// every byte.

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_MESSAGE_SUMMARY_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_MESSAGE_SUMMARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gauntlet::fake::server {

// How much of a message's start is kept to look for its headers.
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

class MessageSummary {
 public:
  void Append(std::string_view bytes);
  void Reset();

  std::uint64_t size() const { return size_; }
  // The unfolded value of the first Subject header in the header section
  // (RFC 5322 §2.2.3), trimmed; empty if none was found in the prefix.
  std::string Subject() const;

 private:
  std::string head_;
  std::uint64_t size_ = 0;
};

// Subject of a whole message held in memory (same rules as above).
std::string SubjectOf(std::string_view message);

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_MESSAGE_SUMMARY_H_
