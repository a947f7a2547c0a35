#include "core/identity/jwt_bounds.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tokend::identity {
namespace {

constexpr absl::string_view kReserved[] = {"iss", "sub", "aud", "exp",    "nbf",
                                           "iat", "jti", "act", "may_act"};

bool Reserved(absl::string_view name) {
  return std::find(std::begin(kReserved), std::end(kReserved), name) !=
         std::end(kReserved);
}

absl::Status CheckClaimName(const std::string& name, const std::string& field,
                            const std::vector<std::string>& seen) {
  if (name.empty() || name.size() > 256) {
    return Error(Reason::kInvalidArgument, "claim names are 1 to 256 bytes",
                 field);
  }
  if (Reserved(name)) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat(name,
                              " is written by tokend itself (registered "
                              "claims, and act by delegation)"),
                 field);
  }
  if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat(name, " is named twice"), field);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JwtBounds> JwtBounds::Compile(const JwtBoundsSpec& spec,
                                             absl::string_view field) {
  JwtBounds out;
  for (size_t i = 0; i < spec.audiences.size(); ++i) {
    if (spec.audiences[i].empty()) {
      return Error(Reason::kInvalidArgument, "must not be empty",
                   absl::StrCat(field, ".audiences[", i, "]"));
    }
  }
  out.audiences_ = spec.audiences;
  std::vector<std::string> seen;
  for (size_t i = 0; i < spec.set_claims.size(); ++i) {
    const auto& [name, text] = spec.set_claims[i];
    const std::string entry = absl::StrCat(field, ".set_claims.", name);
    absl::Status status = CheckClaimName(name, entry, seen);
    if (!status.ok()) return status;
    seen.push_back(name);
    absl::StatusOr<Template> value = Template::Compile(text, entry);
    if (!value.ok()) return value.status();
    out.set_claims_.emplace_back(name, *std::move(value));
  }
  for (size_t i = 0; i < spec.allowed_claims.size(); ++i) {
    const JwtClaimBoundSpec& bound = spec.allowed_claims[i];
    const std::string entry =
        absl::StrCat(field, ".allowed_claims.", bound.name);
    absl::Status status = CheckClaimName(bound.name, entry, seen);
    if (!status.ok()) return status;
    seen.push_back(bound.name);
    absl::StatusOr<ValueMatcher> matcher =
        ValueMatcher::Compile(bound.match, entry);
    if (!matcher.ok()) return matcher.status();
    out.allowed_claims_.emplace_back(bound.name, *std::move(matcher));
  }
  return out;
}

absl::Status JwtBounds::Apply(const BoundsContext& context,
                              JwtGrants* grants) const {
  for (size_t i = 0; i < grants->audiences.size(); ++i) {
    if (std::find(audiences_.begin(), audiences_.end(), grants->audiences[i]) ==
        audiences_.end()) {
      return GrantDenied(absl::StrCat("grants.jwt.audiences[", i, "]"),
                         "the rule does not allow this audience");
    }
  }

  // Render what the rule sets first: a missing claim fails the rule.
  std::vector<std::pair<const std::string*, std::string>> to_set;
  for (const auto& [name, text] : set_claims_) {
    absl::StatusOr<std::string> value = text.Render(context.identity);
    if (!value.ok()) return value.status();
    to_set.emplace_back(&name, *std::move(value));
  }

  for (const json::Object::Member& member : grants->extra_claims.members()) {
    const std::string& name = member.first;
    const json::Value& value = member.second;
    const std::string field = absl::StrCat("grants.jwt.extra_claims.", name);
    auto set = std::find_if(to_set.begin(), to_set.end(),
                            [&](const auto& s) { return *s.first == name; });
    if (set != to_set.end()) {
      if (!value.is_string() || value.as_string() != set->second) {
        return GrantDenied(field,
                           "the rule sets this claim from the caller's "
                           "identity; ask for the same value or none");
      }
      continue;
    }
    auto allowed = std::find_if(allowed_claims_.begin(), allowed_claims_.end(),
                                [&](const auto& a) { return a.first == name; });
    if (allowed == allowed_claims_.end()) {
      return GrantDenied(field, "the rule does not allow this claim");
    }
    if (value.is_object()) {
      return GrantDenied(field, "object values are not allowed");
    }
    // A requested value is bounded element by element: one allowed element
    // must not carry others.
    if (value.is_array()) {
      for (const json::Value& item : value.as_array()) {
        if (item.is_array() || item.is_object()) {
          return GrantDenied(field, "nested values are not allowed");
        }
        absl::Status status =
            allowed->second.Match(&item, field, context.identity);
        if (!status.ok()) return status;
      }
    } else {
      absl::Status status =
          allowed->second.Match(&value, field, context.identity);
      if (!status.ok()) return status;
    }
  }
  for (auto& [name, value] : to_set) {
    grants->extra_claims.Set(*name, json::Value(std::move(value)));
  }
  return absl::OkStatus();
}

}  // namespace tokend::identity
