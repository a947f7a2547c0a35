#include "server/ext_authz/outbound_tokens.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/profiles/jwt_grants.h"
#include "core/reason.h"

namespace tokend {

// Stores every event of one key's subscription; forgets the key when the
// subscription ends.
class OutboundTokens::Sink final : public SubscriptionSink {
 public:
  Sink(OutboundTokens* owner, std::string key)
      : owner_(owner), key_(std::move(key)) {}
  void OnEvent(const TokenEvent& event) override {
    owner_->Store(key_, event.token);
  }
  void OnEnd(const absl::Status& status) override { owner_->Drop(key_); }

 private:
  OutboundTokens* const owner_;
  const std::string key_;
};

OutboundTokens::~OutboundTokens() {
  std::vector<uint64_t> ids;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, entry] : entries_) ids.push_back(entry.subscription);
    entries_.clear();
  }
  for (uint64_t id : ids) subscriptions_.Unsubscribe(id);
}

void OutboundTokens::Store(const std::string& key, const TokenInfo& info) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;  // dropped meanwhile
  it->second.token = {info.token, info.token_id, info.expires_at};
}

void OutboundTokens::Drop(const std::string& key) {
  absl::MutexLock lock(&mu_);
  entries_.erase(key);
}

size_t OutboundTokens::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

absl::StatusOr<OutboundToken> OutboundTokens::Get(
    const ConfigSnapshot& snapshot, absl::string_view tenant,
    absl::string_view subject, absl::string_view audience) {
  // Length-prefixed, so no subject can forge another key.
  const std::string key = absl::StrCat(tenant.size(), ":", tenant,
                                       subject.size(), ":", subject, audience);
  const ExtAuthzConfig& config = snapshot.config().ext_authz;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && !it->second.token.token.empty() &&
        it->second.token.expires_at > clock_.Now()) {
      return it->second.token;
    }
    if (it == entries_.end() &&
        static_cast<int64_t>(entries_.size()) >= config.outbound_max_cached) {
      return ErrorWithCode(absl::StatusCode::kResourceExhausted,
                           Reason::kResourceExhausted,
                           absl::StrCat("ext_authz.outbound.max_cached (",
                                        config.outbound_max_cached,
                                        ") workload tokens are cached"));
    }
  }
  // A miss (or a token that expired while its renewal kept failing):
  // subscribe; the first event is delivered before Subscribe returns.
  SubscriptionRequest request;
  request.tenant = std::string(tenant);
  request.tenants = snapshot.tenants();  // the check's own snapshot
  request.caller = "ext_authz";
  IssueInput input;
  input.subject = std::string(subject);
  input.ttl = config.outbound_ttl;
  if (!audience.empty() && snapshot.ProfileOf(tenant) == "jwt") {
    JwtGrants grants;
    grants.audiences.push_back(std::string(audience));
    input.grants = std::move(grants);
  }
  request.spec = std::move(input);
  request.ttl = config.outbound_ttl;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && !it->second.token.token.empty() &&
        it->second.token.expires_at > clock_.Now()) {
      return it->second.token;  // another call subscribed meanwhile
    }
    if (it == entries_.end()) entries_[key];  // so the first event is kept
  }
  auto sink = std::make_shared<Sink>(this, key);
  absl::StatusOr<uint64_t> id = subscriptions_.Subscribe(request, sink);
  uint64_t extra = 0;  // unsubscribed outside the lock
  absl::StatusOr<OutboundToken> result;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (!id.ok()) {
      if (it != entries_.end() && it->second.subscription == 0) {
        entries_.erase(it);
      }
      return id.status();
    }
    if (it == entries_.end() || it->second.token.token.empty()) {
      // Ended at once (revoked, tenant gone): nothing to hand out.
      extra = *id;
      result = Error(Reason::kUnavailable, "the workload token ended at once");
    } else if (it->second.subscription != 0 && it->second.subscription != *id) {
      // Two calls raced on a miss: keep the first subscription.
      extra = *id;
      result = it->second.token;
    } else {
      it->second.subscription = *id;
      result = it->second.token;
    }
  }
  if (extra != 0) subscriptions_.Unsubscribe(extra);
  return result;
}

}  // namespace tokend
