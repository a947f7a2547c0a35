// Turns the config's tenants into core Tenants: resolves credentials, loads
// keys and creates each tenant's profile. The jwt profile is built in
// tenant_jwt.cc; each vendor profile in tenant_<vendor>.cc.
#ifndef TOKEND_SERVER_TENANT_BUILDER_H_
#define TOKEND_SERVER_TENANT_BUILDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/key.h"
#include "core/profiles/profile.h"
#include "core/tenant_set.h"
#include "server/config.h"

namespace tokend {

struct BuiltTenant {
  Tenant tenant;
  // Keys whose public halves are published in the JWKS (asymmetric keys of
  // JWT tenants).
  std::vector<std::shared_ptr<const Key>> published_keys;
};

// Errors are config errors naming the field, e.g.
// "tenants[2].credentials.private_key".
absl::StatusOr<BuiltTenant> BuildTenant(const Config& config, size_t index);

// Per profile. `published` receives the keys to publish.
absl::StatusOr<std::shared_ptr<const Profile>> BuildJwtProfile(
    const Config& config, size_t index,
    std::vector<std::shared_ptr<const Key>>* published);

// The vendor profiles (tenant_vendors.cc): agora, apirtc, daily, livekit,
// twilio, vonage, zoom.
absl::StatusOr<std::shared_ptr<const Profile>> BuildVendorProfile(
    const Config& config, size_t index);

}  // namespace tokend

#endif  // TOKEND_SERVER_TENANT_BUILDER_H_
