// Runs the fetches of every remote key set, off the serving threads.
//
// One TimerQueue entry per set, due at the set's NextFetchAt(); when it
// fires, the fetch is posted to an Executor (a small ThreadPool in
// production: one slow issuer must not delay the others, so give it as many
// threads as issuers that may stall at once, within reason). After each
// fetch the entry is re-armed. An unknown kid that brings a set's next fetch
// earlier re-arms it through the set's wake callback.
//
// Threads: Add() from any thread; RunDue() from one driver at a time (the
// TimerThread that Start() creates, or a test with a FakeClock). Stop()
// (or the destructor) joins the timer thread; no fetch is posted after it.
// Fetches already posted call back into the refresher when they end, so
// destroy (drain) the Executor before the refresher, as for the
// SubscriptionManager. The sets are shared: they live as long as needed.
#ifndef TOKEND_CORE_IDENTITY_KEY_REFRESHER_H_
#define TOKEND_CORE_IDENTITY_KEY_REFRESHER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/identity/remote_key_set.h"
#include "core/renewal/executor.h"
#include "core/renewal/timer_queue.h"

namespace tokend::identity {

class KeyRefresher {
 public:
  KeyRefresher(Executor& executor, const Clock& clock);
  ~KeyRefresher();
  KeyRefresher(const KeyRefresher&) = delete;
  KeyRefresher& operator=(const KeyRefresher&) = delete;

  // Arms the set at its NextFetchAt() (at once for a new set). A set
  // already added is left as it is.
  void Add(const std::shared_ptr<RemoteKeySet>& set);
  // Stops refreshing the set (a reload dropped its issuer): no fetch is
  // posted for it afterwards; one in flight finishes. Unknown sets: no-op.
  void Remove(const RemoteKeySet* set);
  // The sets added and not removed.
  std::vector<std::shared_ptr<RemoteKeySet>> sets() const;

  // Posts the due fetches; returns the next due time.
  absl::Time RunDue(absl::Time now);

  // Drives RunDue from the clock on a thread of its own.
  void Start();
  // Stops the thread; no fetch is posted afterwards. Idempotent.
  void Stop();

  // Fetches posted and not yet finished.
  int in_flight() const;

 private:
  void OnDue(uint64_t id);
  void Arm(uint64_t id);

  Executor& executor_;
  const Clock& clock_;
  TimerQueue queue_;
  std::unique_ptr<TimerThread> thread_;

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<RemoteKeySet>> sets_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> busy_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_KEY_REFRESHER_H_
