#include "core/identity/key_refresher.h"

#include <utility>

namespace tokend::identity {

KeyRefresher::KeyRefresher(Executor& executor, const Clock& clock)
    : executor_(executor),
      clock_(clock),
      queue_([this](uint64_t id) { OnDue(id); }) {}

KeyRefresher::~KeyRefresher() { Stop(); }

void KeyRefresher::Add(const std::shared_ptr<RemoteKeySet>& set) {
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& existing : sets_) {
      if (existing == set) return;
    }
    id = sets_.size();
    sets_.push_back(set);
    busy_.push_back(false);
  }
  set->SetWakeCallback([this, id] { Arm(id); });
  Arm(id);
}

void KeyRefresher::Remove(const RemoteKeySet* set) {
  absl::MutexLock lock(&mu_);
  for (uint64_t id = 0; id < sets_.size(); ++id) {
    if (sets_[id].get() == set) {
      sets_[id].reset();
      queue_.Cancel(id);
    }
  }
}

std::vector<std::shared_ptr<RemoteKeySet>> KeyRefresher::sets() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<RemoteKeySet>> out;
  for (const auto& set : sets_) {
    if (set != nullptr) out.push_back(set);
  }
  return out;
}

void KeyRefresher::Arm(uint64_t id) {
  std::shared_ptr<RemoteKeySet> set;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || id >= sets_.size() || sets_[id] == nullptr) return;
    // A fetch in flight re-arms when it ends.
    if (busy_[id]) return;
    set = sets_[id];
  }
  queue_.Schedule(id, set->NextFetchAt());
}

void KeyRefresher::OnDue(uint64_t id) {
  std::shared_ptr<RemoteKeySet> set;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || id >= sets_.size() || busy_[id] || sets_[id] == nullptr) {
      return;
    }
    busy_[id] = true;
    ++in_flight_;
    set = sets_[id];
  }
  executor_.Post([this, id, set = std::move(set)] {
    set->Fetch();
    absl::MutexLock lock(&mu_);
    busy_[id] = false;
    --in_flight_;
    if (!stopped_ && sets_[id] != nullptr) {
      queue_.Schedule(id, set->NextFetchAt());
    }
  });
}

absl::Time KeyRefresher::RunDue(absl::Time now) { return queue_.RunDue(now); }

void KeyRefresher::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_ == nullptr && !stopped_) {
    thread_ = std::make_unique<TimerThread>(queue_, clock_);
  }
}

void KeyRefresher::Stop() {
  std::unique_ptr<TimerThread> thread;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    thread = std::move(thread_);
  }
  thread.reset();  // joins
}

int KeyRefresher::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

}  // namespace tokend::identity
