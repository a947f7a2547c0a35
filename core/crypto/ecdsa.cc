// ES256/384/512 (RFC 7518 §3.4). A JWS carries the raw big-endian r‖s, each
// half exactly the curve's coordinate size; the libraries speak DER. Verify
// checks the length and the range of r and s, then encodes the DER itself;
// Sign converts the library's DER output back to fixed-width r‖s. Both
// conversions are done by hand on stack buffers: the ASN.1 and BIGNUM
// round trip cost about a microsecond per operation.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

// Coordinates are at most 66 bytes (P-521). A DER ECDSA-Sig-Value is then at
// most 3 (SEQUENCE header) + 2 * (2 + 1 + 66) bytes.
constexpr size_t kMaxCoordinate = 66;
constexpr size_t kMaxDerSignature = 3 + 2 * (2 + 1 + kMaxCoordinate);

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Appends the DER INTEGER of the big-endian unsigned `value` (non-zero).
size_t AppendDerInteger(const uint8_t* value, size_t width, uint8_t* out) {
  size_t skip = 0;
  while (skip < width && value[skip] == 0) ++skip;
  const size_t len = width - skip;
  const bool pad = value[skip] & 0x80;  // keep the INTEGER positive
  size_t n = 0;
  out[n++] = 0x02;
  out[n++] = static_cast<uint8_t>(len + (pad ? 1 : 0));
  if (pad) out[n++] = 0x00;
  std::memcpy(out + n, value + skip, len);
  return n + len;
}

// Reads one DER INTEGER the library produced into a right-aligned
// big-endian field of `width` bytes.
bool ReadDerInteger(const uint8_t** p, const uint8_t* end, size_t width,
                    uint8_t* out) {
  if (end - *p < 2 || (*p)[0] != 0x02 || (*p)[1] > 0x7f) return false;
  size_t len = (*p)[1];
  const uint8_t* v = *p + 2;
  if (static_cast<size_t>(end - v) < len) return false;
  *p = v + len;
  while (len > 0 && *v == 0) {
    ++v;
    --len;
  }
  if (len > width) return false;
  std::memset(out, 0, width - len);
  std::memcpy(out + width - len, v, len);
  return true;
}

// DER ECDSA-Sig-Value → fixed-width r‖s.
bool DerToRaw(absl::string_view der, size_t width, uint8_t* out) {
  const uint8_t* p = Bytes(der);
  const uint8_t* const end = p + der.size();
  if (end - p < 2 || p[0] != 0x30) return false;
  size_t len = p[1];
  p += 2;
  if (len == 0x81 && p < end) {
    len = *p++;
  } else if (len > 0x7f) {
    return false;
  }
  if (static_cast<size_t>(end - p) != len) return false;
  return ReadDerInteger(&p, end, width, out) &&
         ReadDerInteger(&p, end, width, out + width) && p == end;
}

class EcdsaPrimitive final : public KeyPrimitive {
 public:
  EcdsaPrimitive(std::shared_ptr<EVP_PKEY> pkey,
                 std::unique_ptr<const DigestSigner> signer,
                 size_t coordinate_size, std::string order, bool has_private)
      : pkey_(std::move(pkey)),
        signer_(std::move(signer)),
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
    const uint8_t* r = Bytes(signature);
    const uint8_t* s = r + coordinate_size_;
    // r and s must lie in [1, n-1] (the CVE-2022-21449 class).
    if (!InRange(r) || !InRange(s)) {
      return Error(Reason::kBadSignature, "ECDSA r or s out of range");
    }
    uint8_t der[kMaxDerSignature];
    size_t content = AppendDerInteger(r, coordinate_size_, der + 3);
    content += AppendDerInteger(s, coordinate_size_, der + 3 + content);
    // SEQUENCE header: short length below 128, else 0x81 and one byte.
    size_t start = 1;
    if (content < 0x80) {
      der[1] = 0x30;
      der[2] = static_cast<uint8_t>(content);
    } else {
      start = 0;
      der[0] = 0x30;
      der[1] = 0x81;
      der[2] = static_cast<uint8_t>(content);
    }
    return signer_->Verify(
        signing_input,
        absl::string_view(reinterpret_cast<const char*>(der) + start,
                          3 - start + content));
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    if (!has_private_) {
      return Error(Reason::kNoSigningKey, "the EC key is public only");
    }
    absl::StatusOr<std::string> der = signer_->Sign(signing_input);
    if (!der.ok()) return der.status();
    std::string out(2 * coordinate_size_, '\0');
    if (!DerToRaw(*der, coordinate_size_,
                  reinterpret_cast<uint8_t*>(out.data()))) {
      return Error(Reason::kInternal, "cannot decode the ECDSA signature");
    }
    return out;
  }

 private:
  // 1 ≤ v ≤ n-1 for a big-endian value as wide as the order.
  bool InRange(const uint8_t* v) const {
    bool zero = true;
    for (size_t i = 0; i < coordinate_size_; ++i) zero &= v[i] == 0;
    return !zero && std::memcmp(v, order_.data(), coordinate_size_) < 0;
  }

  const std::shared_ptr<EVP_PKEY> pkey_;
  const std::unique_ptr<const DigestSigner> signer_;
  const size_t coordinate_size_;
  const std::string order_;  // the group order n, big-endian, full width
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
  const size_t width = FixedSignatureSize(alg) / 2;
  std::string order(width, '\0');
  if (BN_bn2binpad(EC_GROUP_get0_order(group),
                   reinterpret_cast<uint8_t*>(order.data()),
                   static_cast<int>(width)) != static_cast<int>(width)) {
    ERR_clear_error();
    return Error(Reason::kInternal, "cannot read the curve order");
  }
  const bool has_private = EC_KEY_get0_private_key(ec) != nullptr;
  absl::StatusOr<std::unique_ptr<const DigestSigner>> signer =
      DigestSigner::Create(pkey.get(), DigestFor(alg), Padding::kDefault,
                           has_private);
  if (!signer.ok()) return signer.status();
  LoadedPrimitive loaded;
  loaded.primitive =
      std::make_shared<EcdsaPrimitive>(std::move(pkey), *std::move(signer),
                                       width, std::move(order), has_private);
  loaded.has_private = has_private;
  return loaded;
}

}  // namespace tokend::crypto_internal
