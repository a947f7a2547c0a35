#include "bench/grpc_load_crypto.h"

#include <chrono>
#include <functional>

#include "core/crypto/key.h"

namespace tokend::bench {
namespace {

// Runs `op` in batches until `duration` has passed; returns ops per second,
// or a negative number when `op` failed.
double Rate(const std::function<bool()>& op, absl::Duration duration) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + absl::ToChronoNanoseconds(duration);
  int64_t ops = 0;
  Clock::time_point now = start;
  while (now < end) {
    for (int i = 0; i < 32; ++i) {
      if (!op()) return -1;
    }
    ops += 32;
    now = Clock::now();
  }
  return static_cast<double>(ops) /
         std::chrono::duration<double>(now - start).count();
}

}  // namespace

absl::StatusOr<CryptoRate> MeasureCrypto(Algorithm alg,
                                         const std::string& signing_input,
                                         absl::Duration duration) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> signature = (*key)->Sign(signing_input);
  if (!signature.ok()) return signature.status();
  CryptoRate rate;
  rate.sign_per_s =
      Rate([&] { return (*key)->Sign(signing_input).ok(); }, duration);
  rate.verify_per_s = Rate(
      [&] { return (*key)->Verify(signing_input, *signature).ok(); }, duration);
  if (rate.sign_per_s < 0 || rate.verify_per_s < 0) {
    return absl::InternalError("a crypto operation failed while timing it");
  }
  return rate;
}

}  // namespace tokend::bench
