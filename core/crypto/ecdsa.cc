// ES256/384/512 (RFC 7518 §3.4). A JWS carries the raw big-endian r‖s, each
// half exactly the curve's coordinate size; the libraries speak DER. Verify
// checks the length and the range of r and s, then re-encodes as DER; Sign
// converts the DER output back to fixed-width r‖s.
#include <cstdint>
#include <memory>
#include <string>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

// A DER ECDSA-Sig-Value for P-521 is at most 2 * (2 + 1 + 66) + 3 bytes.
constexpr size_t kMaxDerSignature = 160;

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

class EcdsaPrimitive final : public KeyPrimitive {
 public:
  EcdsaPrimitive(std::shared_ptr<EVP_PKEY> pkey, const EVP_MD* md,
                 size_t coordinate_size, BnPtr order, bool has_private)
      : pkey_(std::move(pkey)),
        md_(md),
        coordinate_size_(coordinate_size),
        order_(std::move(order)),
        has_private_(has_private) {}

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const override {
    // Exactly 2 * coordinate size: this also rules out every DER signature.
    if (signature.size() != 2 * coordinate_size_) {
      return Error(Reason::kBadSignature,
                   "ECDSA signature is not exactly r||s of the curve size");
    }
    BnPtr r(BN_bin2bn(Bytes(signature), coordinate_size_, nullptr));
    BnPtr s(BN_bin2bn(Bytes(signature) + coordinate_size_, coordinate_size_,
                      nullptr));
    if (r == nullptr || s == nullptr) {
      return Error(Reason::kInternal, "out of memory");
    }
    // r and s must lie in [1, n-1] (the CVE-2022-21449 class).
    if (!InRange(r.get()) || !InRange(s.get())) {
      return Error(Reason::kBadSignature, "ECDSA r or s out of range");
    }
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (sig == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
      ERR_clear_error();
      return Error(Reason::kInternal, "out of memory");
    }
    r.release();  // now owned by sig
    s.release();
    uint8_t der[kMaxDerSignature];
    const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
    uint8_t* cursor = der;
    if (der_len <= 0 || static_cast<size_t>(der_len) > sizeof(der) ||
        i2d_ECDSA_SIG(sig.get(), &cursor) != der_len) {
      ERR_clear_error();
      return Error(Reason::kInternal, "cannot encode the ECDSA signature");
    }
    return EvpVerify(
        pkey_.get(), md_, Padding::kDefault, signing_input,
        absl::string_view(reinterpret_cast<const char*>(der), der_len));
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    if (!has_private_) {
      return Error(Reason::kNoSigningKey, "the EC key is public only");
    }
    absl::StatusOr<std::string> der =
        EvpSign(pkey_.get(), md_, Padding::kDefault, signing_input);
    if (!der.ok()) return der.status();
    const uint8_t* cursor = Bytes(*der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, der->size()));
    if (sig == nullptr || cursor != Bytes(*der) + der->size()) {
      ERR_clear_error();
      return Error(Reason::kInternal, "cannot decode the ECDSA signature");
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(2 * coordinate_size_, '\0');
    uint8_t* dst = reinterpret_cast<uint8_t*>(out.data());
    const int width = static_cast<int>(coordinate_size_);
    if (BN_bn2binpad(r, dst, width) != width ||
        BN_bn2binpad(s, dst + coordinate_size_, width) != width) {
      ERR_clear_error();
      return Error(Reason::kInternal, "cannot encode the ECDSA signature");
    }
    return out;
  }

 private:
  bool InRange(const BIGNUM* v) const {
    return !BN_is_zero(v) && BN_cmp(v, order_.get()) < 0;
  }

  const std::shared_ptr<EVP_PKEY> pkey_;
  const EVP_MD* const md_;
  const size_t coordinate_size_;
  const BnPtr order_;  // the group order n
  const bool has_private_;
};

int CurveFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256:
      return NID_X9_62_prime256v1;
    case Algorithm::kES384:
      return NID_secp384r1;
    default:
      return NID_secp521r1;
  }
}

}  // namespace

absl::StatusOr<LoadedPrimitive> NewEcdsaPrimitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey) {
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey.get());
  const EC_GROUP* group = ec != nullptr ? EC_KEY_get0_group(ec) : nullptr;
  if (group == nullptr) {
    ERR_clear_error();
    return Error(Reason::kKeyInvalid, "not a usable EC key");
  }
  if (EC_GROUP_get_curve_name(group) != CurveFor(alg)) {
    return Error(Reason::kKeyAlgMismatch,
                 "the EC curve does not fit the algorithm (ES256 needs "
                 "P-256, ES384 P-384, ES512 P-521)");
  }
  // Checks the public point is on the curve, not at infinity and of the
  // right order, and that a private scalar matches it.
  if (EC_KEY_get0_public_key(ec) == nullptr || EC_KEY_check_key(ec) != 1) {
    ERR_clear_error();
    return Error(Reason::kKeyInvalid, "invalid EC public key");
  }
  BnPtr order(BN_dup(EC_GROUP_get0_order(group)));
  if (order == nullptr) {
    ERR_clear_error();
    return Error(Reason::kInternal, "out of memory");
  }
  const bool has_private = EC_KEY_get0_private_key(ec) != nullptr;
  LoadedPrimitive loaded;
  loaded.primitive = std::make_shared<EcdsaPrimitive>(
      std::move(pkey), DigestFor(alg), FixedSignatureSize(alg) / 2,
      std::move(order), has_private);
  loaded.has_private = has_private;
  return loaded;
}

}  // namespace tokend::crypto_internal
