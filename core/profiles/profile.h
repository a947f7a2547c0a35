// A profile turns a typed grant request into a token of one vendor format,
// and a token back into verified, typed grants.
//
// One Profile instance serves one tenant (a configured app: credentials,
// format, TTL bounds). Instances are immutable and safe to call from any
// thread; a key or config change builds new instances and the server
// swaps in a new snapshot holding them (a TenantSet, core/tenant_set.h).
#ifndef TOKEND_CORE_PROFILES_PROFILE_H_
#define TOKEND_CORE_PROFILES_PROFILE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/profiles/grants.h"

namespace tokend {

struct TtlBounds {
  absl::Duration default_ttl = absl::Hours(1);
  absl::Duration max_ttl = absl::Hours(24);
};

struct IssueInput {
  std::string subject;  // user id / account / identity, as the profile needs
  absl::Duration ttl = absl::ZeroDuration();  // zero: the tenant default
  Grants grants;
  // Not valid before this time (the token's nbf). InfinitePast: the
  // profile's default. Profiles whose tokens cannot carry it refuse it
  // (Profile::CarriesNotBefore); it must be before the expiry. A renewal
  // does not carry it forward.
  absl::Time not_before = absl::InfinitePast();
  // When renewing: when the session began (the first issue), carried
  // forward so the session cap holds across renewals. InfinitePast: now.
  absl::Time session_started = absl::InfinitePast();
};

struct VerifyExpectations {
  std::optional<std::string> audience;
  // Agora: the channel and uid/account joining, and the privileges
  // (service type, privilege id) that must still be valid.
  std::optional<std::string> channel;
  std::optional<std::string> account;
  std::vector<std::pair<uint16_t, uint16_t>> privileges;
  // Renewal only: accept a token that expired at most this long ago.
  absl::Duration expiry_grace = absl::ZeroDuration();
};

struct TokenInfo {
  std::string token;  // never logged
  std::string token_id;
  std::string subject;
  absl::Time issued_at;
  absl::Time expires_at;
  // Set for tokens that carry no issue time (Agora 006): the earliest time
  // the token can have been issued, which subject and tenant revocations
  // compare against instead of issued_at, so that a revocation covers every
  // such token that may predate it. Unset: issued_at is the token's own.
  std::optional<absl::Time> earliest_issue;
  // The start of the session this token belongs to (see IssueInput).
  absl::Time session_started;
  Grants grants;
  json::Object claims;  // JWT profiles: the verified claim set
};

// What the expensive, call-independent half of a verification
// (Profile::Authenticate) found: enough to apply the clock and the call's
// expectations again (Profile::Check) without the signature. Immutable once
// built; may be shared between threads.
struct VerifiedToken {
  // The call-independent result: id, subject, times, session start,
  // grants and claims. `token` is left empty.
  TokenInfo info;
  // The key that verified the signature; Profile::Trusts tells whether the
  // profile still verifies with exactly this key.
  std::shared_ptr<const Key> key;
  // JWT profiles: the registered claims the clock and expectation rules
  // read (claims_json is dropped).
  VerifiedJwt jwt;
  // A call-independent failure that a cold Verify reports only after the
  // clock rules (a vendor JWT profile's own claim rules, run after
  // VerifyJwt's): Check returns it once those pass, so the reasons keep
  // their order. A token carrying one never passes Check, so it is never
  // cached.
  absl::Status deferred;
};

class Profile {
 public:
  virtual ~Profile() = default;
  // "agora", "apirtc", "vonage", "daily", "livekit", "twilio", "zoom", "jwt".
  virtual absl::string_view name() const = 0;
  // Whether Issue honours IssueInput.not_before (the token has an nbf).
  // TokenService refuses a not_before for the other profiles.
  virtual bool CarriesNotBefore() const { return false; }
  // Whether Issue(input) writes an app-level token: one that acts for the
  // whole app rather than one user (e.g. an Agora Chat or APaaS app token).
  // Such tokens are never a default: the request must ask for one, and the
  // server lets only callers with the tenant under
  // callers[].issue_app_level issue, renew or subscribe to one. It must give
  // the same answer for a verified token's subject and grants
  // (TokenInfo.subject, TokenInfo.grants) as for the request that issued it.
  virtual bool IsAppLevel(const IssueInput& input) const { return false; }
  // Errors: kInvalidArgument naming the field (e.g. "grants.agora.uid"),
  // kLifetimeExceeded for a TTL over the vendor maximum.
  virtual absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                          absl::Time now) const = 0;
  // A failed verification is a status with a token reason (BAD_SIGNATURE,
  // TOKEN_EXPIRED, ...). On success the grants are filled in.
  virtual absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                           const VerifyExpectations& expect,
                                           absl::Time now) const = 0;

  // Two-phase verification, for profiles where SupportsAuthenticate() is
  // true: Verify(token, expect, now) answers exactly as
  // Check(*Authenticate(token), expect, now) (or Authenticate's failure),
  // reasons and their order included. Authenticate is the expensive part
  // that depends on neither the clock nor the call: size limits, parse,
  // key lookup, signature, the claims' types. Check is the cheap part: the
  // time rules (exp, nbf, iat with leeway, expiry_grace) and the call's
  // expectations. The other profiles answer kUnimplemented.
  // A caller of the two phases runs CheckRequest(expect) first, as Verify
  // does: the expectations this profile cannot honour at all (e.g. a
  // channel for a format without rooms) are refused before the token is
  // looked at.
  virtual bool SupportsAuthenticate() const { return false; }
  virtual absl::Status CheckRequest(const VerifyExpectations& expect) const {
    return absl::OkStatus();
  }
  virtual absl::StatusOr<VerifiedToken> Authenticate(
      absl::string_view token) const;
  virtual absl::StatusOr<TokenInfo> Check(const VerifiedToken& verified,
                                          const VerifyExpectations& expect,
                                          absl::Time now) const;
  // Whether `verified.key` is still, as that very object, one of this
  // profile's verification keys.
  virtual bool Trusts(const VerifiedToken& verified) const { return false; }

 protected:
  // Verify for the two-phase profiles: CheckRequest, Authenticate, Check.
  absl::StatusOr<TokenInfo> VerifyInTwoPhases(absl::string_view token,
                                              const VerifyExpectations& expect,
                                              absl::Time now) const;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_PROFILE_H_
