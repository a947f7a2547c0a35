// The Zoom Video SDK profile (formats doc §6; not the Meeting SDK token):
// HS256 JWTs signed with the Video SDK secret, carrying `app_key`,
// `role_type`, `tpc`, `version` 1, `iat`, `exp` and the optional claims of
// ZoomGrants, as Zoom's videosdk-auth-endpoint-sample writes them. tokend
// also writes a `jti`. The user (the subject) is written as `user_key`,
// the name in Zoom's current Video SDK auth docs ("previously named
// user_identity"), or as `user_identity` for SDKs that still read the old
// name (ZoomProfileConfig::user_claim).
//
// Both issue and verify hold exp − iat within [1800 s, the tenant's
// ttl.max], and ttl.max may not exceed Zoom's 172800 s (48 h): a TTL under
// 30 min is INVALID_ARGUMENT on "ttl", over the maximum LIFETIME_EXCEEDED.
// Verify: HS256 only; `app_key` must be the tenant's; `iat` required and not
// in the future; numbers must be JSON numbers (string-typed numbers are
// refused); `version` 1; every length limit and enumeration checked; the
// user is read from `user_key` or `user_identity` (a token naming two
// different users is BAD_CLAIM). The topic (expect.channel) matches
// case-insensitively, as Zoom's does.
//
// The profile is immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_ZOOM_PROFILE_H_
#define TOKEND_CORE_PROFILES_ZOOM_PROFILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

// The claim a Zoom tenant writes the user into (both are read).
enum class ZoomUserClaim {
  kUserKey,       // `user_key`: Zoom's current name, at most 36 characters
  kUserIdentity,  // `user_identity`: the former name, at most 35 characters
};

struct ZoomProfileConfig {
  std::string app_key;  // the Video SDK key: written as `app_key`
  // The Video SDK secret; its bytes are the HMAC key (at least 32 bytes, the
  // core's HS256 rule).
  std::string secret;
  // Zoom's sample defaults to 2 h. Both bounds must lie in the vendor window.
  TtlBounds ttl = {absl::Hours(2), absl::Hours(48)};
  absl::Duration leeway = absl::Seconds(60);
  ZoomUserClaim user_claim = ZoomUserClaim::kUserKey;
};

// Zoom's window for exp − iat.
inline constexpr absl::Duration kZoomMinTtl = absl::Seconds(1800);
inline constexpr absl::Duration kZoomMaxTtl = absl::Seconds(172800);

// Errors: kInvalidArgument naming the config field ("app_key", "secret",
// "ttl.default_ttl", "ttl.max_ttl", ...), or the key reason on "secret".
absl::StatusOr<std::shared_ptr<const Profile>> NewZoomProfile(
    ZoomProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_ZOOM_PROFILE_H_
