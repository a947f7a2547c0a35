// The in-memory view of every live revocation, answering IsRevoked on the
// verify path without touching the store.
//
// Threads: IsRevoked from any thread, lock-free (an atomic snapshot load).
// Writers (Add, Replace, Prune) copy the snapshot and swap it in under a
// writer mutex; revocations are rare next to verifications, so
// copy-on-write is the right trade.
#ifndef TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_
#define TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/revocation/revocation.h"
#include "core/token_service.h"

namespace tokend {

class RevocationIndex final : public RevocationChecker {
 public:
  RevocationIndex();

  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override;

  // Idempotent: adding an entry twice keeps the later revoked_at/expiry.
  void Add(const Revocation& revocation);
  // Replaces the whole view (start-up load, periodic resync).
  void Replace(const std::vector<Revocation>& all);
  // Drops entries whose expires_at ≤ now; returns how many.
  size_t Prune(absl::Time now);
  size_t size() const;

 private:
  // Key: kind, tenant and value joined with NUL separators.
  using Map = absl::flat_hash_map<std::string, Revocation>;
  static std::string KeyOf(Revocation::Kind kind, absl::string_view tenant,
                           absl::string_view value);
  static void Insert(const Revocation& r, Map* map);

  absl::Mutex write_mu_;
  std::atomic<std::shared_ptr<const Map>> map_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_
