// The coordinator the server owns: one RevocationStore (durable, maybe
// shared) behind one RevocationIndex (the verify path's in-memory view).
//
//   Start()        loads the whole store into the index (a replica that
//                  starts late gets everything), then watches the store for
//                  entries other replicas write, and starts the service's
//                  two threads (below).
//   RevokeAsync()  enforces the entry at once (index + listeners) on the
//                  caller's thread, hands the store write to the store
//                  thread and returns; `done` is told when the store has
//                  answered, or when the caller's deadline passes first.
//                  A subject or tenant revocation is answered no sooner
//                  than the end of the second it was made in (see
//                  RevokeAsync).
//   Revoke()       the same, waiting for the answer (no deadline).
//   remote         entries from the store's Watch go to the index and
//                  listeners.
//
// Threads. Every method may be called from any thread. The service runs
// two of its own:
//   the store thread       does every store call after Start: the queued
//                          writes in order, the retries of refused writes,
//                          the write-back after an outage, the prune round.
//                          It is the only thread that waits on the store.
//   the completion thread  runs the `done` callbacks: when the store has
//                          answered, or at the caller's deadline while it
//                          has not (a stalled store never holds a caller
//                          past its deadline). Callbacks must not block.
// Listeners run on the thread that revoked, or on the store's watch thread;
// they must not call back into Revoke.
//
// Lost data: when the store says it may have lost entries (RevocationStore::
// WatchLoss: Redis FLUSHALL, a restart without persistence, a failover),
// and also after an outage and once per prune round, every live entry of
// the local index that the store no longer holds is written back at once,
// then the store is marked intact again, settled refill_window later (the
// other replicas notice the new marker and write back theirs within it): a
// store that lost data is refilled by the replicas that still remember
// it. A replica that starts while the store has no marker, or before its
// settled_at, waits (Start, up to refill_wait) rather than serve an
// incomplete set; when nobody refills it (a new store, or every replica
// restarted since the loss), it takes the store as it is and marks it.
//
// A revocation that the store cannot take is still enforced here (index +
// listeners) and queued; its answer is kUnavailable because it is not
// durable, and the store thread writes it once the store is back, so
// revocations made during an outage converge. RefuseIssuing() is true while
// the service is unhealthy and fail_closed is set; fail-open keeps issuing
// from the local view. Healthy() is false in both modes, for readiness and
// metrics.
#ifndef TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_
#define TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <deque>
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
  // How often a failed initial load or a refused write is retried.
  absl::Duration retry_interval = absl::Seconds(1);
  // How long Start waits for other replicas to refill a store that lost
  // its data, before taking it as it is; twice as long while other
  // replicas are connected to it (they will refill it).
  absl::Duration refill_wait = absl::Seconds(5);
  // After this replica refilled a store, how long the others get to write
  // back theirs (they read the marker every second): the marker's
  // settled_at is now plus this.
  absl::Duration refill_window = absl::Seconds(3);
  // Observers for metrics, both optional. on_store_write runs after every
  // store write with its latency and outcome, on the store thread; one
  // write carries every revocation queued meanwhile (group commit) or a
  // batch of retried ones. on_remote runs for every entry another replica
  // wrote, on the store's watch thread, before listeners.
  std::function<void(absl::Duration latency, bool ok)> on_store_write;
  std::function<void(const Revocation&)> on_remote;
  // Runs on the store thread after this replica wrote back what a store
  // that had lost data was missing, with how many entries it wrote and
  // whether it had waited for others in vain (a new or wholly lost store
  // taken as it was).
  std::function<void(size_t written, bool taken_as_found)> on_refill;
};

class RevocationService {
 public:
  using Listener = std::function<void(const Revocation&)>;
  // The outcome of one revocation's store write: OK (durable), the store's
  // error (kUnavailable: enforced here and retried), or kDeadlineExceeded
  // (reason kUnavailable) when the caller's deadline came first: enforced
  // here, and written when the store answers.
  using Done = std::function<void(absl::Status)>;

  RevocationService(std::unique_ptr<RevocationStore> store, const Clock& clock,
                    RevocationServiceOptions options = {});
  // Stop(now) if Stop was not called, then stops the store's watcher.
  ~RevocationService();

  RevocationService(const RevocationService&) = delete;
  RevocationService& operator=(const RevocationService&) = delete;

  // Loads the store into the index and starts watching and the service's
  // threads. When the store cannot be read, returns its error (kUnavailable)
  // and keeps retrying on the store thread; Healthy() stays false until it
  // loads. Call once, before any Revoke.
  absl::Status Start();

