#include "core/identity/exchange_policy.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/identity/config_name.h"
#include "core/identity/grant_bounds.h"
#include "core/profiles/vendor_table.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

// Stages of a rule (see the header). kAllowed: every stage passed.
enum Stage : int {
  kIssuer = 1,
  kAudience,
  kClaims,
  kSubject,
  kTenant,
  kDelegation,
  kTtl,
  kGrants,
  kAllowed,
};

ExchangeDenial DenialFor(int stage) {
  switch (stage) {
    case kTenant:
      return ExchangeDenial::kTargetNotAllowed;
    case kDelegation:
      return ExchangeDenial::kDelegationRefused;
    case kTtl:
      return ExchangeDenial::kSubjectExpiring;
    case kGrants:
      return ExchangeDenial::kGrantNotAllowed;
    default:
      return ExchangeDenial::kNoMatchingRule;
  }
}

// The grants a rule's bounds limit, empty: what a request that asks for
// none gets, and (through the vendor table) the profile the rule issues.
Grants EmptyGrantsFor(const GrantBoundsSpec& spec) {
  if (std::holds_alternative<AgoraBoundsSpec>(spec)) return AgoraGrants{};
  if (std::holds_alternative<LiveKitBoundsSpec>(spec)) return LiveKitGrants{};
  if (std::holds_alternative<JwtBoundsSpec>(spec)) return JwtGrants{};
  return std::monostate{};
}

// The profile name of `grants` ("none" when no grants are asked).
absl::string_view GrantsVendor(const Grants& grants) {
  const VendorTraits* vendor = VendorOfGrants(grants);
  return vendor != nullptr ? vendor->name : "none";
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return Error(Reason::kInvalidArgument, why, field);
}

}  // namespace

absl::string_view ExchangeDenialName(ExchangeDenial denial) {
  switch (denial) {
    case ExchangeDenial::kNone:
      return "none";
    case ExchangeDenial::kNoMatchingRule:
      return "no_matching_rule";
    case ExchangeDenial::kTargetNotAllowed:
      return "target_not_allowed";
    case ExchangeDenial::kDelegationRefused:
      return "delegation_refused";
    case ExchangeDenial::kSubjectExpiring:
      return "subject_expiring";
    case ExchangeDenial::kGrantNotAllowed:
      return "grant_not_allowed";
    case ExchangeDenial::kInvalidRequest:
      return "invalid_request";
  }
  return "none";
}

absl::string_view ExchangeDecision::outcome() const {
  return allowed ? "allowed" : ExchangeDenialName(denial);
}

absl::Status ExchangeDecision::ToStatus() const {
  if (allowed) return absl::OkStatus();
  const std::string detail =
      rule.empty() ? absl::StrCat(ExchangeDenialName(denial), ": ", condition)
                   : absl::StrCat(ExchangeDenialName(denial), ": rule ", rule,
                                  ": ", condition);
  return ErrorWithCode(denial == ExchangeDenial::kInvalidRequest
                           ? absl::StatusCode::kInvalidArgument
                           : absl::StatusCode::kPermissionDenied,
                       Reason::kPermissionDenied, detail, field);
}

struct ExchangePolicy::Rule {
  std::string name;
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  std::vector<ClaimMatcher> claims;
  std::string tenant;
  Template subject;
  absl::string_view vendor;  // the profile of empty_grants
  Grants empty_grants;       // of the one vendor the bounds limit
  std::variant<AgoraBounds, LiveKitBounds, JwtBounds> bounds;
  TtlSpec ttl;
  Delegation delegation;
};

struct ExchangePolicy::Attempt {
  int stage = 0;  // the stage that failed, or kAllowed
  std::string field;
  std::string condition;
  std::string subject;
  Grants grants;
  absl::Duration ttl;
  std::optional<json::Object> act;
};

ExchangePolicy::ExchangePolicy() = default;

