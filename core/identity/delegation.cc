#include "core/identity/delegation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/identity/grant_bounds.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

absl::Status Refused(absl::string_view field, absl::string_view why) {
  return Error(Reason::kPermissionDenied, absl::StrCat(field, ": ", why),
               field);
}

// The depth of a nested act chain, or 0 when malformed (not an object at
// some level).
size_t ActDepth(const json::Value& act) {
  size_t depth = 0;
  const json::Value* level = &act;
  while (level != nullptr) {
    if (!level->is_object() || ++depth > kMaxActDepth + 1) return 0;
    level = level->as_object().Find("act");
  }
  return depth;
}

// The actor's value for a may_act member: its sub and iss, or the claim.
const json::Value* ActorClaim(const VerifiedIdentity& actor,
                              const std::string& name, json::Value* scratch) {
  if (name == "sub") {
    *scratch = json::Value(actor.subject);
    return scratch;
  }
  if (name == "iss") {
    *scratch = json::Value(actor.issuer);
    return scratch;
  }
  return actor.claims.Find(name);
}

}  // namespace

absl::StatusOr<Delegation> Delegation::Compile(const DelegationSpec& spec,
                                               absl::string_view field) {
  Delegation out;
  out.allow_actor_ = spec.allow_actor;
  if (!spec.allow_actor) {
    if (!spec.actor_issuers.empty() || !spec.actor_claims.empty()) {
      return Error(Reason::kInvalidArgument,
                   "actor_issuers and actor_claims need allow_actor: true",
                   absl::StrCat(field, ".allow_actor"));
    }
    return out;
  }
  if (spec.actor_issuers.empty()) {
    return Error(Reason::kInvalidArgument,
                 "name the trusted issuers actors may come from",
                 absl::StrCat(field, ".actor_issuers"));
  }
  out.actor_issuers_ = spec.actor_issuers;
  for (size_t i = 0; i < spec.actor_claims.size(); ++i) {
    absl::StatusOr<ClaimMatcher> matcher = ClaimMatcher::Compile(
        spec.actor_claims[i], absl::StrCat(field, ".actor_claims[", i, "]"));
    if (!matcher.ok()) return matcher.status();
    out.actor_claims_.push_back(*std::move(matcher));
  }
  return out;
}

absl::StatusOr<std::optional<json::Object>> Delegation::Resolve(
    const VerifiedIdentity& subject, const VerifiedIdentity* actor) const {
  const json::Value* prior = subject.claims.Find("act");
  if (prior != nullptr && ActDepth(*prior) == 0) {
    return Refused("act",
                   absl::StrCat("the subject token's act is not a chain of "
                                "objects at most ",
                                kMaxActDepth, " deep"));
  }
  if (actor == nullptr) {
    // No new actor: whatever delegation the subject token records goes on.
    if (prior == nullptr) return std::optional<json::Object>();
    return std::optional<json::Object>(prior->as_object());
  }

  if (!allow_actor_) {
    return Refused("actor_token", "the rule does not allow acting for others");
  }
  if (std::find(actor_issuers_.begin(), actor_issuers_.end(),
                actor->issuer_name) == actor_issuers_.end()) {
    return Refused("actor_token",
                   absl::StrCat("actors from issuer ", actor->issuer_name,
                                " are not allowed by the rule"));
  }
  if (actor->claims.Find("act") != nullptr) {
    return Refused("actor_token", "the actor token is itself delegated");
  }
  const EvalContext actor_context = actor->Context();
  for (size_t i = 0; i < actor_claims_.size(); ++i) {
    absl::Status status = actor_claims_[i].Match(actor_context);
    if (!status.ok()) {
      return Refused(absl::StrCat("delegation.actor_claims[", i, "]"),
                     StatusDetail(status));
    }
  }
  const json::Value* may_act = subject.claims.Find("may_act");
  if (may_act != nullptr) {
    if (!may_act->is_object() || may_act->as_object().empty()) {
      return Refused("may_act",
                     "the subject token's may_act is not an object "
                     "naming who may act");
    }
    for (const json::Object::Member& member : may_act->as_object().members()) {
      if (!member.second.is_string()) {
        return Refused("may_act",
                       absl::StrCat("may_act.", member.first,
                                    " is not a string tokend can compare"));
      }
      json::Value scratch;
      const json::Value* value = ActorClaim(*actor, member.first, &scratch);
      if (value == nullptr || !(*value == member.second)) {
        return Refused("may_act",
                       absl::StrCat("the actor's ", member.first,
                                    " is not the one may_act allows"));
      }
    }
  }
  if (prior != nullptr && ActDepth(*prior) >= kMaxActDepth) {
    return Refused("act", absl::StrCat("the act chain would be deeper than ",
                                       kMaxActDepth));
  }

  json::Object act;
  act.Set("sub", actor->subject);
  if (!actor->issuer.empty()) act.Set("iss", actor->issuer);
  if (prior != nullptr) act.Set("act", *prior);
  return std::optional<json::Object>(std::move(act));
}

}  // namespace tokend::identity
