// Small rules every profile shares, kept in one place so each vendor
// enforces them identically.
#ifndef TOKEND_CORE_PROFILES_INTERNAL_PROFILE_COMMON_H_
#define TOKEND_CORE_PROFILES_INTERNAL_PROFILE_COMMON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/jose/claims_writer.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/json/json.h"
#include "core/profiles/profile.h"

namespace tokend {

// Zero → bounds.default_ttl. Negative → kInvalidArgument on "ttl"; over
// bounds.max_ttl → kLifetimeExceeded on "ttl". Whole seconds only (token
// times are NumericDates): sub-second TTLs are refused.
absl::StatusOr<absl::Duration> ResolveTtl(const TtlBounds& bounds,
                                          absl::Duration requested);

// Validates TtlBounds from config: 0 < default ≤ max. `field` prefixes the
// error field, e.g. "tenants.demo.ttl".
absl::Status ValidateTtlBounds(const TtlBounds& bounds,
                               absl::string_view field);

// Session start for a fresh issue or a renewal: InfinitePast means now.
absl::Time EffectiveSessionStart(absl::Time requested, absl::Time now);

// Writes / reads the private "tokend_sst" claim (JWT profiles).
void SetSessionStartClaim(absl::Time session_start, json::Object* claims);
// The claim's value, or `fallback` (usually iat) when absent or malformed.
absl::Time SessionStartFromClaims(const json::Object& claims,
                                  absl::Time fallback);

// Re-roots a core error's field under a request path, e.g.
// "extra_claims.exp" -> "grants.jwt.extra_claims.exp". Code, reason and
// message are kept. Statuses without a field are returned unchanged.
absl::Status PrefixField(const absl::Status& status, absl::string_view prefix);

// The private session-start claim (see kSessionStartClaim), when
// `session_started` is not InfinitePast (a fresh session), for profiles
// writing their claims with a ClaimsWriter.
void AddSessionStartClaim(absl::Time session_started, ClaimsWriter* claims);

// The TokenInfo of a freshly issued token: `subject` is the input's,
// the times are `times`, the session starts at the input's session start
// (now for a fresh one) and `grants` are reported back as given.
TokenInfo IssuedTokenInfo(std::string token, std::string token_id,
                          const IssueInput& input, const JwtTimes& times,
                          absl::Time now, Grants grants);

// `checked` as it is when OK; else its status with the facts (jti, iat,
// exp) of `jwt` attached (core/token_facts.h): what a profile returns from
// the checks it makes once VerifyJwt found the signature good, so that an
// invalid verdict can still be traced to the token's issue.
absl::StatusOr<TokenInfo> KeepingFacts(absl::StatusOr<TokenInfo> checked,
                                       const VerifiedJwt& jwt);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_INTERNAL_PROFILE_COMMON_H_
