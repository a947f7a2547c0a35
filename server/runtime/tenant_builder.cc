#include "server/runtime/tenant_builder.h"

#include "absl/strings/str_cat.h"

namespace tokend {

absl::StatusOr<BuiltTenant> BuildTenant(const Config& config, size_t index,
                                        const KeyStateLookup& keys) {
  const TenantConfig& tc = config.tenants[index];
  BuiltTenant built;
  built.tenant.name = tc.name;
  built.tenant.session_cap = tc.session_cap;
  built.tenant.renew_grace = tc.renew_grace;
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
