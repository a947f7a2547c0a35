#include "core/profiles/vonage_profile.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/keys/key_set.h"
#include "core/keys/pem.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/two_phase_jwt_profile.h"
#include "core/profiles/internal/utf16_length.h"
#include "core/random.h"
#include "core/reason.h"
#include "core/uuid.h"

namespace tokend {
namespace {

constexpr absl::string_view kVideoScope = "session.connect";
constexpr absl::string_view kVideoSubject = "video";
constexpr absl::string_view kDefaultRole = "publisher";
constexpr absl::string_view kRoles[] = {"publisher", "subscriber", "moderator",
                                        "publisheronly"};
constexpr absl::string_view kAclMethods[] = {"GET", "POST", "PUT", "PATCH",
                                             "DELETE"};
// acl objects can be long; leave room beyond the core's 8 KiB default.
constexpr size_t kMaxTokenBytes = 16 * 1024;

bool IsRole(absl::string_view role) {
  return std::find(std::begin(kRoles), std::end(kRoles), role) !=
         std::end(kRoles);
}

// What is wrong with a session id, or nullopt (kVonageMaxSessionIdBytes).
std::optional<std::string> SessionIdProblem(absl::string_view id) {
  if (id.empty()) return "must be a non-empty string";
  if (id.size() > kVonageMaxSessionIdBytes) {
    return "is longer than tokend's cap of 1024 bytes (Vonage documents no "
           "limit)";
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("+/=_-~", c)) {
      return "holds a character no Vonage session id has (they are "
             "letters, digits and + / = _ - ~)";
    }
  }
  return std::nullopt;
}

absl::Status WithField(const absl::Status& status, absl::string_view detail,
                       absl::string_view field) {
  return Error(GetReason(status), detail, field);
}

// "acl" on issue: exactly {"paths": {pattern: {methods?, filters?}}}.
absl::Status ValidateAclForIssue(const json::Object& acl) {
  constexpr absl::string_view kField = "grants.vonage.acl";
  const json::Value* paths = acl.Find("paths");
  if (paths == nullptr || acl.size() != 1 || !paths->is_object()) {
    return Error(Reason::kInvalidArgument,
                 "acl must be {\"paths\": {...}} and nothing else", kField);
  }
  for (const auto& [pattern, rule] : paths->as_object().members()) {
    if (pattern.empty() || !Utf16Length(pattern).has_value() ||
        !rule.is_object()) {
      return Error(Reason::kInvalidArgument,
                   "each acl path must be a non-empty pattern mapped to an "
                   "object",
                   kField);
    }
    for (const auto& [name, value] : rule.as_object().members()) {
      if (name == "filters" && value.is_object()) continue;
      if (name != "methods" || !value.is_array()) {
        return Error(Reason::kInvalidArgument,
                     "an acl path allows only \"methods\" (array) and "
                     "\"filters\" (object)",
                     kField);
      }
      for (const json::Value& method : value.as_array()) {
        if (!method.is_string() ||
            std::find(std::begin(kAclMethods), std::end(kAclMethods),
                      method.as_string()) == std::end(kAclMethods)) {
          return Error(Reason::kInvalidArgument,
                       "acl methods are GET, POST, PUT, PATCH or DELETE",
                       kField);
        }
      }
    }
  }
  return absl::OkStatus();
}

// "acl" on verify (formats doc): an object whose "paths" is an object of
// objects. Other members are tolerated.
bool AclClaimIsValid(const json::Value& acl) {
  if (!acl.is_object()) return false;
  const json::Value* paths = acl.as_object().Find("paths");
  if (paths == nullptr || !paths->is_object()) return false;
  for (const auto& member : paths->as_object().members()) {
    if (!member.second.is_object()) return false;
  }
  return true;
}

json::Object DefaultVideoAcl() {
  json::Object paths;
  paths.Set("/session/**", json::Value(json::Object()));
  json::Object acl;
  acl.Set("paths", json::Value(std::move(paths)));
  return acl;
}

absl::Status ValidateLayoutClasses(const std::vector<std::string>& classes,
                                   std::string* joined) {
  constexpr absl::string_view kField =
      "grants.vonage.initial_layout_class_list";
  for (const std::string& name : classes) {
    const bool has_space = std::any_of(name.begin(), name.end(), [](char c) {
      return absl::ascii_isspace(c);
    });
    if (name.empty() || has_space || !Utf16Length(name).has_value()) {
      return Error(Reason::kInvalidArgument,
                   "class names must be non-empty UTF-8 without whitespace",
                   kField);
    }
  }
  *joined = absl::StrJoin(classes, " ");
  if (*Utf16Length(*joined) > kVonageMaxLayoutClassList) {
    return Error(Reason::kInvalidArgument,
                 "initial_layout_class_list exceeds opentok-node's limit of "
                 "1024 characters",
                 kField);
  }
  return absl::OkStatus();
}

absl::Status BuildVideoClaims(const VonageGrants& grants,
                              json::Object* claims) {
  if (std::optional<std::string> problem =
          SessionIdProblem(grants.session_id)) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("the session id ", *problem),
                 "grants.vonage.session_id");
  }
  const std::string role =
      grants.role.empty() ? std::string(kDefaultRole) : grants.role;
  if (!IsRole(role)) {
    return Error(Reason::kInvalidArgument,
                 "role must be publisher, subscriber, moderator or "
                 "publisheronly",
                 "grants.vonage.role");
  }
  std::optional<size_t> data_length = Utf16Length(grants.connection_data);
  if (!data_length.has_value()) {
    return Error(Reason::kInvalidArgument, "connection_data is not UTF-8",
                 "grants.vonage.connection_data");
  }
  if (*data_length > kVonageMaxConnectionData) {
    return Error(Reason::kInvalidArgument,
                 "connection_data exceeds Vonage's limit of 1000 characters "
                 "(UTF-16 units)",
                 "grants.vonage.connection_data");
  }
  std::string layout;
  absl::Status status =
      ValidateLayoutClasses(grants.initial_layout_class_list, &layout);
  if (!status.ok()) return status;
  if (!grants.acl.empty()) {
    status = ValidateAclForIssue(grants.acl);
    if (!status.ok()) return status;
  }
  claims->Set("scope", json::Value(kVideoScope));
  claims->Set("session_id", json::Value(grants.session_id));
  claims->Set("role", json::Value(role));
  claims->Set("initial_layout_class_list", json::Value(std::move(layout)));
  claims->Set("acl",
              json::Value(grants.acl.empty() ? DefaultVideoAcl() : grants.acl));
  if (!grants.connection_data.empty()) {
    claims->Set("connection_data", json::Value(grants.connection_data));
  }
  return absl::OkStatus();
}

