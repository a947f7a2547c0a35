// The generic JWT profile: the team's own tokens, any supported algorithm,
// a configured issuer and audiences, free-form extra claims, and keys that
// can be published as a JWKS.
#ifndef TOKEND_CORE_PROFILES_JWT_PROFILE_H_
#define TOKEND_CORE_PROFILES_JWT_PROFILE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/keys/key_set.h"
#include "core/profiles/profile.h"

namespace tokend {

struct JwtProfileConfig {
  std::string issuer;                  // required
  std::vector<std::string> audiences;  // default audiences; verify accepts any
  std::shared_ptr<const Key>
      signing_key;  // private; its kid goes in the header
  // Verification keys; must contain the signing key's kid when one is set.
  std::shared_ptr<const KeySet> verification_keys;
  TtlBounds ttl;
  absl::Duration leeway = absl::Seconds(60);
  // The token type (the "typ" header). Empty (the default): tokens are
  // issued with typ "JWT", and on verify typ is optional (RFC 7519 §5.1)
  // but, when present, must be JWT. Set (e.g. "at+jwt"): written on issue
  // and required on verify. Compared as RFC 7515 §4.1.9 media types:
  // case-insensitively, "application/" implied. At most 128 characters of
  // RFC 6838 media-type name characters, with at most one '/'.
  std::string typ;
};

// Errors name the config field (kInvalidArgument).
absl::StatusOr<std::shared_ptr<const Profile>> NewJwtProfile(
    JwtProfileConfig config);

// The private claim carrying the session start across renewals (seconds).
inline constexpr char kSessionStartClaim[] = "tokend_sst";

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_JWT_PROFILE_H_
