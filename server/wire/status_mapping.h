// absl::Status (with core/reason.h payloads) → grpc::Status.
//
// Every failed call carries, in the grpc-status-details-bin trailer, a
// serialized google.rpc.Status whose details hold a google.rpc.ErrorInfo
// {reason, domain "tokend", metadata {"field": ...}}; INVALID_ARGUMENT adds a
// google.rpc.BadRequest with one FieldViolation, RESOURCE_EXHAUSTED from the
// rate limiter a google.rpc.RetryInfo.
#ifndef TOKEND_SERVER_WIRE_STATUS_MAPPING_H_
#define TOKEND_SERVER_WIRE_STATUS_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace tokend {

inline constexpr char kErrorDomain[] = "tokend";
// Longer messages (which echo request values) are cut to this many bytes
// plus a note of how much was left out.
inline constexpr size_t kMaxErrorMessageBytes = 512;

// The status code follows the absl code (core chooses it, see
// core/reason.cc); a status without a reason maps to INTERNAL with reason
// INTERNAL and a generic message, so no unexpected text reaches clients.
// RESOURCE_EXHAUSTED (a cap) carries RetryInfo (1 s); messages are capped
// at kMaxErrorMessageBytes.
grpc::Status ToGrpcStatus(const absl::Status& status);

// For RPCs whose *input* is a token (RenewToken, SubscribeToken's
// current_token, RevokeToken by token): the token is data, not the caller's
// credential, so core's UNAUTHENTICATED token reasons become
// FAILED_PRECONDITION for TOKEN_EXPIRED (re-issue; do not retry) and
// INVALID_ARGUMENT naming `field` for the rest. REVOKED stays
// PERMISSION_DENIED and SESSION_LIMIT FAILED_PRECONDITION.
absl::Status AsTokenInputError(const absl::Status& status,
                               absl::string_view field);

// RESOURCE_EXHAUSTED / RESOURCE_EXHAUSTED with RetryInfo{retry_after}.
grpc::Status RateLimitedStatus(absl::Duration retry_after);

// The ErrorInfo reason ("TOKEN_EXPIRED", ...) and "field" metadata of a
// status built here; reason "UNKNOWN" when it carries none.
struct ReasonAndField {
  std::string reason;
  std::string field;
};
ReasonAndField ReasonOf(const grpc::Status& status);

// "OK", "INVALID_ARGUMENT", ... (metric labels).
absl::string_view CodeName(grpc::StatusCode code);

}  // namespace tokend

#endif  // TOKEND_SERVER_WIRE_STATUS_MAPPING_H_