absl::Status BuildApplicationClaims(const VonageGrants& grants,
                                    json::Object* claims) {
  // Video fields on an application JWT would be silently meaningless.
  const std::pair<bool, absl::string_view> video_only[] = {
      {!grants.session_id.empty(), "grants.vonage.session_id"},
      {!grants.role.empty(), "grants.vonage.role"},
      {!grants.connection_data.empty(), "grants.vonage.connection_data"},
      {!grants.initial_layout_class_list.empty(),
       "grants.vonage.initial_layout_class_list"},
  };
  for (const auto& [set, field] : video_only) {
    if (set) {
      return Error(Reason::kInvalidArgument,
                   "only a video client token carries this field", field);
    }
  }
  if (!grants.acl.empty()) {
    absl::Status status = ValidateAclForIssue(grants.acl);
    if (!status.ok()) return status;
    claims->Set("acl", json::Value(grants.acl));
  }
  return absl::OkStatus();
}

// A string claim that must be present.
absl::StatusOr<std::string> RequiredString(const json::Object& claims,
                                           absl::string_view name,
                                           bool allow_empty) {
  const json::Value* value = claims.Find(name);
  if (value == nullptr || !value->is_string() ||
      (!allow_empty && value->as_string().empty())) {
    return Error(Reason::kBadClaim,
                 allow_empty ? "claim must be a string"
                             : "claim must be a non-empty string",
                 name);
  }
  return value->as_string();
}

