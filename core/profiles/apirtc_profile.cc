#include "core/profiles/apirtc_profile.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/json/json.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/two_phase_jwt_profile.h"
#include "core/profiles/internal/vendor_checks.h"
#include "core/reason.h"
#include "core/uuid.h"

namespace tokend {
namespace {

constexpr char kGrantsClaim[] = "grants";
constexpr char kUserAgentIdClaim[] = "apiRTC_UserAgent_Id";
constexpr char kUserAgentIdField[] = "grants.apiRTC_UserAgent_Id";
// ApiRTC documents no lengths; these caps only keep hostile input bounded.
constexpr size_t kMaxApiKeyLength = 256;
constexpr size_t kMaxUserAgentIdLength = 256;

class ApiRtcProfile final : public TwoPhaseJwtProfile {
 public:
  ApiRtcProfile(ApiRtcProfileConfig config, vendor::HmacKeys keys)
      : config_(std::move(config)), keys_(std::move(keys)) {
    config_.secret.clear();  // the Key holds it; keep one copy only
    policy_.audiences = {std::string(kApiRtcAudience)};
    policy_.leeway = config_.leeway;
    policy_.require_exp = true;
    // As on issue: the tenant's maximum, which NewApiRtcProfile holds within
    // ApiRTC's 24 h.
    policy_.max_lifetime = config_.ttl.max_ttl;
  }

  absl::string_view name() const override { return "apirtc"; }

  // The "ApiKey_Token" wildcard is valid for every user of the apiKey: it
  // acts for the whole app.
  bool IsAppLevel(const IssueInput& input) const override {
    const ApiRtcGrants* grants = std::get_if<ApiRtcGrants>(&input.grants);
    return grants != nullptr && grants->all_users;
  }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override;
  absl::Status CheckRequest(const VerifyExpectations& expect) const override;

 private:
  const KeySet& verification_keys() const override { return *keys_.key_set; }
  const ValidationPolicy& policy() const override { return policy_; }
  // ApiRTC's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override;
  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override;

