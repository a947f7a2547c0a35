#include "server/runtime/renewal_reload.h"

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/observability/logging.h"

namespace tokend {
namespace {

const TenantConfig* FindTenant(const Config& config, const std::string& name) {
  for (const TenantConfig& t : config.tenants) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

bool TokenShapingChanged(const TenantConfig& a, const TenantConfig& b) {
  return a.profile != b.profile || a.issuer != b.issuer ||
         a.audiences != b.audiences || a.algorithm != b.algorithm ||
         a.kid != b.kid || a.typ != b.typ || a.credentials != b.credentials ||
         a.params != b.params || a.default_ttl != b.default_ttl ||
         a.max_ttl != b.max_ttl || a.session_cap != b.session_cap ||
         a.renew_grace != b.renew_grace;
}

void ApplyReloadToSubscriptions(const Config& before, const Config& after,
                                SubscriptionManager& manager) {
  for (const TenantConfig& old : before.tenants) {
    const TenantConfig* now = FindTenant(after, old.name);
    if (now == nullptr) {
      // Retrying cannot help until the tenant is configured again, hence
      // FAILED_PRECONDITION rather than UNAVAILABLE.
      manager.EndTenant(
          old.name,
          ErrorWithCode(absl::StatusCode::kFailedPrecondition,
                        Reason::kInvalidArgument,
                        absl::StrCat("tenant '", old.name,
                                     "' was removed from the configuration"),
                        "tenant"));
      log::Info("tenant removed; its subscriptions ended",
                {{"tenant", old.name}});
    } else if (TokenShapingChanged(old, *now)) {
      manager.OnTenantChanged(old.name, EventReason::kPolicyChanged);
      log::Info("tenant settings changed; re-issuing its subscriptions",
                {{"tenant", old.name}});
    }
  }
}

}  // namespace tokend
