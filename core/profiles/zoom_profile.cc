#include "core/profiles/zoom_profile.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/json/json.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/two_phase_jwt_profile.h"
#include "core/profiles/internal/vendor_checks.h"
#include "core/reason.h"

namespace tokend {
namespace {

// Zoom's limits: the Video SDK auth docs (developers.zoom.us/docs/video-sdk/
// auth, payload table) for tpc (200), user_key (36) and session_key (36);
// the videosdk-auth-endpoint-sample's validator for user_identity (35).
constexpr size_t kMaxTopicLength = 200;
constexpr size_t kMaxUserKeyLength = 36;
constexpr size_t kMaxUserIdentityLength = 35;
constexpr size_t kMaxSessionKeyLength = 36;
constexpr absl::string_view kUserKeyClaim = "user_key";
constexpr absl::string_view kUserIdentityClaim = "user_identity";
// Zoom documents no limits for these; the caps only bound hostile input.
constexpr size_t kMaxAppKeyLength = 256;
constexpr size_t kMaxTrackingIdLength = 256;

constexpr absl::string_view kGeoRegions[] = {
    "AU", "BR", "CA", "CN", "DE", "HK", "IN", "JP", "MX", "NL", "SG", "US"};

// The 0-or-1 numeric claims and their grant members.
struct FlagClaim {
  const char* claim;
  std::optional<int> ZoomGrants::*member;
};
constexpr FlagClaim kFlagClaims[] = {
    {"cloud_recording_option", &ZoomGrants::cloud_recording_option},
    {"cloud_recording_election", &ZoomGrants::cloud_recording_election},
    {"video_webrtc_mode", &ZoomGrants::video_webrtc_mode},
    {"audio_webrtc_mode", &ZoomGrants::audio_webrtc_mode},
};

bool IsTopicChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9') || c == ' ') {
    return true;
  }
  return absl::StrContains("!#$%&()+-:;<=.>?@[]^_{}|~,\\", c);
}

// What is wrong with a topic, or nullopt.
std::optional<std::string> TopicProblem(absl::string_view topic) {
  if (topic.empty()) return "required";
  if (topic.size() > kMaxTopicLength) {
    return "longer than Zoom's limit of 200 characters";
  }
  for (char c : topic) {
    if (!IsTopicChar(c)) {
      return "holds a character outside Zoom's set (letters, digits, space "
             "and !#$%&()+-:;<=.>?@[]^_{}|~,\\)";
    }
  }
  return std::nullopt;
}

// Well-formed UTF-8 of at most `max` characters (UTF-16 code units, as
// Zoom's JavaScript sample counts), else kInvalidArgument on `field` naming
// Zoom's limit.
absl::Status CheckZoomText(absl::string_view value, size_t max,
                           absl::string_view claim, absl::string_view field) {
  std::optional<size_t> length = vendor::Utf16Length(value);
  if (!length.has_value()) {
    return Error(Reason::kInvalidArgument, "not valid UTF-8", field);
  }
  if (*length > max) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("longer than Zoom's limit of ", max,
                              " characters for ", claim),
                 field);
  }
  return absl::OkStatus();
}

bool IsGeoRegion(absl::string_view region) {
  for (absl::string_view known : kGeoRegions) {
    if (known == region) return true;
  }
  return false;
}

