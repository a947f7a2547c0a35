// Exchange bounds for generic JWT grants (core/profiles/jwt_grants.h).
//
// - audiences: the caller may ask for these (each one listed); asking for
//   none leaves the tenant's default audience.
// - set_claims: claims the rule always writes, each a template (e.g.
//   team: "{{claims.team}}"); a caller that sends one must send the same
//   value.
// - allowed_claims: claims the caller may set, each value (every element
//   of an array) satisfying its matcher (value_matcher.h). Objects are
//   refused.
// - Any other extra claim is refused, as are "act" and "may_act" (only
//   delegation writes act: delegation.h). Registered claims (iss, sub,
//   aud, exp, nbf, iat, jti) cannot be named in the rule.
#ifndef TOKEND_CORE_IDENTITY_JWT_BOUNDS_H_
#define TOKEND_CORE_IDENTITY_JWT_BOUNDS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/grant_bounds.h"
#include "core/identity/template.h"
#include "core/identity/value_matcher.h"
#include "core/profiles/jwt_grants.h"

namespace tokend::identity {

struct JwtClaimBoundSpec {
  std::string name;
  MatcherSpec match;
};

struct JwtBoundsSpec {
  std::vector<std::string> audiences;
  std::vector<std::pair<std::string, std::string>> set_claims;
  std::vector<JwtClaimBoundSpec> allowed_claims;
};

class JwtBounds {
 public:
  static absl::StatusOr<JwtBounds> Compile(const JwtBoundsSpec& spec,
                                           absl::string_view field);
  absl::Status Apply(const BoundsContext& context, JwtGrants* grants) const;

 private:
  std::vector<std::string> audiences_;
  std::vector<std::pair<std::string, Template>> set_claims_;
  std::vector<std::pair<std::string, ValueMatcher>> allowed_claims_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_JWT_BOUNDS_H_
