#include "core/revocation/revocation_index.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace tokend {

size_t RevocationIndex::Hash::operator()(const KeyView& k) const {
  return absl::HashOf(static_cast<int>(k.kind), k.tenant, k.value);
}

size_t RevocationIndex::ShardOf(const KeyView& key) {
  // High bits: the maps use the low ones for their control bytes.
  return (Hash()(key) >> 40) % kShards;
}

bool RevocationIndex::Find(const KeyView& key, absl::Time* revoked_at) const {
  const Shard& shard = shards_[ShardOf(key)];
  absl::ReaderMutexLock lock(&shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return false;
  *revoked_at = it->second.revoked_at;
  return true;
}

bool RevocationIndex::IsRevoked(absl::string_view tenant,
                                absl::string_view token_id,
                                absl::string_view subject,
                                absl::Time issued_at) const {
  absl::Time revoked_at;
  if (!token_id.empty() && Has(Revocation::Kind::kTokenId) &&
      Find({Revocation::Kind::kTokenId, tenant, token_id}, &revoked_at)) {
    return true;
  }
  // Subject and tenant entries cover tokens issued at or before them.
  const absl::Time through = RevokedThrough(tenant, subject);
  return through != absl::InfinitePast() && issued_at <= through;
}

absl::Time RevocationIndex::RevokedThrough(absl::string_view tenant,
                                           absl::string_view subject) const {
  absl::Time latest = absl::InfinitePast();
  absl::Time revoked_at;
  if (!subject.empty() && Has(Revocation::Kind::kSubject) &&
      Find({Revocation::Kind::kSubject, tenant, subject}, &revoked_at)) {
    latest = revoked_at;
  }
  if (Has(Revocation::Kind::kTenant) &&
      Find({Revocation::Kind::kTenant, tenant, ""}, &revoked_at)) {
    latest = std::max(latest, revoked_at);
  }
  return latest;
}

bool RevocationIndex::Merge(const Revocation& r, Map* map, bool* grew) {
  auto [it, inserted] = map->try_emplace(Key{r.kind, r.tenant, r.value},
                                         Times{r.revoked_at, r.expires_at});
  if (!inserted) {
    Times& times = it->second;
    if (grew != nullptr) {
      *grew =
          r.revoked_at > times.revoked_at || r.expires_at > times.expires_at;
    }
    times.revoked_at = std::max(times.revoked_at, r.revoked_at);
    times.expires_at = std::max(times.expires_at, r.expires_at);
  }
  return inserted;
}

void RevocationIndex::Count(Revocation::Kind kind, int64_t delta) {
  counts_[KindIndex(kind)].fetch_add(delta, std::memory_order_relaxed);
}

bool RevocationIndex::Add(const Revocation& revocation) {
  const KeyView key{revocation.kind, revocation.tenant, revocation.value};
  Shard& shard = shards_[ShardOf(key)];
  bool inserted;
  bool grew = false;
  {
    absl::MutexLock lock(&shard.mu);
    inserted = Merge(revocation, &shard.map, &grew);
  }
  // Counted after the insert: a reader that sees the count finds the entry.
  if (inserted) Count(revocation.kind, 1);
  return inserted || grew;
}

void RevocationIndex::Replace(const std::vector<Revocation>& all) {
  std::array<Map, kShards> next;
  for (const Revocation& r : all) {
    Merge(r, &next[ShardOf(KeyView{r.kind, r.tenant, r.value})]);
  }
  std::array<int64_t, kKinds> added{};
  for (const Map& map : next) {
    for (const auto& [key, times] : map) ++added[KindIndex(key.kind)];
  }
  // Raise the counts before the entries appear, lower them after the old
  // ones are gone, so no reader skips a kind that has entries.
  for (size_t k = 0; k < kKinds; ++k) counts_[k].fetch_add(added[k]);
  std::array<int64_t, kKinds> removed{};
  for (size_t s = 0; s < kShards; ++s) {
    Map old;
    {
      absl::MutexLock lock(&shards_[s].mu);
      old = std::exchange(shards_[s].map, std::move(next[s]));
    }
    for (const auto& [key, times] : old) ++removed[KindIndex(key.kind)];
  }
  for (size_t k = 0; k < kKinds; ++k) counts_[k].fetch_sub(removed[k]);
}

size_t RevocationIndex::Prune(absl::Time now) {
  size_t dropped = 0;
  for (Shard& shard : shards_) {
    std::array<int64_t, kKinds> gone{};
    {
      absl::MutexLock lock(&shard.mu);
      absl::erase_if(shard.map, [&](const auto& entry) {
        if (entry.second.expires_at > now) return false;
        ++gone[KindIndex(entry.first.kind)];
        return true;
      });
    }
    for (size_t k = 0; k < kKinds; ++k) {
      counts_[k].fetch_sub(gone[k], std::memory_order_relaxed);
      dropped += static_cast<size_t>(gone[k]);
    }
  }
  return dropped;
}

std::vector<Revocation> RevocationIndex::Live(absl::Time now) const {
  std::vector<Revocation> live;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [key, times] : shard.map) {
      if (times.expires_at <= now) continue;
      live.push_back({key.kind, key.tenant, key.value, times.revoked_at,
                      times.expires_at});
    }
  }
  return live;
}

size_t RevocationIndex::size() const {
  int64_t total = 0;
  for (const auto& count : counts_) total += count.load();
  return static_cast<size_t>(std::max<int64_t>(total, 0));
}

}  // namespace tokend
