// The two phases (Profile::Authenticate / Profile::Check) of a vendor
// profile whose tokens are JWTs checked by VerifyJwt and then by the
// vendor's own claim rules (apirtc, daily, livekit, twilio, vonage, zoom).
//
// A cold verify of such a profile runs, in order: the request checks
// (CheckRequest), the JWS layer and registered claim types
// (AuthenticateJwt), the clock and audience rules (CheckJwtClaims), the
// vendor's call-independent claim rules, then the vendor's rules over the
// call's expectations. Authenticate runs the call-independent parts, but a
// failure of the vendor's claim rules is not returned there: a cold verify
// reports it only after the clock rules, so it is kept in
// VerifiedToken::deferred and Check returns it after them (such a token
// never passes Check, so it is never cached). Verify is exactly
// CheckRequest, Authenticate, Check.
//
// Immutable after construction; every method may run on any thread.
#ifndef TOKEND_CORE_PROFILES_INTERNAL_TWO_PHASE_JWT_PROFILE_H_
#define TOKEND_CORE_PROFILES_INTERNAL_TWO_PHASE_JWT_PROFILE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/jose/jwt.h"
#include "core/keys/key_set.h"
#include "core/profiles/profile.h"

namespace tokend {

class TwoPhaseJwtProfile : public Profile {
 public:
  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const final;
  bool SupportsAuthenticate() const final { return true; }
  absl::StatusOr<VerifiedToken> Authenticate(
      absl::string_view token) const final;
  absl::StatusOr<TokenInfo> Check(const VerifiedToken& verified,
                                  const VerifyExpectations& expect,
                                  absl::Time now) const final;
  bool Trusts(const VerifiedToken& verified) const final;

 protected:
  // The verification keys and the call-independent policy (issuer, leeway,
  // require_exp, max_lifetime, size caps). Check adds the call's audience
  // (when it asks for one) and expiry_grace.
  virtual const KeySet& verification_keys() const = 0;
  virtual const ValidationPolicy& policy() const = 0;
  // The vendor's call-independent claim rules over a token whose JWS
  // layer passed: completes `out->info` (token_id, issued_at and
  // expires_at are the JWT's already; token stays empty). Its failure is
  // what a cold verify reports after the clock rules (see above).
  virtual absl::Status ReadClaims(absl::string_view token,
                                  const VerifiedJwt& jwt,
                                  VerifiedToken* out) const = 0;
  // Vendor rules that need the clock and that a cold verify applies
  // before the failure ReadClaims may have found (Twilio: a lifetime
  // measured from now). Runs after the JWT clock rules.
  virtual absl::Status ClockRules(const VerifiedToken& verified,
                                  absl::Time now) const {
    return absl::OkStatus();
  }
  // The rest, once `verified.deferred` is OK: the call's expectations; may
  // complete `info` with what depends on `now`.
  virtual absl::Status Match(const VerifiedToken& verified,
                             const VerifyExpectations& expect, absl::Time now,
                             TokenInfo* info) const = 0;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_INTERNAL_TWO_PHASE_JWT_PROFILE_H_