class VonageProfile final : public TwoPhaseJwtProfile {
 public:
  VonageProfile(VonageProfileConfig config,
                std::shared_ptr<const Key> signing_key, KeySet keys)
      : config_(std::move(config)),
        signing_key_(std::move(signing_key)),
        keys_(std::move(keys)) {
    policy_.leeway = config_.leeway;
    // The per-kind maximum is checked by ReadClaims, once the kind is known.
    policy_.max_lifetime =
        std::max(config_.ttl.max_ttl, config_.video_ttl.max_ttl);
    policy_.max_token_bytes = kMaxTokenBytes;
  }

  absl::string_view name() const override { return "vonage"; }

  // An application JWT without a subject is the application's own (REST)
  // credential.
  bool IsAppLevel(const IssueInput& input) const override {
    const VonageGrants* grants = std::get_if<VonageGrants>(&input.grants);
    const bool video =
        grants != nullptr && grants->kind == VonageGrants::Kind::kVideoClient;
    return !video && input.subject.empty();
  }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    VonageGrants grants;
    if (const auto* given = std::get_if<VonageGrants>(&input.grants)) {
      grants = *given;
    } else if (!std::holds_alternative<std::monostate>(input.grants)) {
      return Error(Reason::kInvalidArgument, "grants are not Vonage grants",
                   "grants");
    }
    const bool video = grants.kind == VonageGrants::Kind::kVideoClient;
    absl::StatusOr<absl::Duration> ttl =
        ResolveTtl(video ? config_.video_ttl : config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();

    JwtSpec spec;
    spec.ttl = *ttl;
    spec.jti = NewUuidV4();  // the jti form @vonage/jwt uses
    spec.extra_claims.Set("application_id",
                          json::Value(config_.application_id));
    absl::Status status;
    if (video) {
      // The request's subject is not written: Vonage fixes sub to "video".
      spec.subject = std::string(kVideoSubject);
      status = BuildVideoClaims(grants, &spec.extra_claims);
    } else {
      if (!Utf16Length(input.subject).has_value()) {
        return Error(Reason::kInvalidArgument, "subject is not UTF-8",
                     "subject");
      }
      spec.subject = input.subject;
      status = BuildApplicationClaims(grants, &spec.extra_claims);
    }
    if (!status.ok()) return status;
    if (input.session_started != absl::InfinitePast()) {
      SetSessionStartClaim(input.session_started, &spec.extra_claims);
    }
    if (signing_key_ == nullptr) {
      return Error(Reason::kNoSigningKey,
                   "this Vonage tenant has no private key");
    }
    absl::StatusOr<IssuedJwt> issued = IssueJwt(*signing_key_, spec, now);
    if (!issued.ok()) return issued.status();
    if (issued->token.size() > kMaxTokenBytes) {
      return Error(Reason::kInvalidArgument,
                   "the token would exceed the verifier's size limit",
                   "grants.vonage");
    }

    TokenInfo info;
    info.token = std::move(issued->token);
    info.token_id = std::move(issued->jti);
    info.subject = spec.subject;
    info.issued_at = issued->issued_at;
    info.expires_at = issued->expires_at;
    info.session_started = EffectiveSessionStart(input.session_started, now);
    if (video) {
      if (grants.role.empty()) grants.role = std::string(kDefaultRole);
      if (grants.acl.empty()) grants.acl = DefaultVideoAcl();
    }
    info.grants = std::move(grants);
    return info;
  }

 private:
  const KeySet& verification_keys() const override { return keys_; }
  const ValidationPolicy& policy() const override { return policy_; }

  // Vonage's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override {
    absl::StatusOr<json::Object> decoded = jwt.DecodeClaims();
    if (!decoded.ok()) return decoded.status();
    const json::Object& claims = *decoded;

