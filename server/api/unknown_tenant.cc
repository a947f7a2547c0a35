#include "server/api/unknown_tenant.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/reason.h"

namespace tokend {
namespace {

// Tenant names are config, not secrets, but only a few are shown.
constexpr size_t kMaxListed = 20;

const char* Verb(Action action) {
  switch (action) {
    case Action::kIssue:
    case Action::kIssueAppLevel:
      return "issue for";
    case Action::kRevoke:
      return "revoke for";
    case Action::kVerify:
      return "verify for";
  }
  return "use";
}

}  // namespace

absl::Status UnknownTenant(const ConfigSnapshot& snapshot,
                           absl::string_view tenant,
                           const CallerIdentity* caller,
                           std::optional<Action> action) {
  std::vector<std::string> names;
  std::string heading;
  if (caller != nullptr && action.has_value()) {
    heading = absl::StrCat("configured tenants you may ", Verb(*action));
    for (const Tenant& t : snapshot.tenants()->tenants()) {
      if (snapshot.policy().Authorize(*caller, *action, t.name).ok()) {
        names.push_back(t.name);
      }
    }
  } else {
    heading = "tenants with published keys";
    for (const TenantJwks& t : snapshot.jwt_tenants()) {
      names.push_back(t.tenant);
    }
  }
  std::string list = names.empty() ? "none" : "";
  for (size_t i = 0; i < names.size() && i < kMaxListed; ++i) {
    absl::StrAppend(&list, i == 0 ? "" : ", ", names[i]);
  }
  if (names.size() > kMaxListed) {
    absl::StrAppend(&list, ", and ", names.size() - kMaxListed, " more");
  }
  return Error(
      Reason::kInvalidArgument,
      absl::StrCat("unknown tenant '", tenant, "'; ", heading, ": ", list),
      "tenant");
}

}  // namespace tokend