absl::StatusOr<std::shared_ptr<const ExchangePolicy>> ExchangePolicy::Compile(
    std::vector<ExchangeRuleSpec> specs, const PolicyEnvironment& env) {
  if (specs.size() > kMaxExchangeRules) {
    return Invalid("exchange.rules",
                   absl::StrCat("at most ", kMaxExchangeRules, " rules"));
  }
  std::shared_ptr<ExchangePolicy> policy(new ExchangePolicy());
  absl::flat_hash_set<std::string> names;
  for (size_t i = 0; i < specs.size(); ++i) {
    ExchangeRuleSpec& spec = specs[i];
    const std::string prefix = absl::StrCat("exchange.rules[", i, "]");
    auto field = [&prefix](absl::string_view name) {
      return absl::StrCat(prefix, ".", name);
    };
    auto rule = std::make_shared<Rule>();
    if (!IsValidConfigName(spec.name)) {
      return Invalid(field("name"),
                     "must be 1 to 64 of [A-Za-z0-9_.-] (it is a metric "
                     "label)");
    }
    if (!names.insert(spec.name).second) {
      return Invalid(field("name"),
                     absl::StrCat("another rule is named ", spec.name));
    }
    rule->name = spec.name;

    if (spec.issuers.empty()) {
      return Invalid(field("match.issuers"),
                     "name the trusted issuers whose identities this rule "
                     "accepts");
    }
    for (size_t j = 0; j < spec.issuers.size(); ++j) {
      if (!absl::c_linear_search(env.issuer_names, spec.issuers[j])) {
        return Invalid(
            absl::StrCat(prefix, ".match.issuers[", j, "]"),
            absl::StrCat("no trusted issuer is named ", spec.issuers[j]));
      }
    }
    rule->issuers = spec.issuers;
    for (size_t j = 0; j < spec.audiences.size(); ++j) {
      if (spec.audiences[j].empty()) {
        return Invalid(absl::StrCat(prefix, ".match.audiences[", j, "]"),
                       "must not be empty");
      }
    }
    rule->audiences = spec.audiences;
    for (size_t j = 0; j < spec.claims.size(); ++j) {
      absl::StatusOr<ClaimMatcher> matcher = ClaimMatcher::Compile(
          spec.claims[j], absl::StrCat(prefix, ".match.claims[", j, "]"));
      if (!matcher.ok()) return matcher.status();
      rule->claims.push_back(*std::move(matcher));
    }

    if (spec.tenant.empty()) {
      return Invalid(field("tenant"), "is required");
    }
    rule->tenant = spec.tenant;
    rule->empty_grants = EmptyGrantsFor(spec.grants);
    rule->vendor = GrantsVendor(rule->empty_grants);
    if (std::holds_alternative<std::monostate>(rule->empty_grants)) {
      return Invalid(field("grants"),
                     "name the bounds of one vendor: agora, livekit or jwt");
    }
    if (!env.tenant_profiles.empty()) {
      auto tenant = env.tenant_profiles.find(spec.tenant);
      if (tenant == env.tenant_profiles.end()) {
        return Invalid(field("tenant"),
                       absl::StrCat("no tenant is named ", spec.tenant));
      }
      if (tenant->second != rule->vendor) {
        return Invalid(field("grants"),
                       absl::StrCat("tenant ", spec.tenant, " has profile ",
                                    tenant->second, ", not ", rule->vendor));
      }
    }
    if (spec.subject.empty()) {
      return Invalid(field("subject"), "is required (e.g. \"{{claims.sub}}\")");
    }
    absl::StatusOr<Template> subject =
        Template::Compile(spec.subject, field("subject"));
    if (!subject.ok()) return subject.status();
    rule->subject = *std::move(subject);

    const std::string grants_field =
        absl::StrCat(prefix, ".grants.", rule->vendor);
    if (const auto* agora = std::get_if<AgoraBoundsSpec>(&spec.grants)) {
      absl::StatusOr<AgoraBounds> bounds =
          AgoraBounds::Compile(*agora, grants_field);
      if (!bounds.ok()) return bounds.status();
      rule->bounds = *std::move(bounds);
    } else if (const auto* livekit =
                   std::get_if<LiveKitBoundsSpec>(&spec.grants)) {
      absl::StatusOr<LiveKitBounds> bounds =
          LiveKitBounds::Compile(*livekit, grants_field);
      if (!bounds.ok()) return bounds.status();
      rule->bounds = *std::move(bounds);
    } else {
      absl::StatusOr<JwtBounds> bounds = JwtBounds::Compile(
          std::get<JwtBoundsSpec>(spec.grants), grants_field);
      if (!bounds.ok()) return bounds.status();
      rule->bounds = *std::move(bounds);
    }

    if (spec.ttl.max <= absl::ZeroDuration() ||
        spec.ttl.max > absl::Hours(24)) {
      return Invalid(field("ttl.max"), "must be in (0, 24h]");
    }
    if (spec.ttl.default_ttl < absl::ZeroDuration() ||
        spec.ttl.default_ttl > spec.ttl.max) {
      return Invalid(field("ttl.default"), "must be in [0, ttl.max]");
    }
    rule->ttl = spec.ttl;

    absl::StatusOr<Delegation> delegation =
        Delegation::Compile(spec.delegation, field("delegation"));
    if (!delegation.ok()) return delegation.status();
    if (delegation->allows_actor() &&
        !std::holds_alternative<JwtGrants>(rule->empty_grants)) {
      return Invalid(
          field("delegation.allow_actor"),
          absl::StrCat("only jwt tokens can carry act; ", rule->vendor,
                       " tokens cannot say who acts for whom"));
    }
    for (size_t j = 0; j < delegation->actor_issuers().size(); ++j) {
      if (!absl::c_linear_search(env.issuer_names,
                                 delegation->actor_issuers()[j])) {
        return Invalid(
            absl::StrCat(prefix, ".delegation.actor_issuers[", j, "]"),
            absl::StrCat("no trusted issuer is named ",
                         delegation->actor_issuers()[j]));
      }
    }
    rule->delegation = *std::move(delegation);
    policy->rules_.push_back(std::move(rule));
  }
  return std::shared_ptr<const ExchangePolicy>(std::move(policy));
}

