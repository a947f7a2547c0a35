// RS256/384/512 (RSASSA-PKCS1-v1_5) and PS256/384/512 (RSASSA-PSS with MGF1
// over the same hash and a salt as long as the hash, RFC 7518 §3.3 and §3.5).
// The PSS parameters are pinned on both sign and verify, so a signature with
// another salt length or a PKCS#1 v1.5 signature never verifies under PS*.
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

constexpr int kMinModulusBits = 2048;
// Verification cost grows with the modulus; refuse absurd keys at load time
// rather than let one make every verification slow.
constexpr int kMaxModulusBits = 16384;

class RsaPrimitive final : public KeyPrimitive {
 public:
  RsaPrimitive(std::shared_ptr<EVP_PKEY> pkey,
               std::unique_ptr<const DigestSigner> signer, size_t modulus_bytes,
               bool has_private)
      : pkey_(std::move(pkey)),
        signer_(std::move(signer)),
        modulus_bytes_(modulus_bytes),
        has_private_(has_private) {}

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const override {
    // An RSA signature is exactly as long as the modulus (RFC 8017 §8.2.2).
    if (signature.size() != modulus_bytes_) {
      return Error(Reason::kBadSignature, "RSA signature has the wrong length");
    }
    return signer_->Verify(signing_input, signature);
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    if (!has_private_) {
      return Error(Reason::kNoSigningKey, "the RSA key is public only");
    }
    return signer_->Sign(signing_input);
  }

 private:
  const std::shared_ptr<EVP_PKEY> pkey_;
  const std::unique_ptr<const DigestSigner> signer_;
  const size_t modulus_bytes_;
  const bool has_private_;
};

}  // namespace

absl::StatusOr<LoadedPrimitive> NewRsaPrimitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey) {
  const RSA* rsa = EVP_PKEY_get0_RSA(pkey.get());
  if (rsa == nullptr) {
    ERR_clear_error();
    return Error(Reason::kKeyInvalid, "not a usable RSA key");
  }
  const BIGNUM* n = nullptr;
  const BIGNUM* e = nullptr;
  const BIGNUM* d = nullptr;
  RSA_get0_key(rsa, &n, &e, &d);
  if (n == nullptr || e == nullptr) {
    return Error(Reason::kKeyInvalid, "RSA key without modulus or exponent");
  }
  const int bits = BN_num_bits(n);
  if (bits < kMinModulusBits) {
    return Error(Reason::kKeyTooWeak,
                 "RSA keys must have a modulus of at least 2048 bits");
  }
  if (bits > kMaxModulusBits) {
    return Error(Reason::kKeyInvalid,
                 "RSA modulus over 16384 bits is not supported");
  }
  if (BN_is_negative(e) || !BN_is_odd(e) || BN_is_one(e)) {
    return Error(Reason::kKeyInvalid,
                 "RSA public exponent must be odd and greater than 1");
  }
  const bool has_private = d != nullptr;
  if (has_private && RSA_check_key(rsa) != 1) {
    ERR_clear_error();
    return Error(Reason::kKeyInvalid, "inconsistent RSA private key");
  }
  const Padding padding = FamilyOf(alg) == KeyFamily::kRsaPss
                              ? Padding::kPssPinned
                              : Padding::kPkcs1;
  const size_t modulus_bytes = static_cast<size_t>(bits + 7) / 8;
  absl::StatusOr<std::unique_ptr<const DigestSigner>> signer =
      DigestSigner::Create(pkey.get(), DigestFor(alg), padding, has_private);
  if (!signer.ok()) return signer.status();
  LoadedPrimitive loaded;
  loaded.primitive = std::make_shared<RsaPrimitive>(
      std::move(pkey), *std::move(signer), modulus_bytes, has_private);
  loaded.has_private = has_private;
  return loaded;
}

}  // namespace tokend::crypto_internal