    absl::StatusOr<std::string> app_id =
        RequiredString(claims, "application_id", /*allow_empty=*/false);
    if (!app_id.ok()) return app_id.status();
    if (*app_id != config_.application_id) {
      return Error(Reason::kIssuerMismatch,
                   "application_id is not this tenant's application",
                   "application_id");
    }
    if (claims.Find("iat") == nullptr) {
      return Error(Reason::kBadClaim, "iat is required", "iat");
    }
    if (jwt.jti.empty()) {
      return Error(Reason::kBadClaim, "jti is required", "jti");
    }
    VonageGrants grants;
    const bool video = claims.Find("scope") != nullptr;
    grants.kind = video ? VonageGrants::Kind::kVideoClient
                        : VonageGrants::Kind::kApplication;
    const absl::Duration max_lifetime =
        video ? config_.video_ttl.max_ttl : config_.ttl.max_ttl;
    if (jwt.expires_at - jwt.issued_at > max_lifetime) {
      return Error(Reason::kLifetimeExceeded,
                   "token lifetime exceeds the maximum for its kind", "exp");
    }
    if (const json::Value* acl = claims.Find("acl")) {
      if (!AclClaimIsValid(*acl)) {
        return Error(Reason::kBadClaim,
                     "acl must be an object whose paths is an object of "
                     "objects",
                     "acl");
      }
      grants.acl = acl->as_object();
    } else if (video) {
      return Error(Reason::kBadClaim, "a video token requires acl", "acl");
    }
    if (video) {
      absl::Status status = ReadVideoClaims(jwt, claims, &grants);
      if (!status.ok()) return status;
    }

    TokenInfo& info = out->info;
    info.subject = jwt.subject;
    info.session_started = SessionStartFromClaims(claims, jwt.issued_at);
    info.grants = std::move(grants);
    info.claims = *std::move(decoded);
    return absl::OkStatus();
  }

  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override {
    const auto& grants = std::get<VonageGrants>(info->grants);
    const bool video = grants.kind == VonageGrants::Kind::kVideoClient;
    if (expect.channel.has_value() &&
        (!video || grants.session_id != *expect.channel)) {
      return Error(Reason::kBadClaim,
                   "the token is not for the expected session", "session_id");
    }
    if (expect.account.has_value() && info->subject != *expect.account) {
      return Error(Reason::kBadClaim,
                   "the token is not for the expected account", "sub");
    }
    return absl::OkStatus();
  }

  // The formats doc's Video rules: scope, sub, role, session_id, lengths.
  static absl::Status ReadVideoClaims(const VerifiedJwt& jwt,
                                      const json::Object& claims,
                                      VonageGrants* grants) {
    absl::StatusOr<std::string> scope =
        RequiredString(claims, "scope", /*allow_empty=*/false);
    if (!scope.ok()) return scope.status();
    if (*scope != kVideoScope) {
      return Error(Reason::kBadClaim, "scope must be session.connect", "scope");
    }
    if (jwt.subject != kVideoSubject) {
      return Error(Reason::kBadClaim, "a video token's sub must be video",
                   "sub");
    }
    absl::StatusOr<std::string> session_id =
        RequiredString(claims, "session_id", /*allow_empty=*/false);
    if (!session_id.ok()) return session_id.status();
    if (std::optional<std::string> problem = SessionIdProblem(*session_id)) {
      return Error(Reason::kBadClaim, absl::StrCat("the session id ", *problem),
                   "session_id");
    }
    grants->session_id = *std::move(session_id);
    absl::StatusOr<std::string> role =
        RequiredString(claims, "role", /*allow_empty=*/false);
    if (!role.ok()) return role.status();
    if (!IsRole(*role)) {
      return Error(Reason::kBadClaim, "role is not a Vonage Video role",
                   "role");
    }
    grants->role = *std::move(role);
    absl::StatusOr<std::string> layout = RequiredString(
        claims, "initial_layout_class_list", /*allow_empty=*/true);
    if (!layout.ok()) return layout.status();
    if (*Utf16Length(*layout) > kVonageMaxLayoutClassList) {
      return Error(Reason::kBadClaim,
                   "initial_layout_class_list exceeds opentok-node's limit of "
                   "1024 characters",
                   "initial_layout_class_list");
    }
    grants->initial_layout_class_list =
        absl::StrSplit(*layout, ' ', absl::SkipEmpty());
    if (const json::Value* data = claims.Find("connection_data")) {
      if (!data->is_string()) {
        return Error(Reason::kBadClaim, "connection_data must be a string",
                     "connection_data");
      }
      if (*Utf16Length(data->as_string()) > kVonageMaxConnectionData) {
        return Error(Reason::kBadClaim,
                     "connection_data exceeds Vonage's limit of 1000 "
                     "characters",
                     "connection_data");
      }
      grants->connection_data = data->as_string();
    }
    return absl::OkStatus();
  }

  const VonageProfileConfig config_;
  std::shared_ptr<const Key> signing_key_;  // null: verify only
  const KeySet keys_;
  ValidationPolicy policy_;
};

