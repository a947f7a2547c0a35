// JWS compact serialisation (RFC 7515 §7.1) and the JOSE header rules.
#ifndef TOKEND_CORE_JOSE_JWS_H_
#define TOKEND_CORE_JOSE_JWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/json/json.h"

namespace tokend {

// Views into the caller's token; valid while the token is.
struct CompactParts {
  absl::string_view header;         // base64url, non-empty
  absl::string_view payload;        // base64url, non-empty unless allowed
  absl::string_view signature;      // base64url, non-empty
  absl::string_view signing_input;  // "header.payload", exactly as received
};

// Whether the payload segment may be empty. RFC 7515 allows an empty JWS
// payload ("h..s"); a JWT's payload is a JSON object (RFC 7519 §7.2), so the
// token paths keep kNonEmpty.
enum class PayloadRule { kNonEmpty, kMayBeEmpty };

// Exactly three segments, total size ≤ max_bytes (checked first, before
// anything else is looked at). The header and signature are never empty; the
// payload only when `payload_rule` allows it. Errors: kTokenTooLarge,
// kMalformed.
absl::StatusOr<CompactParts> SplitCompact(
    absl::string_view token, size_t max_bytes,
    PayloadRule payload_rule = PayloadRule::kNonEmpty);

struct JoseHeader {
  Algorithm alg = Algorithm::kHS256;
  std::string kid;
  bool has_kid = false;
  std::string typ;  // as received, "" when absent
  bool has_typ = false;
  std::string cty;  // as received, "" when absent
};

// Applies RFC 7515/7797/8725 header rules: alg required, a string, and a
// supported name (exact case); kid a string of at most 256 bytes; typ/cty
// strings; "crit" refused in every form; "b64" refused; "cty":"JWT"
// (nesting) refused; jwk/jku/x5u/x5c/x5t are never trusted, so they are
// refused as kUnsupportedHeader rather than silently ignored.
absl::StatusOr<JoseHeader> ParseJoseHeader(const json::Object& header);

// RFC 7515 §4.1.9 media-type comparison: "JWT" == "application/jwt",
// case-insensitive.
bool TypMatches(absl::string_view received, absl::string_view expected);

}  // namespace tokend

#endif  // TOKEND_CORE_JOSE_JWS_H_
