#include "core/cache/verified_token_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace tokend {
namespace {

uint64_t DefaultHash(absl::string_view token) { return absl::HashOf(token); }

// At most 16 shards, each with room for at least 64 entries and 256 KiB,
// so a small cache keeps one exact LRU order and a small byte bound is not
// split into shards too small for a token.
size_t ShardCount(const VerifyCacheLimits& limits) {
  return std::clamp<size_t>(
      std::min(limits.max_entries / 64, limits.max_bytes / (256 << 10)), 1, 16);
}

}  // namespace

VerifiedTokenCache::VerifiedTokenCache(
    VerifyCacheLimits limits, std::shared_ptr<VerifyCacheCounters> totals)
    : limits_(limits),
      shard_entries_(
          std::max<size_t>(1, limits.max_entries / ShardCount(limits))),
      shard_bytes_(limits.max_bytes / ShardCount(limits)),
      hash_(&DefaultHash),
      totals_(std::move(totals)) {
  const size_t count = ShardCount(limits);
  shards_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<Shard>(&hash_));
  }
}

size_t VerifiedTokenCache::EntryBytes(absl::string_view token,
                                      const VerifiedToken& verified) {
  // The token bytes, the entry's fixed parts and an estimate of the parsed
  // state: the claims (as a model and as registered claims) are at most a
  // few times the token's size.
  return sizeof(Entry) + sizeof(VerifiedToken) + 64 + token.size() * 4 +
         verified.info.token_id.size() + verified.info.subject.size();
}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardFor(uint64_t hash) {
  // The high bits: the map uses the low ones.
  return *shards_[(hash >> 48) % shards_.size()];
}

void VerifiedTokenCache::Erase(Shard& shard, EntryList::iterator it) {
  shard.index.erase(absl::string_view(it->token));
  shard.bytes -= it->bytes;
  bytes_.fetch_sub(static_cast<int64_t>(it->bytes), std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.lru.erase(it);
}

std::shared_ptr<const VerifiedToken> VerifiedTokenCache::Lookup(
    absl::string_view token, const Profile& profile, absl::Time now) {
  Shard& shard = ShardFor(hash_(token));
  {
    absl::MutexLock lock(&shard.mu);
    auto found = shard.index.find(token);
    if (found != shard.index.end()) {
      EntryList::iterator it = found->second;
      if (now >= it->deadline || it->profile.get() != &profile ||
          !profile.Trusts(*it->verified)) {
        // Expired, or authenticated by another profile or a key this one
        // no longer trusts: never a hit again.
        Erase(shard, it);
        CountEviction();
      } else {
        shard.lru.splice(shard.lru.begin(), shard.lru, it);
        CountHit();
        return it->verified;
      }
    }
  }
  CountMiss();
  return nullptr;
}

void VerifiedTokenCache::Insert(absl::string_view token,
                                std::shared_ptr<const Profile> profile,
                                std::shared_ptr<const VerifiedToken> verified,
                                absl::Time now) {
  const absl::Time deadline =
      std::min(now + limits_.max_age, verified->info.expires_at);
  const size_t bytes = EntryBytes(token, *verified);
  if (now >= deadline || bytes > shard_bytes_ || shard_entries_ == 0) return;

  Shard& shard = ShardFor(hash_(token));
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(token); found != shard.index.end()) {
    Erase(shard, found->second);
  }
  while (!shard.lru.empty() && (shard.lru.size() >= shard_entries_ ||
                                shard.bytes + bytes > shard_bytes_)) {
    Erase(shard, std::prev(shard.lru.end()));
    CountEviction();
  }
  shard.lru.push_front(Entry{std::string(token), std::move(profile),
                             std::move(verified), deadline, bytes});
  shard.index.emplace(absl::string_view(shard.lru.front().token),
                      shard.lru.begin());
  shard.bytes += bytes;
  bytes_.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
}

void VerifiedTokenCache::CountHit() {
  hits_.fetch_add(1, std::memory_order_relaxed);
  if (totals_ != nullptr) totals_->hits.fetch_add(1, std::memory_order_relaxed);
}

void VerifiedTokenCache::CountMiss() {
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (totals_ != nullptr) {
    totals_->misses.fetch_add(1, std::memory_order_relaxed);
  }
}

void VerifiedTokenCache::CountEviction() {
  evictions_.fetch_add(1, std::memory_order_relaxed);
  if (totals_ != nullptr) {
    totals_->evictions.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace tokend