absl::Status ValidateBounds(const TtlBounds& bounds, absl::string_view field,
                            absl::Duration vendor_max) {
  absl::Status status = ValidateTtlBounds(bounds, field);
  if (!status.ok()) return status;
  if (bounds.max_ttl > vendor_max) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("exceeds Vonage's maximum of ",
                              absl::FormatDuration(vendor_max)),
                 absl::StrCat(field, ".max_ttl"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewVonageProfile(
    VonageProfileConfig config) {
  if (!IsUuid(config.application_id)) {
    return Error(Reason::kInvalidArgument, "application_id must be a UUID",
                 "application_id");
  }
  absl::Status status =
      ValidateBounds(config.ttl, "ttl", kVonageApplicationMaxTtl);
  if (!status.ok()) return status;
  status = ValidateBounds(config.video_ttl, "video_ttl", kVonageVideoMaxTtl);
  if (!status.ok()) return status;
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "leeway must not be negative",
                 "leeway");
  }

  std::shared_ptr<const Key> private_key;
  if (!config.private_key_pem.empty()) {
    absl::StatusOr<std::shared_ptr<const Key>> key =
        KeyFromPem(Algorithm::kRS256, config.private_key_pem);
    if (!key.ok()) {
      return WithField(key.status(), "private key is not a usable RS256 key",
                       "private_key_pem");
    }
    if (!(*key)->has_private()) {
      return Error(Reason::kInvalidArgument, "holds no private key",
                   "private_key_pem");
    }
    private_key = *std::move(key);
  }
  std::shared_ptr<const Key> verification_key = private_key;
  if (!config.public_key_pem.empty()) {
    absl::StatusOr<std::shared_ptr<const Key>> key =
        KeyFromPem(Algorithm::kRS256, config.public_key_pem);
    if (!key.ok()) {
      return WithField(key.status(), "public key is not a usable RS256 key",
                       "public_key_pem");
    }
    if (private_key != nullptr) {
      // A mismatched pair would issue tokens this tenant then refuses.
      constexpr absl::string_view kProbe = "tokend vonage key pair check";
      absl::StatusOr<std::string> signature = private_key->Sign(kProbe);
      if (!signature.ok() || !(*key)->Verify(kProbe, *signature).ok()) {
        return Error(Reason::kKeyInvalid,
                     "public key does not match the private key",
                     "public_key_pem");
      }
    }
    verification_key = *std::move(key);
  }
  if (verification_key == nullptr) {
    return Error(Reason::kInvalidArgument,
                 "a private key (or, to verify only, a public key) is required",
                 "private_key_pem");
  }
  absl::StatusOr<KeySet> keys = KeySet::Create({verification_key});
  // The parsed keys are all the profile needs; drop the PEM text.
  config.private_key_pem.clear();
  config.public_key_pem.clear();
  if (!keys.ok()) return keys.status();
  return std::make_shared<const VonageProfile>(
      std::move(config), std::move(private_key), *std::move(keys));
}

}  // namespace tokend
