// The crypto bound of grpc_load: how many signatures and verifications one
// core does per second with core's Key API, for the same signing input the
// server signs. The bench multiplies by the cores the server can use.
// Main thread only (it is a single-threaded measurement).
#ifndef TOKEND_BENCH_GRPC_LOAD_CRYPTO_H_
#define TOKEND_BENCH_GRPC_LOAD_CRYPTO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"

namespace tokend::bench {

struct CryptoRate {
  double sign_per_s = 0;
  double verify_per_s = 0;
};

// Generates a key of `alg` and times Sign and Verify of `signing_input`
// for about `duration` each.
absl::StatusOr<CryptoRate> MeasureCrypto(Algorithm alg,
                                         const std::string& signing_input,
                                         absl::Duration duration);

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_GRPC_LOAD_CRYPTO_H_
