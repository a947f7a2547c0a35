// The Twilio profile: Access Tokens as twilio-node's AccessToken writes them
// (header cty "twilio-fpa;v=1" and optional twr region; iss the API Key SID,
// sub the Account SID, jti "<API Key SID>-<random>", grants.identity and the
// chat / video / data_sync / voice / task_router / player grants).
//
// Verification also requires `jti` (twilio-node always writes one, Twilio's
// docs list it, and it is what a revocation by id names), holds exp −
// (iat, else nbf, else now) to the tenant's ttl.max (at most Twilio's 24 h),
// and checks the identity as on issue: non-empty, at most 1024 bytes, only
// letters, digits and '_' with a voice grant (Twilio's Voice rule), at most
// 128 characters with a video grant (Twilio Video's). A token without iat
// has no known issue time (TokenInfo.issued_at InfinitePast), so every
// subject or tenant revocation still in force covers it.
//
// The algorithm is HS256 by default; HS384 or HS512 may be configured (the
// SDK allows them) and then exactly that one is accepted. Note the core's
// load-time rule: the API Key secret must be at least the hash size (32
// bytes for HS256, 48 / 64 for HS384 / HS512).
//
// Profile instances are immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_TWILIO_PROFILE_H_
#define TOKEND_CORE_PROFILES_TWILIO_PROFILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/profiles/profile.h"

namespace tokend {

inline constexpr char kTwilioContentType[] = "twilio-fpa;v=1";
// Twilio's documented maximum lifetime (docs/iam/access-tokens: "configurable
// for up to 24 hours").
inline constexpr absl::Duration kTwilioMaxTtl = absl::Hours(24);
// tokend's cap on grants.identity (Twilio documents none for every product).
inline constexpr size_t kTwilioMaxIdentityBytes = 1024;
// Twilio Video's limit on a participant identity (error 53200: "more than
// 128 characters", a double-byte character counting as 2), checked when the
// token has a video grant.
inline constexpr size_t kTwilioMaxVideoIdentity = 128;

struct TwilioProfileConfig {
  std::string account_sid;                  // "AC" + 32 lower-case hex: the sub
  std::string api_key_sid;                  // "SK" + 32 lower-case hex: the iss
  std::string api_key_secret;               // the API Key secret (HMAC key)
  Algorithm algorithm = Algorithm::kHS256;  // HS256, HS384 or HS512
  TtlBounds ttl{absl::Hours(1), kTwilioMaxTtl};
  absl::Duration leeway = absl::Seconds(60);
};

// Errors name the config field: kInvalidArgument ("account_sid",
// "api_key_sid", "algorithm", "ttl.*", "leeway") or the key reason
// (kKeyTooWeak, ...) on "api_key_secret".
absl::StatusOr<std::shared_ptr<const Profile>> NewTwilioProfile(
    TwilioProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_TWILIO_PROFILE_H_
