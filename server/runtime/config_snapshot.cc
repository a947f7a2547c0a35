#include "server/runtime/config_snapshot.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_format.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "server/runtime/key_registry.h"

namespace tokend {
namespace {

// The published view of a built jwt tenant.
TenantJwks MakeTenantJwks(const TenantConfig& tc, const BuiltTenant& built) {
  TenantJwks view;
  view.tenant = tc.name;
  view.issuer = tc.issuer;
  view.key_state = built.key_state;
  if (built.key_state != nullptr) {
    view.max_age = built.key_state->jwks_max_age;
    const auto& signer = built.key_state->signing_key;
    view.has_signer =
        signer != nullptr &&
        (signer->family() == KeyFamily::kHmac || signer->has_private());
  }
  for (const auto& key : built.published_keys) {
    absl::StatusOr<json::Object> jwk = PublicJwk(*key);
    if (!jwk.ok()) continue;  // symmetric keys are never published
    PublishedKeyInfo info;
    info.tenant = tc.name;
    info.kid = key->kid();
    info.alg = std::string(AlgorithmName(key->alg()));
    if (const json::Value* kty = jwk->Find("kty");
        kty != nullptr && kty->is_string()) {
      info.kty = kty->as_string();
    }
    info.jwk_json = json::Serialize(*jwk);
    if (built.key_state != nullptr) {
      if (const ManagedKey* managed = built.key_state->Find(key->kid())) {
        info.status = managed->status;
        info.published_at = managed->first_seen;
        info.not_before = managed->status == KeyStatus::kPending
                              ? managed->signable_at
                              : managed->activated_at;
        if (managed->status == KeyStatus::kRetired) {
          info.retire_at = managed->retired_at;
        }
        info.remove_at = managed->remove_at;
      }
    }
    view.keys.push_back(std::move(info));
  }
  return view;
}

// For builds that must not fetch (--check-config, tests).
class NoFetcher final : public identity::Fetcher {
 public:
  absl::StatusOr<identity::FetchResponse> Fetch(
      const identity::FetchRequest&) override {
    return Error(Reason::kUnavailable, "this build fetches no keys");
  }
};

// A config error naming the file and the field a core status names.
absl::Status AsConfigError(const Config& config, const absl::Status& status,
                           absl::string_view section) {
  const std::string field = GetField(status);
  return ConfigError(config.source, field.empty() ? section : field,
                     StatusDetail(status));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> ConfigSnapshot::Build(
    Config config, const KeyStateLookup& keys,
    const identity::IssuerDeps* issuer_deps) {
  std::shared_ptr<ConfigSnapshot> snapshot(new ConfigSnapshot);
  // Without a registry, managed keys are loaded once for this build.
  std::vector<std::unique_ptr<KeyManager>> one_off;
  absl::flat_hash_map<std::string, std::shared_ptr<const KeyState>> loaded;
  KeyStateLookup lookup = keys;
  if (!lookup) {
    for (size_t i = 0; i < config.tenants.size(); ++i) {
      const TenantConfig& tc = config.tenants[i];
      if (tc.profile != "jwt" || !tc.keys.configured()) continue;
      TOKEND_ASSIGN_OR_RETURN(std::unique_ptr<KeyManager> manager,
                              NewKeyManager(config, i, RealClock::Get()));
      loaded[tc.name] = manager->Snapshot();
    }
    lookup = [&loaded](absl::string_view tenant) {
      auto it = loaded.find(tenant);
      return it == loaded.end() ? nullptr : it->second;
    };
  }
  std::vector<Tenant> tenants;
  for (size_t i = 0; i < config.tenants.size(); ++i) {
    const TenantConfig& tc = config.tenants[i];
    absl::StatusOr<BuiltTenant> built = BuildTenant(config, i, lookup);
    if (!built.ok()) return built.status();
    snapshot->profiles_[tc.name] = tc.profile;
    if (tc.profile == "jwt") {
      snapshot->jwks_.push_back(MakeTenantJwks(tc, *built));
    }
    tenants.push_back(std::move(built->tenant));
  }
  absl::StatusOr<TenantSet> set = TenantSet::Create(std::move(tenants));
  if (!set.ok()) {
    const std::string field = GetField(set.status());
    return ConfigError(config.source, field.empty() ? "tenants" : field,
                       StatusDetail(set.status()));
  }
  snapshot->tenants_ = std::make_shared<const TenantSet>(*std::move(set));
  snapshot->policy_ = Policy(config);
  if (config.issuers_configured) {
    static NoFetcher* const no_fetcher = new NoFetcher;
    identity::IssuerDeps offline;
    offline.http = no_fetcher;
    offline.clock = &RealClock::Get();
    absl::StatusOr<std::shared_ptr<const identity::TrustedIssuers>> issuers =
        identity::TrustedIssuers::Create(
            config.issuers, issuer_deps != nullptr ? *issuer_deps : offline);
    if (!issuers.ok()) {
      return AsConfigError(config, issuers.status(), "issuers");
    }
    identity::PolicyEnvironment env;
    for (const auto& issuer : (*issuers)->issuers()) {
      env.issuer_names.push_back(issuer->spec().name);
    }
    for (const TenantConfig& tc : config.tenants) {
      env.tenant_profiles[tc.name] = tc.profile;
    }
    absl::StatusOr<std::shared_ptr<const identity::ExchangePolicy>> policy =
        identity::ExchangePolicy::Compile(config.exchange_rules, env);
    if (!policy.ok()) {
      return AsConfigError(config, policy.status(), "exchange.rules");
    }
    snapshot->issuers_ = *std::move(issuers);
    snapshot->exchange_policy_ = *std::move(policy);
  }
  snapshot->config_ = std::move(config);
  return std::shared_ptr<const ConfigSnapshot>(std::move(snapshot));
}

absl::StatusOr<std::shared_ptr<const ConfigSnapshot>>
ConfigSnapshot::WithKeyState(absl::string_view tenant,
                             std::shared_ptr<const KeyState> state) const {
  size_t index = config_.tenants.size();
  for (size_t i = 0; i < config_.tenants.size(); ++i) {
    if (config_.tenants[i].name == tenant) index = i;
  }
  if (index == config_.tenants.size() || state == nullptr) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("'", tenant, "' has no managed keys"));
  }
  absl::StatusOr<BuiltTenant> built = BuildTenant(
      config_, index,
      [&state](absl::string_view) -> std::shared_ptr<const KeyState> {
        return state;
      });
  if (!built.ok()) return built.status();
  std::shared_ptr<ConfigSnapshot> next(new ConfigSnapshot(*this));
  std::vector<Tenant> tenants = tenants_->tenants();
  for (Tenant& t : tenants) {
    if (t.name == tenant) t = built->tenant;
  }
  absl::StatusOr<TenantSet> set = TenantSet::Create(std::move(tenants));
  if (!set.ok()) return set.status();
  next->tenants_ = std::make_shared<const TenantSet>(*std::move(set));
  for (TenantJwks& view : next->jwks_) {
    if (view.tenant == tenant) {
      view = MakeTenantJwks(config_.tenants[index], *built);
    }
  }
  return std::shared_ptr<const ConfigSnapshot>(std::move(next));
}

absl::string_view ConfigSnapshot::ProfileOf(absl::string_view tenant) const {
  auto it = profiles_.find(tenant);
  return it == profiles_.end() ? absl::string_view() : it->second;
}

const TenantJwks* ConfigSnapshot::JwksOf(absl::string_view tenant) const {
  for (const TenantJwks& view : jwks_) {
    if (view.tenant == tenant) return &view;
  }
  return nullptr;
}

std::vector<std::string> ConfigSnapshot::TenantsWithoutSigner() const {
  std::vector<std::string> out;
  for (const TenantJwks& view : jwks_) {
    if (!view.has_signer) out.push_back(view.tenant);
  }
  return out;
}

std::vector<PublishedKeyInfo> ConfigSnapshot::PublishedKeys(
    absl::string_view tenant) const {
  std::vector<PublishedKeyInfo> out;
  for (const TenantJwks& view : jwks_) {
    if (!tenant.empty() && view.tenant != tenant) continue;
    out.insert(out.end(), view.keys.begin(), view.keys.end());
  }
  return out;
}

std::string ConfigSnapshot::JwksJson(absl::string_view tenant) const {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const PublishedKeyInfo& k : PublishedKeys(tenant)) {
    if (!first) out.push_back(',');
    out.append(k.jwk_json);
    first = false;
  }
  out.append("]}");
  return out;
}

absl::Duration ConfigSnapshot::JwksMaxAge(absl::string_view tenant) const {
  absl::Duration max_age = absl::InfiniteDuration();
  for (const TenantJwks& view : jwks_) {
    if (!tenant.empty() && view.tenant != tenant) continue;
    max_age = std::min(max_age, view.max_age);
  }
  return max_age == absl::InfiniteDuration() ? absl::Minutes(5) : max_age;
}

std::string ConfigSnapshot::Etag(absl::string_view jwks_json) {
  // FNV-1a 64: stable across processes, so replicas with the same keys
  // agree on the etag.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : jwks_json) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("\"%016x\"", h);
}

std::shared_ptr<const ConfigSnapshot> ConfigSnapshot::WithIdentity(
    std::shared_ptr<const identity::TrustedIssuers> issuers,
    std::shared_ptr<const identity::ExchangePolicy> policy) const {
  std::shared_ptr<ConfigSnapshot> next(new ConfigSnapshot(*this));
  next->issuers_ = std::move(issuers);
  next->exchange_policy_ = std::move(policy);
  return next;
}

}  // namespace tokend
