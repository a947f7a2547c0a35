#include "core/revocation/revocation_service.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/notification.h"
#include "core/reason.h"

namespace tokend {
namespace {

absl::Status Validate(const Revocation& r) {
  const auto bad = [](absl::string_view why) {
    return Error(Reason::kInvalidArgument, why, "revocation");
  };
  if (r.tenant.empty()) return bad("a revocation names its tenant");
  switch (r.kind) {
    case Revocation::Kind::kTokenId:
    case Revocation::Kind::kSubject:
      if (r.value.empty())
        return bad("a token id or subject revocation needs a value");
      break;
    case Revocation::Kind::kTenant:
      if (!r.value.empty()) return bad("a tenant revocation has no value");
      break;
    default:
      return bad("unknown revocation kind");
  }
  if (r.expires_at <= r.revoked_at) {
    return bad("a revocation must expire after it is made");
  }
  return absl::OkStatus();
}

}  // namespace

// The checker the TokenService holds: the index for IsRevoked, the
// service's fail-closed state for IssuingAllowed.
class RevocationService::Gate final : public RevocationChecker {
 public:
  Gate(const RevocationService* service,
       std::shared_ptr<const RevocationIndex> index)
      : service_(service), index_(std::move(index)) {}

  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override {
    return index_->IsRevoked(tenant, token_id, subject, issued_at);
  }
  absl::Time RevokedThrough(absl::string_view tenant,
                            absl::string_view subject) const override {
    return index_->RevokedThrough(tenant, subject);
  }
  absl::Status IssuingAllowed() const override {
    if (!service_->RefuseIssuing()) return absl::OkStatus();
    return Error(Reason::kUnavailable,
                 "the revocation store is unavailable and "
                 "revocation.on_store_unavailable is closed: no tokens are "
                 "issued until it is back");
  }

 private:
  const RevocationService* const service_;
  const std::shared_ptr<const RevocationIndex> index_;
};

RevocationService::RevocationService(std::unique_ptr<RevocationStore> store,
                                     const Clock& clock,
                                     RevocationServiceOptions options)
    : store_(std::move(store)),
      clock_(clock),
      options_(std::move(options)),
      gate_(std::make_shared<Gate>(this, index_)) {}

RevocationService::~RevocationService() {
  (void)Stop(absl::Now());
  // The store's watcher thread calls OnRemote: stop it before the members
  // it touches go away.
  store_.reset();
}

absl::Status RevocationService::StoreAdd(
    const std::vector<Revocation>& revocations) {
  const absl::Time start = absl::Now();
  absl::Status status = store_->AddBatch(revocations);
  if (options_.on_store_write) {
    options_.on_store_write(absl::Now() - start, status.ok());
  }
  return status;
}

absl::Status RevocationService::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) {
      return Error(Reason::kInternal, "revocation service started twice");
    }
    started_ = true;
  }
  store_->WatchLoss([this] {
    absl::MutexLock lock(&mu_);
    refill_requested_ = true;
  });
  bool awaiting_refill = false;
  absl::Status status = Load(&awaiting_refill);
  while (awaiting_refill) {
    // Start-up only, bounded by refill_wait: the replicas that hold the
    // entries write them back within about a second of the loss.
    absl::SleepFor(absl::Milliseconds(50));
    status = Load(&awaiting_refill);
  }
  store_thread_ = std::thread([this] { StoreLoop(); });
  completion_thread_ = std::thread([this] { CompletionLoop(); });
  return status;
}

