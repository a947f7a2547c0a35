#include "core/reason.h"

#include <array>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace tokend {
namespace {

constexpr absl::string_view kReasonUrl = "tokend.dev/reason";
constexpr absl::string_view kFieldUrl = "tokend.dev/field";

struct ReasonInfo {
  Reason reason;
  absl::string_view name;
  absl::StatusCode code;
};

using C = absl::StatusCode;
constexpr ReasonInfo kCatalogue[] = {
    {Reason::kOk, "OK", C::kOk},
    {Reason::kMalformed, "MALFORMED", C::kUnauthenticated},
    {Reason::kTokenTooLarge, "TOKEN_TOO_LARGE", C::kUnauthenticated},
    {Reason::kBadBase64, "BAD_BASE64", C::kUnauthenticated},
    {Reason::kBadJson, "BAD_JSON", C::kUnauthenticated},
    {Reason::kJsonTooDeep, "JSON_TOO_DEEP", C::kUnauthenticated},
    {Reason::kDuplicateKey, "DUPLICATE_KEY", C::kUnauthenticated},
    {Reason::kBadHeader, "BAD_HEADER", C::kUnauthenticated},
    {Reason::kAlgNotAllowed, "ALG_NOT_ALLOWED", C::kUnauthenticated},
    {Reason::kUnknownKid, "UNKNOWN_KID", C::kUnauthenticated},
    {Reason::kCritUnsupported, "CRIT_UNSUPPORTED", C::kUnauthenticated},
    {Reason::kUnsupportedHeader, "UNSUPPORTED_HEADER", C::kUnauthenticated},
    {Reason::kTypeMismatch, "TYPE_MISMATCH", C::kUnauthenticated},
    {Reason::kBadSignature, "BAD_SIGNATURE", C::kUnauthenticated},
    {Reason::kTokenExpired, "TOKEN_EXPIRED", C::kUnauthenticated},
    {Reason::kTokenNotYetValid, "TOKEN_NOT_YET_VALID", C::kUnauthenticated},
    {Reason::kIatInFuture, "IAT_IN_FUTURE", C::kUnauthenticated},
    {Reason::kExpMissing, "EXP_MISSING", C::kUnauthenticated},
    {Reason::kBadClaim, "BAD_CLAIM", C::kUnauthenticated},
    {Reason::kIssuerMismatch, "ISSUER_MISMATCH", C::kUnauthenticated},
    {Reason::kAudienceMismatch, "AUDIENCE_MISMATCH", C::kUnauthenticated},
    {Reason::kLifetimeExceeded, "LIFETIME_EXCEEDED", C::kUnauthenticated},
    {Reason::kRevoked, "REVOKED", C::kPermissionDenied},
    {Reason::kSessionLimit, "SESSION_LIMIT", C::kFailedPrecondition},
    {Reason::kKeyInvalid, "KEY_INVALID", C::kInvalidArgument},
    {Reason::kKeyTooWeak, "KEY_TOO_WEAK", C::kInvalidArgument},
    {Reason::kKeyAlgMismatch, "KEY_ALG_MISMATCH", C::kInvalidArgument},
    {Reason::kKeyUseInvalid, "KEY_USE_INVALID", C::kInvalidArgument},
    {Reason::kKeySetInvalid, "KEY_SET_INVALID", C::kInvalidArgument},
    {Reason::kNoSigningKey, "NO_SIGNING_KEY", C::kFailedPrecondition},
    {Reason::kInvalidArgument, "INVALID_ARGUMENT", C::kInvalidArgument},
    {Reason::kPermissionDenied, "PERMISSION_DENIED", C::kPermissionDenied},
    {Reason::kResourceExhausted, "RESOURCE_EXHAUSTED", C::kResourceExhausted},
    {Reason::kUnavailable, "UNAVAILABLE", C::kUnavailable},
    {Reason::kInternal, "INTERNAL", C::kInternal},
};

const ReasonInfo& Info(Reason reason) {
  for (const ReasonInfo& info : kCatalogue) {
    if (info.reason == reason) return info;
  }
  return kCatalogue[std::size(kCatalogue) - 1];
}

}  // namespace

absl::string_view ReasonName(Reason reason) { return Info(reason).name; }

absl::StatusCode DefaultCode(Reason reason) { return Info(reason).code; }

absl::Status Error(Reason reason, absl::string_view detail,
                   absl::string_view field) {
  return ErrorWithCode(DefaultCode(reason), reason, detail, field);
}

absl::Status ErrorWithCode(absl::StatusCode code, Reason reason,
                           absl::string_view detail, absl::string_view field) {
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kInternal;
  absl::Status status(code, absl::StrCat(ReasonName(reason), ": ", detail));
  status.SetPayload(kReasonUrl, absl::Cord(ReasonName(reason)));
  if (!field.empty()) status.SetPayload(kFieldUrl, absl::Cord(field));
  return status;
}

Reason GetReason(const absl::Status& status) {
  if (status.ok()) return Reason::kOk;
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonUrl);
  Reason reason = Reason::kInternal;
  if (payload.has_value()) ReasonFromName(std::string(*payload), &reason);
  return reason;
}

std::string GetField(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kFieldUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

bool ReasonFromName(absl::string_view name, Reason* out) {
  for (const ReasonInfo& info : kCatalogue) {
    if (info.name == name) {
      *out = info.reason;
      return true;
    }
  }
  return false;
}

}  // namespace tokend
