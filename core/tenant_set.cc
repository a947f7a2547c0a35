#include "core/tenant_set.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {

absl::StatusOr<TenantSet> TenantSet::Create(std::vector<Tenant> tenants) {
  for (size_t i = 0; i < tenants.size(); ++i) {
    if (tenants[i].name.empty()) {
      return Error(Reason::kInvalidArgument, "tenant name is empty",
                   absl::StrCat("tenants[", i, "].name"));
    }
    if (tenants[i].profile == nullptr) {
      return Error(Reason::kInvalidArgument, "tenant has no profile",
                   absl::StrCat("tenants[", i, "].profile"));
    }
  }
  std::stable_sort(
      tenants.begin(), tenants.end(),
      [](const Tenant& a, const Tenant& b) { return a.name < b.name; });
  for (size_t i = 1; i < tenants.size(); ++i) {
    if (tenants[i].name == tenants[i - 1].name) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("duplicate tenant '", tenants[i].name, "'"),
                   "tenants.name");
    }
  }
  TenantSet set;
  set.tenants_ = std::move(tenants);
  return set;
}

const Tenant* TenantSet::Find(absl::string_view name) const {
  auto it = std::lower_bound(
      tenants_.begin(), tenants_.end(), name,
      [](const Tenant& t, absl::string_view n) { return t.name < n; });
  if (it == tenants_.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace tokend
