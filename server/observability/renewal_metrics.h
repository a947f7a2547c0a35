// Feeds the renewal manager's reports (core's RenewalObserver) into the
// Prometheus metrics. Stateless; called from the manager's threads.
#ifndef TOKEND_SERVER_OBSERVABILITY_RENEWAL_METRICS_H_
#define TOKEND_SERVER_OBSERVABILITY_RENEWAL_METRICS_H_

#include "core/reason.h"
#include "core/renewal/subscription_manager.h"
#include "server/observability/metrics.h"

namespace tokend {

class RenewalMetrics final : public RenewalObserver {
 public:
  void ActiveChanged(int delta) override {
    Metrics::Get().SubscriptionsActive(delta);
  }
  void IssueFailed(Reason reason) override {
    Metrics::Get().RenewalIssueFailed(ReasonName(reason));
  }
  void RetryScheduled() override { Metrics::Get().RenewalRetry(); }
  void EndedByRevocation() override {
    Metrics::Get().SubscriptionEndedRevoked();
  }
  void RefusedByCap(bool per_caller) override {
    Metrics::Get().SubscriptionRefused(per_caller);
  }
};

}  // namespace tokend

#endif  // TOKEND_SERVER_OBSERVABILITY_RENEWAL_METRICS_H_
