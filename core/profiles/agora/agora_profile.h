// The Agora profile: AccessToken2 ("007") for every Agora service (RTC,
// RTM, RTM2, Streaming, FPA, Chat, FCDN, APaaS), and the legacy AccessToken
// ("006") for migrations. Formats: docs/formats/agora.md.
//
// Issue: expiry and privilege expiries are seconds relative to the issue
// time (now); the salt comes from the CSPRNG (core/random.h). TTL and every
// privilege at most 24 h (Agora's maximum). No default widens a request
// (agora_grants.h): a service's user is the one it names or the subject,
// else kInvalidArgument; a Chat service is a user token unless the app is
// asked for; an APaaS kind carries only its own privilege. IsAppLevel: a
// Chat app (privilege 2) or APaaS app (privilege 3) service, judged on the
// services a request expands to and on a verified token's alike. Names
// follow Agora's documented lengths and character sets (agora_limits.h).
//
// Verify: size cap before decoding, strict base64, capped inflate, the
// signature in constant time, then (each failure from here on carrying the
// token's id and times, core/token_facts.h) the tenant's app id, the 24 h
// caps (007: expire and every privilege; 006: ts from now), the issue time
// (leeway), the expiry, Agora's name limits, and the expectations. Every
// expectation is checked or refused for the token's shape, never skipped:
// an audience is kAudienceMismatch (Agora tokens carry none); a channel
// must be served by an RTC/Streaming/FCDN service (RTC "*" serves any);
// an account must be named by a service ("" RTC/Streaming/FCDN accounts
// admit any uid; app tokens, FPA and unknown services name nobody); each
// privilege (VerifyExpectations.privileges: (service type, privilege id);
// 0 = bounded by the token expiry) must be present in a matching service
// and not expired. Reasons: kBadClaim naming "app_id", "channel",
// "account", "privilege.<type>.<id>" (missing) or "services[<i>].<field>"
// (a name over Agora's limits); kTokenExpired naming "expire" (006: "ts")
// or "privilege.<type>.<id>"; kIatInFuture naming "issue_ts";
// kLifetimeExceeded naming "expire", "ts" or "privilege.<type>.<id>";
// kAudienceMismatch naming "audience". The signature is checked before the
// app id, so any altered byte is kBadSignature (or kMalformed when the
// layout breaks).
//
// Renewal: TokenInfo.grants re-issue to the same services (an RTC/Streaming/
// FCDN "" account comes back as uid 0; Chat and APaaS services come back
// explicit). A service of an unknown type is reported (type and opaque
// bytes, always last) but never issued, so such a token cannot be renewed.
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
// only their CRC-32s; without them: kInvalidArgument naming the field. A
// 006 RTM token is for no channel: an expected one is kBadClaim. 006
// tokens carry no issue time: TokenInfo.issued_at is the verification time
// (at most the expiry), and re-issuable relative privilege expiries are
// their remaining lifetimes.
//
// Profile instances are immutable and thread-safe.
#ifndef TOKEND_CORE_PROFILES_AGORA_AGORA_PROFILE_H_
#define TOKEND_CORE_PROFILES_AGORA_AGORA_PROFILE_H_

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

#endif  // TOKEND_CORE_PROFILES_AGORA_AGORA_PROFILE_H_
