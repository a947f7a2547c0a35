// Revocations: the only state tokend keeps. An entry revokes one token id,
// every token of a subject issued at or before the revocation, or every
// token of a tenant issued at or before it. It lives until the longest token
// it could affect has expired (`expires_at`), then is dropped.
#ifndef TOKEND_CORE_REVOCATION_REVOCATION_H_
#define TOKEND_CORE_REVOCATION_REVOCATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tokend {

// Revocation times are kept in whole milliseconds, rounded up, so an entry
// never covers less or expires sooner than asked, and every replica and
// store holds the same value.
inline absl::Time CeilToMillis(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  const absl::Time floor = absl::FromUnixMillis(absl::ToUnixMillis(t));
  return floor < t ? floor + absl::Milliseconds(1) : floor;
}
inline int64_t CeilUnixMillis(absl::Time t) {
  return absl::ToUnixMillis(CeilToMillis(t));
}

// Token times (iat, Agora's issue_ts) are whole seconds, and a subject or
// tenant entry covers tokens issued at or before its revoked_at: every
// token issued in the second of `revoked_at`, before or after it, is
// covered. The first instant from which a newly issued token is not.
inline absl::Time FirstUncoveredIssue(absl::Time revoked_at) {
  if (revoked_at == absl::InfinitePast()) return revoked_at;
  return absl::FromUnixSeconds(absl::ToUnixSeconds(revoked_at) + 1);
}

struct Revocation {
  enum class Kind { kTokenId = 1, kSubject = 2, kTenant = 3 };
  Kind kind = Kind::kTokenId;
  std::string tenant;
  std::string value;  // token id or subject; empty for kTenant
  absl::Time revoked_at;
  absl::Time expires_at;  // drop after this

  bool operator==(const Revocation& o) const {
    return kind == o.kind && tenant == o.tenant && value == o.value &&
           revoked_at == o.revoked_at && expires_at == o.expires_at;
  }
};

// Durable storage behind the in-memory index. Two implementations: SQLite
// (the embedded default) and Redis (shared by replicas).
//
// Threads: Add/LoadAll/Prune may be called from any thread; implementations
// serialise internally. Watch callbacks run on the store's own thread.
class RevocationStore {
 public:
  virtual ~RevocationStore() = default;
  // Returns only once the entry is durable (SQLite: committed in WAL with
  // synchronous=FULL; Redis: acknowledged by the server). kUnavailable when
  // the backend cannot be reached.
  virtual absl::Status Add(const Revocation& revocation) = 0;
  // Every live entry.
  virtual absl::StatusOr<std::vector<Revocation>> LoadAll() = 0;
  // Deletes entries whose expires_at ≤ now.
  virtual absl::Status Prune(absl::Time now) = 0;
  // Entries written by other replicas, as they arrive (Redis pub/sub). The
  // SQLite store has no other writers and never calls it.
  virtual void Watch(std::function<void(const Revocation&)> on_remote) {}
  // False while the backend is unreachable (readiness and metrics).
  virtual bool Healthy() const { return true; }
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_H_
