// The JWS algorithms tokend implements (RFC 7518 §3.1, RFC 8037, RFC 9864).
#ifndef TOKEND_CORE_CRYPTO_ALGORITHM_H_
#define TOKEND_CORE_CRYPTO_ALGORITHM_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace tokend {

enum class Algorithm {
  kHS256,
  kHS384,
  kHS512,
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kES512,
  kEdDSA,  // Ed25519 only; also accepted under the RFC 9864 name "Ed25519"
};

enum class KeyFamily { kHmac, kRsa, kRsaPss, kEcdsa, kEd25519 };

// "HS256", ..., "EdDSA".
absl::string_view AlgorithmName(Algorithm alg);
// Exact, case-sensitive. "Ed25519" maps to kEdDSA. "none" and anything else
// give nullopt.
std::optional<Algorithm> AlgorithmFromName(absl::string_view name);
KeyFamily FamilyOf(Algorithm alg);
bool IsSymmetric(Algorithm alg);
// Hash output size in bytes: 32/48/64 (64 for EdDSA, unused).
size_t HashSize(Algorithm alg);
// Exact signature length for HMAC, ECDSA and EdDSA; 0 for RSA (modulus-sized).
size_t FixedSignatureSize(Algorithm alg);

}  // namespace tokend

#endif  // TOKEND_CORE_CRYPTO_ALGORITHM_H_
