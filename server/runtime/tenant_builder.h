// Turns the config's tenants into core Tenants: resolves credentials, loads
// keys and creates each tenant's profile. The jwt profile is built in
// tenant_jwt.cc; each vendor profile in tenant_<vendor>.cc.
#ifndef TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_
#define TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/key.h"
#include "core/keys/key_manager.h"
#include "core/profiles/profile.h"
#include "core/tenant_set.h"
#include "server/config/config.h"

namespace tokend {

// The current KeyState of a jwt tenant with managed keys (`keys` in the
// config); null when it has none.
using KeyStateLookup =
    std::function<std::shared_ptr<const KeyState>(absl::string_view tenant)>;

struct BuiltTenant {
  Tenant tenant;
  // Keys whose public halves are published in the JWKS (asymmetric keys of
  // JWT tenants).
  std::vector<std::shared_ptr<const Key>> published_keys;
  // Managed keys only: the state the profile was built from.
  std::shared_ptr<const KeyState> key_state;
};

// Errors are config errors naming the field, e.g.
// "tenants[2].credentials.private_key". `keys` supplies the state of
// tenants with managed keys.
absl::StatusOr<BuiltTenant> BuildTenant(const Config& config, size_t index,
                                        const KeyStateLookup& keys = {});

// Per profile. `published` receives the keys to publish. `key_state` is
// the tenant's managed keys (null when it uses credentials).
absl::StatusOr<std::shared_ptr<const Profile>> BuildJwtProfile(
    const Config& config, size_t index, const KeyState* key_state,
    std::vector<std::shared_ptr<const Key>>* published);

// The vendor profiles (tenant_vendors.cc): agora, apirtc, daily, livekit,
// twilio, vonage, zoom.
absl::StatusOr<std::shared_ptr<const Profile>> BuildVendorProfile(
    const Config& config, size_t index);

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_
