#include "fake_servers/server/message_summary.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace gauntlet::fake::server {
namespace {

bool StartsWithSubject(std::string_view line) {
  constexpr std::string_view kName = "subject:";
  if (line.size() < kName.size()) return false;
  for (std::size_t i = 0; i < kName.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) {
      return false;
    }
  }
  return true;
}

std::string_view StripLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return line;
}

std::string Trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string SubjectOf(std::string_view message) {
  std::string value;
  bool in_subject = false;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t nl = message.find('\n', pos);
    // An unterminated last line is still a header line (truncated prefix).
    std::size_t end = nl == std::string_view::npos ? message.size() : nl + 1;
    std::string_view line = StripLineEnd(message.substr(pos, end - pos));
    pos = end;
    if (line.empty()) break;  // End of the header section.
    const bool folded = line.front() == ' ' || line.front() == '\t';
    if (in_subject && folded) {
      value.append(line);
      continue;
    }
    if (in_subject) break;
    if (StartsWithSubject(line)) {
      in_subject = true;
      value.assign(line.substr(8));
    }
  }
  return Trim(value);
}

void MessageSummary::Append(std::string_view bytes) {
  size_ += bytes.size();
  if (head_.size() < kMaxHeaderBytes) {
    head_.append(bytes.substr(0, kMaxHeaderBytes - head_.size()));
  }
}

void MessageSummary::Reset() {
  head_.clear();
  size_ = 0;
}

std::string MessageSummary::Subject() const { return SubjectOf(head_); }

}  // namespace gauntlet::fake::server
