// The coordinator the server owns: one RevocationStore (durable, maybe
// shared) behind one RevocationIndex (the verify path's in-memory view).
//
//   Start()   loads the whole store into the index (a replica that starts
//             late gets everything), then watches the store for entries
//             other replicas write, and starts the maintenance thread.
//   Revoke()  store first (durable), then the index, then the listeners.
//   remote    entries from the store's Watch go to the index and listeners.
//   timer     prunes index and store every prune_interval; retries the
//             initial load and any write the store refused.
//
// Store outages: when the store comes back after an outage (and once per
// prune round), every live entry of the local index that the store no longer
// holds is written back, so a store that lost data (Redis restarted without
// persistence) is refilled by the replicas that still remember it.
//
// A revocation that the store cannot take is still enforced
// here (index + listeners) and queued; Revoke returns kUnavailable because
// it is not durable, and the maintenance thread writes it once the store is
// back, so revocations made during an outage converge. RefuseIssuing() is
// true while the service is unhealthy and fail_closed is set; fail-open
// keeps issuing from the local view. Healthy() is false in both modes, for
// readiness and metrics.
//
// Threads: every method may be called from any thread. Listeners run on the
// thread that revoked, or on the store's watch thread; they must not call
// back into Revoke.
#ifndef TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_
#define TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/revocation/revocation.h"
#include "core/revocation/revocation_index.h"
#include "core/token_service.h"

namespace tokend {

struct RevocationServiceOptions {
  // Refuse to issue and renew while the store is unhealthy. The wiring
  // takes it from the store's configuration (RedisStoreOptions::fail_closed;
  // the embedded SQLite store has no outages to speak of).
  bool fail_closed = false;
  absl::Duration prune_interval = absl::Minutes(1);
  // How often a failed initial load or a queued write is retried.
  absl::Duration retry_interval = absl::Seconds(1);
  // Observers for metrics, both optional. on_store_write runs after every
  // store Add (a revocation or a retried queued one) with its latency and
  // outcome, on the thread that wrote; on_remote runs for every entry
  // another replica wrote, on the store's watch thread, before listeners.
  std::function<void(absl::Duration latency, bool ok)> on_store_write;
  std::function<void(const Revocation&)> on_remote;
};

class RevocationService {
 public:
  using Listener = std::function<void(const Revocation&)>;

  RevocationService(std::unique_ptr<RevocationStore> store, const Clock& clock,
                    RevocationServiceOptions options = {});
  // Stops the maintenance thread and the store's watcher.
  ~RevocationService();

  RevocationService(const RevocationService&) = delete;
  RevocationService& operator=(const RevocationService&) = delete;

  // Loads the store into the index and starts watching and maintenance.
  // When the store cannot be read, returns its error (kUnavailable) and
  // keeps retrying in the background; Healthy() stays false until it loads.
  // Call once.
  absl::Status Start();

  // kInvalidArgument (field "revocation") for an entry that cannot be
  // valid: empty tenant, a token id or subject entry without a value, a
  // tenant entry with one, or expires_at not after revoked_at. kUnavailable
  // when the store refused the write (the entry is enforced locally and
  // retried, see above).
  absl::Status Revoke(const Revocation& revocation);
  // Helpers stamping revoked_at = now and expires_at = now + lifetime.
  // `max_token_lifetime` must cover every window in which a token the entry
  // affects could still be accepted: the tenant's max TTL plus the verify
  // leeway (plus the renewal grace where renewal accepts expired tokens).
  absl::Status RevokeTokenId(absl::string_view tenant,
                             absl::string_view token_id,
                             absl::Duration max_token_lifetime);
  absl::Status RevokeSubject(absl::string_view tenant,
                             absl::string_view subject,
                             absl::Duration max_token_lifetime);
  absl::Status RevokeTenant(absl::string_view tenant,
                            absl::Duration max_token_lifetime);

  // Called for every new local or remote entry (the renewal
  // SubscriptionManager::OnRevoked is one).
  void AddListener(Listener listener);

  // Drops expired entries from index and store now; returns how many left
  // the index. The maintenance thread calls it every prune_interval.
  size_t Prune();

  // Loaded, the store reachable and no write waiting for it.
  bool Healthy() const;
  bool RefuseIssuing() const { return options_.fail_closed && !Healthy(); }
  // Revocations enforced locally but not yet durable in the store.
  size_t pending() const;

  // For TokenService::SetRevocationChecker: IsRevoked answers from the
  // index (the verify path's view) and IssuingAllowed is kUnavailable while
  // RefuseIssuing(). It refers to this service: clear it from the
  // TokenService before the service is destroyed.
  std::shared_ptr<const RevocationChecker> checker() const { return gate_; }
  const RevocationIndex& index() const { return *index_; }

 private:
  void OnRemote(const Revocation& revocation);
  void Notify(const Revocation& revocation);
  // The initial load; holds write_mu_ so no local revocation slips between
  // the store read and the index replace.
  absl::Status Load();
  void FlushPending();
  // After an outage: writes every live local entry the store no longer has
  // (a Redis restarted without persistence comes back empty) so replicas
  // that start later still load them. Returns how many were written back.
  size_t WriteBackMissing();
  void MaintenanceLoop();
  absl::Status RevokeNow(Revocation::Kind kind, absl::string_view tenant,
                         absl::string_view value, absl::Duration lifetime);
  // store_->Add, timed and reported to on_store_write.
  absl::Status StoreAdd(const Revocation& revocation);

  class Gate;

  std::unique_ptr<RevocationStore> store_;
  const Clock& clock_;
  const RevocationServiceOptions options_;
  const std::shared_ptr<RevocationIndex> index_ =
      std::make_shared<RevocationIndex>();
  const std::shared_ptr<const RevocationChecker> gate_;

  absl::Mutex write_mu_;  // serialises store writes with the initial load
  std::atomic<bool> loaded_{false};

  mutable absl::Mutex mu_;
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
  std::vector<Revocation> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread maintenance_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_
