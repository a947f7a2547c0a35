// Tenants: the configured apps tokend issues and verifies for. A TenantSet
// is an immutable snapshot; the server builds a new one on every config or
// key change and swaps it into TokenService atomically.
#ifndef TOKEND_CORE_TENANT_SET_H_
#define TOKEND_CORE_TENANT_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {
class VerifiedTokenCache;
}  // namespace tokend

namespace tokend {

struct Tenant {
  std::string name;
  std::shared_ptr<const Profile> profile;
  // Longest time since the first issue that renewals may extend a session.
  absl::Duration session_cap = absl::InfiniteDuration();
  // How long after expiry a token may still be renewed.
  absl::Duration renew_grace = absl::ZeroDuration();
  // Authenticated tokens of this tenant (core/cache/verified_token_cache.h);
  // null: none. Build a new one with every new Tenant (a reload), so a
  // reload starts cold.
  std::shared_ptr<VerifiedTokenCache> verify_cache;
};

class TenantSet {
 public:
  TenantSet() = default;
  // Refuses empty or duplicate names and tenants without a profile
  // (kInvalidArgument naming "tenants[i].name" / ".profile").
  static absl::StatusOr<TenantSet> Create(std::vector<Tenant> tenants);

  const Tenant* Find(absl::string_view name) const;
  const std::vector<Tenant>& tenants() const { return tenants_; }

 private:
  std::vector<Tenant> tenants_;  // sorted by name
};

}  // namespace tokend

#endif  // TOKEND_CORE_TENANT_SET_H_
