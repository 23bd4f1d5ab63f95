#include "smtp/auth.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gauntlet::smtp {
namespace {

bool IsBase64Char(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' ||
         c == '/';
}

}  // namespace

absl::StatusOr<std::string> DecodeSaslBase64(absl::string_view text) {
  // Abseil's decoder skips whitespace; SASL allows none, so check the
  // alphabet and the padding's position before handing it over.
  std::size_t data_end = text.size();
  while (data_end > 0 && text[data_end - 1] == '=') --data_end;
  if (text.size() - data_end > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid base64: too much padding at byte offset ", data_end));
  }
  for (std::size_t i = 0; i < data_end; ++i) {
    if (!IsBase64Char(text[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid base64: unexpected byte '", absl::CHexEscape(text.substr(i, 1)),
          "' at byte offset ", i));
    }
  }
  if (data_end % 4 == 1 || (data_end < text.size() && text.size() % 4 != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid base64: truncated input of ", text.size(), " bytes"));
  }
  std::string out;
  if (!absl::Base64Unescape(text, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid base64 in ", text.size(), " bytes"));
  }
  return out;
}

absl::StatusOr<PlainCredentials> DecodeAuthPlain(absl::string_view base64) {
  absl::StatusOr<std::string> decoded = DecodeSaslBase64(base64);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("AUTH PLAIN: ", decoded.status().message()));
  }
  std::vector<std::string> fields = absl::StrSplit(*decoded, '\0');
  if (fields.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AUTH PLAIN: expected 3 NUL-separated fields, got ", fields.size()));
  }
  return PlainCredentials{std::move(fields[0]), std::move(fields[1]),
                          std::move(fields[2])};
}

absl::StatusOr<std::string> DecodeAuthLogin(absl::string_view base64) {
  absl::StatusOr<std::string> decoded = DecodeSaslBase64(base64);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("AUTH LOGIN: ", decoded.status().message()));
  }
  return decoded;
}

std::string EncodeAuthPlain(absl::string_view authzid,
                            absl::string_view authcid,
                            absl::string_view password) {
  std::string raw = absl::StrCat(authzid, absl::string_view("\0", 1), authcid,
                                 absl::string_view("\0", 1), password);
  return absl::Base64Escape(raw);
}

AuthExchange::Action AuthExchange::Challenge(State next,
                                             absl::string_view prompt) {
  state_ = next;
  Action action;
  action.step = Step::kChallenge;
  action.challenge = absl::Base64Escape(prompt);
  return action;
}

AuthExchange::Action AuthExchange::Fail(absl::Status error) {
  state_ = State::kIdle;
  Action action;
  action.step = Step::kFailed;
  action.error = std::move(error);
  return action;
}

AuthExchange::Action AuthExchange::TakePlain(absl::string_view base64) {
  absl::StatusOr<PlainCredentials> creds = DecodeAuthPlain(base64);
  if (!creds.ok()) return Fail(creds.status());
  captured_.authzid = std::move(creds->authzid);
  captured_.username = std::move(creds->authcid);
  captured_.password = std::move(creds->password);
  captured_.has_username = true;
  captured_.has_password = true;
  state_ = State::kIdle;
  return Action{Step::kComplete, "", absl::OkStatus()};
}

AuthExchange::Action AuthExchange::TakeLoginUser(absl::string_view base64) {
  absl::StatusOr<std::string> user = DecodeAuthLogin(base64);
  if (!user.ok()) return Fail(user.status());
  captured_.username = *std::move(user);
  captured_.has_username = true;
  return Challenge(State::kLoginPassword, "Password:");
}

AuthExchange::Action AuthExchange::TakeLoginPassword(absl::string_view base64) {
  absl::StatusOr<std::string> password = DecodeAuthLogin(base64);
  if (!password.ok()) return Fail(password.status());
  captured_.password = *std::move(password);
  captured_.has_password = true;
  state_ = State::kIdle;
  return Action{Step::kComplete, "", absl::OkStatus()};
}

AuthExchange::Action AuthExchange::Start(const Command& auth) {
  state_ = State::kIdle;
  captured_ = CapturedCredentials{};
  if (auth.verb != Verb::kAuth) {
    return Fail(absl::InvalidArgumentError("not an AUTH command"));
  }
  captured_.mechanism = auth.auth_mechanism;
  const std::optional<std::string>& initial = auth.auth_initial_response;
  if (auth.auth_mechanism == "PLAIN") {
    if (!initial.has_value()) return Challenge(State::kPlainResponse, "");
    return TakePlain(*initial);
  }
  if (auth.auth_mechanism == "LOGIN") {
    if (!initial.has_value()) return Challenge(State::kLoginUser, "Username:");
    return TakeLoginUser(*initial);
  }
  Action action;
  action.step = Step::kUnsupported;
  action.error = absl::UnimplementedError(
      absl::StrCat("unsupported SASL mechanism ", auth.auth_mechanism));
  return action;
}

AuthExchange::Action AuthExchange::OnClientLine(absl::string_view line) {
  const State state = state_;
  if (state == State::kIdle) {
    return Fail(absl::FailedPreconditionError(
        "client line outside an AUTH exchange"));
  }
  if (line == "*") {
    state_ = State::kIdle;
    return Action{Step::kCancelled, "", absl::OkStatus()};
  }
  switch (state) {
    case State::kPlainResponse:
      return TakePlain(line);
    case State::kLoginUser:
      return TakeLoginUser(line);
    case State::kLoginPassword:
      return TakeLoginPassword(line);
    case State::kIdle:
      break;
  }
  return Fail(absl::InternalError("unreachable AUTH state"));
}

}  // namespace gauntlet::smtp
