#include "core/profiles/internal/profile_common.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
#include "core/token_facts.h"

namespace tokend {

absl::StatusOr<absl::Duration> ResolveTtl(const TtlBounds& bounds,
                                          absl::Duration requested) {
  if (requested == absl::ZeroDuration()) return bounds.default_ttl;
  if (requested < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must be positive", "ttl");
  }
  if (requested % absl::Seconds(1) != absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must be whole seconds", "ttl");
  }
  if (requested > bounds.max_ttl) {
    return ErrorWithCode(absl::StatusCode::kInvalidArgument,
                         Reason::kLifetimeExceeded,
                         absl::StrCat("ttl ", absl::FormatDuration(requested),
                                      " exceeds the maximum ",
                                      absl::FormatDuration(bounds.max_ttl)),
                         "ttl");
  }
  return requested;
}

absl::Status ValidateTtlBounds(const TtlBounds& bounds,
                               absl::string_view field) {
  if (bounds.max_ttl <= absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must be positive",
                 absl::StrCat(field, ".max_ttl"));
  }
  if (bounds.default_ttl <= absl::ZeroDuration() ||
      bounds.default_ttl > bounds.max_ttl) {
    return Error(Reason::kInvalidArgument,
                 "must be positive and at most max_ttl",
                 absl::StrCat(field, ".default_ttl"));
  }
  return absl::OkStatus();
}

absl::Time EffectiveSessionStart(absl::Time requested, absl::Time now) {
  return requested == absl::InfinitePast() ? now : requested;
}

void SetSessionStartClaim(absl::Time session_start, json::Object* claims) {
  claims->Set(kSessionStartClaim,
              json::Value(absl::ToUnixSeconds(session_start)));
}

absl::Time SessionStartFromClaims(const json::Object& claims,
                                  absl::Time fallback) {
  const json::Value* v = claims.Find(kSessionStartClaim);
  if (v == nullptr || !v->is_int() || v->as_int() < 0) return fallback;
  return absl::FromUnixSeconds(v->as_int());
}

absl::Status PrefixField(const absl::Status& status, absl::string_view prefix) {
  std::string field = GetField(status);
  if (status.ok() || field.empty()) return status;
  // The message already starts with the reason name; keep it as the detail.
  absl::string_view message = status.message();
  absl::string_view reason_name = ReasonName(GetReason(status));
  if (absl::StartsWith(message, reason_name)) {
    message.remove_prefix(std::min(message.size(), reason_name.size() + 2));
  }
  return ErrorWithCode(status.code(), GetReason(status), message,
                       absl::StrCat(prefix, ".", field));
}

absl::StatusOr<VerifiedToken> Profile::Authenticate(
    absl::string_view token) const {
  return Error(
      Reason::kInternal,
      absl::StrCat("the ", name(), " profile does not verify in two phases"));
}

absl::StatusOr<TokenInfo> Profile::Check(const VerifiedToken& verified,
                                         const VerifyExpectations& expect,
                                         absl::Time now) const {
  return Error(
      Reason::kInternal,
      absl::StrCat("the ", name(), " profile does not verify in two phases"));
}

absl::StatusOr<TokenInfo> Profile::VerifyInTwoPhases(
    absl::string_view token, const VerifyExpectations& expect,
    absl::Time now) const {
  if (absl::Status request = CheckRequest(expect); !request.ok()) {
    return request;
  }
  absl::StatusOr<VerifiedToken> verified = Authenticate(token);
  if (!verified.ok()) return verified.status();
  return Check(*verified, expect, now);
}

void AddSessionStartClaim(absl::Time session_started, ClaimsWriter* claims) {
  if (session_started == absl::InfinitePast()) return;
  claims->AddInt(kSessionStartClaim, absl::ToUnixSeconds(session_started));
}

TokenInfo IssuedTokenInfo(std::string token, std::string token_id,
                          const IssueInput& input, const JwtTimes& times,
                          absl::Time now, Grants grants) {
  TokenInfo info;
  info.token = std::move(token);
  info.token_id = std::move(token_id);
  info.subject = input.subject;
  info.issued_at = absl::FromUnixSeconds(times.iat);
  info.expires_at = absl::FromUnixSeconds(times.exp);
  info.session_started = EffectiveSessionStart(input.session_started, now);
  info.grants = std::move(grants);
  return info;
}

absl::StatusOr<TokenInfo> KeepingFacts(absl::StatusOr<TokenInfo> checked,
                                       const VerifiedJwt& jwt) {
  if (checked.ok()) return checked;
  return WithTokenFacts(checked.status(), JwtFacts(jwt));
}

}  // namespace tokend
