// Outbound ext_authz tokens: one token per (tenant, subject, audience),
// kept fresh by the renewal scheduler (core/renewal/subscription_manager.h)
// so that a Check for an egress route returns a cached token and never
// waits for a signature, except the first for a key (which issues once).
//
// Each key holds a subscription whose sink stores the latest token. When
// the subscription ends (revocation, tenant removed, shutdown) the entry is
// dropped and the next Check subscribes again. Entries over `max_cached`
// are refused (RESOURCE_EXHAUSTED) rather than evicted, so a flood of
// subjects cannot churn the scheduler.
//
// Threads: Get from gRPC callback threads; sinks run on the renewal
// executor. All state is under mu_.
#ifndef TOKEND_SERVER_EXT_AUTHZ_OUTBOUND_TOKENS_H_
#define TOKEND_SERVER_EXT_AUTHZ_OUTBOUND_TOKENS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/renewal/subscription_manager.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {

struct OutboundToken {
  std::string token;  // never logged
  std::string token_id;
  absl::Time expires_at;
};

class OutboundTokens {
 public:
  OutboundTokens(SubscriptionManager& subscriptions, const Clock& clock)
      : subscriptions_(subscriptions), clock_(clock) {}
  ~OutboundTokens();

  // The current token for the key, subscribing on the first call. Errors
  // are the issue error (core reasons), or RESOURCE_EXHAUSTED over the cap.
  absl::StatusOr<OutboundToken> Get(const ConfigSnapshot& snapshot,
                                    absl::string_view tenant,
                                    absl::string_view subject,
                                    absl::string_view audience);

  size_t size() const;

 private:
  class Sink;
  struct Entry {
    uint64_t subscription = 0;
    OutboundToken token;
  };
  void Store(const std::string& key, const TokenInfo& info);
  void Drop(const std::string& key);

  SubscriptionManager& subscriptions_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_OUTBOUND_TOKENS_H_
