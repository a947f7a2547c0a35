#include "core/renewal/subscription_manager.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {

SubscriptionManager::SubscriptionManager(const TokenService& tokens,
                                         const Clock& clock, Executor& executor,
                                         Options options)
    : tokens_(tokens),
      clock_(clock),
      executor_(executor),
      uniform_(options.uniform),
      observer_(options.observer),
      timer_([this](uint64_t id) { OnDue(id); }),
      options_(std::move(options)) {}

SubscriptionManager::~SubscriptionManager() { Shutdown(); }

double SubscriptionManager::Uniform() {
  if (uniform_) return uniform_();
  return SecureRandomUint32() / 4294967296.0;
}

RefreshPolicy SubscriptionManager::PolicyFor(const Subscription& sub) const {
  RefreshPolicy policy = options_.policy;
  if (sub.fraction.has_value()) policy.fraction = *sub.fraction;
  return policy;
}

void SubscriptionManager::UpdateOptions(const Options& options) {
  absl::MutexLock lock(&mu_);
  options_.policy = options.policy;
  options_.max_per_caller = options.max_per_caller;
  options_.max_total = options.max_total;
  options_.rotation_window = options.rotation_window;
}

void SubscriptionManager::Deliver(Subscription& sub, const TokenEvent& event) {
  absl::MutexLock lock(&sub.deliver_mu);
  if (!sub.ended) sub.sink->OnEvent(event);
}

void SubscriptionManager::DeliverEnd(Subscription& sub,
                                     const absl::Status& status) {
  absl::MutexLock lock(&sub.deliver_mu);
  if (sub.ended) return;
  sub.ended = true;
  sub.sink->OnEnd(status);
}

absl::StatusOr<TokenInfo> SubscriptionManager::FirstToken(
    const SubscriptionRequest& request) const {
  const Tenant* tenant = nullptr;
  if (request.tenants != nullptr) {
    absl::StatusOr<const Tenant*> found =
        TokenService::FindTenant(*request.tenants, request.tenant);
    if (!found.ok()) return found.status();
    tenant = *found;
  }
  if (!request.spec.has_value()) {
    return tenant != nullptr
               ? tokens_.Verify(*tenant, request.current_token, {})
               : tokens_.Verify(request.tenant, request.current_token, {});
  }
  IssueInput in = *request.spec;
  if (in.ttl == absl::ZeroDuration()) in.ttl = request.ttl;
  return tenant != nullptr ? tokens_.Issue(*tenant, in)
                           : tokens_.Issue(request.tenant, in);
}

absl::StatusOr<uint64_t> SubscriptionManager::Subscribe(
    const SubscriptionRequest& request,
    std::shared_ptr<SubscriptionSink> sink) {
  if (request.spec.has_value() == !request.current_token.empty()) {
    return Error(Reason::kInvalidArgument,
                 "give exactly one of a token spec or a current token",
                 "source");
  }
  if (request.refresh_fraction.has_value()) {
    RefreshPolicy policy;
    policy.fraction = *request.refresh_fraction;
    if (absl::Status s = ValidateRefreshPolicy(policy, ""); !s.ok()) return s;
  }

  // Reserve a slot first so a flood of subscribes cannot all sign.
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      return Error(Reason::kUnavailable, "tokend is shutting down");
    }
    if (subs_.size() >= options_.max_total) {
      if (observer_ != nullptr) observer_->RefusedByCap(false);
      return Error(Reason::kResourceExhausted,
                   absl::StrCat("the server holds its maximum of ",
                                options_.max_total, " subscriptions"));
    }
    size_t& mine = per_caller_[request.caller];
    if (mine >= options_.max_per_caller) {
      if (observer_ != nullptr) observer_->RefusedByCap(true);
      return Error(Reason::kResourceExhausted,
                   absl::StrCat("caller holds its maximum of ",
                                options_.max_per_caller, " subscriptions"));
    }
    ++mine;
    id = next_id_++;
    auto placeholder = std::make_shared<Subscription>();
    placeholder->id = id;
    placeholder->caller = request.caller;
    subs_[id] = placeholder;
  }

  absl::StatusOr<TokenInfo> first = FirstToken(request);

  std::shared_ptr<Subscription> sub;
  RefreshPolicy policy;
  {
    absl::MutexLock lock(&mu_);
    sub = subs_[id];
    if (!first.ok() || shut_down_) {
      Remove(id);
      return first.ok() ? Error(Reason::kUnavailable, "tokend is shutting down")
                        : first.status();
    }
    sub->tenant = request.tenant;
    sub->ttl = request.ttl;
    sub->fraction = request.refresh_fraction;
    policy = PolicyFor(*sub);
    sub->jitter_unit = Uniform();
    sub->sink = std::move(sink);
    sub->current = *std::move(first);
    // Verify reports a token's state, not its text: a resumed subscription
    // hands the client's own token back in its first event.
    if (sub->current.token.empty()) sub->current.token = request.current_token;
    sub->sequence = 1;
    ++stats_.active;
    if (observer_ != nullptr) observer_->ActiveChanged(1);
  }

  TokenEvent event;
  event.token = sub->current;
  event.sequence = 1;
  event.reason = EventReason::kInitial;
  event.next_refresh_at =
      NextRefresh(sub->current.issued_at, sub->current.expires_at, clock_.Now(),
                  policy, sub->jitter_unit);
  {
    absl::MutexLock lock(&mu_);
    sub->planned = event.next_refresh_at;
  }
  Deliver(*sub, event);
  timer_.Schedule(id, event.next_refresh_at);
  return id;
}