absl::Status RevocationService::Load(bool* awaiting_refill) {
  *awaiting_refill = false;
  absl::StatusOr<RevocationStore::Integrity> integrity =
      store_->CheckIntegrity();
  if (!integrity.ok()) return integrity.status();
  bool take_as_found = false;
  const absl::Time now = absl::Now();
  if (!integrity->intact || now < integrity->settled_at) {
    loss_seen_at_ = std::min(loss_seen_at_, now);
    const absl::Duration waited = now - loss_seen_at_;
    const absl::Duration limit = integrity->other_replicas > 0
                                     ? 2 * options_.refill_wait
                                     : options_.refill_wait;
    if (waited < limit) {
      *awaiting_refill = true;
      return Error(Reason::kUnavailable,
                   "the revocation store lost its data: waiting for the "
                   "running replicas to write back what they hold");
    }
    // Nobody did: a new store, or one lost while no replica ran.
    take_as_found = !integrity->intact;
  }
  absl::StatusOr<std::vector<Revocation>> all = store_->LoadAll();
  if (!all.ok()) return all.status();
  {
    // Entries revoked locally before the load (store down at start) stay:
    // the refused ones and those still queued. Under mu_, so no revocation
    // reaches the index between this view and its replacement.
    absl::MutexLock lock(&mu_);
    std::vector<Revocation> view = *std::move(all);
    view.insert(view.end(), pending_.begin(), pending_.end());
    for (const std::shared_ptr<Job>& job : queue_) {
      view.push_back(job->revocation);
    }
    index_->Replace(view);
    loaded_.store(true);
  }
  // Watch only now: the index is never replaced again, so nothing the
  // watcher adds can be lost; entries written between the load and the
  // subscription reach us through the store's resync.
  store_->Watch([this](const Revocation& r) { OnRemote(r); });
  if (take_as_found && !Refill(/*taken_as_found=*/true)) {
    absl::MutexLock lock(&mu_);
    refill_requested_ = true;
  }
  return absl::OkStatus();
}

bool RevocationService::Refill(bool taken_as_found) {
  const int64_t written = WriteBackMissing();
  // Taken as found: nobody else is refilling, it is settled at once.
  const absl::Time settled_at =
      absl::Now() +
      (taken_as_found ? absl::ZeroDuration() : options_.refill_window);
  if (written < 0 || !store_->MarkIntact(settled_at).ok()) return false;
  if (options_.on_refill) {
    options_.on_refill(static_cast<size_t>(written), taken_as_found);
  }
  return true;
}

absl::Status RevocationService::RevokeAsync(const Revocation& revocation,
                                            absl::Time deadline, Done done) {
  auto job = std::make_shared<Job>();
  job->revocation = revocation;
  job->revocation.revoked_at = CeilToMillis(revocation.revoked_at);
  job->revocation.expires_at = CeilToMillis(revocation.expires_at);
  absl::Status valid = Validate(job->revocation);
  if (!valid.ok()) return valid;
  if (job->revocation.kind != Revocation::Kind::kTokenId) {
    job->settle_at = FirstUncoveredIssue(job->revocation.revoked_at);
  }
  job->deadline = deadline;
  job->done = std::move(done);
  {
    absl::MutexLock lock(&mu_);
    if (draining_) {
      return Error(Reason::kUnavailable,
                   "tokend is shutting down: the revocation was not taken");
    }
    // Enforced from here on, durable or not.
    index_->Add(job->revocation);
    queue_.push_back(job);
    waiting_.push_back(job);
    Changed();
  }
  Notify(job->revocation);
  return absl::OkStatus();
}

absl::Status RevocationService::Revoke(const Revocation& revocation) {
  absl::Notification answered;
  absl::Status outcome;
  absl::Status taken =
      RevokeAsync(revocation, absl::InfiniteFuture(), [&](absl::Status status) {
        outcome = std::move(status);
        answered.Notify();
      });
  if (!taken.ok()) return taken;
  answered.WaitForNotification();
  return outcome;
}

absl::Status RevocationService::RevokeNow(Revocation::Kind kind,
                                          absl::string_view tenant,
                                          absl::string_view value,
                                          absl::Duration lifetime) {
  Revocation r;
  r.kind = kind;
  r.tenant = std::string(tenant);
  r.value = std::string(value);
  r.revoked_at = clock_.Now();
  r.expires_at = r.revoked_at + lifetime;
  return Revoke(r);
}

absl::Status RevocationService::RevokeTokenId(absl::string_view tenant,
                                              absl::string_view token_id,
                                              absl::Duration max_lifetime) {
  return RevokeNow(Revocation::Kind::kTokenId, tenant, token_id, max_lifetime);
}

absl::Status RevocationService::RevokeSubject(absl::string_view tenant,
                                              absl::string_view subject,
                                              absl::Duration max_lifetime) {
  return RevokeNow(Revocation::Kind::kSubject, tenant, subject, max_lifetime);
}

absl::Status RevocationService::RevokeTenant(absl::string_view tenant,
                                             absl::Duration max_lifetime) {
  return RevokeNow(Revocation::Kind::kTenant, tenant, "", max_lifetime);
}

