// The state every RPC handler shares: the core façade, the current
// ConfigSnapshot, the peer table, the rate limiter, revocations, open
// streams and the renewal scheduler (SubscribeToken). Owned by the Server;
// handlers hold a reference.
#ifndef TOKEND_SERVER_API_SERVER_STATE_H_
#define TOKEND_SERVER_API_SERVER_STATE_H_

#include <atomic>
#include <limits>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/renewal/executor.h"
#include "core/renewal/subscription_manager.h"
#include "core/renewal/timer_queue.h"
#include "core/revocation/revocation_service.h"
#include "core/token_service.h"
#include "server/api/rate_limiter.h"
#include "server/api/stream_registry.h"
#include "server/observability/renewal_metrics.h"
#include "server/runtime/config_snapshot.h"
#include "server/transport/peer_table.h"

namespace tokend {

class ServerState {
 public:
  explicit ServerState(const Clock& clock) : clock_(clock), core_(clock) {}
  // The renewal threads call back into the manager and the core: stop them
  // first (the timer, then the pool, which finishes its queued re-issues),
  // then the manager.
  ~ServerState() {
    timer_thread_.reset();
    pool_.reset();
    // The revocation service's threads call the manager (its listener);
    // the core's checker refers to the service.
    core_.SetRevocationChecker(nullptr);
    revocations_.reset();
    subscriptions_.reset();
  }

  // Installs a new configuration snapshot (start and every reload).
  void SetSnapshot(std::shared_ptr<const ConfigSnapshot> snapshot) {
    core_.SetTenants(snapshot->tenants());
    limiter_.SetLimits(
        snapshot->config().limits.rate_qps,
        static_cast<double>(snapshot->config().limits.rate_burst));
    if (subscriptions_ == nullptr) {
      StartRenewal(snapshot->config());
    } else {
      subscriptions_->UpdateOptions(RenewalOptions(snapshot->config()));
    }
    snapshot_.store(std::move(snapshot), std::memory_order_release);
  }
  std::shared_ptr<const ConfigSnapshot> snapshot() const {
    return snapshot_.load(std::memory_order_acquire);
  }

  const Clock& clock() const { return clock_; }
  const TokenService& core() const { return core_; }
  // Installs the revocation service (once, after the first SetSnapshot,
  // before Start): the core checks it on every verify and before minting,
  // and every entry it learns, local or from another replica, ends the
  // matching subscriptions.
  void SetRevocations(std::unique_ptr<RevocationService> service) {
    revocations_ = std::move(service);
    revocations_->AddListener([this](const Revocation& r) {
      subscriptions_->OnRevoked(
          r.tenant, r.kind == Revocation::Kind::kTokenId ? r.value : "",
          r.kind == Revocation::Kind::kSubject ? r.value : "");
    });
    core_.SetRevocationChecker(revocations_->checker());
  }
  RevocationService& revocations() { return *revocations_; }
  PeerTable& peers() { return peers_; }
  RateLimiter& limiter() { return limiter_; }
  StreamRegistry& streams() { return streams_; }
  // Created by the first SetSnapshot; each later one updates its options.
  SubscriptionManager& subscriptions() { return *subscriptions_; }

  // The `renewal` section, 1:1. The global cap is renewal.max_subscriptions,
  // or limits.max_streams when that is unset; 0 means no cap.
  static SubscriptionManager::Options RenewalOptions(const Config& config) {
    const RenewalConfig& r = config.renewal;
    SubscriptionManager::Options options;
    options.policy.fraction = r.refresh_fraction;
    options.policy.jitter = r.jitter;
    options.policy.min_lead = r.min_lead;
    options.policy.max_lead_fraction = r.max_lead_fraction;
    options.policy.retry_initial = r.retry_initial;
    options.policy.retry_max = r.retry_max;
    options.max_per_caller =
        static_cast<size_t>(r.max_subscriptions_per_caller);
    const int64_t total =
        r.max_subscriptions.value_or(config.limits.max_streams);
    options.max_total = total > 0 ? static_cast<size_t>(total)
                                  : std::numeric_limits<size_t>::max();
    options.rotation_window = r.rotation_window;
    return options;
  }

  bool shutting_down() const {
    return shutting_down_.load(std::memory_order_acquire);
  }
  void set_shutting_down() {
    shutting_down_.store(true, std::memory_order_release);
  }

  // Calls between Admit and RecordRpc (call_gate.h), so that shutdown can
  // drain them without waiting for idle connections to close.
  // The count is atomic so that calls take no lock; the mutex is taken only
  // when it reaches zero, which cannot then slip between WaitIdle's check
  // and its wait.
  void CallStarted() {
    calls_in_flight_.fetch_add(1, std::memory_order_acq_rel);
  }
  void CallEnded() {
    if (calls_in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Releasing the mutex makes WaitIdle's waiter test its condition.
      absl::MutexLock lock(&calls_mu_);
    }
  }
  // True when no call is in flight before `deadline`.
  bool WaitIdle(absl::Time deadline) {
    absl::MutexLock lock(&calls_mu_);
    return calls_mu_.AwaitWithDeadline(
        absl::Condition(this, &ServerState::Idle), deadline);
  }

 private:
  void StartRenewal(const Config& config) {
    pool_ = std::make_unique<ThreadPool>(2);
    SubscriptionManager::Options options = RenewalOptions(config);
    options.observer = &renewal_metrics_;
    subscriptions_ = std::make_unique<SubscriptionManager>(
        core_, clock_, *pool_, std::move(options));
    timer_thread_ =
        std::make_unique<TimerThread>(subscriptions_->timer(), clock_);
  }

  const Clock& clock_;
  TokenService core_;
  std::unique_ptr<RevocationService> revocations_;
  std::atomic<std::shared_ptr<const ConfigSnapshot>> snapshot_;
  PeerTable peers_;
  RateLimiter limiter_;
  StreamRegistry streams_;
  std::atomic<bool> shutting_down_{false};
  bool Idle() const { return calls_in_flight_.load() == 0; }

  absl::Mutex calls_mu_;
  std::atomic<int64_t> calls_in_flight_{0};
  RenewalMetrics renewal_metrics_;  // outlives the manager
  // Destroyed in the order the destructor spells out.
  std::unique_ptr<SubscriptionManager> subscriptions_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<TimerThread> timer_thread_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_SERVER_STATE_H_
