// The Daily (daily.co) profile: self-signed HS256 meeting tokens keyed by
// the domain's API key, with Daily's short claim names (formats doc §3).
// tokend always writes `r`, `d`, `iat`, `exp` and `jti`; the other claims
// come from DailyGrants, `ud` from the subject.
//
// Verification: HS256 only; `r` (a Daily room name), `d` (equal to the
// tenant's domain id) and `iat` required; `exp` required although Daily allows
// tokens without it (tokend policy), with exp − iat ≤ the tenant's max_ttl;
// every known claim type-checked against Daily's table (`er`, `uil` from their
// enumerations, `ud` ≤ 36 characters); unknown `p` members refused. Unknown
// top-level claims are ignored and not carried into the grants.
//
// The profile is immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_DAILY_PROFILE_H_
#define TOKEND_CORE_PROFILES_DAILY_PROFILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

struct DailyProfileConfig {
  // The domain's API key (the REST bearer key); its bytes are the HMAC key.
  // At least 32 bytes (the core's HS256 rule; Daily's keys are 64 hex
  // characters).
  std::string api_key;
  std::string domain_id;  // `d`: the domain's UUID
  // Daily documents no maximum lifetime; max_ttl is tokend's cap for both
  // issue and verify (exp − iat).
  TtlBounds ttl = {absl::Hours(1), absl::Hours(24)};
  absl::Duration leeway = absl::Seconds(60);
};

// Daily's documented limit on `ud` (create-meeting-token: user_id "at most
// 36 characters").
inline constexpr size_t kDailyMaxUserIdLength = 36;
// Daily's room names (create-room docs: "only the uppercase and lowercase
// ascii letters, numbers, dash and underscore", "cannot exceed 128
// characters"), held on `r` on issue and on verify.
inline constexpr size_t kDailyMaxRoomNameLength = 128;

// Errors: kInvalidArgument naming the config field ("api_key", "domain_id",
// "ttl.max_ttl", ...), or the key reason (KEY_TOO_WEAK) on "api_key".
absl::StatusOr<std::shared_ptr<const Profile>> NewDailyProfile(
    DailyProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_DAILY_PROFILE_H_
