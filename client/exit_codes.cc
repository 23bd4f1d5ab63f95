#include "client/exit_codes.h"

#include "absl/types/optional.h"
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::client {
namespace {

constexpr absl::string_view kPayloadUrl = "gauntlet.client/exit-code";

absl::StatusCode CanonicalCodeFor(ExitCode code) {
  switch (code) {
    case ExitCode::kDelivered:
      return absl::StatusCode::kOk;
    case ExitCode::kUsage:
      return absl::StatusCode::kInvalidArgument;
    case ExitCode::kConnection:
      return absl::StatusCode::kUnavailable;
    case ExitCode::kTls:
      return absl::StatusCode::kPermissionDenied;
    case ExitCode::kStarttlsUnavailable:
      return absl::StatusCode::kFailedPrecondition;
    case ExitCode::kSmtpError:
      return absl::StatusCode::kAborted;
    case ExitCode::kProtocolViolation:
      return absl::StatusCode::kDataLoss;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

absl::string_view ExitCodeName(ExitCode code) {
  switch (code) {
    case ExitCode::kDelivered:
      return "delivered";
    case ExitCode::kUsage:
      return "usage";
    case ExitCode::kConnection:
      return "connection";
    case ExitCode::kTls:
      return "tls";
    case ExitCode::kStarttlsUnavailable:
      return "starttls-unavailable";
    case ExitCode::kSmtpError:
      return "smtp-error";
    case ExitCode::kProtocolViolation:
      return "protocol-violation";
  }
  return "unknown";
}

absl::Status ClientError(ExitCode code, absl::string_view message) {
  absl::StatusCode canonical = CanonicalCodeFor(code);
  if (canonical == absl::StatusCode::kOk) canonical = absl::StatusCode::kUnknown;
  return WithExitCode(absl::Status(canonical, message), code);
}

absl::Status WithExitCode(absl::Status status, ExitCode code) {
  if (status.ok()) return status;
  status.SetPayload(kPayloadUrl,
                    absl::Cord(std::to_string(static_cast<int>(code))));
  return status;
}

ExitCode ExitCodeOf(const absl::Status& status) {
  if (status.ok()) return ExitCode::kDelivered;
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (payload.has_value()) {
    const std::string text(*payload);
    for (int c = 1; c <= static_cast<int>(ExitCode::kProtocolViolation); ++c) {
      if (text == std::to_string(c)) return static_cast<ExitCode>(c);
    }
  }
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAborted:
      return ExitCode::kConnection;
    default:
      return ExitCode::kProtocolViolation;
  }
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  absl::Status out(status.code(),
                   absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        out.SetPayload(url, payload);
      });
  return out;
}

}  // namespace gauntlet::client
