#include "server/rate_limiter.h"

#include <algorithm>

namespace tokend {

void RateLimiter::SetLimits(double qps, double burst) {
  std::lock_guard<std::mutex> lock(mu_);
  qps_ = qps;
  burst_ = std::max(1.0, burst);
  enabled_.store(qps > 0, std::memory_order_relaxed);
}

std::optional<absl::Duration> RateLimiter::Acquire(absl::string_view key,
                                                   absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (qps_ <= 0) return std::nullopt;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) {
      // Drop the buckets that are full again: forgetting them changes
      // nothing for their callers.
      absl::erase_if(buckets_, [&](const auto& entry) {
        const Bucket& b = entry.second;
        return b.tokens + absl::ToDoubleSeconds(now - b.updated) * qps_ >=
               burst_;
      });
    }
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(
      burst_,
      b.tokens + std::max(0.0, absl::ToDoubleSeconds(now - b.updated)) * qps_);
  b.updated = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return absl::Seconds((1 - b.tokens) / qps_);
}

}  // namespace tokend
