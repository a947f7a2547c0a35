// What a successful config reload means for open subscriptions: a tenant
// whose token-shaping settings changed gets its subscriptions re-issued
// (POLICY_CHANGED, spread over renewal.rotation_window); a removed tenant's
// subscriptions end with FAILED_PRECONDITION.
//
// Called on the reload thread (Server::Run), after the new ConfigSnapshot is in
// place, so the re-issues already use the new settings.
#ifndef TOKEND_SERVER_RUNTIME_RENEWAL_RELOAD_H_
#define TOKEND_SERVER_RUNTIME_RENEWAL_RELOAD_H_

#include "core/renewal/subscription_manager.h"
#include "server/config/config.h"

namespace tokend {

// True when tokens issued under `a` and `b` could differ: profile,
// issuer, audiences, algorithm, kid, credential references, vendor params,
// lifetimes, session cap or renew grace. Verification-only settings
// (leeway, verify) do not count.
bool TokenShapingChanged(const TenantConfig& a, const TenantConfig& b);

void ApplyReloadToSubscriptions(const Config& before, const Config& after,
                                SubscriptionManager& manager);

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_RENEWAL_RELOAD_H_
