// The in-memory view of every live revocation, answering IsRevoked on the
// verify path without touching the store.
//
// Layout: entries are spread over kShards hash maps by key; each shard has
// its own reader/writer mutex. A lookup takes one shard's reader lock and
// builds no string (heterogeneous lookup on string_views), and a kind with
// no entries at all is not looked up. Writers lock only the shard they
// change, so adding 100,000 entries one by one costs 100,000 inserts, not
// copies of the whole set.
//
// Threads: every method may be called from any thread.
#ifndef TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_
#define TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/revocation/revocation.h"
#include "core/token_service.h"

namespace tokend {

class RevocationIndex final : public RevocationChecker {
 public:
  RevocationIndex() = default;

  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override;
  absl::Time RevokedThrough(absl::string_view tenant,
                            absl::string_view subject) const override;

  // Idempotent: adding an entry twice keeps the later revoked_at/expiry.
  // True when the entry was new or made either time later.
  bool Add(const Revocation& revocation);
  // Replaces the whole view (start-up load). Shard by shard: a concurrent
  // reader may see some shards old and some new for that moment.
  void Replace(const std::vector<Revocation>& all);
  // Drops entries whose expires_at ≤ now; returns how many.
  size_t Prune(absl::Time now);
  // Every entry with expires_at > now (unordered): for writing the local
  // view back to a store that lost it.
  std::vector<Revocation> Live(absl::Time now) const;
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kKinds = 3;

  struct Key {
    Revocation::Kind kind;
    std::string tenant;
    std::string value;
  };
  struct KeyView {
    Revocation::Kind kind;
    absl::string_view tenant;
    absl::string_view value;
  };
  // Transparent: a Key and a KeyView with the same parts hash and compare
  // equal, so lookups need no Key.
  struct Hash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const;
    size_t operator()(const Key& k) const {
      return (*this)(KeyView{k.kind, k.tenant, k.value});
    }
  };
  struct Eq {
    using is_transparent = void;
    static KeyView View(const Key& k) { return {k.kind, k.tenant, k.value}; }
    static KeyView View(const KeyView& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const KeyView x = View(a);
      const KeyView y = View(b);
      return x.kind == y.kind && x.tenant == y.tenant && x.value == y.value;
    }
  };
  struct Times {
    absl::Time revoked_at;
    absl::Time expires_at;
  };
  using Map = absl::flat_hash_map<Key, Times, Hash, Eq>;
  struct Shard {
    mutable absl::Mutex mu;
    Map map ABSL_GUARDED_BY(mu);
  };

  static size_t KindIndex(Revocation::Kind kind) {
    return static_cast<size_t>(kind) - 1;
  }
  static size_t ShardOf(const KeyView& key);
  // Looks `key` up; its revoked_at when present.
  bool Find(const KeyView& key, absl::Time* revoked_at) const;
  // Whether any entry of `kind` exists (lookups of the others are skipped).
  bool Has(Revocation::Kind kind) const {
    return counts_[KindIndex(kind)].load(std::memory_order_relaxed) > 0;
  }
  // Inserts or merges into a shard's map (its lock held); true when new,
  // and *grew (optional) when an existing entry's times grew.
  static bool Merge(const Revocation& r, Map* map, bool* grew = nullptr);
  void Count(Revocation::Kind kind, int64_t delta);

  std::array<Shard, kShards> shards_;
  // Entries of each kind, so that IsRevoked skips kinds with none.
  std::array<std::atomic<int64_t>, kKinds> counts_{};
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REVOCATION_INDEX_H_
