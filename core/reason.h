// The one catalogue of stable failure reasons used by tokend everywhere:
// core errors, the gRPC ErrorInfo.reason, the VerifyToken verdict, metric
// labels and log lines. Names are part of the public contract: never rename
// or reuse one, only add.
//
// A reason travels inside an absl::Status as a payload, so core code returns
// plain absl::Status / absl::StatusOr and callers recover the reason with
// GetReason(). The optional "field" payload names the request or config
// field at fault.
#ifndef TOKEND_CORE_REASON_H_
#define TOKEND_CORE_REASON_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tokend {

enum class Reason {
  kOk = 0,
  // Token shape and encoding.
  kMalformed,      // not three base64url segments, bad JOSE structure
  kTokenTooLarge,  // over the configured token size limit
  kBadBase64,      // a segment is not strict base64url
  kBadJson,        // header or payload is not a strict RFC 8259 object
  kJsonTooDeep,    // nesting over the depth limit
  kDuplicateKey,   // a JSON object repeats a member name
  // Header.
  kBadHeader,          // alg/kid/typ missing or of the wrong type
  kAlgNotAllowed,      // alg not on the key's allow-list (incl. "none")
  kUnknownKid,         // no configured key has this kid
  kCritUnsupported,    // "crit" present
  kUnsupportedHeader,  // b64, jwk/jku/x5u/x5c as trust, nested cty JWT
  kTypeMismatch,       // typ differs from what the profile requires
  // Signature.
  kBadSignature,
  // Claims.
  kTokenExpired,
  kTokenNotYetValid,
  kIatInFuture,
  kExpMissing,
  kBadClaim,  // a claim of the wrong type or out of range
  kIssuerMismatch,
  kAudienceMismatch,
  kLifetimeExceeded,  // exp - iat over the profile maximum
  kRevoked,
  kSessionLimit,
  // Keys and configuration.
  kKeyInvalid,      // unparseable or structurally wrong key material
  kKeyTooWeak,      // RSA < 2048 bits, HMAC secret shorter than the hash
  kKeyAlgMismatch,  // curve/kty/size does not fit the bound algorithm
  kKeyUseInvalid,   // use "enc", key_ops without sign/verify
  kKeySetInvalid,   // duplicate kids, mixed symmetric and asymmetric
  kNoSigningKey,    // a key without private material asked to sign
  // Requests and process.
  kInvalidArgument,
  kPermissionDenied,
  kResourceExhausted,
  kUnavailable,
  kInternal,
};

// The stable SCREAMING_SNAKE name, e.g. "TOKEN_EXPIRED".
absl::string_view ReasonName(Reason reason);

// The canonical status code a reason maps to by default (token failures are
// UNAUTHENTICATED, configuration errors INVALID_ARGUMENT, ...).
absl::StatusCode DefaultCode(Reason reason);

// Builds a status with DefaultCode(reason), the message "REASON: detail" and
// the reason (and field, when given) attached as payloads. `detail` must never
// contain token bytes, secrets or private keys.
absl::Status Error(Reason reason, absl::string_view detail,
                   absl::string_view field = "");

// Same, with an explicit status code.
absl::Status ErrorWithCode(absl::StatusCode code, Reason reason,
                           absl::string_view detail,
                           absl::string_view field = "");

// kOk for an OK status; kInternal for a non-OK status without a reason.
Reason GetReason(const absl::Status& status);

// The field named by Error(), or "".
std::string GetField(const absl::Status& status);

// Parses a stable name back; false when unknown.
bool ReasonFromName(absl::string_view name, Reason* out);

}  // namespace tokend

#endif  // TOKEND_CORE_REASON_H_
