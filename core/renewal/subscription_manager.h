// Keeps every subscribed client holding a valid token: issues (or resumes)
// on subscribe, re-issues before expiry on the shared timer, retries with
// backoff on failure while the current token stays valid, ends streams on
// revocation, spreads re-issues after a key rotation, and ends everything
// with UNAVAILABLE on shutdown.
//
// Threads: Subscribe/Unsubscribe/On*/Shutdown from any thread (gRPC
// threads). Timer callbacks arrive on the timer driver's thread and only
// post work; re-issuing (signing) runs on the Executor. A subscription's
// sink is called with at most one call at a time and never under the
// manager's lock; sinks must not block (the server's stream reactor keeps
// one write in flight and coalesces to the latest event).
#ifndef TOKEND_CORE_RENEWAL_SUBSCRIPTION_MANAGER_H_
#define TOKEND_CORE_RENEWAL_SUBSCRIPTION_MANAGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/profiles/profile.h"
#include "core/reason.h"
#include "core/renewal/executor.h"
#include "core/renewal/refresh_policy.h"
#include "core/renewal/timer_queue.h"
#include "core/token_service.h"

namespace tokend {

enum class EventReason { kInitial, kScheduled, kKeyRotated, kPolicyChanged };

struct TokenEvent {
  TokenInfo token;
  absl::Time next_refresh_at;
  // When this event was planned to go out (the refresh time it answers);
  // InfinitePast for the first event. Delivery minus this is the lag.
  absl::Time planned_at = absl::InfinitePast();
  uint64_t sequence = 0;  // 1 for the first event of a subscription
  EventReason reason = EventReason::kInitial;
};

// What the manager reports as it works, for metrics. Called from the
// manager's threads, sometimes under its lock: implementations must be
// quick, thread-safe and must not call back into the manager.
class RenewalObserver {
 public:
  virtual ~RenewalObserver() = default;
  // A subscription started (+1) or ended (-1).
  virtual void ActiveChanged(int delta) = 0;
  // A re-issue failed with `reason`; a retry may follow.
  virtual void IssueFailed(Reason reason) = 0;
  virtual void RetryScheduled() = 0;
  virtual void EndedByRevocation() = 0;
  // Subscribe refused over the per-caller (`per_caller`) or global cap.
  virtual void RefusedByCap(bool per_caller) = 0;
};

class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  virtual void OnEvent(const TokenEvent& event) = 0;
  // The subscription is over; called at most once, never after Unsubscribe.
  virtual void OnEnd(const absl::Status& status) = 0;
};

struct SubscriptionRequest {
  std::string tenant;
  std::string caller;  // for the per-caller cap
  // Exactly one: a spec to issue from, or a current token to resume.
  std::optional<IssueInput> spec;
  std::string current_token;
  absl::Duration ttl = absl::ZeroDuration();  // of each re-issued token
  std::optional<double> refresh_fraction;     // per-subscription override
  // The snapshot the subscribing call resolved `tenant` in: the first
  // token is minted from it, so the call sees one configuration. Null: the
  // TokenService's current set. Re-issues use the set current then.
  std::shared_ptr<const TenantSet> tenants;
};

struct SubscriptionStats {
  uint64_t active = 0;
  uint64_t renewals = 0;
  uint64_t renewal_failures = 0;
  uint64_t retries_scheduled = 0;
  uint64_t ended_revoked = 0;
  uint64_t ended_expired = 0;
};

class SubscriptionManager {
 public:
  struct Options {
    RefreshPolicy policy;
    size_t max_per_caller = 1000;
    size_t max_total = 100000;
    // Re-issues after a key rotation are spread uniformly over this window.
    absl::Duration rotation_window = absl::Seconds(30);
    // Uniform draws in [0, 1): injected so tests are deterministic.
    std::function<double()> uniform;
    // Optional; must outlive the manager.
    RenewalObserver* observer = nullptr;
  };

  SubscriptionManager(const TokenService& tokens, const Clock& clock,
                      Executor& executor, Options options);
  ~SubscriptionManager();

  // The timer this manager schedules on; drive it with a TimerThread (or
  // RunDue in tests). Destroy the TimerThread and the Executor before the
  // manager: their pending work calls back into it.
  TimerQueue& timer() { return timer_; }

  // Issues or resumes, sends the first event at once (before returning),
  // and schedules the refresh. A resumed subscription reuses the presented
  // token while it is fresh (its first event carries that token). Errors: the
  // issue/verify error, kResourceExhausted over a cap, kUnavailable after
  // Shutdown.
  absl::StatusOr<uint64_t> Subscribe(const SubscriptionRequest& request,
                                     std::shared_ptr<SubscriptionSink> sink);
  // The client went away: forget it without calling OnEnd.
  void Unsubscribe(uint64_t id);

  // Ends matching streams now with PERMISSION_DENIED/REVOKED. Empty
  // token_id and subject: the whole tenant.
  void OnRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject);
  // Re-issues every subscription of the tenant, spread over the window.
  void OnTenantChanged(absl::string_view tenant, EventReason reason);
  // Ends every subscription of the tenant with `status` (the tenant is gone).
  void EndTenant(absl::string_view tenant, const absl::Status& status);
  // A reload: the policy, the caps and the rotation window apply from now on
  // (caps to new subscribes, the policy to every refresh planned from here;
  // refreshes already planned keep their time). `uniform` and `observer`
  // keep their start values.
  void UpdateOptions(const Options& options);
  // Ends every stream with UNAVAILABLE and refuses new ones.
  void Shutdown();

  SubscriptionStats stats() const;

 private:
  struct Subscription {
    uint64_t id = 0;
    std::string tenant;
    std::string caller;
    absl::Duration ttl;
    std::optional<double> fraction;  // the client's override of the policy's
    double jitter_unit = 0.5;
    absl::Time planned = absl::InfinitePast();  // of the pending refresh
    std::shared_ptr<SubscriptionSink> sink;
    TokenInfo current;
    uint64_t sequence = 0;
    int failures = 0;
    EventReason pending_reason = EventReason::kScheduled;
    bool busy = false;  // a re-issue is running on the executor
    // Serialises calls into the sink; `ended` stops delivery for good.
    absl::Mutex deliver_mu;
    bool ended ABSL_GUARDED_BY(deliver_mu) = false;
  };

  // Delivery outside mu_: at most one sink call at a time per subscription,
  // and nothing after OnEnd/Unsubscribe.
  static void Deliver(Subscription& sub, const TokenEvent& event);
  static void DeliverEnd(Subscription& sub, const absl::Status& status);
  std::shared_ptr<Subscription> Remove(uint64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void OnDue(uint64_t id);
  void Refresh(uint64_t id);
  // The subscription's first token: issued from its spec or its current
  // token verified, in request.tenants when set.
  absl::StatusOr<TokenInfo> FirstToken(
      const SubscriptionRequest& request) const;
  void End(uint64_t id, const absl::Status& status);
  double Uniform();
  RefreshPolicy PolicyFor(const Subscription& sub) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TokenService& tokens_;
  const Clock& clock_;
  Executor& executor_;
  const std::function<double()> uniform_;
  RenewalObserver* const observer_;
  TimerQueue timer_;

  mutable absl::Mutex mu_;
  Options options_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<Subscription>> subs_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_caller_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  SubscriptionStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_CORE_RENEWAL_SUBSCRIPTION_MANAGER_H_
