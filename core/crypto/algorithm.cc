#include "core/crypto/algorithm.h"

#include <iterator>

namespace tokend {
namespace {

struct AlgorithmInfo {
  Algorithm alg;
  absl::string_view name;
  KeyFamily family;
  size_t hash_size;
  size_t fixed_signature_size;
};

// Indexed by the enum value; the static_assert below keeps it in step.
constexpr AlgorithmInfo kAlgorithms[] = {
    {Algorithm::kHS256, "HS256", KeyFamily::kHmac, 32, 32},
    {Algorithm::kHS384, "HS384", KeyFamily::kHmac, 48, 48},
    {Algorithm::kHS512, "HS512", KeyFamily::kHmac, 64, 64},
    {Algorithm::kRS256, "RS256", KeyFamily::kRsa, 32, 0},
    {Algorithm::kRS384, "RS384", KeyFamily::kRsa, 48, 0},
    {Algorithm::kRS512, "RS512", KeyFamily::kRsa, 64, 0},
    {Algorithm::kPS256, "PS256", KeyFamily::kRsaPss, 32, 0},
    {Algorithm::kPS384, "PS384", KeyFamily::kRsaPss, 48, 0},
    {Algorithm::kPS512, "PS512", KeyFamily::kRsaPss, 64, 0},
    // ES512 uses P-521: each of r and s is 66 octets (528 bits).
    {Algorithm::kES256, "ES256", KeyFamily::kEcdsa, 32, 64},
    {Algorithm::kES384, "ES384", KeyFamily::kEcdsa, 48, 96},
    {Algorithm::kES512, "ES512", KeyFamily::kEcdsa, 64, 132},
    {Algorithm::kEdDSA, "EdDSA", KeyFamily::kEd25519, 64, 64},
};

constexpr bool TableIsIndexedByEnum() {
  for (size_t i = 0; i < std::size(kAlgorithms); ++i) {
    if (static_cast<size_t>(kAlgorithms[i].alg) != i) return false;
  }
  return std::size(kAlgorithms) == static_cast<size_t>(Algorithm::kEdDSA) + 1;
}
static_assert(TableIsIndexedByEnum());

const AlgorithmInfo& Info(Algorithm alg) {
  return kAlgorithms[static_cast<size_t>(alg)];
}

}  // namespace

absl::string_view AlgorithmName(Algorithm alg) { return Info(alg).name; }

std::optional<Algorithm> AlgorithmFromName(absl::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.name == name) return info.alg;
  }
  // RFC 9864's fully specified name for Ed25519.
  if (name == "Ed25519") return Algorithm::kEdDSA;
  return std::nullopt;
}

KeyFamily FamilyOf(Algorithm alg) { return Info(alg).family; }

bool IsSymmetric(Algorithm alg) { return Info(alg).family == KeyFamily::kHmac; }

size_t HashSize(Algorithm alg) { return Info(alg).hash_size; }

size_t FixedSignatureSize(Algorithm alg) {
  return Info(alg).fixed_signature_size;
}

}  // namespace tokend
