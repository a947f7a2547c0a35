// Turns the config's tenants into core Tenants: resolves credentials, loads
// keys and creates each tenant's profile. The jwt profile is built in
// tenant_jwt.cc; each vendor profile in tenant_<vendor>.cc.
#ifndef TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_
#define TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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

// The vendor profiles: every profile of core/profiles/vendor_table.h but
// jwt, one builder per row of tenant_vendors.cc's table.
absl::StatusOr<std::shared_ptr<const Profile>> BuildVendorProfile(
    const Config& config, size_t index);

// Whether tenant_vendors.cc has a builder for `profile` (the vendor table
// test checks every vendor of core/profiles/vendor_table.h but jwt has one).
bool HasVendorBuilder(absl::string_view profile);

// The development default's tenant of one vendor (dev_default.cc), a column
// of the vendor builders' table.
struct DevVendorTenant {
  // The row's name (filled in by DevVendorTenants).
  absl::string_view profile = {};
  // params, as name/value pairs; obviously fake identifiers.
  std::vector<std::pair<std::string, std::string>> params;
  // credential name → secret size in bytes (hex-encoded on disk); 0: an
  // RS256 private key PEM.
  std::vector<std::pair<std::string, size_t>> secrets;
  absl::Duration default_ttl = absl::Minutes(15);
  absl::Duration max_ttl = absl::Hours(1);
};

// One per vendor builder, in the table's order.
std::vector<DevVendorTenant> DevVendorTenants();

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_TENANT_BUILDER_H_
