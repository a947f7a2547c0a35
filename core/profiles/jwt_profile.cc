#include "core/profiles/jwt_profile.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/jose/jwt.h"
#include "core/profiles/internal/profile_common.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr absl::string_view kDefaultTyp = "JWT";
constexpr size_t kMaxTypLength = 128;

// RFC 6838 §4.2 restricted-name characters, and one '/' between type and
// subtype: what a typ media type is made of.
bool IsMediaType(absl::string_view typ) {
  if (typ.empty() || typ.size() > kMaxTypLength) return false;
  int slashes = 0;
  for (char c : typ) {
    if (c == '/') {
      ++slashes;
      continue;
    }
    const bool ok = absl::ascii_isalnum(c) || absl::StrContains("!#$&-^_.+", c);
    if (!ok) return false;
  }
  return slashes <= 1 && typ.front() != '/' && typ.back() != '/';
}

// Immutable after construction; Issue and Verify may run on any thread.
class JwtProfile final : public Profile {
 public:
  explicit JwtProfile(JwtProfileConfig config) : config_(std::move(config)) {
    policy_.issuer = config_.issuer;
    policy_.audiences = config_.audiences;
    // Unconfigured: typ is optional, and a present one must be JWT.
    policy_.typ = config_.typ.empty() ? std::string(kDefaultTyp) : config_.typ;
    policy_.typ_required = !config_.typ.empty();
    policy_.leeway = config_.leeway;
    policy_.max_lifetime = config_.ttl.max_ttl;
  }

  absl::string_view name() const override { return "jwt"; }
  bool CarriesNotBefore() const override { return true; }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    const JwtGrants* grants = std::get_if<JwtGrants>(&input.grants);
    if (grants == nullptr &&
        !std::holds_alternative<std::monostate>(input.grants)) {
      return Error(Reason::kInvalidArgument, "the jwt profile takes jwt grants",
                   "grants");
    }
    absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();

    JwtSpec spec;
    spec.issuer = config_.issuer;
    spec.subject = input.subject;
    spec.audiences = grants != nullptr && !grants->audiences.empty()
                         ? grants->audiences
                         : config_.audiences;
    spec.ttl = *ttl;
    spec.typ = config_.typ.empty() ? std::string(kDefaultTyp) : config_.typ;
    spec.not_before = input.not_before;
    if (grants != nullptr) spec.extra_claims = grants->extra_claims;
    if (spec.extra_claims.Find(kSessionStartClaim) != nullptr) {
      return Error(
          Reason::kInvalidArgument, "reserved claim",
          absl::StrCat("grants.jwt.extra_claims.", kSessionStartClaim));
    }
    if (input.session_started != absl::InfinitePast()) {
      SetSessionStartClaim(input.session_started, &spec.extra_claims);
    }
    absl::StatusOr<IssuedJwt> issued =
        IssueJwt(*config_.signing_key, spec, now);
    if (!issued.ok()) {
      // not_before is a request field of its own, not one of the grants.
      if (GetField(issued.status()) == "not_before") return issued.status();
      return PrefixField(issued.status(), "grants.jwt");
    }

