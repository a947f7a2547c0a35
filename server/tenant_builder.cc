#include "server/tenant_builder.h"

#include "absl/strings/str_cat.h"

namespace tokend {

absl::StatusOr<BuiltTenant> BuildTenant(const Config& config, size_t index) {
  const TenantConfig& tc = config.tenants[index];
  BuiltTenant built;
  built.tenant.name = tc.name;
  built.tenant.session_cap = tc.session_cap;
  built.tenant.renew_grace = tc.renew_grace;
  absl::StatusOr<std::shared_ptr<const Profile>> profile;
  if (tc.profile == "jwt") {
    profile = BuildJwtProfile(config, index, &built.published_keys);
  } else {
    profile = BuildVendorProfile(config, index);
  }
  if (!profile.ok()) return profile.status();
  built.tenant.profile = *std::move(profile);
  return built;
}

}  // namespace tokend
