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
  return absl::FromUnixSeconds(
      absl::ToUnixSeconds(revoked_at + absl::Seconds(1)));
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
  // A store that can lose its data while tokend runs (Redis: FLUSHALL, a
  // restart without persistence, a failover to a replica that is behind)
  // keeps a marker with the data: gone marker, lost data. The replicas
  // that notice write back what they hold and mark the store again.
  struct Integrity {
    // The marker is there.
    bool intact = true;
    // From when the store holds every running replica's entries: the
    // marking replica's now when it took a new store as it was, or its now
    // plus a window for the other replicas to write back theirs too when
    // it refilled one. A replica that starts before it waits for it.
    absl::Time settled_at = absl::InfinitePast();
    // Other tokend replicas connected to the store now (Redis: subscribed
    // to its channel): those that may write back what it lost. A replica
    // connecting at that very moment may or may not be counted.
    int other_replicas = 0;
  };

  virtual ~RevocationStore() = default;
  // Returns only once the entry is durable (SQLite: committed in WAL with
  // synchronous=FULL; Redis: acknowledged by the server). kUnavailable when
  // the backend cannot be reached.
  virtual absl::Status Add(const Revocation& revocation) = 0;
  // All of `revocations` at once (SQLite: one transaction, one fsync;
  // Redis: one MULTI/EXEC), durable together or not at all; as Add
  // otherwise. The default adds them one by one.
  virtual absl::Status AddBatch(const std::vector<Revocation>& revocations) {
    for (const Revocation& r : revocations) {
      if (absl::Status status = Add(r); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  // Every live entry.
  virtual absl::StatusOr<std::vector<Revocation>> LoadAll() = 0;
  // Deletes entries whose expires_at ≤ now.
  virtual absl::Status Prune(absl::Time now) = 0;
  // Entries written by other replicas, as they arrive (Redis pub/sub). The
  // SQLite store has no other writers and never calls it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep it.
  virtual void Watch(std::function<void(const Revocation&)> /*on_remote*/) {}
  // False while the backend is unreachable (readiness and metrics).
  virtual bool Healthy() const { return true; }

  // Reads the marker. A store that cannot lose data without tokend
  // knowing (SQLite) is always intact.
  virtual absl::StatusOr<Integrity> CheckIntegrity() { return Integrity{}; }
  // Writes the marker with `settled_at`, unless another replica wrote one
  // already (that one stays): the caller has written back everything it
  // holds.
  virtual absl::Status MarkIntact(absl::Time settled_at) {
    return absl::OkStatus();
  }
  // Called, on the store's own thread, whenever the store may have lost
  // entries: its marker is gone, or was written again by a replica that
  // refilled it (this one may hold entries that one did not), or a
  // connection to it was established again (a restart or a failover may
  // have dropped acknowledged writes even where the marker survived). The
  // caller writes back what it holds, then marks the store.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep it.
  virtual void WatchLoss(std::function<void()> /*on_loss*/) {}
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_H_
