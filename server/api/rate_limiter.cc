#include "server/api/rate_limiter.h"

#include <algorithm>

namespace tokend {

void RateLimiter::SetLimits(double qps, double burst) {
  absl::MutexLock lock(&mu_);
  qps_ = qps;
  burst_ = std::max(1.0, burst);
  enabled_.store(qps > 0, std::memory_order_relaxed);
}

std::optional<absl::Duration> RateLimiter::Acquire(absl::string_view key,
                                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (qps_ <= 0) return std::nullopt;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) {
      // Drop the buckets that are full again: forgetting them changes
      // nothing for their callers.
      // Copies: the analysis cannot see that the lambda runs under mu_.
      const double qps = qps_;
      const double burst = burst_;
      absl::erase_if(buckets_, [&](const auto& entry) {
        const Bucket& b = entry.second;
        return b.tokens + absl::ToDoubleSeconds(now - b.updated) * qps >= burst;
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