std::shared_ptr<SubscriptionManager::Subscription> SubscriptionManager::Remove(
    uint64_t id) {
  auto it = subs_.find(id);
  if (it == subs_.end()) return nullptr;
  std::shared_ptr<Subscription> sub = std::move(it->second);
  subs_.erase(it);
  auto caller = per_caller_.find(sub->caller);
  if (caller != per_caller_.end() && --caller->second == 0) {
    per_caller_.erase(caller);
  }
  if (sub->sink != nullptr) {
    --stats_.active;
    if (observer_ != nullptr) observer_->ActiveChanged(-1);
  }
  timer_.Cancel(id);
  return sub;
}

void SubscriptionManager::Unsubscribe(uint64_t id) {
  std::shared_ptr<Subscription> sub;
  {
    absl::MutexLock lock(&mu_);
    sub = Remove(id);
  }
  if (sub == nullptr) return;
  absl::MutexLock lock(&sub->deliver_mu);
  sub->ended = true;
}

void SubscriptionManager::End(uint64_t id, const absl::Status& status) {
  std::shared_ptr<Subscription> sub;
  {
    absl::MutexLock lock(&mu_);
    sub = Remove(id);
    if (sub != nullptr && GetReason(status) == Reason::kRevoked) {
      ++stats_.ended_revoked;
      if (observer_ != nullptr) observer_->EndedByRevocation();
    }
  }
  if (sub != nullptr && sub->sink != nullptr) DeliverEnd(*sub, status);
}

void SubscriptionManager::OnDue(uint64_t id) {
  executor_.Post([this, id] { Refresh(id); });
}

