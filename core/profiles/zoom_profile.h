// The Zoom Video SDK profile (formats doc §6; not the Meeting SDK token):
// HS256 JWTs signed with the Video SDK secret, carrying `app_key`,
// `role_type`, `tpc`, `version` 1, `iat`, `exp` and the optional claims of
// ZoomGrants, as Zoom's videosdk-auth-endpoint-sample writes them. tokend
// also writes a `jti`.
//
// Both issue and verify hold exp − iat within [1800 s, 172800 s]: a TTL
// under 30 min is INVALID_ARGUMENT on "ttl", over the maximum
// LIFETIME_EXCEEDED. Verify: HS256 only; `app_key` must be the tenant's;
// `iat` required and not in the future; numbers must be JSON numbers
// (string-typed numbers are refused); `version` 1; every length limit and
// enumeration checked. The topic (expect.channel) matches case-insensitively,
// as Zoom's does.
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

struct ZoomProfileConfig {
  std::string app_key;  // the Video SDK key: written as `app_key`
  // The Video SDK secret; its bytes are the HMAC key (at least 32 bytes, the
  // core's HS256 rule).
  std::string secret;
  // Zoom's sample defaults to 2 h. Both bounds must lie in the vendor window.
  TtlBounds ttl = {absl::Hours(2), absl::Hours(48)};
  absl::Duration leeway = absl::Seconds(60);
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
