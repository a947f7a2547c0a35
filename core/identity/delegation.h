// Delegation (RFC 8693 §1.1, §4.1, §4.4): who acts for whom.
//
// - An incoming token that already carries "act" (it was issued to an
//   actor on the subject's behalf) keeps it: the outgoing token carries the
//   same act, or the exchange is refused. A delegated token is never
//   laundered into one that looks like the subject acting alone.
// - With an actor token (the caller acting for the subject), the rule must
//   allow actors (allow_actor), from one of actor_issuers and matching
//   actor_claims; the subject's "may_act", when present, must name the
//   actor (each of its string members, e.g. sub and iss, equal to the
//   actor's); an actor token that is itself delegated is refused. The
//   outgoing act is {"sub": actor sub, "iss": actor iss, "act": the
//   subject token's act, when it had one}: the current actor outermost,
//   earlier ones nested (RFC 8693 §4.1).
// - Only outputs that can carry act (generic JWT) can take part; the policy
//   refuses a delegated exchange into any other vendor's token.
#ifndef TOKEND_CORE_IDENTITY_DELEGATION_H_
#define TOKEND_CORE_IDENTITY_DELEGATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/value_matcher.h"
#include "core/identity/verified_identity.h"
#include "core/json/json.h"

namespace tokend::identity {

// Nested act chains deeper than this are refused.
inline constexpr size_t kMaxActDepth = 8;

struct DelegationSpec {
  bool allow_actor = false;
  std::vector<std::string> actor_issuers;  // required with allow_actor
  std::vector<ClaimMatcherSpec> actor_claims;
};

class Delegation {
 public:
  static absl::StatusOr<Delegation> Compile(const DelegationSpec& spec,
                                            absl::string_view field);

  bool allows_actor() const { return allow_actor_; }
  const std::vector<std::string>& actor_issuers() const {
    return actor_issuers_;
  }

  // The act claim the outgoing token must carry (nullopt: none), or
  // kPermissionDenied naming what failed ("actor_token", "may_act",
  // "act", "delegation.actor_claims[i]").
  absl::StatusOr<std::optional<json::Object>> Resolve(
      const VerifiedIdentity& subject, const VerifiedIdentity* actor) const;

 private:
  bool allow_actor_ = false;
  std::vector<std::string> actor_issuers_;
  std::vector<ClaimMatcher> actor_claims_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_DELEGATION_H_
