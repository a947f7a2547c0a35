#include "server/wire/status_mapping.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tokend {
namespace {

// Messages echo request values (a tenant name, a claim); a caller must not
// be able to make tokend send back (and log) a 60 KB string. Cuts on a
// UTF-8 character boundary.
std::string CapMessage(const std::string& message) {
  if (message.size() <= kMaxErrorMessageBytes) return message;
  size_t end = kMaxErrorMessageBytes;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(message.substr(0, end), "... (", message.size() - end,
                      " more bytes)");
}

// The delay a refusal by a cap (not the rate limiter, which knows its own)
// suggests: the caps free up as calls and streams end.
constexpr absl::Duration kCapRetryDelay = absl::Seconds(1);

void SetDelay(absl::Duration delay, google::rpc::RetryInfo* retry) {
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry->mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry->mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));
}

grpc::Status Build(grpc::StatusCode code, const std::string& uncapped,
                   absl::string_view reason, const std::string& field,
                   const google::rpc::RetryInfo* retry) {
  const std::string message = CapMessage(uncapped);
  google::rpc::RetryInfo cap_retry;
  if (retry == nullptr && code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    SetDelay(kCapRetryDelay, &cap_retry);
    retry = &cap_retry;
  }
  google::rpc::Status proto;
  proto.set_code(code);
  proto.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  if (!field.empty()) (*info.mutable_metadata())["field"] = field;
  proto.add_details()->PackFrom(info);
  if (code == grpc::StatusCode::INVALID_ARGUMENT) {
    google::rpc::BadRequest bad;
    auto* violation = bad.add_field_violations();
    violation->set_field(field);
    violation->set_description(message);
    violation->set_reason(std::string(reason));
    proto.add_details()->PackFrom(bad);
  }
  if (retry != nullptr) proto.add_details()->PackFrom(*retry);
  return grpc::Status(code, message, proto.SerializeAsString());
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  Reason reason = GetReason(status);
  // GetReason falls back to INTERNAL; only trust the message of statuses
  // that core built with a reason.
  std::string message(status.message());
  grpc::StatusCode code = static_cast<grpc::StatusCode>(status.code());
  if (reason == Reason::kInternal && GetField(status).empty() &&
      !absl::StartsWith(message, "INTERNAL")) {
    message = "INTERNAL: internal error";
    code = grpc::StatusCode::INTERNAL;
  }
  return Build(code, message, ReasonName(reason), GetField(status), nullptr);
}

absl::Status AsTokenInputError(const absl::Status& status,
                               absl::string_view field) {
  if (status.code() != absl::StatusCode::kUnauthenticated) return status;
  const Reason reason = GetReason(status);
  // Keep core's "REASON: detail" message, strip the reason prefix for the
  // new detail to avoid "X: X: ...".
  absl::string_view detail = status.message();
  const std::string prefix = absl::StrCat(ReasonName(reason), ": ");
  if (absl::StartsWith(detail, prefix)) detail.remove_prefix(prefix.size());
  // Core's field names a claim inside the token; the caller needs the
  // request field that carried it.
  const absl::string_view f = field;
  if (reason == Reason::kTokenExpired) {
    return ErrorWithCode(absl::StatusCode::kFailedPrecondition, reason, detail,
                         f);
  }
  return ErrorWithCode(absl::StatusCode::kInvalidArgument, reason, detail, f);
}

grpc::Status RateLimitedStatus(absl::Duration retry_after) {
  google::rpc::RetryInfo retry;
  SetDelay(retry_after, &retry);
  return Build(grpc::StatusCode::RESOURCE_EXHAUSTED,
               absl::StrCat("RESOURCE_EXHAUSTED: rate limit reached; retry in ",
                            absl::FormatDuration(retry_after)),
               ReasonName(Reason::kResourceExhausted), "", &retry);
}

ReasonAndField ReasonOf(const grpc::Status& status) {
  ReasonAndField out{"UNKNOWN", ""};
  google::rpc::Status proto;
  if (!proto.ParseFromString(status.error_details())) return out;
  for (const google::protobuf::Any& detail : proto.details()) {
    google::rpc::ErrorInfo info;
    if (!detail.UnpackTo(&info)) continue;
    out.reason = info.reason();
    auto field = info.metadata().find("field");
    if (field != info.metadata().end()) out.field = field->second;
    break;
  }
  return out;
}

absl::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace tokend
