#include "core/revocation/revocation_service.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
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

absl::Status RevocationService::StoreAdd(const Revocation& revocation) {
  const absl::Time start = absl::Now();
  absl::Status status = store_->Add(revocation);
  if (options_.on_store_write) {
    options_.on_store_write(absl::Now() - start, status.ok());
  }
  return status;
}

RevocationService::~RevocationService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (maintenance_.joinable()) maintenance_.join();
  // The store's watcher thread calls OnRemote: stop it before the members
  // it touches go away.
  store_.reset();
}

absl::Status RevocationService::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) {
      return Error(Reason::kInternal, "revocation service started twice");
    }
    started_ = true;
  }
  absl::Status status = Load();
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  return status;
}

absl::Status RevocationService::Load() {
  absl::MutexLock write_lock(&write_mu_);
  absl::StatusOr<std::vector<Revocation>> all = store_->LoadAll();
  if (!all.ok()) return all.status();
  // Entries revoked locally before the load (store down at start) stay.
  std::vector<Revocation> view = *std::move(all);
  {
    absl::MutexLock lock(&mu_);
    view.insert(view.end(), pending_.begin(), pending_.end());
  }
  index_->Replace(view);
  loaded_.store(true);
  // Watch only now: the index is never replaced again, so nothing the
  // watcher adds can be lost; entries written between the load and the
  // subscription reach us through the store's resync.
  store_->Watch([this](const Revocation& r) { OnRemote(r); });
  return absl::OkStatus();
}

absl::Status RevocationService::Revoke(const Revocation& revocation) {
  absl::Status valid = Validate(revocation);
  if (!valid.ok()) return valid;
  absl::Status stored;
  {
    absl::MutexLock write_lock(&write_mu_);
    stored = StoreAdd(revocation);
    index_->Add(revocation);
    if (!stored.ok()) {
      absl::MutexLock lock(&mu_);
      pending_.push_back(revocation);
    }
  }
  Notify(revocation);
  return stored;
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

void RevocationService::FlushPending() {
  std::vector<Revocation> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return;
  std::vector<Revocation> failed;
  {
    absl::MutexLock write_lock(&write_mu_);
    for (Revocation& r : batch) {
      if (!failed.empty() || !StoreAdd(r).ok()) {
        failed.push_back(std::move(r));
      }
    }
  }
  if (failed.empty()) return;
  absl::MutexLock lock(&mu_);
  pending_.insert(pending_.begin(), std::make_move_iterator(failed.begin()),
                  std::make_move_iterator(failed.end()));
}

bool RevocationService::Healthy() const {
  if (!loaded_.load() || !store_->Healthy()) return false;
  absl::MutexLock lock(&mu_);
  return pending_.empty();
}

size_t RevocationService::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

size_t RevocationService::WriteBackMissing() {
  absl::MutexLock write_lock(&write_mu_);
  absl::StatusOr<std::vector<Revocation>> stored = store_->LoadAll();
  if (!stored.ok()) return 0;
  absl::flat_hash_set<std::tuple<Revocation::Kind, std::string, std::string>>
      present;
  for (Revocation& r : *stored) {
    present.emplace(r.kind, std::move(r.tenant), std::move(r.value));
  }
  size_t written = 0;
  for (const Revocation& r : index_->Live(clock_.Now())) {
    if (present.contains(std::make_tuple(r.kind, r.tenant, r.value))) continue;
    if (!StoreAdd(r).ok()) break;  // down again: the next recovery retries
    ++written;
  }
  return written;
}

void RevocationService::MaintenanceLoop() {
  absl::Time next_prune = absl::Now() + options_.prune_interval;
  const absl::Duration tick =
      std::min(options_.retry_interval, options_.prune_interval);
  bool store_was_down = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick)) return;
    }
    const bool store_up = store_->Healthy();
    if (!loaded_.load()) (void)Load();
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
}

}  // namespace tokend