std::vector<std::string> ExchangePolicy::rule_names() const {
  std::vector<std::string> out;
  for (const auto& rule : rules_) out.push_back(rule->name);
  return out;
}

ExchangePolicy::Attempt ExchangePolicy::TryRule(const Rule& rule,
                                                const ExchangeRequest& request,
                                                absl::Time now) const {
  Attempt attempt;
  const VerifiedIdentity& subject = *request.subject;
  auto fail = [&attempt](int stage, std::string field, std::string why) {
    attempt.stage = stage;
    attempt.field = std::move(field);
    attempt.condition = std::move(why);
    return attempt;
  };
  auto fail_status = [&fail](int stage, const absl::Status& status) {
    return fail(stage, GetField(status), StatusDetail(status));
  };

  if (!absl::c_linear_search(rule.issuers, subject.issuer_name)) {
    return fail(kIssuer, "match.issuers",
                absl::StrCat("issuer ", subject.issuer_name,
                             " is not one of the rule's"));
  }
  if (!rule.audiences.empty() &&
      std::none_of(subject.audiences.begin(), subject.audiences.end(),
                   [&rule](const std::string& aud) {
                     return absl::c_linear_search(rule.audiences, aud);
                   })) {
    return fail(kAudience, "match.audiences",
                "the token names none of the rule's audiences");
  }
  const EvalContext context = subject.Context();
  for (size_t i = 0; i < rule.claims.size(); ++i) {
    absl::Status status = rule.claims[i].Match(context);
    if (!status.ok()) {
      return fail(kClaims, absl::StrCat("match.claims[", i, "]"),
                  StatusDetail(status));
    }
  }
  absl::StatusOr<std::string> out_subject = rule.subject.Render(context);
  if (!out_subject.ok()) return fail_status(kSubject, out_subject.status());

  if (!request.tenant.empty() && request.tenant != rule.tenant) {
    return fail(kTenant, "tenant",
                "the rule issues for another tenant than the one asked for");
  }
  // Grants of one vendor target that vendor's tenants.
  const absl::string_view asked = GrantsVendor(request.grants);
  if (!std::holds_alternative<std::monostate>(request.grants) &&
      request.grants.index() != rule.empty_grants.index()) {
    return fail(
        kTenant, "grants",
        absl::StrCat("the rule issues ", rule.vendor,
                     " tokens; the request asks for ", asked, " grants"));
  }

  absl::StatusOr<std::optional<json::Object>> act =
      rule.delegation.Resolve(subject, request.actor);
  if (!act.ok()) return fail_status(kDelegation, act.status());
  if (act->has_value() &&
      !std::holds_alternative<JwtGrants>(rule.empty_grants)) {
    return fail(
        kDelegation, "act",
        absl::StrCat("the identity is delegated (act), and ", rule.vendor,
                     " tokens cannot carry who acts for whom"));
  }

  absl::Duration ttl = request.ttl > absl::ZeroDuration() ? request.ttl
                       : rule.ttl.default_ttl > absl::ZeroDuration()
                           ? rule.ttl.default_ttl
                           : rule.ttl.max;
  ttl = std::min(ttl, rule.ttl.max);
  if (rule.ttl.cap_to_subject_expiry) {
    ttl = std::min(ttl, subject.expires_at - now);
    if (request.actor != nullptr) {
      ttl = std::min(ttl, request.actor->expires_at - now);
    }
  }
  ttl = absl::Floor(ttl, absl::Seconds(1));
  if (ttl < absl::Seconds(1)) {
    return fail(kTtl, "ttl",
                "the incoming token expires in less than a second");
  }

  Grants grants = request.grants;
  if (std::holds_alternative<std::monostate>(grants)) {
    grants = rule.empty_grants;
  }
  const BoundsContext bounds_context{context, *out_subject, ttl};
  absl::Status status;
  if (const auto* agora = std::get_if<AgoraBounds>(&rule.bounds)) {
    status = agora->Apply(bounds_context, &std::get<AgoraGrants>(grants));
  } else if (const auto* livekit = std::get_if<LiveKitBounds>(&rule.bounds)) {
    status = livekit->Apply(bounds_context, &std::get<LiveKitGrants>(grants));
  } else {
    status = std::get<JwtBounds>(rule.bounds)
                 .Apply(bounds_context, &std::get<JwtGrants>(grants));
  }
  if (!status.ok()) return fail_status(kGrants, status);
  if (act->has_value()) {
    std::get<JwtGrants>(grants).extra_claims.Set("act", **act);
  }

  attempt.stage = kAllowed;
  attempt.subject = *std::move(out_subject);
  attempt.grants = std::move(grants);
  attempt.ttl = ttl;
  attempt.act = *std::move(act);
  return attempt;
}