void RevocationService::AddListener(Listener listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

void RevocationService::OnRemote(const Revocation& revocation) {
  index_->Add(revocation);
  if (options_.on_remote) options_.on_remote(revocation);
  Notify(revocation);
}

void RevocationService::Notify(const Revocation& revocation) {
  std::vector<Listener> listeners;
  {
    absl::MutexLock lock(&mu_);
    listeners = listeners_;
  }
  for (const Listener& listener : listeners) listener(revocation);
}

size_t RevocationService::Prune() {
  const absl::Time now = clock_.Now();
  const size_t dropped = index_->Prune(now);
  // A store error shows in Healthy(); the next round prunes again.
  (void)store_->Prune(now);
  absl::MutexLock lock(&mu_);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [now](const Revocation& r) {
                                  return r.expires_at <= now;
                                }),
                 pending_.end());
  return dropped;
}

void RevocationService::WriteQueued() {
  absl::Status refused;  // once the store refuses, the rest waits for a retry
  for (;;) {
    // Everything queued meanwhile goes in one store write (group commit:
    // one fsync, one round trip), up to kMaxBatch.
    std::vector<std::shared_ptr<Job>> jobs;
    std::vector<Revocation> batch;
    {
      absl::MutexLock lock(&mu_);
      while (!queue_.empty() && jobs.size() < kMaxBatch) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
        // The entry is never changed after RevokeAsync queued it.
        batch.push_back(jobs.back()->revocation);
      }
      if (jobs.empty()) return;
      writing_ += jobs.size();
    }
    const absl::Status status = refused.ok() ? StoreAdd(batch) : refused;
    if (!status.ok()) refused = status;
    absl::MutexLock lock(&mu_);
    writing_ -= jobs.size();
    for (const std::shared_ptr<Job>& job : jobs) {
      job->written = true;
      job->status = status;
      if (!status.ok()) pending_.push_back(job->revocation);
    }
    Changed();
  }
}

void RevocationService::FlushPending() {
  std::vector<Revocation> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(pending_);
    // Still counted by pending() while the store writes them, so nobody
    // reads "all written" before the write (and its observer) finished.
    writing_ += batch.size();
  }
  if (batch.empty()) return;
  size_t written = 0;
  while (written < batch.size()) {
    const size_t n = std::min(kMaxBatch, batch.size() - written);
    if (!StoreAdd({batch.begin() + written, batch.begin() + written + n})
             .ok()) {
      break;
    }
    written += n;
  }
  absl::MutexLock lock(&mu_);
  writing_ -= batch.size();
  if (written == batch.size()) return;
  pending_.insert(pending_.begin(),
                  std::make_move_iterator(batch.begin() + written),
                  std::make_move_iterator(batch.end()));
}

bool RevocationService::Healthy() const {
  if (!loaded_.load() || !store_->Healthy()) return false;
  absl::MutexLock lock(&mu_);
  return pending_.empty();
}

size_t RevocationService::pending() const {
  absl::MutexLock lock(&mu_);
  return queue_.size() + writing_ + pending_.size();
}

int64_t RevocationService::WriteBackMissing() {
  absl::StatusOr<std::vector<Revocation>> stored = store_->LoadAll();
  if (!stored.ok()) return -1;
  absl::flat_hash_set<std::tuple<Revocation::Kind, std::string, std::string>>
      present;
  for (Revocation& r : *stored) {
    // What LoadAll returns counts as handed out: the watcher will not
    // deliver it again, so an entry another replica wrote that this one
    // has not heard of yet is taken here.
    if (index_->Add(r)) {
      if (options_.on_remote) options_.on_remote(r);
      Notify(r);
    }
    present.emplace(r.kind, std::move(r.tenant), std::move(r.value));
  }
  std::vector<Revocation> missing;
  for (Revocation& r : index_->Live(clock_.Now())) {
    if (present.contains(std::make_tuple(r.kind, r.tenant, r.value))) continue;
    missing.push_back(std::move(r));
  }
  for (size_t i = 0; i < missing.size(); i += kMaxBatch) {
    const size_t end = std::min(missing.size(), i + kMaxBatch);
    // Down again: the caller retries.
    if (!StoreAdd({missing.begin() + i, missing.begin() + end}).ok()) return -1;
  }
  return static_cast<int64_t>(missing.size());
}