  // kInvalidArgument (field "revocation") for an entry that cannot be
  // valid: empty tenant, a token id or subject entry without a value, a
  // tenant entry with one, or expires_at not after revoked_at; `done` is
  // then never called. Otherwise OK: the entry is enforced by this replica
  // when RevokeAsync returns, and `done` runs exactly once, on the
  // completion thread, with the outcome (see Done). `deadline` is real time
  // (absl::Now); InfiniteFuture waits for the store however long it takes.
  // Times are kept in whole milliseconds, rounded up (what both stores keep),
  // so every replica holds the same entry.
  //
  // A subject or tenant entry covers every token issued in the second of
  // its revoked_at, since token times are whole seconds; tokens issued in
  // the rest of that second would be refused (TokenService refuses to issue
  // them). So its outcome is reported no sooner than the end of that second
  // on the service's clock (up to one second after the store answered):
  // once a caller is told, the tokens this replica issues verify.
  absl::Status RevokeAsync(const Revocation& revocation, absl::Time deadline,
                           Done done);
  // RevokeAsync without a deadline, waiting on the calling thread for the
  // outcome.
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
  // the index. The store thread calls it every prune_interval.
  size_t Prune();

  // For shutdown: refuses new revocations (kUnavailable), keeps writing the
  // queued and refused ones until they are durable or `deadline` passes,
  // then stops the service's threads and answers every outstanding `done`.
  // Returns the revocations that are not durable: they were enforced by
  // this process only and are gone when it exits. Idempotent (a second call
  // returns nothing).
  std::vector<Revocation> Stop(absl::Time deadline);

  // Loaded, the store reachable and no refused write waiting for it.
  bool Healthy() const;
  bool RefuseIssuing() const { return options_.fail_closed && !Healthy(); }
  // Revocations enforced locally but not yet durable in the store: queued,
  // being written, or refused and waiting for a retry.
  size_t pending() const;

  // For TokenService::SetRevocationChecker: IsRevoked answers from the
  // index (the verify path's view) and IssuingAllowed is kUnavailable while
  // RefuseIssuing(). It refers to this service: clear it from the
  // TokenService before the service is destroyed.
  std::shared_ptr<const RevocationChecker> checker() const { return gate_; }
  const RevocationIndex& index() const { return *index_; }

 private:
  // One RevokeAsync: its entry, the caller's deadline and callback, and the
  // store's answer once it came. Guarded by mu_.
  struct Job {
    Revocation revocation;
    absl::Time deadline;
    Done done;
    // Not answered before the service clock reaches it (subject and tenant
    // entries: the end of revoked_at's second).
    absl::Time settle_at = absl::InfinitePast();
    bool written = false;
    absl::Status status;
  };

  void OnRemote(const Revocation& revocation);
  void Notify(const Revocation& revocation);
  // The initial load (the store thread retries it until it succeeds). Sets
  // *awaiting_refill when the store lost its data and others may refill it.
  absl::Status Load(bool* awaiting_refill);
  // Writes back what the store is missing, then marks it intact; false
  // (retried on the next tick) when the store failed meanwhile.
  bool Refill(bool taken_as_found);
  void FlushPending();
  // After an outage: writes every live local entry the store no longer has
  // (a Redis restarted without persistence comes back empty) so replicas
  // that start later still load them. Returns how many were written back.
  // -1 when the store could not be read or a write failed.
  int64_t WriteBackMissing();
  // Writes the queued jobs' entries, in order, and records the answers.
  void WriteQueued();
  void StoreLoop();
  void CompletionLoop();
  absl::Status RevokeNow(Revocation::Kind kind, absl::string_view tenant,
                         absl::string_view value, absl::Duration lifetime);
  // store_->AddBatch, timed and reported to on_store_write.
  absl::Status StoreAdd(const std::vector<Revocation>& revocations);
  // The most entries one store write carries.
  static constexpr size_t kMaxBatch = 256;
  void Changed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { ++changes_; }

  class Gate;

  std::unique_ptr<RevocationStore> store_;
  const Clock& clock_;
  const RevocationServiceOptions options_;
  const std::shared_ptr<RevocationIndex> index_ =
      std::make_shared<RevocationIndex>();
  const std::shared_ptr<const RevocationChecker> gate_;

  std::atomic<bool> loaded_{false};
  // When Load first found the store without its marker (Start's thread,
  // then the store thread only).
  absl::Time loss_seen_at_ = absl::InfiniteFuture();

  mutable absl::Mutex mu_;
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
  // Jobs waiting for the store thread, in submission order.
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  // Jobs whose `done` has not run yet (queued, being written, or written).
  std::vector<std::shared_ptr<Job>> waiting_ ABSL_GUARDED_BY(mu_);
  // Taken from queue_ or pending_ and being written to the store.
  size_t writing_ ABSL_GUARDED_BY(mu_) = 0;
  // Refused writes, retried every retry_interval.
  std::vector<Revocation> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;  // wakes the completion thread
  // Set by the store's WatchLoss: the store thread refills at once.
  bool refill_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;  // Stop: no new revocations
  absl::Time drain_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread store_thread_;
  std::thread completion_thread_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_SERVICE_H_