ExchangeDecision ExchangePolicy::Decide(const ExchangeRequest& request,
                                        absl::Time now) const {
  ExchangeDecision decision;
  if (request.subject == nullptr) {
    decision.denial = ExchangeDenial::kInvalidRequest;
    decision.field = "subject_token";
    decision.condition = "no verified subject identity";
    return decision;
  }
  if (request.ttl < absl::ZeroDuration()) {
    decision.denial = ExchangeDenial::kInvalidRequest;
    decision.field = "ttl";
    decision.condition = "the requested TTL is negative";
    return decision;
  }
  Attempt best;
  const Rule* best_rule = nullptr;
  for (const auto& rule : rules_) {
    Attempt attempt = TryRule(*rule, request, now);
    if (attempt.stage == kAllowed) {
      decision.allowed = true;
      decision.rule = rule->name;
      decision.tenant = rule->tenant;
      decision.subject = std::move(attempt.subject);
      decision.grants = std::move(attempt.grants);
      decision.ttl = attempt.ttl;
      decision.act = std::move(attempt.act);
      return decision;
    }
    if (attempt.stage > best.stage) {
      best = std::move(attempt);
      best_rule = rule.get();
    }
  }
  if (best_rule == nullptr || best.stage == kIssuer) {
    decision.denial = ExchangeDenial::kNoMatchingRule;
    decision.field = "match.issuers";
    decision.condition = absl::StrCat("no rule accepts identities from issuer ",
                                      request.subject->issuer_name);
    return decision;
  }
  decision.rule = best_rule->name;
  decision.denial = DenialFor(best.stage);
  decision.field = std::move(best.field);
  decision.condition = std::move(best.condition);
  return decision;
}

}  // namespace tokend::identity