void RevocationService::StoreLoop() {
  const absl::Duration tick =
      std::min(options_.retry_interval, options_.prune_interval);
  absl::Time next_tick = absl::Now() + tick;
  absl::Time next_prune = absl::Now() + options_.prune_interval;
  bool store_was_down = false;
  bool refill_due = false;  // a refill failed: retried every tick
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      const auto work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || draining_ || refill_requested_;
      };
      mu_.AwaitWithDeadline(absl::Condition(&work), next_tick);
      if (draining_) break;
      // Before the load, Load itself looks at the marker.
      refill_due = refill_due || (refill_requested_ && loaded_.load());
      refill_requested_ = false;
    }
    WriteQueued();
    // The store lost data: refill at once, not at the next tick.
    if (refill_due && loaded_.load()) refill_due = !Refill(false);
    if (absl::Now() < next_tick) continue;
    next_tick = absl::Now() + tick;

    const bool store_up = store_->Healthy();
    if (!loaded_.load()) {
      bool awaiting_refill = false;
      (void)Load(&awaiting_refill);
    }
    if (loaded_.load()) FlushPending();
    const bool prune_due = absl::Now() >= next_prune;
    // After an outage, and once per prune round as well: a store restart
    // quicker than one tick is not seen as an outage.
    if (loaded_.load() && store_up && (store_was_down || prune_due)) {
      (void)WriteBackMissing();
    }
    store_was_down = !store_up;
    if (prune_due) {
      Prune();
      next_prune = absl::Now() + options_.prune_interval;
    }
  }
  // Stopping: write what is queued or refused until it is all durable or
  // the drain deadline passes.
  for (;;) {
    WriteQueued();
    FlushPending();
    absl::MutexLock lock(&mu_);
    if (queue_.empty() && pending_.empty()) return;
    const absl::Time deadline = drain_deadline_;
    if (absl::Now() >= deadline) return;
    const auto queued = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !queue_.empty();
    };
    mu_.AwaitWithDeadline(
        absl::Condition(&queued),
        std::min(deadline, absl::Now() + options_.retry_interval));
  }
}

void RevocationService::CompletionLoop() {
  for (;;) {
    std::vector<std::pair<Done, absl::Status>> answers;
    bool finished = false;
    uint64_t seen = 0;
    // At most a second between looks, so a clock that jumps is noticed.
    absl::Time wake = absl::Now() + absl::Seconds(1);
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      const absl::Time clock_now = clock_.Now();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        Job& job = **it;
        if (job.written && clock_now >= job.settle_at) {
          answers.emplace_back(std::move(job.done), job.status);
        } else if (now >= job.deadline) {
          answers.emplace_back(
              std::move(job.done),
              ErrorWithCode(absl::StatusCode::kDeadlineExceeded,
                            Reason::kUnavailable,
                            "the revocation store did not answer before the "
                            "deadline: the revocation is enforced by this "
                            "tokend and written when the store answers"));
        } else {
          wake = std::min(wake, job.deadline);
          if (job.written)
            wake = std::min(wake, now + (job.settle_at - clock_now));
          ++it;
          continue;
        }
        it = waiting_.erase(it);
      }
      finished = stopped_ && waiting_.empty();
      seen = changes_;
    }
    for (auto& [done, status] : answers) {
      if (done) done(std::move(status));
    }
    if (finished) return;
    absl::MutexLock lock(&mu_);
    const auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return changes_ != seen;
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), wake);
  }
}

std::vector<Revocation> RevocationService::Stop(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return {};
    draining_ = true;
    drain_deadline_ = deadline;
  }
  if (store_thread_.joinable()) store_thread_.join();
  std::vector<Revocation> lost;
  std::vector<std::shared_ptr<Job>> unanswered;
  {
    absl::MutexLock lock(&mu_);
    const absl::Status stopping =
        Error(Reason::kUnavailable,
              "tokend stopped before the revocation store took the "
              "revocation");
    for (const std::shared_ptr<Job>& job : queue_) {
      lost.push_back(job->revocation);
      job->written = true;
      job->status = stopping;
    }
    queue_.clear();
    lost.insert(lost.end(), std::make_move_iterator(pending_.begin()),
                std::make_move_iterator(pending_.end()));
    pending_.clear();
    // Stopping: nothing waits for its second to end any more.
    for (const std::shared_ptr<Job>& job : waiting_) {
      job->settle_at = absl::InfinitePast();
    }
    stopped_ = true;
    Changed();
    if (!completion_thread_.joinable()) unanswered.swap(waiting_);
  }
  if (completion_thread_.joinable()) {
    completion_thread_.join();
  } else {
    // Never started: nobody else will answer them.
    for (const std::shared_ptr<Job>& job : unanswered) {
      if (job->done) job->done(job->status);
    }
  }
  return lost;
}

}  // namespace tokend
