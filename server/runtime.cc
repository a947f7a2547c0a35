#include "server/runtime.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/reason.h"
#include "server/tenant_builder.h"

namespace tokend {

absl::StatusOr<std::shared_ptr<const Runtime>> Runtime::Build(Config config) {
  std::shared_ptr<Runtime> runtime(new Runtime);
  std::vector<Tenant> tenants;
  for (size_t i = 0; i < config.tenants.size(); ++i) {
    absl::StatusOr<BuiltTenant> built = BuildTenant(config, i);
    if (!built.ok()) return built.status();
    runtime->profiles_[config.tenants[i].name] = config.tenants[i].profile;
    for (const auto& key : built->published_keys) {
      absl::StatusOr<json::Object> jwk = PublicJwk(*key);
      if (!jwk.ok()) continue;  // symmetric keys are never published
      PublishedKeyInfo info;
      info.tenant = config.tenants[i].name;
      info.kid = key->kid();
      info.alg = std::string(AlgorithmName(key->alg()));
      if (const json::Value* kty = jwk->Find("kty");
          kty != nullptr && kty->is_string()) {
        info.kty = kty->as_string();
      }
      info.jwk_json = json::Serialize(*jwk);
      runtime->published_.push_back(std::move(info));
    }
    tenants.push_back(std::move(built->tenant));
  }
  absl::StatusOr<TenantSet> set = TenantSet::Create(std::move(tenants));
  if (!set.ok()) {
    const std::string field = GetField(set.status());
    return ConfigError(config.source, field.empty() ? "tenants" : field,
                       StatusDetail(set.status()));
  }
  runtime->tenants_ = std::make_shared<const TenantSet>(*std::move(set));
  runtime->policy_ = Policy(config);
  runtime->config_ = std::move(config);
  return std::shared_ptr<const Runtime>(std::move(runtime));
}

absl::string_view Runtime::ProfileOf(absl::string_view tenant) const {
  auto it = profiles_.find(tenant);
  return it == profiles_.end() ? absl::string_view() : it->second;
}

std::vector<PublishedKeyInfo> Runtime::PublishedKeys(
    absl::string_view tenant) const {
  std::vector<PublishedKeyInfo> out;
  for (const PublishedKeyInfo& k : published_) {
    if (tenant.empty() || k.tenant == tenant) out.push_back(k);
  }
  return out;
}

std::string Runtime::JwksJson(absl::string_view tenant) const {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const PublishedKeyInfo& k : published_) {
    if (!tenant.empty() && k.tenant != tenant) continue;
    if (!first) out.push_back(',');
    out.append(k.jwk_json);
    first = false;
  }
  out.append("]}");
  return out;
}

std::string Runtime::Etag(absl::string_view jwks_json) {
  // FNV-1a 64: stable across processes, so replicas with the same keys
  // agree on the etag.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : jwks_json) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("\"%016x\"", h);
}

}  // namespace tokend
