// The Agora profile: AccessToken2 ("007") for every Agora service (RTC,
// RTM, RTM2, Streaming, FPA, Chat, FCDN, APaaS), and the legacy AccessToken
// ("006") for migrations. Formats: docs/formats/agora.md.
//
// Issue: expiry and privilege expiries are seconds relative to the issue
// time (now); the salt comes from the CSPRNG (core/random.h). TTL at most
// 24 h (Agora's maximum).
//
// Verify: size cap before decoding, strict base64, capped inflate, the
// tenant's app id, the signature in constant time, the token expiry (with
// leeway; an issue time beyond the leeway in the future is refused), and,
// when the caller supplies them, the channel, the uid/account and each
// requested privilege (VerifyExpectations.privileges: (service type,
// privilege id); a privilege value 0 is bounded by the token expiry).
// Reasons: kBadClaim naming "app_id", "channel", "account" or
// "privilege.<type>.<id>" (missing); kTokenExpired naming "expire" (006:
// "ts") or "privilege.<type>.<id>"; kIatInFuture naming "issue_ts";
// kLifetimeExceeded naming "expire" for a 007 lifetime over 24 h. The
// signature is checked before the app id, so any altered byte is
// kBadSignature (or kMalformed when the layout breaks).
//
// Renewal: TokenInfo.grants re-issue to the same services (an RTC/Streaming/
// FCDN "" account comes back as uid 0; APaaS services come back explicit).
// Services after an unknown service type are verified (the signature covers
// them) but not reported, so a renewal drops them.
//
// Token ids: neither format carries one; TokenInfo.token_id is derived from
// the decoded content (AgoraTokenId, agora::AgoraContentId), so every
// encoding of a token has the same id and revocation by id holds for all.
// Session start: not carried by Agora tokens; a verified token reports its
// issue time.
//
// 006 verification needs the expected channel (RTC) and, unless the token
// is for any uid, the account (expect.account: the uid in decimal or the
// user account; for an RTM token the user id), because the token stores
// only their CRC-32s; without them: kInvalidArgument naming the field. 006
// tokens carry no issue time: TokenInfo.issued_at is the verification time
// (at most the expiry), and re-issuable relative privilege expiries are
// their remaining lifetimes.
//
// Profile instances are immutable and thread-safe.
#ifndef TOKEND_CORE_PROFILES_AGORA_PROFILE_H_
#define TOKEND_CORE_PROFILES_AGORA_PROFILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

// Agora's maximum token lifetime.
inline constexpr absl::Duration kAgoraMaxTtl = absl::Hours(24);

struct AgoraProfileConfig {
  std::string app_id;           // 32 hex characters
  std::string app_certificate;  // 32 hex characters (used as ASCII)
  TtlBounds ttl;                // max_ttl at most kAgoraMaxTtl
  absl::Duration leeway = absl::Seconds(60);
  // Refused (kTokenTooLarge) before any decoding.
  size_t max_token_bytes = 8 * 1024;
  // Inflated 007 payloads over this are refused (kMalformed): zlib bombs.
  size_t max_payload_bytes = 64 * 1024;
  // Whether Verify accepts legacy "006" tokens (kMalformed when not).
  bool accept_legacy_006 = true;
};

// Errors: kInvalidArgument naming the field ("app_id", "app_certificate",
// "ttl.max_ttl", "leeway", "max_token_bytes", "max_payload_bytes").
absl::StatusOr<std::shared_ptr<const Profile>> NewAgoraProfile(
    AgoraProfileConfig config);

// The token id of a 007 or 006 token, as Issue and Verify report it:
// derived from the token's decoded content, not its string, so every
// encoding of one token has one id (agora::AgoraContentId explains why).
// "" when the token does not decode (with the default size caps). It does
// not verify the token.
std::string AgoraTokenId(absl::string_view token);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_AGORA_PROFILE_H_