// A JSON number with an integral value (1 and 1.0 alike, as JavaScript
// sees them); strings and fractions give nullopt.
std::optional<int64_t> IntegralNumber(const json::Value& v) {
  if (v.is_int()) return v.as_int();
  if (v.is_double()) {
    const double d = v.as_double();
    if (d >= -1e15 && d <= 1e15 &&
        d == static_cast<double>(static_cast<int64_t>(d))) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

absl::StatusOr<ZoomGrants> IssueGrants(const Grants& grants) {
  const ZoomGrants* zoom = std::get_if<ZoomGrants>(&grants);
  if (zoom == nullptr) {
    return Error(Reason::kInvalidArgument, "Zoom grants are required",
                 "grants");
  }
  return *zoom;
}

absl::Status GrantsToClaims(const ZoomGrants& g, absl::string_view identity,
                            ZoomUserClaim user_claim, json::Object* claims) {
  if (std::optional<std::string> problem = TopicProblem(g.topic)) {
    return Error(Reason::kInvalidArgument, *problem, "grants.zoom.topic");
  }
  if (g.role_type != 0 && g.role_type != 1) {
    return Error(Reason::kInvalidArgument, "must be 0 or 1",
                 "grants.zoom.role_type");
  }
  claims->Set("tpc", json::Value(g.topic));
  claims->Set("role_type", json::Value(g.role_type));
  claims->Set("version", json::Value(1));
  if (!identity.empty()) {
    const bool key = user_claim == ZoomUserClaim::kUserKey;
    const absl::string_view claim = key ? kUserKeyClaim : kUserIdentityClaim;
    absl::Status text = CheckZoomText(
        identity, key ? kMaxUserKeyLength : kMaxUserIdentityLength, claim,
        "subject");
    if (!text.ok()) return text;
    claims->Set(std::string(claim), json::Value(identity));
  }
  if (!g.session_key.empty()) {
    absl::Status text = CheckZoomText(g.session_key, kMaxSessionKeyLength,
                                      "session_key", "grants.zoom.session_key");
    if (!text.ok()) return text;
    claims->Set("session_key", json::Value(g.session_key));
  }
  if (!g.geo_regions.empty()) {
    for (const std::string& region : g.geo_regions) {
      if (!IsGeoRegion(region)) {
        return Error(Reason::kInvalidArgument, "not a Zoom geo region",
                     "grants.zoom.geo_regions");
      }
    }
    claims->Set("geo_regions", json::Value(absl::StrJoin(g.geo_regions, ",")));
  }
  for (const FlagClaim& flag : kFlagClaims) {
    const std::optional<int>& value = g.*flag.member;
    if (!value.has_value()) continue;
    if (*value != 0 && *value != 1) {
      return Error(Reason::kInvalidArgument, "must be 0 or 1",
                   absl::StrCat("grants.zoom.", flag.claim));
    }
    claims->Set(flag.claim, json::Value(*value));
  }
  if (!g.telemetry_tracking_id.empty()) {
    absl::Status text =
        vendor::CheckText(g.telemetry_tracking_id, kMaxTrackingIdLength,
                          "grants.zoom.telemetry_tracking_id");
    if (!text.ok()) return text;
    claims->Set("telemetry_tracking_id", json::Value(g.telemetry_tracking_id));
  }
  return absl::OkStatus();
}

absl::Status BadClaim(absl::string_view detail, absl::string_view claim) {
  return Error(Reason::kBadClaim, detail, claim);
}

// Reads an optional string claim of at most `max_length` characters;
// `limit` names whose limit that is.
absl::Status ReadText(const json::Object& claims, absl::string_view claim,
                      size_t max_length, absl::string_view limit,
                      std::string* out) {
  const json::Value* v = claims.Find(claim);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string() ||
      !vendor::CheckText(v->as_string(), max_length, claim).ok()) {
    return BadClaim(absl::StrCat("must be a string within ", limit,
                                 " limit of ", max_length, " characters"),
                    claim);
  }
  *out = v->as_string();
  return absl::OkStatus();
}

// The user: `user_key` (Zoom's current name) or `user_identity` (its former
// name). A token carrying both must name one user.
absl::Status ReadUser(const json::Object& claims, std::string* user) {
  std::string key;
  std::string identity;
  absl::Status status =
      ReadText(claims, kUserKeyClaim, kMaxUserKeyLength, "Zoom's", &key);
  if (!status.ok()) return status;
  status = ReadText(claims, kUserIdentityClaim, kMaxUserIdentityLength,
                    "Zoom's", &identity);
  if (!status.ok()) return status;
  const bool has_key = claims.Find(kUserKeyClaim) != nullptr;
  const bool has_identity = claims.Find(kUserIdentityClaim) != nullptr;
  if (has_key && has_identity && key != identity) {
    return BadClaim("user_key and user_identity name different users",
                    kUserKeyClaim);
  }
  *user = has_key ? std::move(key) : std::move(identity);
  return absl::OkStatus();
}

// Reads an optional 0-or-1 JSON number.
absl::Status ReadFlag(const json::Object& claims, absl::string_view claim,
                      std::optional<int>* out) {
  const json::Value* v = claims.Find(claim);
  if (v == nullptr) return absl::OkStatus();
  std::optional<int64_t> n = IntegralNumber(*v);
  if (!n.has_value() || (*n != 0 && *n != 1)) {
    return BadClaim("must be the number 0 or 1", claim);
  }
  *out = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::StatusOr<ZoomGrants> ClaimsToGrants(const json::Object& claims,
                                          std::string* identity) {
  ZoomGrants g;
  const json::Value* tpc = claims.Find("tpc");
  if (tpc == nullptr || !tpc->is_string()) {
    return BadClaim("must be a string", "tpc");
  }
  if (std::optional<std::string> problem = TopicProblem(tpc->as_string())) {
    return BadClaim(*problem, "tpc");
  }
  g.topic = tpc->as_string();
  const json::Value* role = claims.Find("role_type");
  std::optional<int64_t> role_type =
      role == nullptr ? std::nullopt : IntegralNumber(*role);
  if (!role_type.has_value() || (*role_type != 0 && *role_type != 1)) {
    return BadClaim("must be the number 0 or 1", "role_type");
  }
  g.role_type = static_cast<int>(*role_type);
  const json::Value* version = claims.Find("version");
  std::optional<int64_t> version_number =
      version == nullptr ? std::nullopt : IntegralNumber(*version);
  if (!version_number.has_value() || *version_number != 1) {
    return BadClaim("must be the number 1", "version");
  }
  absl::Status status = ReadUser(claims, identity);
  if (!status.ok()) return status;
  status = ReadText(claims, "session_key", kMaxSessionKeyLength, "Zoom's",
                    &g.session_key);
  if (!status.ok()) return status;
  status = ReadText(claims, "telemetry_tracking_id", kMaxTrackingIdLength,
                    "tokend's (Zoom documents none)", &g.telemetry_tracking_id);
  if (!status.ok()) return status;
  if (const json::Value* geo = claims.Find("geo_regions")) {
    if (!geo->is_string()) return BadClaim("must be a string", "geo_regions");
    for (absl::string_view region : absl::StrSplit(geo->as_string(), ',')) {
      if (!IsGeoRegion(region)) {
        return BadClaim("not a Zoom geo region", "geo_regions");
      }
      g.geo_regions.emplace_back(region);
    }
  }
  for (const FlagClaim& flag : kFlagClaims) {
    status = ReadFlag(claims, flag.claim, &(g.*flag.member));
    if (!status.ok()) return status;
  }
  // The deprecated name, mapped onto its successor as Zoom does.
  std::optional<int> compatible;
  status = ReadFlag(claims, "audio_compatible_mode", &compatible);
  if (!status.ok()) return status;
  if (!g.audio_webrtc_mode.has_value()) g.audio_webrtc_mode = compatible;
  return g;
}

class ZoomProfile final : public TwoPhaseJwtProfile {
 public:
  ZoomProfile(ZoomProfileConfig config, vendor::HmacKeys keys)
      : config_(std::move(config)), keys_(std::move(keys)) {
    config_.secret.clear();  // the Key holds it; keep one copy only
    policy_.leeway = config_.leeway;
    policy_.require_exp = true;
    // As on issue: the tenant's maximum, which NewZoomProfile holds within
    // Zoom's 48 h.
    policy_.max_lifetime = config_.ttl.max_ttl;
  }

  absl::string_view name() const override { return "zoom"; }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();
    if (*ttl < kZoomMinTtl) {
      return Error(Reason::kInvalidArgument,
                   "Zoom requires a lifetime of at least 30 minutes", "ttl");
    }
    absl::StatusOr<ZoomGrants> grants = IssueGrants(input.grants);
    if (!grants.ok()) return grants.status();
    JwtSpec spec;
    spec.ttl = *ttl;
    absl::Status status = GrantsToClaims(
        *grants, input.subject, config_.user_claim, &spec.extra_claims);
    if (!status.ok()) return status;
    spec.extra_claims.Set("app_key", json::Value(config_.app_key));
    if (input.session_started != absl::InfinitePast()) {
      SetSessionStartClaim(input.session_started, &spec.extra_claims);
    }
    absl::StatusOr<IssuedJwt> issued = IssueJwt(*keys_.key, spec, now);
    if (!issued.ok()) return issued.status();

    TokenInfo info;
    info.token = std::move(issued->token);
    info.token_id = std::move(issued->jti);
    info.subject = input.subject;
    info.issued_at = issued->issued_at;
    info.expires_at = issued->expires_at;
    info.session_started = EffectiveSessionStart(input.session_started, now);
    info.grants = *std::move(grants);
    return info;
  }

  absl::Status CheckRequest(const VerifyExpectations& expect) const override {
    if (expect.audience.has_value()) {
      return Error(Reason::kInvalidArgument, "zoom tokens carry no audience",
                   "audience");
    }
    if (!expect.privileges.empty()) {
      return Error(Reason::kInvalidArgument, "zoom tokens carry no privileges",
                   "privileges");
    }
    return absl::OkStatus();
  }

 private:
  const KeySet& verification_keys() const override { return *keys_.key_set; }
  const ValidationPolicy& policy() const override { return policy_; }

  // Zoom's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override {
    absl::StatusOr<json::Object> decoded = jwt.DecodeClaims();
    if (!decoded.ok()) return decoded.status();
    const json::Object& claims = *decoded;

    if (claims.Find("iat") == nullptr) {
      return BadClaim("iat is required", "iat");
    }
    if (jwt.expires_at - jwt.issued_at < kZoomMinTtl) {
      return BadClaim("exp - iat is under Zoom's 30 minute minimum", "exp");
    }
    const json::Value* app_key = claims.Find("app_key");
    if (app_key == nullptr || !app_key->is_string() ||
        app_key->as_string() != config_.app_key) {
      return BadClaim("app_key is not the tenant's Video SDK key", "app_key");
    }
    std::string identity;
    absl::StatusOr<ZoomGrants> grants = ClaimsToGrants(claims, &identity);
    if (!grants.ok()) return grants.status();

    TokenInfo& info = out->info;
    info.subject = std::move(identity);
    info.session_started = SessionStartFromClaims(claims, jwt.issued_at);
    info.grants = *std::move(grants);
    info.claims = *std::move(decoded);
    return absl::OkStatus();
  }

  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override {
    const auto& grants = std::get<ZoomGrants>(info->grants);
    // Zoom lowercases session names, so the topic match ignores case (the
    // allowed characters are all ASCII).
    if (expect.channel.has_value() &&
        !absl::EqualsIgnoreCase(grants.topic, *expect.channel)) {
      return BadClaim("the token is for another session", "tpc");
    }
    if (expect.account.has_value() && info->subject != *expect.account) {
      return BadClaim("the token is for another user",
                      info->claims.Find(kUserKeyClaim) != nullptr
                          ? kUserKeyClaim
                          : kUserIdentityClaim);
    }
    return absl::OkStatus();
  }

  ZoomProfileConfig config_;
  vendor::HmacKeys keys_;
  ValidationPolicy policy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewZoomProfile(
    ZoomProfileConfig config) {
  if (config.app_key.empty()) {
    return Error(Reason::kInvalidArgument, "required", "app_key");
  }
  absl::Status text =
      vendor::CheckText(config.app_key, kMaxAppKeyLength, "app_key");
  if (!text.ok()) return text;
  absl::Status ttl = ValidateTtlBounds(config.ttl, "ttl");
  if (!ttl.ok()) return ttl;
  if (config.ttl.max_ttl > kZoomMaxTtl) {
    return Error(Reason::kInvalidArgument,
                 "over Zoom's maximum token lifetime of 48 h", "ttl.max_ttl");
  }
  if (config.ttl.default_ttl < kZoomMinTtl) {
    return Error(Reason::kInvalidArgument,
                 "under Zoom's minimum token lifetime of 30 min",
                 "ttl.default_ttl");
  }
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative", "leeway");
  }
  absl::StatusOr<vendor::HmacKeys> keys =
      vendor::Hs256Keys(config.secret, "secret");
  if (!keys.ok()) return keys.status();
  return std::make_shared<const ZoomProfile>(std::move(config),
                                             *std::move(keys));
}

}  // namespace tokend
