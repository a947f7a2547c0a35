// A key bound to exactly one JWS algorithm (RFC 8725 §3.1).
//
// A Key is immutable after construction and safe to use from any number of
// threads at once; hold it through std::shared_ptr<const Key>. Construction
// enforces the load-time rules: RSA ≥ 2048 bits, HMAC secret ≥ hash size,
// EC curve matching the algorithm, Ed25519 only for EdDSA. An asymmetric key
// can never be used as an HMAC secret because the HMAC family only ever
// takes raw secret bytes given to FromHmacSecret.
//
// Crypto uses only the EVP/low-level subset shared by OpenSSL 3 and
// BoringSSL; everything that can be prepared once (keyed HMAC context,
// EVP_PKEY, curve parameters) is prepared at construction.
#ifndef TOKEND_CORE_CRYPTO_KEY_H_
#define TOKEND_CORE_CRYPTO_KEY_H_

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"

namespace tokend {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// One algorithm family's implementation; see hmac.cc, rsa.cc, ecdsa.cc,
// eddsa.cc. Immutable and thread-safe.
class KeyPrimitive {
 public:
  virtual ~KeyPrimitive() = default;
  // OK, or Reason::kBadSignature. Constant-time where a MAC is compared.
  virtual absl::Status Verify(absl::string_view signing_input,
                              absl::string_view signature) const = 0;
  // Reason::kNoSigningKey when only public material is held.
  virtual absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const = 0;
  // Appends the signature to *out (which must not hold signing_input), with
  // Sign's errors; *out is unchanged on failure. This default copies Sign's
  // result; a family whose signature has a known size writes it in place.
  virtual absl::Status SignAppend(absl::string_view signing_input,
                                  std::string* out) const;
};

class Key {
 public:
  // HMAC: `secret` must be at least HashSize(alg) bytes.
  static absl::StatusOr<std::shared_ptr<const Key>> FromHmacSecret(
      Algorithm alg, std::string secret, std::string kid = "");

  // RSA, RSA-PSS, EC or Ed25519 key, public or private. The key type and
  // size/curve must fit `alg`.
  static absl::StatusOr<std::shared_ptr<const Key>> FromEvpPkey(
      Algorithm alg, EvpPkeyPtr pkey, std::string kid = "");

  Algorithm alg() const { return alg_; }
  KeyFamily family() const { return FamilyOf(alg_); }
  const std::string& kid() const { return kid_; }
  bool has_private() const { return has_private_; }

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const {
    return primitive_->Verify(signing_input, signature);
  }
  absl::StatusOr<std::string> Sign(absl::string_view signing_input) const {
    return primitive_->Sign(signing_input);
  }
  // Sign, appending the signature to *out instead of returning a new string
  // (the issue hot path reuses one buffer). *out must not hold
  // signing_input; it is unchanged on failure.
  absl::Status SignAppend(absl::string_view signing_input,
                          std::string* out) const {
    return primitive_->SignAppend(signing_input, out);
  }

  // Asymmetric keys: the EVP_PKEY (never null). HMAC keys: nullptr.
  EVP_PKEY* pkey() const { return pkey_.get(); }
  // HMAC keys: the secret. Asymmetric keys: empty.
  const std::string& secret() const { return secret_; }

  // A copy with a different kid (e.g. an RFC 7638 thumbprint).
  std::shared_ptr<const Key> WithKid(std::string kid) const;

 private:
  Key() = default;
  Algorithm alg_ = Algorithm::kHS256;
  std::string kid_;
  bool has_private_ = false;
  std::string secret_;
  std::shared_ptr<EVP_PKEY> pkey_;
  std::shared_ptr<const KeyPrimitive> primitive_;

  friend class KeyFactory;
};

// Generates a fresh private key for `alg` (HMAC: a random secret of
// HashSize bytes; RSA: 2048 bits).
absl::StatusOr<std::shared_ptr<const Key>> GenerateKey(Algorithm alg,
                                                       std::string kid = "");

}  // namespace tokend

#endif  // TOKEND_CORE_CRYPTO_KEY_H_
