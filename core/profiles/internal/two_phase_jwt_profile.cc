#include "core/profiles/internal/two_phase_jwt_profile.h"

#include <utility>

#include "core/profiles/internal/profile_common.h"
#include "core/token_facts.h"

namespace tokend {

absl::StatusOr<TokenInfo> TwoPhaseJwtProfile::Verify(
    absl::string_view token, const VerifyExpectations& expect,
    absl::Time now) const {
  return VerifyInTwoPhases(token, expect, now);
}

absl::StatusOr<VerifiedToken> TwoPhaseJwtProfile::Authenticate(
    absl::string_view token) const {
  absl::StatusOr<VerifiedJwt> jwt =
      AuthenticateJwt(token, verification_keys(), policy());
  if (!jwt.ok()) return jwt.status();
  absl::StatusOr<VerifiedToken> out(absl::in_place);
  out->info.token_id = jwt->jti;
  out->info.issued_at = jwt->issued_at;
  out->info.expires_at = jwt->expires_at;
  absl::Status read = ReadClaims(token, *jwt, &*out);
  if (!read.ok()) out->deferred = std::move(read);
  out->key = jwt->key;
  jwt->claims_json.clear();
  jwt->claims_json.shrink_to_fit();
  out->jwt = *std::move(jwt);
  return out;
}

absl::StatusOr<TokenInfo> TwoPhaseJwtProfile::Check(
    const VerifiedToken& verified, const VerifyExpectations& expect,
    absl::Time now) const {
  if (absl::Status request = CheckRequest(expect); !request.ok()) {
    return request;
  }
  ValidationPolicy call_policy = policy();
  call_policy.expiry_grace = expect.expiry_grace;
  if (expect.audience.has_value()) call_policy.audiences = {*expect.audience};
  absl::Status status = CheckJwtClaims(verified.jwt, call_policy, now);
  if (!status.ok()) return status;
  status = ClockRules(verified, now);
  if (status.ok()) status = verified.deferred;
  TokenInfo info;
  if (status.ok()) {
    info = verified.info;
    status = Match(verified, expect, now, &info);
  }
  // The signature was good: a failure carries the token's facts.
  if (!status.ok()) return WithTokenFacts(status, JwtFacts(verified.jwt));
  return info;
}

bool TwoPhaseJwtProfile::Trusts(const VerifiedToken& verified) const {
  return verified.key != nullptr &&
         verification_keys().FindByKid(verified.key->kid()) ==
             verified.key.get();
}

}  // namespace tokend
