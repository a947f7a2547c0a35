// Internal to core/crypto: the factories for the four KeyPrimitive families
// and the EVP sign/verify helpers they share. Only key.cc and the family
// files (hmac.cc, rsa.cc, ecdsa.cc, eddsa.cc) include this header.
#ifndef TOKEND_CORE_CRYPTO_PRIMITIVES_H_
#define TOKEND_CORE_CRYPTO_PRIMITIVES_H_

#include <openssl/evp.h>

#include <memory>
#include <string>

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
absl::StatusOr<LoadedPrimitive> NewRsaPrimitive(Algorithm alg,
                                                std::shared_ptr<EVP_PKEY> pkey);
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

// Sign/verify over a digest with contexts prepared once per key: a keyed-in
// EVP_PKEY_CTX for each direction and an initialised EVP_MD_CTX. Each
// operation duplicates them (a read of the shared originals), so no
// algorithm fetch or key setup happens per call. Used by RS*, PS* and ES*;
// EdDSA hashes internally and keeps EvpSign/EvpVerify.
class DigestSigner {
 public:
  // `can_sign`: also prepare the signing context (private keys only).
  static absl::StatusOr<std::unique_ptr<const DigestSigner>> Create(
      EVP_PKEY* pkey, const EVP_MD* md, Padding padding, bool can_sign);
  ~DigestSigner();
  DigestSigner(const DigestSigner&) = delete;
  DigestSigner& operator=(const DigestSigner&) = delete;

  // Reason::kBadSignature on any failure.
  absl::Status Verify(absl::string_view input,
                      absl::string_view signature) const;
  // Reason::kNoSigningKey without a signing context, kInternal on failure.
  absl::StatusOr<std::string> Sign(absl::string_view input) const;

 private:
  DigestSigner() = default;
  // Hashes `input` into `digest` (EVP_MAX_MD_SIZE bytes); false on failure.
  bool Digest(absl::string_view input, uint8_t* digest,
              unsigned int* len) const;

  EVP_MD_CTX* md_ = nullptr;
  EVP_PKEY_CTX* verify_ = nullptr;
  EVP_PKEY_CTX* sign_ = nullptr;
  size_t max_signature_ = 0;
};

}  // namespace tokend::crypto_internal

#endif  // TOKEND_CORE_CRYPTO_PRIMITIVES_H_
