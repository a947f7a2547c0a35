// The ApiRTC (Apizee) profile: HS256 JWTs as ApiRTC's own generator
// (AccessToken.js) makes them: `sub` = the apiKey, `aud` = "apiRTC",
// `grants.apiRTC_UserAgent_Id`, `iat`, `exp` (default ttl 3600 s, at most
// 24 h) and a UUID v4 `jti`.
//
// Verification (formats doc §1, "Sidecar verifier profile"): HS256 only;
// `sub` must be the tenant's apiKey; `aud` must be the string "apiRTC";
// `iat` and `exp` are required with exp − iat ≤ the tenant's ttl.max (at
// most ApiRTC's 24 h, as on issue); `jti` must be a UUID;
// `grants.apiRTC_UserAgent_Id` must be a non-empty string of at most 256
// characters (tokend's cap: ApiRTC documents none), and the "ApiKey_Token"
// wildcard is accepted only when the tenant allows it. The wildcard acts
// for every user of the apiKey, so it is app-level (Profile::IsAppLevel).
//
// The profile is immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_APIRTC_PROFILE_H_
#define TOKEND_CORE_PROFILES_APIRTC_PROFILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

struct ApiRtcProfileConfig {
  std::string api_key;  // the apiKey: written as `sub`, required on verify
  // The secret from ApiRTC's authentication configuration; its UTF-8 bytes
  // are the HMAC key. ApiRTC documents no minimum length; tokend applies the
  // core rule for HS256 (at least 32 bytes, RFC 7518 §3.2) and refuses
  // shorter secrets with KEY_TOO_WEAK on "secret".
  std::string secret;
  // Tenant policy: may tokens name the "ApiKey_Token" wildcard (issue with
  // ApiRtcGrants.all_users; accept on verify)?
  bool allow_wildcard = false;
  TtlBounds ttl = {absl::Seconds(3600), absl::Hours(24)};
  absl::Duration leeway = absl::Seconds(60);
};

// ApiRTC's documented maximum token lifetime.
inline constexpr absl::Duration kApiRtcMaxTtl = absl::Hours(24);
// The audience ApiRTC expects, and the wildcard user agent id.
inline constexpr char kApiRtcAudience[] = "apiRTC";
inline constexpr char kApiRtcWildcard[] = "ApiKey_Token";

// Errors: kInvalidArgument naming the config field ("api_key", "secret",
// "ttl.max_ttl", ...), or the key reason (KEY_TOO_WEAK) on "secret".
absl::StatusOr<std::shared_ptr<const Profile>> NewApiRtcProfile(
    ApiRtcProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_APIRTC_PROFILE_H_
