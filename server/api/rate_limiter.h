// Per-caller token buckets: `qps` tokens per second, up to `burst`.
// Thread-safe; the table is capped (idle full buckets are dropped first).
#ifndef TOKEND_SERVER_API_RATE_LIMITER_H_
#define TOKEND_SERVER_API_RATE_LIMITER_H_

#include <atomic>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tokend {

class RateLimiter {
 public:
  // qps 0 disables limiting.
  void SetLimits(double qps, double burst);

  // False when qps is 0: callers skip building the key and the lock.
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // nullopt: allowed (a token was taken). Otherwise how long until one is
  // available.
  std::optional<absl::Duration> Acquire(absl::string_view key, absl::Time now);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  static constexpr size_t kMaxBuckets = 65536;

  std::atomic<bool> enabled_{false};
  absl::Mutex mu_;
  double qps_ ABSL_GUARDED_BY(mu_) = 0;
  double burst_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_RATE_LIMITER_H_
