// One timer structure shared by every subscription: a min-heap of due
// times keyed by subscription id, with lazy deletion (a re-schedule or
// cancel bumps the id's generation; stale heap entries are skipped).
//
// Threads: Schedule/Cancel from any thread. RunDue is called by exactly one
// driver at a time: the TimerThread in production, the test body with a
// FakeClock in tests. The handler runs on the driver's thread, outside the
// lock, and must be quick (it hands the real work to an Executor).
#ifndef TOKEND_CORE_RENEWAL_TIMER_QUEUE_H_
#define TOKEND_CORE_RENEWAL_TIMER_QUEUE_H_

#include <cstdint>
#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"

namespace tokend {

class TimerQueue {
 public:
  using Handler = std::function<void(uint64_t id)>;

  explicit TimerQueue(Handler handler) : handler_(std::move(handler)) {}

  // Sets (or moves) the id's single due time.
  void Schedule(uint64_t id, absl::Time due);
  void Cancel(uint64_t id);

  // Fires every id due at or before `now`; returns the next due time
  // (InfiniteFuture when empty).
  absl::Time RunDue(absl::Time now);
  absl::Time NextDue() const;
  size_t size() const;

  // Blocks until the earliest due time changes or `deadline` passes; used by
  // TimerThread to sleep without polling.
  void WaitForChange(absl::Time deadline);
  void Wake();

 private:
  struct Entry {
    absl::Time due;
    uint64_t id;
    uint64_t generation;
    bool operator>(const Entry& o) const { return due > o.due; }
  };
  void DropStaleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Handler handler_;
  mutable absl::Mutex mu_;
  mutable std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>>
      heap_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, uint64_t> live_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
};

// Drives a TimerQueue from the real clock on its own thread.
class TimerThread {
 public:
  TimerThread(TimerQueue& queue, const Clock& clock);
  ~TimerThread();  // stops and joins

 private:
  void Loop();
  TimerQueue& queue_;
  const Clock& clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_RENEWAL_TIMER_QUEUE_H_