  ApiRtcProfileConfig config_;
  vendor::HmacKeys keys_;
  ValidationPolicy policy_;
};

absl::StatusOr<ApiRtcGrants> IssueGrants(const Grants& grants) {
  if (std::holds_alternative<std::monostate>(grants)) return ApiRtcGrants{};
  const ApiRtcGrants* apirtc = std::get_if<ApiRtcGrants>(&grants);
  if (apirtc == nullptr) {
    return Error(Reason::kInvalidArgument, "grants are not ApiRTC grants",
                 "grants");
  }
  return *apirtc;
}

absl::StatusOr<TokenInfo> ApiRtcProfile::Issue(const IssueInput& input,
                                               absl::Time now) const {
  absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
  if (!ttl.ok()) return ttl.status();
  absl::StatusOr<ApiRtcGrants> grants = IssueGrants(input.grants);
  if (!grants.ok()) return grants.status();

  std::string user_agent_id;
  if (grants->all_users) {
    if (!config_.allow_wildcard) {
      return Error(Reason::kPermissionDenied,
                   "the tenant does not allow wildcard tokens",
                   "grants.apirtc.all_users");
    }
    if (!input.subject.empty()) {
      return Error(Reason::kInvalidArgument,
                   "must be empty for a wildcard token", "subject");
    }
    user_agent_id = kApiRtcWildcard;
  } else {
    if (input.subject.empty()) {
      return Error(Reason::kInvalidArgument, "required", "subject");
    }
    // The literal wildcard as a subject would silently widen the token.
    if (input.subject == kApiRtcWildcard) {
      return Error(Reason::kInvalidArgument,
                   "is the wildcard; use grants.apirtc.all_users", "subject");
    }
    if (!vendor::CheckText(input.subject, kMaxUserAgentIdLength, "subject")
             .ok()) {
      return Error(Reason::kInvalidArgument,
                   "the user agent id must be UTF-8 within tokend's cap of "
                   "256 characters (ApiRTC documents no limit)",
                   "subject");
    }
    user_agent_id = input.subject;
  }

  JwtSpec spec;
  spec.subject = config_.api_key;
  spec.audiences = {kApiRtcAudience};
  spec.ttl = *ttl;
  spec.jti = NewUuidV4();
  json::Object apirtc_grants;
  apirtc_grants.Set(kUserAgentIdClaim, json::Value(user_agent_id));
  spec.extra_claims.Set(kGrantsClaim, json::Value(std::move(apirtc_grants)));
  if (input.session_started != absl::InfinitePast()) {
    SetSessionStartClaim(input.session_started, &spec.extra_claims);
  }
  absl::StatusOr<IssuedJwt> issued = IssueJwt(*keys_.key, spec, now);
  if (!issued.ok()) return issued.status();

  TokenInfo info;
  info.token = std::move(issued->token);
  info.token_id = std::move(issued->jti);
  info.subject = grants->all_users ? std::string() : input.subject;
  info.issued_at = issued->issued_at;
  info.expires_at = issued->expires_at;
  info.session_started = EffectiveSessionStart(input.session_started, now);
  info.grants = *grants;
  return info;
}

absl::Status ApiRtcProfile::CheckRequest(
    const VerifyExpectations& expect) const {
  // ApiRTC tokens name no room and carry no Agora privileges: a caller asking
  // for those checks must not get a silent pass.
  if (expect.channel.has_value()) {
    return Error(Reason::kInvalidArgument, "apirtc tokens name no room",
                 "channel");
  }
  if (!expect.privileges.empty()) {
    return Error(Reason::kInvalidArgument, "apirtc tokens carry no privileges",
                 "privileges");
  }
  if (expect.audience.has_value() && *expect.audience != kApiRtcAudience) {
    return Error(Reason::kAudienceMismatch,
                 "apirtc tokens are only for the apiRTC audience", "aud");
  }
  return absl::OkStatus();
}

absl::Status ApiRtcProfile::ReadClaims(absl::string_view token,
                                       const VerifiedJwt& jwt,
                                       VerifiedToken* out) const {
  absl::StatusOr<json::Object> decoded = jwt.DecodeClaims();
  if (!decoded.ok()) return decoded.status();
  const json::Object& claims = *decoded;

  // "aud" must be exactly the string, not an array that happens to hold it.
  const json::Value* aud = claims.Find("aud");
  if (aud == nullptr || !aud->is_string() ||
      aud->as_string() != kApiRtcAudience) {
    return Error(Reason::kAudienceMismatch, "aud must be \"apiRTC\"", "aud");
  }
  if (claims.Find("sub") == nullptr || jwt.subject != config_.api_key) {
    return Error(Reason::kBadClaim, "sub is not the tenant's apiKey", "sub");
  }
  if (claims.Find("iat") == nullptr) {
    return Error(Reason::kBadClaim, "iat is required", "iat");
  }
  if (!IsUuid(jwt.jti)) {
    return Error(Reason::kBadClaim, "jti must be a UUID", "jti");
  }
  const json::Value* grants = claims.Find(kGrantsClaim);
  if (grants == nullptr || !grants->is_object()) {
    return Error(Reason::kBadClaim, "grants must be an object", kGrantsClaim);
  }
  const json::Value* id = grants->as_object().Find(kUserAgentIdClaim);
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return Error(Reason::kBadClaim, "must be a non-empty string",
                 kUserAgentIdField);
  }
  if (!vendor::CheckText(id->as_string(), kMaxUserAgentIdLength, "").ok()) {
    return Error(Reason::kBadClaim,
                 "longer than tokend's cap of 256 characters (ApiRTC "
                 "documents no limit)",
                 kUserAgentIdField);
  }
  const bool wildcard = id->as_string() == kApiRtcWildcard;
  if (wildcard && !config_.allow_wildcard) {
    return Error(Reason::kBadClaim,
                 "the wildcard is not allowed for this tenant",
                 kUserAgentIdField);
  }

  TokenInfo& info = out->info;
  info.subject = wildcard ? std::string() : id->as_string();
  info.session_started = SessionStartFromClaims(claims, jwt.issued_at);
  info.grants = ApiRtcGrants{.all_users = wildcard};
  info.claims = *std::move(decoded);
  return absl::OkStatus();
}

absl::Status ApiRtcProfile::Match(const VerifiedToken& verified,
                                  const VerifyExpectations& expect,
                                  absl::Time now, TokenInfo* info) const {
  const bool wildcard = std::get<ApiRtcGrants>(info->grants).all_users;
  if (expect.account.has_value() && !wildcard &&
      info->subject != *expect.account) {
    return Error(Reason::kBadClaim, "the token is for another user",
                 kUserAgentIdField);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewApiRtcProfile(
    ApiRtcProfileConfig config) {
  if (config.api_key.empty()) {
    return Error(Reason::kInvalidArgument, "required", "api_key");
  }
  absl::Status text =
      vendor::CheckText(config.api_key, kMaxApiKeyLength, "api_key");
  if (!text.ok()) return text;
  absl::Status ttl = ValidateTtlBounds(config.ttl, "ttl");
  if (!ttl.ok()) return ttl;
  if (config.ttl.max_ttl > kApiRtcMaxTtl) {
    return Error(Reason::kInvalidArgument,
                 "over ApiRTC's maximum token lifetime of 24 h", "ttl.max_ttl");
  }
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative", "leeway");
  }
  absl::StatusOr<vendor::HmacKeys> keys =
      vendor::Hs256Keys(config.secret, "secret");
  if (!keys.ok()) return keys.status();
  return std::make_shared<const ApiRtcProfile>(std::move(config),
                                               *std::move(keys));
}

}  // namespace tokend
