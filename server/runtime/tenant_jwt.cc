// Builds a generic JWT tenant:
//   algorithm: ES256 (default) | HS* | RS* | PS* | ES* | EdDSA
//   credentials.private_key: PEM or JWK of the signing key (asymmetric)
//   credentials.secret:      the HMAC secret (HS*), raw bytes
//   credentials.jwks:        optional JWKS of further verification keys
//                            (e.g. a retired key still verifying)
//   kid: the signing key's kid (default: RFC 7638 thumbprint; HS*: the
//        tenant name)
//   typ: the token type (default: "JWT" written, typ optional on verify)
// or, with managed keys (`keys:`, see key_registry.h), from the tenant's
// current KeyState: its signing key signs, its verification keys (pending,
// active, retired) verify and are published.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/keys/jwk.h"
#include "core/keys/key_manager.h"
#include "core/keys/key_set.h"
#include "core/keys/pem.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "server/config/credentials.h"
#include "server/runtime/tenant_builder.h"

namespace tokend {
namespace {

std::string Detail(const absl::Status& status) { return StatusDetail(status); }

// A managed tenant without a usable signing key (none loaded yet, or only
// public keys): it verifies with its keys and refuses to issue with
// UNAVAILABLE / NO_SIGNING_KEY until a signing key arrives. Immutable.
class NoSignerProfile final : public Profile {
 public:
  NoSignerProfile(std::string tenant, std::shared_ptr<const Profile> verifier)
      : tenant_(std::move(tenant)), verifier_(std::move(verifier)) {}

  absl::string_view name() const override { return verifier_->name(); }

  absl::StatusOr<TokenInfo> Issue(const IssueInput&,
                                  absl::Time) const override {
    return ErrorWithCode(
        absl::StatusCode::kUnavailable, Reason::kNoSigningKey,
        absl::StrCat("tenant '", tenant_,
                     "' has no usable signing key (see /readyz and the key "
                     "load errors in the log)"));
  }

  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const override {
    return verifier_->Verify(token, expect, now);
  }

