#include "fake_servers/proxy/capture.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text_escape.h"
#include "fake_servers/server/message_summary.h"

namespace gauntlet::proxy {

std::string Printable(absl::string_view text, std::size_t max_len) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max_len) {
      absl::StrAppend(&out, "...(", text.size() - i, " more bytes)");
      break;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x80) {
      // Valid UTF-8 stays readable; C1 controls (U+0080..U+009F, which a
      // terminal acts on like ESC) and bytes that are not UTF-8 -- raw
      // 0x80..0x9F included -- are escaped, by the rule every Gauntlet
      // escaper shares (common/text_escape.h).
      const std::size_t len = gauntlet::text::PrintableUtf8Length(
          std::string_view(text.data(), text.size()), i);
      if (len > 0) {
        out.append(text.data() + i, len);
        i += len - 1;
      } else {
        absl::StrAppendFormat(&out, "\\x%02x", c);
      }
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

std::string DescribeCredentials(const smtp::CapturedCredentials& c) {
  std::string out = absl::StrCat(c.mechanism.empty() ? "AUTH" : c.mechanism);
  if (!c.authzid.empty()) {
    absl::StrAppend(&out, " authzid=\"", Printable(c.authzid), "\"");
  }
  absl::StrAppend(&out, " user=\"",
                  c.has_username ? Printable(c.username) : "?", "\"");
  absl::StrAppend(&out, " password=\"",
                  c.has_password ? Printable(c.password) : "?", "\"");
  return out;
}

void SmtpTap::OnCommand(const smtp::Command& command) {
  in_auth_ = false;
  switch (command.verb) {
    case smtp::Verb::kMail:
      from_ = command.mailbox;
      rcpts_.clear();
      capture_->senders.push_back(command.mailbox);
      news_.push_back(
          absl::StrCat("MAIL FROM <", Printable(command.mailbox), ">"));
      break;
    case smtp::Verb::kRcpt:
      rcpts_.push_back(command.mailbox);
      capture_->recipients.push_back(command.mailbox);
      news_.push_back(
          absl::StrCat("RCPT TO <", Printable(command.mailbox), ">"));
      break;
    case smtp::Verb::kRset:
      from_.clear();
      rcpts_.clear();
      break;
    case smtp::Verb::kStarttls:
      capture_->client_sent_starttls = true;
      break;
    case smtp::Verb::kAuth: {
      const smtp::AuthExchange::Action action = auth_.Start(command);
      auth_pending_ = true;
      auth_recorded_ = false;
      if (action.step == smtp::AuthExchange::Step::kComplete) {
        RecordCredentials();
      }
      break;
    }
    default:
      break;
  }
}

void SmtpTap::OnReply(int code) {
  if (!auth_pending_) return;
  if (code == 334) {
    in_auth_ = true;
    return;
  }
  // The exchange is over whatever the server said: what the client revealed
  // is captured even if the server rejected it.
  in_auth_ = false;
  auth_pending_ = false;
  RecordCredentials();
}

void SmtpTap::OnAuthLine(absl::string_view line) {
  in_auth_ = false;
  const smtp::AuthExchange::Action action =
      auth_.OnClientLine(absl::string_view(line.data(), line.size()));
  if (action.step == smtp::AuthExchange::Step::kComplete) {
    RecordCredentials();
  }
}

void SmtpTap::RecordCredentials() {
  if (auth_recorded_) return;
  const smtp::CapturedCredentials& c = auth_.captured();
  if (!c.has_username && !c.has_password) return;
  auth_recorded_ = true;
  capture_->credentials.push_back(c);
  news_.push_back(absl::StrCat("AUTH ", DescribeCredentials(c)));
}

void SmtpTap::OnMessage(absl::string_view message, std::uint64_t size,
                        bool truncated) {
  CapturedMessage m;
  m.mail_from = from_;
  m.recipients = rcpts_;
  m.size = size;
  m.truncated = truncated;
  m.subject = fake::server::SubjectOf(std::string_view(message.data(), message.size()));
  news_.push_back(absl::StrFormat(
      "MESSAGE %d bytes, Subject: \"%s\"%s (from <%s> to <%s>)", m.size,
      Printable(m.subject), truncated ? " (too large: not kept)" : "",
      Printable(m.mail_from), Printable(absl::StrJoin(m.recipients, ">, <"))));
  capture_->messages.push_back(std::move(m));
  from_.clear();
  rcpts_.clear();
}

std::vector<std::string> SmtpTap::TakeNews() {
  std::vector<std::string> out;
  out.swap(news_);
  return out;
}

}  // namespace gauntlet::proxy