void SubscriptionManager::Refresh(uint64_t id) {
  std::string tenant;
  TokenInfo current;
  absl::Duration ttl;
  {
    absl::MutexLock lock(&mu_);
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second->busy || it->second->sink == nullptr) {
      return;
    }
    it->second->busy = true;
    tenant = it->second->tenant;
    current = it->second->current;
    ttl = it->second->ttl;
  }

  // Signing happens here, on the executor, outside every lock. Refresh
  // checks revocation and the session cap before minting.
  absl::StatusOr<TokenInfo> next = tokens_.Refresh(tenant, current, ttl);
  const absl::Time now = clock_.Now();

  std::shared_ptr<Subscription> sub;
  TokenEvent event;
  absl::Time retry_at = absl::InfiniteFuture();
  absl::Status end;
  {
    absl::MutexLock lock(&mu_);
    auto it = subs_.find(id);
    if (it == subs_.end()) return;  // ended while signing
    sub = it->second;
    sub->busy = false;
    if (next.ok()) {
      sub->current = *std::move(next);
      sub->failures = 0;
      event.token = sub->current;
      event.sequence = ++sub->sequence;
      event.reason = sub->pending_reason;
      event.planned_at = sub->planned;
      sub->pending_reason = EventReason::kScheduled;
      event.next_refresh_at =
          NextRefresh(sub->current.issued_at, sub->current.expires_at, now,
                      PolicyFor(*sub), sub->jitter_unit);
      sub->planned = event.next_refresh_at;
      ++stats_.renewals;
    } else {
      ++stats_.renewal_failures;
      const Reason reason = GetReason(next.status());
      if (observer_ != nullptr) observer_->IssueFailed(reason);
      if (reason == Reason::kRevoked || reason == Reason::kSessionLimit ||
          reason == Reason::kInvalidArgument) {
        // Final: retrying cannot help (revoked, capped, or tenant removed).
        end = next.status();
      } else {
        // Keep the current token; retry while it is still valid.
        const absl::Duration delay =
            RetryDelay(++sub->failures, now, sub->current.expires_at,
                       options_.policy, Uniform());
        if (delay == absl::InfiniteDuration()) {
          ++stats_.ended_expired;
          end = ErrorWithCode(
              absl::StatusCode::kUnavailable, GetReason(next.status()),
              "renewal kept failing until the current token expired");
        } else {
          ++stats_.retries_scheduled;
          if (observer_ != nullptr) observer_->RetryScheduled();
          // `planned` keeps the original refresh time: the lag of the
          // eventual delivery includes the retries.
          retry_at = now + delay;
        }
      }
    }
  }

  if (!end.ok()) {
    End(id, end);
  } else if (retry_at != absl::InfiniteFuture()) {
    timer_.Schedule(id, retry_at);
  } else {
    Deliver(*sub, event);
    timer_.Schedule(id, event.next_refresh_at);
  }
}

void SubscriptionManager::OnRevoked(absl::string_view tenant,
                                    absl::string_view token_id,
                                    absl::string_view subject) {
  std::vector<uint64_t> matching;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, sub] : subs_) {
      if (sub->sink == nullptr || sub->tenant != tenant) continue;
      const bool whole_tenant = token_id.empty() && subject.empty();
      if (whole_tenant ||
          (!token_id.empty() && sub->current.token_id == token_id) ||
          (!subject.empty() && sub->current.subject == subject)) {
        matching.push_back(id);
      }
    }
  }
  for (uint64_t id : matching) {
    End(id, Error(Reason::kRevoked, "the subscription's token was revoked"));
  }
}

void SubscriptionManager::OnTenantChanged(absl::string_view tenant,
                                          EventReason reason) {
  const absl::Time now = clock_.Now();
  std::vector<std::pair<uint64_t, absl::Time>> moves;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, sub] : subs_) {
      if (sub->sink == nullptr || sub->tenant != tenant) continue;
      sub->pending_reason = reason;
      // Spread the re-issues so thousands of streams do not sign at once,
      // but never later than the planned refresh.
      absl::Time at = now + options_.rotation_window * Uniform();
      at = std::min(
          at, NextRefresh(sub->current.issued_at, sub->current.expires_at, now,
                          PolicyFor(*sub), sub->jitter_unit));
      sub->planned = at;
      moves.emplace_back(id, at);
    }
  }
  for (const auto& [id, at] : moves) timer_.Schedule(id, at);
}

void SubscriptionManager::EndTenant(absl::string_view tenant,
                                    const absl::Status& status) {
  std::vector<uint64_t> matching;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, sub] : subs_) {
      if (sub->sink != nullptr && sub->tenant == tenant) matching.push_back(id);
    }
  }
  for (uint64_t id : matching) End(id, status);
}

void SubscriptionManager::Shutdown() {
  std::vector<uint64_t> all;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    for (const auto& [id, sub] : subs_) all.push_back(id);
  }
  for (uint64_t id : all) {
    End(id, Error(Reason::kUnavailable, "tokend is shutting down"));
  }
}

SubscriptionStats SubscriptionManager::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace tokend