 private:
  const std::string tenant_;
  const std::shared_ptr<const Profile> verifier_;
};

bool CanSign(const Key& key) {
  return key.family() == KeyFamily::kHmac || key.has_private();
}

// The jwt profile of a tenant with managed keys, from its KeyState.
absl::StatusOr<std::shared_ptr<const Profile>> BuildManagedJwtProfile(
    const Config& config, size_t index, const KeyState& state,
    std::vector<std::shared_ptr<const Key>>* published) {
  const TenantConfig& tc = config.tenants[index];
  const std::string path = absl::StrCat("tenants[", index, "]");
  if (tc.issuer.empty()) {
    return ConfigError(config.source, path + ".issuer",
                       "is required for profile jwt");
  }
  for (const auto& k : state.verification_keys.keys()) {
    if (!IsSymmetric(k->alg())) published->push_back(k);
  }
  JwtProfileConfig jc;
  jc.issuer = tc.issuer;
  jc.audiences = tc.audiences;
  jc.verification_keys =
      std::make_shared<const KeySet>(state.verification_keys);
  jc.ttl.default_ttl = tc.default_ttl;
  jc.ttl.max_ttl = tc.max_ttl;
  jc.leeway = tc.leeway;
  jc.typ = tc.typ;
  const bool can_sign =
      state.signing_key != nullptr && CanSign(*state.signing_key);
  if (can_sign) {
    jc.signing_key = state.signing_key;
  } else {
    // The jwt profile always wants a signer. This placeholder never signs
    // (NoSignerProfile refuses Issue) and, having no kid, is not added to
    // the verification keys, so it verifies nothing either.
    TOKEND_ASSIGN_OR_RETURN(jc.signing_key, GenerateKey(Algorithm::kHS256));
  }
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewJwtProfile(std::move(jc));
  if (!profile.ok()) {
    const std::string field = GetField(profile.status());
    return ConfigError(config.source,
                       field.empty() ? path : absl::StrCat(path, ".", field),
                       Detail(profile.status()));
  }
  if (can_sign) return profile;
  return std::shared_ptr<const Profile>(
      std::make_shared<NoSignerProfile>(tc.name, *std::move(profile)));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> BuildJwtProfile(
    const Config& config, size_t index, const KeyState* key_state,
    std::vector<std::shared_ptr<const Key>>* published) {
  if (key_state != nullptr) {
    return BuildManagedJwtProfile(config, index, *key_state, published);
  }
  const TenantConfig& tc = config.tenants[index];
  const std::string path = absl::StrCat("tenants[", index, "]");
  auto fail = [&](absl::string_view field, absl::string_view what) {
    return ConfigError(config.source, absl::StrCat(path, ".", field), what);
  };

  const std::string alg_name = tc.algorithm.empty() ? "ES256" : tc.algorithm;
  std::optional<Algorithm> alg = AlgorithmFromName(alg_name);
  if (!alg) {
    return fail("algorithm",
                absl::StrCat("'", alg_name, "' is not a supported algorithm"));
  }
  if (tc.issuer.empty()) return fail("issuer", "is required for profile jwt");

  std::shared_ptr<const Key> signing;
  if (IsSymmetric(*alg)) {
    auto it = tc.credentials.find("secret");
    if (it == tc.credentials.end()) {
      return fail("credentials.secret",
                  absl::StrCat("is required for ", alg_name));
    }
    TOKEND_ASSIGN_OR_RETURN(
        std::string secret,
        ResolveCredential(it->second, config.base_dir, config.source,
                          absl::StrCat(path, ".credentials.secret")));
    absl::StatusOr<std::shared_ptr<const Key>> key = Key::FromHmacSecret(
        *alg, std::move(secret), tc.kid.empty() ? tc.name : tc.kid);
    if (!key.ok()) return fail("credentials.secret", Detail(key.status()));
    signing = *std::move(key);
  } else {
    auto it = tc.credentials.find("private_key");
    if (it == tc.credentials.end()) {
      return fail("credentials.private_key",
                  absl::StrCat("is required for ", alg_name));
    }
    TOKEND_ASSIGN_OR_RETURN(
        std::string text,
        ResolveCredential(it->second, config.base_dir, config.source,
                          absl::StrCat(path, ".credentials.private_key")));
    absl::StatusOr<std::shared_ptr<const Key>> key;
    if (absl::StartsWith(text, "{")) {
      JwkOptions options;
      options.default_alg = *alg;
      key = KeyFromJwkText(text, options);
      if (key.ok() && (*key)->alg() != *alg) {
        return fail(
            "credentials.private_key",
            absl::StrCat("the JWK is bound to ", AlgorithmName((*key)->alg()),
                         ", not ", alg_name));
      }
    } else {
      key = KeyFromPem(*alg, text);
    }
    if (!key.ok()) return fail("credentials.private_key", Detail(key.status()));
    if (!(*key)->has_private()) {
      return fail("credentials.private_key", "is not a private key");
    }
    std::string kid = tc.kid.empty() ? (*key)->kid() : tc.kid;
    if (kid.empty()) {
      absl::StatusOr<std::string> thumb = Thumbprint(**key);
      if (!thumb.ok()) {
        return fail("credentials.private_key", Detail(thumb.status()));
      }
      kid = *std::move(thumb);
    }
    signing = (*key)->kid() == kid ? *key : (*key)->WithKid(kid);
  }

  std::vector<std::shared_ptr<const Key>> keys = {signing};
  if (auto it = tc.credentials.find("jwks"); it != tc.credentials.end()) {
    TOKEND_ASSIGN_OR_RETURN(
        std::string text,
        ResolveCredential(it->second, config.base_dir, config.source,
                          absl::StrCat(path, ".credentials.jwks")));
    JwkOptions options;
    options.allow_private = false;
    options.default_alg = *alg;
    absl::StatusOr<KeySet> extra = KeySetFromJwks(text, options);
    if (!extra.ok()) return fail("credentials.jwks", Detail(extra.status()));
    for (const auto& k : extra->keys()) {
      if (k->kid() != signing->kid()) keys.push_back(k);
    }
  }
  absl::StatusOr<KeySet> set = KeySet::Create(keys);
  if (!set.ok()) return fail("credentials", Detail(set.status()));
  auto verification = std::make_shared<const KeySet>(*std::move(set));
  for (const auto& k : verification->keys()) {
    if (!IsSymmetric(k->alg())) published->push_back(k);
  }

  JwtProfileConfig jc;
  jc.issuer = tc.issuer;
  jc.audiences = tc.audiences;
  jc.signing_key = signing;
  jc.verification_keys = verification;
  jc.ttl.default_ttl = tc.default_ttl;
  jc.ttl.max_ttl = tc.max_ttl;
  jc.leeway = tc.leeway;
  jc.typ = tc.typ;
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewJwtProfile(std::move(jc));
  if (!profile.ok()) {
    const std::string field = GetField(profile.status());
    return ConfigError(config.source,
                       field.empty() ? path : absl::StrCat(path, ".", field),
                       Detail(profile.status()));
  }
  return profile;
}

}  // namespace tokend
