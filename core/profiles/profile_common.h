// Small rules every profile shares, kept in one place so each vendor
// enforces them identically.
#ifndef TOKEND_CORE_PROFILES_PROFILE_COMMON_H_
#define TOKEND_CORE_PROFILES_PROFILE_COMMON_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
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

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_PROFILE_COMMON_H_
