// A per-tenant cache of authenticated tokens (Profile::Authenticate
// results), keyed by the exact token bytes, so a token presented again
// skips its signature. It only ever saves the expensive half: every hit is
// checked again by the caller (Profile::Check, revocation), so a cached
// answer is the answer a cold verify gives.
//
// Bounded by entries and by bytes (an estimate of what an entry holds),
// least recently used first out, in shards of their own mutex so
// concurrent readers of different tokens do not serialize. An entry lives
// until the earlier of the token's expiry and max_age after it was stored,
// and hits only for the very Profile object that authenticated it while
// that profile still trusts the key that verified it.
//
// Thread-safety: every method may be called from any thread.
#ifndef TOKEND_CORE_CACHE_VERIFIED_TOKEN_CACHE_H_
#define TOKEND_CORE_CACHE_VERIFIED_TOKEN_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

struct VerifyCacheLimits {
  size_t max_entries = 10000;
  size_t max_bytes = 16 << 20;
  absl::Duration max_age = absl::Minutes(10);
};

// Hits, misses and evictions that outlive one cache: every cache a tenant
// gets (a reload builds a new one) adds to the same totals, so the server
// exports them as counters that never reset or go back. Thread-safe.
struct VerifyCacheCounters {
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::atomic<uint64_t> evictions{0};
};

class VerifiedTokenCache {
 public:
  using HashFn = uint64_t (*)(absl::string_view);

  // `totals`, when given, counts this cache's hits, misses and evictions
  // too (besides hits(), misses() and evictions(), which are its own).
  explicit VerifiedTokenCache(
      VerifyCacheLimits limits,
      std::shared_ptr<VerifyCacheCounters> totals = nullptr);
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // The entry stored for exactly `token` by `profile`, unless it is past
  // its deadline at `now` or `profile` no longer trusts its key (both drop
  // it); nullptr otherwise. Counts a hit or a miss.
  std::shared_ptr<const VerifiedToken> Lookup(absl::string_view token,
                                              const Profile& profile,
                                              absl::Time now);
  // Stores `verified` for `token` (replacing an entry for the same bytes)
  // unless its deadline has passed at `now` or it alone exceeds the byte
  // bound; evicts the least recently used entries of its shard to fit.
  void Insert(absl::string_view token, std::shared_ptr<const Profile> profile,
              std::shared_ptr<const VerifiedToken> verified, absl::Time now);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t evictions() const {
    return evictions_.load(std::memory_order_relaxed);
  }
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  int64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  const VerifyCacheLimits& limits() const { return limits_; }

  // Tests: replace the hash (e.g. by a constant, so every token collides).
  // Call before any other method.
  void SetHashForTesting(HashFn hash) { hash_ = hash; }

  // The bytes an entry for `token` is counted as.
  static size_t EntryBytes(absl::string_view token,
                           const VerifiedToken& verified);

 private:
  struct Entry {
    std::string token;
    std::shared_ptr<const Profile> profile;
    std::shared_ptr<const VerifiedToken> verified;
    absl::Time deadline;
    size_t bytes = 0;
  };
  using EntryList = std::list<Entry>;

  struct Hash {
    const HashFn* fn;
    size_t operator()(absl::string_view s) const { return (*fn)(s); }
  };

  struct Shard {
    explicit Shard(const HashFn* hash) : index(0, Hash{hash}) {}
    absl::Mutex mu;
    EntryList lru ABSL_GUARDED_BY(mu);  // most recently used first
    // Keys view the entries' own token bytes; the map compares them in
    // full, so equal hashes never make a hit.
    absl::flat_hash_map<absl::string_view, EntryList::iterator, Hash> index
        ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardFor(uint64_t hash);
  void Erase(Shard& shard, EntryList::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const VerifyCacheLimits limits_;
  const size_t shard_entries_;
  const size_t shard_bytes_;
  HashFn hash_;
  std::vector<std::unique_ptr<Shard>> shards_;
  const std::shared_ptr<VerifyCacheCounters> totals_;
  void CountHit();
  void CountMiss();
  void CountEviction();

  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> entries_{0};
};

}  // namespace tokend

#endif  // TOKEND_CORE_CACHE_VERIFIED_TOKEN_CACHE_H_
