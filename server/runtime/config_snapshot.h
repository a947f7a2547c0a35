// Everything tokend derives from one configuration and the current managed
// keys: the tenants (with their keys and profiles), the caller policy, and
// the published JWKS. Immutable: a config reload or a key change builds a
// new ConfigSnapshot and the server swaps the pointer; a ConfigSnapshot that
// fails to build never replaces the current one.
#ifndef TOKEND_SERVER_RUNTIME_CONFIG_SNAPSHOT_H_
#define TOKEND_SERVER_RUNTIME_CONFIG_SNAPSHOT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/trusted_issuers.h"
#include "core/keys/key_manager.h"
#include "core/tenant_set.h"
#include "server/config/config.h"
#include "server/runtime/policy.h"
#include "server/runtime/tenant_builder.h"

namespace tokend {

struct PublishedKeyInfo {
  std::string tenant;
  std::string kid;
  std::string alg;
  std::string kty;
  std::string jwk_json;  // public members only
  // Keys from credentials are always active with no planned times.
  KeyStatus status = KeyStatus::kActive;
  absl::Time published_at = absl::InfinitePast();
  absl::Time not_before = absl::InfinitePast();   // signs from
  absl::Time retire_at = absl::InfiniteFuture();  // stopped signing
  absl::Time remove_at = absl::InfiniteFuture();  // leaves the set
};

// The published view of one jwt tenant.
struct TenantJwks {
  std::string tenant;
  std::string issuer;
  std::vector<PublishedKeyInfo> keys;
  // The Cache-Control max-age verifiers are told (managed keys: the
  // tenant's keys.jwks_max_age, which the publish delay honours).
  absl::Duration max_age = absl::Minutes(5);
  // Managed keys only: the state this ConfigSnapshot was built from.
  std::shared_ptr<const KeyState> key_state;
  bool has_signer = true;
};

class ConfigSnapshot {
 public:
  // Builds every tenant; the first failure is returned (a config error
  // naming the field). `keys` supplies the managed tenants' key states;
  // without it each managed tenant's keys are loaded once here (what
  // --check-config wants). `issuer_deps` builds the trusted issuers' key
  // sets (the server's IssuerKeySets::Deps(), which reuses unchanged ones);
  // nullptr: sets that never fetch (--check-config, tests).
  static absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> Build(
      Config config, const KeyStateLookup& keys = {},
      const identity::IssuerDeps* issuer_deps = nullptr);

  // This ConfigSnapshot with `tenant`'s managed keys replaced by `state` (the
  // rest is shared).
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> WithKeyState(
      absl::string_view tenant, std::shared_ptr<const KeyState> state) const;

  const Config& config() const { return config_; }
  const std::shared_ptr<const TenantSet>& tenants() const { return tenants_; }
  const Policy& policy() const { return policy_; }
  // The tenant's profile name, or "" for an unknown tenant.
  absl::string_view ProfileOf(absl::string_view tenant) const;

  // The jwt tenants in config order, and one of them (null: not a jwt
  // tenant).
  const std::vector<TenantJwks>& jwt_tenants() const { return jwks_; }
  const TenantJwks* JwksOf(absl::string_view tenant) const;
  // Jwt tenants that cannot issue now (managed keys without a usable
  // signing key).
  std::vector<std::string> TenantsWithoutSigner() const;

  // Published keys of one tenant ("" = all), as a JWKS document, and an
  // etag that changes whenever that document does.
  std::vector<PublishedKeyInfo> PublishedKeys(absl::string_view tenant) const;
  std::string JwksJson(absl::string_view tenant) const;
  // How long verifiers may cache JwksJson(tenant) ("" = all: the shortest).
  absl::Duration JwksMaxAge(absl::string_view tenant) const;
  static std::string Etag(absl::string_view jwks_json);

  // Identity exchange (`issuers[]`, `exchange.rules[]`): the trusted
  // issuers with their remote key sets, and the compiled policy. Both null
  // when the config has no `issuers` (no exchange possible: ExchangeToken,
  // /oauth2/token and the Agora routes refuse). A reload whose issuers are
  // unchanged keeps the same key sets, so that fetched keys survive it.
  const std::shared_ptr<const identity::TrustedIssuers>& issuers() const {
    return issuers_;
  }
  const std::shared_ptr<const identity::ExchangePolicy>& exchange_policy()
      const {
    return exchange_policy_;
  }
  // This snapshot with the identity half replaced (the rest is shared):
  // what Build uses, and what in-process tests use to install issuers and
  // rules they built themselves.
  std::shared_ptr<const ConfigSnapshot> WithIdentity(
      std::shared_ptr<const identity::TrustedIssuers> issuers,
      std::shared_ptr<const identity::ExchangePolicy> policy) const;

 private:
  ConfigSnapshot() = default;
  ConfigSnapshot(const ConfigSnapshot&) = default;

  Config config_;
  std::shared_ptr<const TenantSet> tenants_;
  Policy policy_;
  absl::flat_hash_map<std::string, std::string> profiles_;
  std::vector<TenantJwks> jwks_;
  std::shared_ptr<const identity::TrustedIssuers> issuers_;
  std::shared_ptr<const identity::ExchangePolicy> exchange_policy_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_CONFIG_SNAPSHOT_H_
