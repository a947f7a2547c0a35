#include "server/runtime/tenant_builder.h"

#include "absl/strings/str_cat.h"
#include "core/cache/verified_token_cache.h"
#include "server/runtime/verify_cache_totals.h"

namespace tokend {

absl::StatusOr<BuiltTenant> BuildTenant(const Config& config, size_t index,
                                        const KeyStateLookup& keys) {
  const TenantConfig& tc = config.tenants[index];
  BuiltTenant built;
  built.tenant.name = tc.name;
  built.tenant.session_cap = tc.session_cap;
  built.tenant.renew_grace = tc.renew_grace;
  // A new cache for every build: a reload or key change starts cold.
  if (tc.verify_cache.max_entries > 0 && tc.verify_cache.max_bytes > 0 &&
      tc.verify_cache.max_age > absl::ZeroDuration()) {
    VerifyCacheLimits limits;
    limits.max_entries = static_cast<size_t>(tc.verify_cache.max_entries);
    limits.max_bytes = static_cast<size_t>(tc.verify_cache.max_bytes);
    limits.max_age = tc.verify_cache.max_age;
    // Counting into the tenant's process-wide totals, so the exported
    // counters continue across the reload (verify_cache_totals.h).
    built.tenant.verify_cache = std::make_shared<VerifiedTokenCache>(
        limits, VerifyCacheTotalsFor(tc.name));
  }
  absl::StatusOr<std::shared_ptr<const Profile>> profile;
  if (tc.profile == "jwt") {
    // A generic JWT tenant reads no vendor params: a stray one is a typo or
    // a misplaced setting, not something to ignore.
    if (!tc.params.empty()) {
      return ConfigError(config.source,
                         absl::StrCat("tenants[", index, "].params.",
                                      tc.params.begin()->first),
                         "jwt tenants take no params");
    }
    if (tc.keys.configured()) {
      built.key_state = keys ? keys(tc.name) : nullptr;
      if (built.key_state == nullptr) {
        return ConfigError(config.source,
                           absl::StrCat("tenants[", index, "].keys"),
                           "the tenant's keys are not loaded");
      }
    }
    profile = BuildJwtProfile(config, index, built.key_state.get(),
                              &built.published_keys);
  } else {
    profile = BuildVendorProfile(config, index);
  }
  if (!profile.ok()) return profile.status();
  built.tenant.profile = *std::move(profile);
  return built;
}

}  // namespace tokend
