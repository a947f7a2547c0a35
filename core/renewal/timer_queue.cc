#include "core/renewal/timer_queue.h"

namespace tokend {

void TimerQueue::Schedule(uint64_t id, absl::Time due) {
  absl::MutexLock lock(&mu_);
  const uint64_t generation = next_generation_++;
  live_[id] = generation;
  heap_.push({due, id, generation});
  ++changes_;
}

void TimerQueue::Cancel(uint64_t id) {
  absl::MutexLock lock(&mu_);
  live_.erase(id);
  ++changes_;
}

void TimerQueue::DropStaleLocked() const {
  while (!heap_.empty()) {
    const Entry& top = heap_.top();
    auto it = live_.find(top.id);
    if (it != live_.end() && it->second == top.generation) return;
    heap_.pop();
  }
}

absl::Time TimerQueue::RunDue(absl::Time now) {
  std::vector<uint64_t> due;
  {
    absl::MutexLock lock(&mu_);
    for (;;) {
      DropStaleLocked();
      if (heap_.empty() || heap_.top().due > now) break;
      due.push_back(heap_.top().id);
      live_.erase(heap_.top().id);
      heap_.pop();
    }
  }
  for (uint64_t id : due) handler_(id);
  return NextDue();
}

absl::Time TimerQueue::NextDue() const {
  absl::MutexLock lock(&mu_);
  DropStaleLocked();
  return heap_.empty() ? absl::InfiniteFuture() : heap_.top().due;
}

size_t TimerQueue::size() const {
  absl::MutexLock lock(&mu_);
  return live_.size();
}

void TimerQueue::WaitForChange(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  const uint64_t seen = changes_;
  auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return changes_ != seen;
  };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
}

void TimerQueue::Wake() {
  absl::MutexLock lock(&mu_);
  ++changes_;
}

TimerThread::TimerThread(TimerQueue& queue, const Clock& clock)
    : queue_(queue), clock_(clock), thread_([this] { Loop(); }) {}

TimerThread::~TimerThread() {
  stop_.store(true);
  queue_.Wake();
  thread_.join();
}

void TimerThread::Loop() {
  while (!stop_.load()) {
    const absl::Time next = queue_.RunDue(clock_.Now());
    if (stop_.load()) break;
    // Sleep until the next entry is due or the schedule changes. Cap the
    // wait so a clock jump is noticed within a second.
    queue_.WaitForChange(std::min(next, clock_.Now() + absl::Seconds(1)));
  }
}

}  // namespace tokend
