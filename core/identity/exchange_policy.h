// The exchange policy (`exchange.rules[]`): which verified identity may get
// which token. Deny by default; rules are data.
//
// A rule matches an incoming identity (its trusted issuer, optionally its
// audiences, and claim matchers: exact, prefix, glob, list) and says what
// may come out: the tenant, the subject (a template over the claims, e.g.
// "{{claims.sub}}"), the grants the caller may ask for and their bounds
// (one vendor: agora_bounds.h, livekit_bounds.h, jwt_bounds.h), the TTL
// and whether an actor may act for the subject (delegation.h).
//
// Decide() tries every rule in order and allows with the first one that
// allows the whole request. Each rule is checked in stages:
//   1 issuer  2 audiences  3 claims  4 subject template   (does it apply?)
//   5 target (tenant, vendor of the grants asked)  6 delegation  7 TTL
//   8 grants                                               (does it allow?)
// When none allows, the decision names the rule that got furthest (the
// first of them on a tie) and the condition that stopped it, so a denial
// can be audited and counted: stages 1-4 are "no_matching_rule", 5
// "target_not_allowed", 6 "delegation_refused", 7 "subject_expiring", 8
// "grant_not_allowed". A missing claim anywhere fails the rule (never an
// empty value).
//
// TTL: the caller's (zero: the rule's default, else its max), at most the
// rule's max and, unless cap_to_subject_expiry is false, at most what is
// left of the subject token's (and actor token's) validity; whole seconds,
// at least one.
//
// Immutable and thread-safe once compiled.
#ifndef TOKEND_CORE_IDENTITY_EXCHANGE_POLICY_H_
#define TOKEND_CORE_IDENTITY_EXCHANGE_POLICY_H_

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/identity/agora_bounds.h"
#include "core/identity/delegation.h"
#include "core/identity/jwt_bounds.h"
#include "core/identity/livekit_bounds.h"
#include "core/identity/template.h"
#include "core/identity/value_matcher.h"
#include "core/identity/verified_identity.h"
#include "core/json/json.h"
#include "core/profiles/grants.h"

namespace tokend::identity {

inline constexpr size_t kMaxExchangeRules = 1000;

struct TtlSpec {
  absl::Duration max = absl::Hours(1);                // (0, 24 h]
  absl::Duration default_ttl = absl::ZeroDuration();  // zero: max
  bool cap_to_subject_expiry = true;
};

using GrantBoundsSpec = std::variant<std::monostate, AgoraBoundsSpec,
                                     LiveKitBoundsSpec, JwtBoundsSpec>;

struct ExchangeRuleSpec {
  // Names the rule in decisions, audit lines and metrics: [A-Za-z0-9_.-],
  // 1 to 64, unique.
  std::string name;
  // Match. issuers: trusted issuer names (IssuerSpec::name), at least one.
  std::vector<std::string> issuers;
  // When set, the token must name one of these audiences.
  std::vector<std::string> audiences;
  std::vector<ClaimMatcherSpec> claims;
  // Output.
  std::string tenant;
  std::string subject = "{{claims.sub}}";
  GrantBoundsSpec grants;  // exactly one vendor
  TtlSpec ttl;
  DelegationSpec delegation;
};

// What Compile checks rules against.
struct PolicyEnvironment {
  // The trusted issuers' names: every rule's issuers must be among them.
  std::vector<std::string> issuer_names;
  // Tenant name → profile name ("agora", "livekit", "jwt", ...). When not
  // empty, a rule's tenant must be here with the profile of its grants.
  absl::flat_hash_map<std::string, std::string> tenant_profiles;
};

struct ExchangeRequest {
  const VerifiedIdentity* subject = nullptr;  // required
  const VerifiedIdentity* actor = nullptr;    // optional (actor_token)
  // The tenant asked for ("" : the first rule that allows decides).
  std::string tenant;
  // Requested grants; std::monostate: the rule's vendor, nothing asked.
  Grants grants;
  absl::Duration ttl = absl::ZeroDuration();  // zero: the rule's default
};

enum class ExchangeDenial {
  kNone = 0,
  kNoMatchingRule,
  kTargetNotAllowed,
  kDelegationRefused,
  kSubjectExpiring,
  kGrantNotAllowed,
  kInvalidRequest,
};
// "no_matching_rule", "target_not_allowed", "delegation_refused",
// "subject_expiring", "grant_not_allowed", "invalid_request": stable, for
// metric labels and audit lines.
absl::string_view ExchangeDenialName(ExchangeDenial denial);

struct ExchangeDecision {
  bool allowed = false;
  // The allowing rule; when denied, the rule that came closest ("" when no
  // rule accepts the identity's issuer).
  std::string rule;
  // Allowed: what to issue (TokenService::Issue(tenant, {subject, ttl,
  // grants})). For a jwt tenant `grants` already holds act when `act` is
  // set.
  std::string tenant;
  std::string subject;
  Grants grants;
  absl::Duration ttl = absl::ZeroDuration();
  std::optional<json::Object> act;
  // Denied: the kind, and the condition that failed: its field (e.g.
  // "match.claims[0]", "grants.agora.services[0].channel") and a sentence.
  ExchangeDenial denial = ExchangeDenial::kNone;
  std::string field;
  std::string condition;

  // "allowed", or the denial's name: the outcome label.
  absl::string_view outcome() const;
  // OK when allowed; else PERMISSION_DENIED (kInvalidArgument for
  // kInvalidRequest) with reason kPermissionDenied, the condition, and the
  // field.
  absl::Status ToStatus() const;
};

class ExchangePolicy {
 public:
  // Errors name "exchange.rules[i].<field>".
  static absl::StatusOr<std::shared_ptr<const ExchangePolicy>> Compile(
      std::vector<ExchangeRuleSpec> rules, const PolicyEnvironment& env);

  ExchangeDecision Decide(const ExchangeRequest& request, absl::Time now) const;

  std::vector<std::string> rule_names() const;

 private:
  struct Rule;
  // Stage reached (1..8) with the failure, or 9 when the rule allows.
  struct Attempt;
  ExchangePolicy();
  Attempt TryRule(const Rule& rule, const ExchangeRequest& request,
                  absl::Time now) const;

  std::vector<std::shared_ptr<const Rule>> rules_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_EXCHANGE_POLICY_H_