    TokenInfo info;
    info.token = std::move(issued->token);
    info.token_id = std::move(issued->jti);
    info.subject = input.subject;
    info.issued_at = issued->issued_at;
    info.expires_at = issued->expires_at;
    info.session_started = EffectiveSessionStart(input.session_started, now);
    JwtGrants out;
    out.audiences = spec.audiences;
    out.extra_claims =
        grants != nullptr ? grants->extra_claims : json::Object();
    info.grants = std::move(out);
    return info;
  }

  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const override {
    return VerifyInTwoPhases(token, expect, now);
  }

  bool SupportsAuthenticate() const override { return true; }

  // Everything VerifyJwt does before the clock and the call's audience,
  // then the claims decode (which needs neither).
  absl::StatusOr<VerifiedToken> Authenticate(
      absl::string_view token) const override {
    absl::StatusOr<VerifiedJwt> jwt =
        AuthenticateJwt(token, *config_.verification_keys, policy_);
    if (!jwt.ok()) return jwt.status();

    absl::StatusOr<json::Object> claims = jwt->DecodeClaims();
    if (!claims.ok()) return WithTokenFacts(claims.status(), JwtFacts(*jwt));

    absl::StatusOr<VerifiedToken> out(absl::in_place);
    TokenInfo& info = out->info;
    info.token_id = jwt->jti;
    info.subject = jwt->subject;
    info.issued_at = jwt->issued_at;
    info.expires_at = jwt->expires_at;
    info.session_started = SessionStartFromClaims(*claims, jwt->issued_at);
    JwtGrants grants;
    grants.audiences.assign(jwt->audiences.begin(), jwt->audiences.end());
    for (const json::Object::Member& m : claims->members()) {
      if (!IsManagedClaim(m.first)) grants.extra_claims.Set(m.first, m.second);
    }
    info.grants = std::move(grants);
    info.claims = *std::move(claims);
    out->key = jwt->key;
    jwt->claims_json.clear();
    jwt->claims_json.shrink_to_fit();
    out->jwt = *std::move(jwt);
    return out;
  }

  // The clock and audience rules of VerifyJwt, with the call's audience
  // and renewal grace.
  absl::StatusOr<TokenInfo> Check(const VerifiedToken& verified,
                                  const VerifyExpectations& expect,
                                  absl::Time now) const override {
    ValidationPolicy policy = policy_;
    policy.expiry_grace = expect.expiry_grace;
    if (expect.audience.has_value()) policy.audiences = {*expect.audience};
    absl::Status status = CheckJwtClaims(verified.jwt, policy, now);
    if (!status.ok()) return status;
    return verified.info;
  }

  bool Trusts(const VerifiedToken& verified) const override {
    return verified.key != nullptr &&
           config_.verification_keys->FindByKid(verified.key->kid()) ==
               verified.key.get();
  }

 private:
  // Claims tokend sets itself on every issue; the rest are the caller's.
  static bool IsManagedClaim(absl::string_view name) {
    return name == "iss" || name == "sub" || name == "aud" || name == "iat" ||
           name == "exp" || name == "nbf" || name == "jti" ||
           name == kSessionStartClaim;
  }

  const JwtProfileConfig config_;
  ValidationPolicy policy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewJwtProfile(
    JwtProfileConfig config) {
  if (config.issuer.empty()) {
    return Error(Reason::kInvalidArgument, "issuer is required", "issuer");
  }
  if (absl::Status s = ValidateTtlBounds(config.ttl, "ttl"); !s.ok()) return s;
  if (config.signing_key == nullptr || !config.signing_key->has_private()) {
    return Error(Reason::kInvalidArgument, "a private signing key is required",
                 "signing_key");
  }
  if (config.verification_keys == nullptr) {
    auto keys = KeySet::Create({config.signing_key});
    if (!keys.ok()) return keys.status();
    config.verification_keys = std::make_shared<const KeySet>(*std::move(keys));
  } else if (!config.signing_key->kid().empty() &&
             config.verification_keys->FindByKid(config.signing_key->kid()) ==
                 nullptr) {
    return Error(Reason::kKeySetInvalid,
                 "the signing key's kid is not among the verification keys",
                 "verification_keys");
  }
  if (!config.typ.empty() && !IsMediaType(config.typ)) {
    return Error(Reason::kInvalidArgument,
                 "must be a media type such as JWT or at+jwt (RFC 6838 "
                 "name characters, at most 128)",
                 "typ");
  }
  if (config.leeway < absl::ZeroDuration() ||
      config.leeway > absl::Minutes(5)) {
    return Error(Reason::kInvalidArgument, "must be between 0 and 5m",
                 "leeway");
  }
  return std::make_shared<const JwtProfile>(std::move(config));
}

}  // namespace tokend
