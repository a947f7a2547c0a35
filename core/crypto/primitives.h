// Internal to core/crypto: the factories for the four KeyPrimitive families
// and the EVP sign/verify helpers they share. Only key.cc and the family
// files (hmac.cc, rsa.cc, ecdsa.cc, eddsa.cc) include this header.
#ifndef TOKEND_CORE_CRYPTO_PRIMITIVES_H_
#define TOKEND_CORE_CRYPTO_PRIMITIVES_H_

#include <memory>
#include <string>

#include <openssl/evp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"

namespace tokend::crypto_internal {

// A validated primitive and whether it holds private (signing) material.
struct LoadedPrimitive {
  std::shared_ptr<const KeyPrimitive> primitive;
  bool has_private = false;
};

// HS*: `secret` has already been checked against HashSize(alg). The
// primitive keeps its own pre-keyed HMAC context, not the secret.
absl::StatusOr<LoadedPrimitive> NewHmacPrimitive(Algorithm alg,
                                                 absl::string_view secret);

// The asymmetric factories get a key whose EVP_PKEY type already fits the
// family (key.cc checks that) and enforce the rest of the load-time rules.
// RS* and PS*: ≥ 2048 bits (kKeyTooWeak), odd exponent > 1 (kKeyInvalid).
absl::StatusOr<LoadedPrimitive> NewRsaPrimitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey);
// ES*: the curve must fit the algorithm (kKeyAlgMismatch) and the point must
// be valid (kKeyInvalid).
absl::StatusOr<LoadedPrimitive> NewEcdsaPrimitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey);
// EdDSA over Ed25519.
absl::StatusOr<LoadedPrimitive> NewEd25519Primitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey);

// EVP_sha256() / EVP_sha384() / EVP_sha512() for the algorithm's hash;
// nullptr for EdDSA (which hashes internally).
const EVP_MD* DigestFor(Algorithm alg);

// How the RSA EVP_PKEY_CTX is configured before a sign or verify.
enum class Padding {
  kDefault,   // EC and Ed25519: nothing to set
  kPkcs1,     // RSASSA-PKCS1-v1_5
  kPssPinned  // RSASSA-PSS, MGF1 with the same hash, salt = hash length
};

// One-shot EVP_DigestVerify. Any failure is Reason::kBadSignature; the
// thread's OpenSSL error queue is cleared.
absl::Status EvpVerify(EVP_PKEY* pkey, const EVP_MD* md, Padding padding,
                       absl::string_view input, absl::string_view signature);

// One-shot EVP_DigestSign. Failures are Reason::kInternal.
absl::StatusOr<std::string> EvpSign(EVP_PKEY* pkey, const EVP_MD* md,
                                    Padding padding, absl::string_view input);

}  // namespace tokend::crypto_internal

#endif  // TOKEND_CORE_CRYPTO_PRIMITIVES_H_
