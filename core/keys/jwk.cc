// JWK import and export. The file is laid out as: OpenSSL helpers, member
// readers, the per-kty importers (oct, RSA, EC, OKP), the common import
// rules, JWK Sets, and export/thumbprints.
//
// Only OpenSSL/BoringSSL calls present in both libraries are used.
#include "core/keys/jwk.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/jose/base64url.h"
#include "core/reason.h"

namespace tokend {
namespace {

// --- OpenSSL helpers ---------------------------------------------------------

struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BnCtxDeleter {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct RsaDeleter {
  void operator()(RSA* p) const { RSA_free(p); }
};
struct EcKeyDeleter {
  void operator()(EC_KEY* p) const { EC_KEY_free(p); }
};
struct EcPointDeleter {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxDeleter>;
using RsaPtr = std::unique_ptr<RSA, RsaDeleter>;
using EcKeyPtr = std::unique_ptr<EC_KEY, EcKeyDeleter>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointDeleter>;

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Big-endian bytes to a BIGNUM; nullptr only on allocation failure.
BnPtr ToBn(absl::string_view bytes) {
  return BnPtr(BN_bin2bn(Bytes(bytes), bytes.size(), nullptr));
}

// Minimal big-endian bytes (RFC 7518 §2 Base64urlUInt); "" for zero.
std::string BnBytes(const BIGNUM* bn) {
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// Left-padded to exactly `len` bytes (EC coordinates and d).
std::string BnPadded(const BIGNUM* bn, size_t len) {
  std::string out(len, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<uint8_t*>(out.data()),
                   static_cast<int>(len)) != static_cast<int>(len)) {
    return "";
  }
  return out;
}

absl::Status OpenSslFailure(Reason reason, absl::string_view detail,
                            absl::string_view field) {
  ERR_clear_error();
  return Error(reason, detail, field);
}

// --- Member readers
// ------------------------------------------------------------

// Reads members of one JWK and names them in errors as `prefix` + member,
// so a key inside a JWK Set reports e.g. "keys[2].alg".
class Reader {
 public:
  Reader(const json::Object& jwk, std::string prefix)
      : jwk_(jwk), prefix_(std::move(prefix)) {}

  std::string Field(absl::string_view member) const {
    return absl::StrCat(prefix_, member);
  }
  // The key as a whole: "keys[2]" inside a set, "" for a lone JWK.
  std::string KeyField() const {
    return prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1);
  }

  absl::Status Fail(Reason reason, absl::string_view detail,
                    absl::string_view member) const {
    return Error(reason, detail, Field(member));
  }

  bool Has(absl::string_view member) const {
    return jwk_.Find(member) != nullptr;
  }
  const json::Value* Find(absl::string_view member) const {
    return jwk_.Find(member);
  }

  // nullptr when absent; an error when present but not a string.
  absl::StatusOr<const std::string*> OptionalString(
      absl::string_view member) const {
    const json::Value* value = jwk_.Find(member);
    if (value == nullptr) return nullptr;
    if (!value->is_string()) {
      return Fail(Reason::kKeyInvalid,
                  absl::StrCat("\"", member, "\" must be a string"), member);
    }
    return &value->as_string();
  }

  absl::StatusOr<std::string> RequiredString(absl::string_view member) const {
    absl::StatusOr<const std::string*> value = OptionalString(member);
    if (!value.ok()) return value.status();
    if (*value == nullptr) {
      return Fail(Reason::kKeyInvalid,
                  absl::StrCat("\"", member, "\" is required"), member);
    }
    return **value;
  }

  // A required strict base64url member, decoded. The detail never echoes
  // the value: it may be private key material.
  absl::StatusOr<std::string> RequiredBytes(absl::string_view member) const {
    absl::StatusOr<std::string> text = RequiredString(member);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::string> bytes = Base64UrlDecode(*text);
    if (!bytes.ok()) {
      return Fail(Reason::kKeyInvalid,
                  absl::StrCat("\"", member, "\" is not strict base64url"),
                  member);
    }
    return *std::move(bytes);
  }

  // Re-issues an error from a lower layer (Key::From*) with this key's field
  // when the lower layer named none.
  absl::Status Relabel(const absl::Status& status) const {
    if (status.ok() || !GetField(status).empty() || prefix_.empty()) {
      return status;
    }
    absl::string_view message = status.message();
    absl::string_view name = ReasonName(GetReason(status));
    if (message.size() > name.size() + 2 &&
        message.substr(0, name.size()) == name) {
      message.remove_prefix(name.size() + 2);
    }
    return ErrorWithCode(status.code(), GetReason(status), message, KeyField());
  }

 private:
  const json::Object& jwk_;
  std::string prefix_;
};

constexpr absl::string_view kRsaPrivateMembers[] = {"d",  "p",  "q",  "dp",
                                                    "dq", "qi", "oth"};

bool FamilyFitsKty(KeyFamily family, absl::string_view kty) {
  switch (family) {
    case KeyFamily::kHmac:
      return kty == "oct";
    case KeyFamily::kRsa:
    case KeyFamily::kRsaPss:
      return kty == "RSA";
    case KeyFamily::kEcdsa:
      return kty == "EC";
    case KeyFamily::kEd25519:
      return kty == "OKP";
  }
  return false;
}

// For kty RSA and oct, whose members do not determine an algorithm: the
// JWK's "alg", else the caller's default (which must fit the kty), else an
// error.
absl::StatusOr<Algorithm> ChooseAlg(const Reader& reader,
                                    std::optional<Algorithm> jwk_alg,
                                    const JwkOptions& options,
                                    absl::string_view kty) {
  if (jwk_alg.has_value()) return *jwk_alg;
  if (!options.default_alg.has_value()) {
    return reader.Fail(Reason::kKeyAlgMismatch,
                       absl::StrCat("alg required for kty ", kty), "alg");
  }
  if (!FamilyFitsKty(FamilyOf(*options.default_alg), kty)) {
    return reader.Fail(
        Reason::kKeyAlgMismatch,
        absl::StrCat("the default alg ", AlgorithmName(*options.default_alg),
                     " does not fit kty ", kty),
        "alg");
  }
  return *options.default_alg;
}

// --- oct ---------------------------------------------------------------------

absl::StatusOr<std::shared_ptr<const Key>> ImportOct(
    const Reader& reader, std::optional<Algorithm> jwk_alg,
    const JwkOptions& options, std::string kid) {
  absl::StatusOr<Algorithm> alg = ChooseAlg(reader, jwk_alg, options, "oct");
  if (!alg.ok()) return alg.status();
  absl::StatusOr<std::string> secret = reader.RequiredBytes("k");
  if (!secret.ok()) return secret.status();
  if (secret->size() < HashSize(*alg)) {
    return reader.Fail(
        Reason::kKeyTooWeak,
        absl::StrCat(AlgorithmName(*alg), " needs a secret of at least ",
                     HashSize(*alg), " bytes"),
        "k");
  }
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(*alg, *std::move(secret), std::move(kid));
  if (!key.ok()) return reader.Relabel(key.status());
  return key;
}

// --- RSA ---------------------------------------------------------------------

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr size_t kMaxRsaExponentBytes = 4;

// ROCA (CVE-2017-15361) fingerprint: a modulus from the flawed Infineon
// generator is, modulo every small prime r, a power of 65537. A random
// modulus passes all 38 tests with negligible probability.
bool HasRocaFingerprint(const BIGNUM* n) {
  constexpr uint32_t kPrimes[] = {
      3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,
      47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103,
      107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};
  for (uint32_t r : kPrimes) {
    const BN_ULONG residue = BN_mod_word(n, r);
    if (residue == static_cast<BN_ULONG>(-1)) return false;
    const uint32_t generator = 65537 % r;
    bool in_subgroup = false;
    uint32_t power = 1;
    // The powers of 65537 mod r cycle back to 1 within r - 1 steps.
    for (uint32_t i = 0; i < r; ++i) {
      if (power == residue) {
        in_subgroup = true;
        break;
      }
      power = (power * generator) % r;
      if (power == 1) break;
    }
    if (!in_subgroup) return false;
  }
  return true;
}

absl::StatusOr<BnPtr> RequiredBn(const Reader& reader,
                                 absl::string_view member) {
  absl::StatusOr<std::string> bytes = reader.RequiredBytes(member);
  if (!bytes.ok()) return bytes.status();
  BnPtr bn = ToBn(*bytes);
  if (bn == nullptr) {
    return OpenSslFailure(Reason::kInternal, "out of memory", "");
  }
  return bn;
}

absl::StatusOr<EvpPkeyPtr> BuildRsa(const Reader& reader) {
  absl::StatusOr<std::string> n_bytes = reader.RequiredBytes("n");
  if (!n_bytes.ok()) return n_bytes.status();
  absl::string_view n_view = *n_bytes;
  // Some encoders keep the DER sign byte: tolerate exactly one leading zero.
  if (n_view.size() > 1 && n_view[0] == '\0') n_view.remove_prefix(1);
  if (n_view.empty() || n_view[0] == '\0') {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"n\" is not a minimal unsigned integer", "n");
  }
  absl::StatusOr<std::string> e_bytes = reader.RequiredBytes("e");
  if (!e_bytes.ok()) return e_bytes.status();
  if (e_bytes->empty() || (*e_bytes)[0] == '\0') {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"e\" is not a minimal unsigned integer", "e");
  }
  if (e_bytes->size() > kMaxRsaExponentBytes) {
    return reader.Fail(Reason::kKeyInvalid, "the RSA exponent is too large",
                       "e");
  }
  BnPtr n = ToBn(n_view);
  BnPtr e = ToBn(*e_bytes);
  if (n == nullptr || e == nullptr) {
    return OpenSslFailure(Reason::kInternal, "out of memory", "");
  }
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits) {
    return reader.Fail(Reason::kKeyTooWeak,
                       absl::StrCat("RSA keys need at least ", kMinRsaBits,
                                    " bits, this one has ", bits),
                       "n");
  }
  if (bits > kMaxRsaBits) {
    return reader.Fail(
        Reason::kKeyInvalid,
        absl::StrCat("RSA keys over ", kMaxRsaBits, " bits are refused"), "n");
  }
  if (!BN_is_odd(n.get())) {
    return reader.Fail(Reason::kKeyInvalid, "the RSA modulus is even", "n");
  }
  if (BN_is_one(e.get()) || !BN_is_odd(e.get())) {
    return reader.Fail(Reason::kKeyInvalid,
                       "the RSA exponent must be odd and greater than 1", "e");
  }
  if (HasRocaFingerprint(n.get())) {
    return reader.Fail(Reason::kKeyTooWeak,
                       "the modulus has the ROCA (CVE-2017-15361) fingerprint",
                       "n");
  }

  bool any_private = false;
  for (absl::string_view member : kRsaPrivateMembers) {
    any_private = any_private || reader.Has(member);
  }
  if (any_private && reader.Has("oth")) {
    return reader.Fail(Reason::kKeyInvalid,
                       "multi-prime RSA keys are not supported", "oth");
  }

  RsaPtr rsa(RSA_new());
  if (rsa == nullptr) {
    return OpenSslFailure(Reason::kInternal, "out of memory", "");
  }
  if (!any_private) {
    if (RSA_set0_key(rsa.get(), n.get(), e.get(), nullptr) != 1) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable RSA public key",
                            reader.Field("n"));
    }
    static_cast<void>(n.release());
    static_cast<void>(e.release());
  } else {
    // RFC 7518 §6.3.2: the CRT members come all together; this loader
    // requires them so both libraries sign with the same fast, blinded path.
    std::array<BnPtr, 6> parts;
    constexpr absl::string_view kNames[] = {"d", "p", "q", "dp", "dq", "qi"};
    for (size_t i = 0; i < parts.size(); ++i) {
      absl::StatusOr<BnPtr> part = RequiredBn(reader, kNames[i]);
      if (!part.ok()) return part.status();
      parts[i] = *std::move(part);
    }
    if (RSA_set0_key(rsa.get(), n.get(), e.get(), parts[0].get()) != 1) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable RSA private key",
                            reader.KeyField());
    }
    static_cast<void>(n.release());
    static_cast<void>(e.release());
    static_cast<void>(parts[0].release());
    if (RSA_set0_factors(rsa.get(), parts[1].get(), parts[2].get()) != 1) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable RSA factors",
                            reader.Field("p"));
    }
    static_cast<void>(parts[1].release());
    static_cast<void>(parts[2].release());
    if (RSA_set0_crt_params(rsa.get(), parts[3].get(), parts[4].get(),
                            parts[5].get()) != 1) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable RSA CRT parameters",
                            reader.Field("dp"));
    }
    static_cast<void>(parts[3].release());
    static_cast<void>(parts[4].release());
    static_cast<void>(parts[5].release());
    // Checks p and q are primes whose product is n and that d, dp, dq and
    // qi are consistent with them and with e.
    if (RSA_check_key(rsa.get()) != 1) {
      return OpenSslFailure(
          Reason::kKeyInvalid,
          "the RSA private members do not form a consistent key",
          reader.Field("d"));
    }
  }
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (pkey == nullptr || EVP_PKEY_set1_RSA(pkey.get(), rsa.get()) != 1) {
    return OpenSslFailure(Reason::kInternal, "cannot wrap the RSA key", "");
  }
  return pkey;
}

// --- EC ----------------------------------------------------------------------

struct Curve {
  absl::string_view name;
  int nid;
  size_t size;  // coordinate and scalar length in bytes
  Algorithm alg;
};

constexpr Curve kCurves[] = {
    {"P-256", NID_X9_62_prime256v1, 32, Algorithm::kES256},
    {"P-384", NID_secp384r1, 48, Algorithm::kES384},
    {"P-521", NID_secp521r1, 66, Algorithm::kES512},
};

const Curve* CurveByName(absl::string_view name) {
  for (const Curve& curve : kCurves) {
    if (curve.name == name) return &curve;
  }
  return nullptr;
}

const Curve* CurveByNid(int nid) {
  for (const Curve& curve : kCurves) {
    if (curve.nid == nid) return &curve;
  }
  return nullptr;
}

absl::StatusOr<std::string> ExactBytes(const Reader& reader,
                                       absl::string_view member, size_t size,
                                       absl::string_view what) {
  absl::StatusOr<std::string> bytes = reader.RequiredBytes(member);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != size) {
    return reader.Fail(Reason::kKeyInvalid,
                       absl::StrCat("\"", member, "\" must be exactly ", size,
                                    " bytes for ", what),
                       member);
  }
  return bytes;
}

absl::StatusOr<EvpPkeyPtr> BuildEc(const Reader& reader, const Curve& curve,
                                   bool with_private) {
  absl::StatusOr<std::string> x =
      ExactBytes(reader, "x", curve.size, curve.name);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y =
      ExactBytes(reader, "y", curve.size, curve.name);
  if (!y.ok()) return y.status();
  std::string d;
  if (with_private) {
    absl::StatusOr<std::string> d_bytes =
        ExactBytes(reader, "d", curve.size, curve.name);
    if (!d_bytes.ok()) return d_bytes.status();
    d = *std::move(d_bytes);
  }

  EcKeyPtr ec(EC_KEY_new_by_curve_name(curve.nid));
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr bx = ToBn(*x);
  BnPtr by = ToBn(*y);
  BnPtr field = BnPtr(BN_new());
  if (ec == nullptr || ctx == nullptr || bx == nullptr || by == nullptr ||
      field == nullptr) {
    return OpenSslFailure(Reason::kInternal, "out of memory", "");
  }
  const EC_GROUP* group = EC_KEY_get0_group(ec.get());
  // Coordinates must be reduced: x or y ≥ p would be a second encoding of
  // the same point.
  if (EC_GROUP_get_curve_GFp(group, field.get(), nullptr, nullptr, ctx.get()) !=
      1) {
    return OpenSslFailure(Reason::kInternal, "cannot read the curve", "");
  }
  if (BN_cmp(bx.get(), field.get()) >= 0) {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"x\" is not reduced modulo the field prime", "x");
  }
  if (BN_cmp(by.get(), field.get()) >= 0) {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"y\" is not reduced modulo the field prime", "y");
  }
  // Refuses points that are not on the curve (invalid-curve attacks).
  if (EC_KEY_set_public_key_affine_coordinates(ec.get(), bx.get(), by.get()) !=
      1) {
    return OpenSslFailure(Reason::kKeyInvalid,
                          "the point (x, y) is not on the curve",
                          reader.Field("y"));
  }
  if (with_private) {
    BnPtr bd = ToBn(d);
    EcPointPtr derived(EC_POINT_new(group));
    if (bd == nullptr || derived == nullptr) {
      return OpenSslFailure(Reason::kInternal, "out of memory", "");
    }
    if (BN_is_zero(bd.get()) ||
        BN_cmp(bd.get(), EC_GROUP_get0_order(group)) >= 0) {
      return reader.Fail(Reason::kKeyInvalid,
                         "the private scalar is out of range", "d");
    }
    if (EC_POINT_mul(group, derived.get(), bd.get(), nullptr, nullptr,
                     ctx.get()) != 1 ||
        EC_POINT_cmp(group, derived.get(), EC_KEY_get0_public_key(ec.get()),
                     ctx.get()) != 0) {
      return OpenSslFailure(Reason::kKeyInvalid,
                            "the private scalar does not match (x, y)",
                            reader.Field("d"));
    }
    if (EC_KEY_set_private_key(ec.get(), bd.get()) != 1) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable EC private scalar",
                            reader.Field("d"));
    }
  }
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (pkey == nullptr || EVP_PKEY_set1_EC_KEY(pkey.get(), ec.get()) != 1) {
    return OpenSslFailure(Reason::kInternal, "cannot wrap the EC key", "");
  }
  return pkey;
}

// --- OKP (Ed25519)
// -------------------------------------------------------------

constexpr size_t kEd25519KeySize = 32;

// The y coordinates (little-endian, sign bit clear) of the eight points of
// small order on edwards25519: y = 0 (order 4), 1 (the identity), p - 1
// (order 2) and the two values shared by the four points of order 8. A
// public key equal to one of them makes every signature trivially valid for
// some messages, so such keys are refused at load.
constexpr std::array<std::array<uint8_t, 32>, 5> kSmallOrderY = {{
    {0x00},
    {0x01},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
}};

// RFC 8032 §5.1.3 decoding, done with BIGNUM arithmetic because neither
// library validates a raw Ed25519 public key: y must be below
// p = 2^255 - 19, (y^2 - 1) / (d y^2 + 1) must be a square mod p, and x = 0
// must not carry the sign bit. Small-order points are refused too.
absl::Status CheckEd25519PublicKey(const Reader& reader,
                                   absl::string_view raw) {
  std::array<uint8_t, 32> y_le;
  std::memcpy(y_le.data(), raw.data(), y_le.size());
  const bool x_sign = (y_le[31] & 0x80) != 0;
  y_le[31] &= 0x7f;
  for (const std::array<uint8_t, 32>& small : kSmallOrderY) {
    if (y_le == small) {
      return reader.Fail(Reason::kKeyInvalid,
                         "the Ed25519 public key is a small-order point", "x");
    }
  }
  std::array<uint8_t, 32> y_be;
  std::reverse_copy(y_le.begin(), y_le.end(), y_be.begin());

  BnCtxPtr ctx(BN_CTX_new());
  BnPtr p(BN_new()), y(BN_bin2bn(y_be.data(), y_be.size(), nullptr));
  BnPtr d(BN_new()), num(BN_new()), den(BN_new()), tmp(BN_new());
  BnPtr x2(BN_new()), exponent(BN_new()), one(BN_new());
  if (ctx == nullptr || p == nullptr || y == nullptr || d == nullptr ||
      num == nullptr || den == nullptr || tmp == nullptr || x2 == nullptr ||
      exponent == nullptr || one == nullptr) {
    return OpenSslFailure(Reason::kInternal, "out of memory", "");
  }
  bool ok = BN_set_bit(p.get(), 255) == 1 && BN_sub_word(p.get(), 19) == 1 &&
            BN_one(one.get()) == 1;
  if (ok && BN_cmp(y.get(), p.get()) >= 0) {
    return reader.Fail(Reason::kKeyInvalid,
                       "the Ed25519 public key is not canonically encoded",
                       "x");
  }
  // d = -121665 / 121666 mod p.
  ok = ok && BN_set_word(tmp.get(), 121666) == 1 &&
       BN_mod_inverse(den.get(), tmp.get(), p.get(), ctx.get()) != nullptr &&
       BN_set_word(tmp.get(), 121665) == 1 &&
       BN_mod_mul(d.get(), tmp.get(), den.get(), p.get(), ctx.get()) == 1 &&
       BN_mod_sub(d.get(), p.get(), d.get(), p.get(), ctx.get()) == 1;
  // x^2 = (y^2 - 1) / (d y^2 + 1).
  ok = ok && BN_mod_mul(tmp.get(), y.get(), y.get(), p.get(), ctx.get()) == 1 &&
       BN_mod_sub(num.get(), tmp.get(), one.get(), p.get(), ctx.get()) == 1 &&
       BN_mod_mul(den.get(), d.get(), tmp.get(), p.get(), ctx.get()) == 1 &&
       BN_mod_add(den.get(), den.get(), one.get(), p.get(), ctx.get()) == 1 &&
       BN_mod_inverse(tmp.get(), den.get(), p.get(), ctx.get()) != nullptr &&
       BN_mod_mul(x2.get(), num.get(), tmp.get(), p.get(), ctx.get()) == 1;
  if (!ok) return OpenSslFailure(Reason::kInternal, "Ed25519 arithmetic", "");
  if (BN_is_zero(x2.get())) {
    if (x_sign) {
      return reader.Fail(Reason::kKeyInvalid,
                         "the Ed25519 public key is not canonically encoded",
                         "x");
    }
    return absl::OkStatus();
  }
  // Euler's criterion: x^2 is a square iff x2^((p-1)/2) = 1.
  ok = BN_sub(exponent.get(), p.get(), one.get()) == 1 &&
       BN_rshift1(exponent.get(), exponent.get()) == 1 &&
       BN_mod_exp(tmp.get(), x2.get(), exponent.get(), p.get(), ctx.get()) == 1;
  if (!ok) return OpenSslFailure(Reason::kInternal, "Ed25519 arithmetic", "");
  if (!BN_is_one(tmp.get())) {
    return reader.Fail(Reason::kKeyInvalid,
                       "the Ed25519 public key is not a point on the curve",
                       "x");
  }
  return absl::OkStatus();
}

absl::StatusOr<EvpPkeyPtr> BuildEd25519(const Reader& reader,
                                        bool with_private) {
  absl::StatusOr<std::string> x =
      ExactBytes(reader, "x", kEd25519KeySize, "Ed25519");
  if (!x.ok()) return x.status();
  absl::Status point = CheckEd25519PublicKey(reader, *x);
  if (!point.ok()) return point;
  if (!with_private) {
    EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                Bytes(*x), x->size()));
    if (pkey == nullptr) {
      return OpenSslFailure(Reason::kKeyInvalid, "unusable Ed25519 key",
                            reader.Field("x"));
    }
    return pkey;
  }
  absl::StatusOr<std::string> d =
      ExactBytes(reader, "d", kEd25519KeySize, "Ed25519");
  if (!d.ok()) return d.status();
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               Bytes(*d), d->size()));
  std::array<uint8_t, kEd25519KeySize> derived;
  size_t len = derived.size();
  if (pkey == nullptr ||
      EVP_PKEY_get_raw_public_key(pkey.get(), derived.data(), &len) != 1 ||
      len != derived.size()) {
    return OpenSslFailure(Reason::kKeyInvalid, "unusable Ed25519 private key",
                          reader.Field("d"));
  }
  if (std::memcmp(derived.data(), x->data(), derived.size()) != 0) {
    return reader.Fail(Reason::kKeyInvalid,
                       "the private key does not match \"x\"", "d");
  }
  return pkey;
}

// --- Common rules
// ----------------------------------------------------------------

constexpr size_t kMaxKidBytes = 256;

// RFC 7517 §4.2 and §4.3: a signing/verification key may say use "sig" and
// key_ops with sign and/or verify; anything else is refused.
absl::Status CheckUse(const Reader& reader) {
  absl::StatusOr<const std::string*> use = reader.OptionalString("use");
  if (!use.ok()) return use.status();
  if (*use != nullptr && **use != "sig") {
    return reader.Fail(Reason::kKeyUseInvalid,
                       **use == "enc" ? "the key is for encryption (use enc)"
                                      : "\"use\" must be \"sig\"",
                       "use");
  }
  const json::Value* ops = reader.Find("key_ops");
  if (ops == nullptr) return absl::OkStatus();
  if (!ops->is_array()) {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"key_ops\" must be an array of strings", "key_ops");
  }
  std::vector<absl::string_view> seen;
  bool signature_op = false;
  for (const json::Value& op : ops->as_array()) {
    if (!op.is_string()) {
      return reader.Fail(Reason::kKeyInvalid,
                         "\"key_ops\" must be an array of strings", "key_ops");
    }
    const std::string& name = op.as_string();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return reader.Fail(Reason::kKeyUseInvalid, "\"key_ops\" repeats a value",
                         "key_ops");
    }
    seen.push_back(name);
    const bool is_signature_op = name == "sign" || name == "verify";
    signature_op = signature_op || is_signature_op;
    if (*use != nullptr && !is_signature_op) {
      return reader.Fail(Reason::kKeyUseInvalid,
                         "\"key_ops\" disagrees with use \"sig\"", "key_ops");
    }
  }
  if (!signature_op) {
    return reader.Fail(Reason::kKeyUseInvalid,
                       "\"key_ops\" allows neither sign nor verify", "key_ops");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Key>> ImportJwk(const json::Object& jwk,
                                                     const JwkOptions& options,
                                                     std::string prefix) {
  const Reader reader(jwk, std::move(prefix));

  absl::StatusOr<std::string> kty = reader.RequiredString("kty");
  if (!kty.ok()) return kty.status();
  if (*kty != "RSA" && *kty != "EC" && *kty != "OKP" && *kty != "oct") {
    return reader.Fail(Reason::kKeyInvalid,
                       "\"kty\" must be RSA, EC, OKP or oct", "kty");
  }
  absl::StatusOr<const std::string*> kid = reader.OptionalString("kid");
  if (!kid.ok()) return kid.status();
  std::string kid_value = *kid != nullptr ? **kid : "";
  if (kid_value.size() > kMaxKidBytes) {
    return reader.Fail(
        Reason::kKeyInvalid,
        absl::StrCat("\"kid\" is longer than ", kMaxKidBytes, " bytes"), "kid");
  }
  absl::Status use = CheckUse(reader);
  if (!use.ok()) return use;

  absl::StatusOr<const std::string*> alg_name = reader.OptionalString("alg");
  if (!alg_name.ok()) return alg_name.status();
  std::optional<Algorithm> jwk_alg;
  if (*alg_name != nullptr) {
    jwk_alg = AlgorithmFromName(**alg_name);
    if (!jwk_alg.has_value()) {
      return reader.Fail(Reason::kKeyAlgMismatch,
                         "\"alg\" is not a supported JWS algorithm", "alg");
    }
    if (!FamilyFitsKty(FamilyOf(*jwk_alg), *kty)) {
      return reader.Fail(
          Reason::kKeyAlgMismatch,
          absl::StrCat(AlgorithmName(*jwk_alg), " does not fit kty ", *kty),
          "alg");
    }
  }

  if (*kty == "oct") {
    return ImportOct(reader, jwk_alg, options, std::move(kid_value));
  }

  // Asymmetric keys: private members only when the caller allows them.
  static constexpr absl::string_view kCurvePrivateMembers[] = {"d"};
  absl::Span<const absl::string_view> private_members =
      *kty == "RSA" ? absl::Span<const absl::string_view>(kRsaPrivateMembers)
                    : absl::Span<const absl::string_view>(kCurvePrivateMembers);
  bool with_private = false;
  for (absl::string_view member : private_members) {
    if (!reader.Has(member)) continue;
    if (!options.allow_private) {
      return reader.Fail(
          Reason::kKeyInvalid,
          absl::StrCat("a public key must not carry the private member \"",
                       member, "\""),
          member);
    }
    with_private = true;
  }

  absl::StatusOr<Algorithm> alg;
  absl::StatusOr<EvpPkeyPtr> pkey;
  if (*kty == "RSA") {
    alg = ChooseAlg(reader, jwk_alg, options, "RSA");
    if (!alg.ok()) return alg.status();
    pkey = BuildRsa(reader);
  } else {
    absl::StatusOr<std::string> crv = reader.RequiredString("crv");
    if (!crv.ok()) return crv.status();
    if (*kty == "EC") {
      const Curve* curve = CurveByName(*crv);
      if (curve == nullptr) {
        return reader.Fail(Reason::kKeyAlgMismatch,
                           "\"crv\" must be P-256, P-384 or P-521", "crv");
      }
      if (jwk_alg.has_value() && *jwk_alg != curve->alg) {
        return reader.Fail(Reason::kKeyAlgMismatch,
                           absl::StrCat(AlgorithmName(*jwk_alg),
                                        " does not fit curve ", curve->name),
                           "alg");
      }
      alg = curve->alg;
      pkey = BuildEc(reader, *curve, with_private);
    } else {
      // RFC 8037: X25519/X448 are key-agreement keys and Ed448 is not
      // supported, so only Ed25519 can verify a tokend signature.
      if (*crv != "Ed25519") {
        return reader.Fail(Reason::kKeyAlgMismatch,
                           "only the OKP curve Ed25519 can sign", "crv");
      }
      alg = Algorithm::kEdDSA;
      pkey = BuildEd25519(reader, with_private);
    }
  }
  if (!pkey.ok()) return pkey.status();
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromEvpPkey(*alg, *std::move(pkey), std::move(kid_value));
  if (!key.ok()) return reader.Relabel(key.status());
  return key;
}

// --- Export
// ------------------------------------------------------------------------

std::string B64(absl::string_view bytes) { return Base64UrlEncode(bytes); }

// The RFC 7638 required members: kty plus the public key members.
absl::Status AddPublicMembers(const Key& key, json::Object* out) {
  EVP_PKEY* pkey = key.pkey();
  switch (key.family()) {
    case KeyFamily::kHmac:
      return Error(Reason::kInvalidArgument,
                   "HMAC keys are secret and never published");
    case KeyFamily::kRsa:
    case KeyFamily::kRsaPss: {
      const RSA* rsa = EVP_PKEY_get0_RSA(pkey);
      if (rsa == nullptr) {
        return OpenSslFailure(Reason::kInternal, "not an RSA key", "");
      }
      const BIGNUM* n = nullptr;
      const BIGNUM* e = nullptr;
      RSA_get0_key(rsa, &n, &e, nullptr);
      out->Set("kty", "RSA");
      out->Set("n", B64(BnBytes(n)));
      out->Set("e", B64(BnBytes(e)));
      return absl::OkStatus();
    }
    case KeyFamily::kEcdsa: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey);
      const EC_GROUP* group = ec != nullptr ? EC_KEY_get0_group(ec) : nullptr;
      const Curve* curve = group != nullptr
                               ? CurveByNid(EC_GROUP_get_curve_name(group))
                               : nullptr;
      BnPtr x(BN_new()), y(BN_new());
      if (curve == nullptr || x == nullptr || y == nullptr ||
          EC_POINT_get_affine_coordinates_GFp(group, EC_KEY_get0_public_key(ec),
                                              x.get(), y.get(), nullptr) != 1) {
        return OpenSslFailure(Reason::kInternal, "cannot read the EC key", "");
      }
      out->Set("kty", "EC");
      out->Set("crv", curve->name);
      out->Set("x", B64(BnPadded(x.get(), curve->size)));
      out->Set("y", B64(BnPadded(y.get(), curve->size)));
      return absl::OkStatus();
    }
    case KeyFamily::kEd25519: {
      std::array<uint8_t, kEd25519KeySize> raw;
      size_t len = raw.size();
      if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 ||
          len != raw.size()) {
        return OpenSslFailure(Reason::kInternal, "cannot read the Ed25519 key",
                              "");
      }
      out->Set("kty", "OKP");
      out->Set("crv", "Ed25519");
      out->Set("x", B64(absl::string_view(
                        reinterpret_cast<const char*>(raw.data()), len)));
      return absl::OkStatus();
    }
  }
  return Error(Reason::kInternal, "unknown key family");
}

void AddMetadata(const Key& key, json::Object* out) {
  out->Set("alg", AlgorithmName(key.alg()));
  out->Set("use", "sig");
  if (!key.kid().empty()) out->Set("kid", key.kid());
}

absl::Status AddPrivateMembers(const Key& key, json::Object* out) {
  EVP_PKEY* pkey = key.pkey();
  switch (key.family()) {
    case KeyFamily::kHmac:
      return absl::OkStatus();
    case KeyFamily::kRsa:
    case KeyFamily::kRsaPss: {
      const RSA* rsa = EVP_PKEY_get0_RSA(pkey);
      const BIGNUM *d = nullptr, *p = nullptr, *q = nullptr;
      const BIGNUM *dp = nullptr, *dq = nullptr, *qi = nullptr;
      if (rsa != nullptr) {
        RSA_get0_key(rsa, nullptr, nullptr, &d);
        RSA_get0_factors(rsa, &p, &q);
        RSA_get0_crt_params(rsa, &dp, &dq, &qi);
      }
      if (d == nullptr || p == nullptr || q == nullptr || dp == nullptr ||
          dq == nullptr || qi == nullptr) {
        return OpenSslFailure(Reason::kInvalidArgument,
                              "the RSA key lacks its CRT members", "");
      }
      out->Set("d", B64(BnBytes(d)));
      out->Set("p", B64(BnBytes(p)));
      out->Set("q", B64(BnBytes(q)));
      out->Set("dp", B64(BnBytes(dp)));
      out->Set("dq", B64(BnBytes(dq)));
      out->Set("qi", B64(BnBytes(qi)));
      return absl::OkStatus();
    }
    case KeyFamily::kEcdsa: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey);
      const BIGNUM* d = ec != nullptr ? EC_KEY_get0_private_key(ec) : nullptr;
      const Curve* curve =
          ec != nullptr
              ? CurveByNid(EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)))
              : nullptr;
      if (d == nullptr || curve == nullptr) {
        return OpenSslFailure(Reason::kInternal, "cannot read the EC key", "");
      }
      out->Set("d", B64(BnPadded(d, curve->size)));
      return absl::OkStatus();
    }
    case KeyFamily::kEd25519: {
      std::array<uint8_t, kEd25519KeySize> raw;
      size_t len = raw.size();
      if (EVP_PKEY_get_raw_private_key(pkey, raw.data(), &len) != 1 ||
          len != raw.size()) {
        return OpenSslFailure(Reason::kInternal, "cannot read the Ed25519 key",
                              "");
      }
      out->Set("d", B64(absl::string_view(
                        reinterpret_cast<const char*>(raw.data()), len)));
      return absl::OkStatus();
    }
  }
  return Error(Reason::kInternal, "unknown key family");
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Key>> KeyFromJwk(
    const json::Object& jwk, const JwkOptions& options) {
  return ImportJwk(jwk, options, "");
}

namespace {

// JWK texts are configuration, not tokens: allow more than the token limit
// but still cap the work a hostile file can cause.
constexpr size_t kMaxJwkBytes = 64 * 1024;
constexpr size_t kMaxJwksBytes = 1024 * 1024;
constexpr size_t kMaxJwkDepth = 16;

absl::StatusOr<json::Object> ParseKeyText(absl::string_view text,
                                          size_t max_bytes,
                                          absl::string_view what) {
  json::ParseLimits limits;
  limits.max_bytes = max_bytes;
  limits.max_depth = kMaxJwkDepth;
  absl::StatusOr<json::Object> parsed = json::ParseObject(text, limits);
  if (!parsed.ok()) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat(what, " is not a strict JSON object (",
                              ReasonName(GetReason(parsed.status())), ")"));
  }
  return parsed;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Key>> KeyFromJwkText(
    absl::string_view text, const JwkOptions& options) {
  absl::StatusOr<json::Object> jwk = ParseKeyText(text, kMaxJwkBytes, "JWK");
  if (!jwk.ok()) return jwk.status();
  return ImportJwk(*jwk, options, "");
}

absl::StatusOr<KeySet> KeySetFromJwks(absl::string_view text,
                                      const JwkOptions& options) {
  absl::StatusOr<json::Object> root =
      ParseKeyText(text, kMaxJwksBytes, "JWK Set");
  if (!root.ok()) return root.status();
  const json::Value* keys = root->Find("keys");
  if (keys == nullptr) {
    return Error(Reason::kKeyInvalid, "a JWK Set needs a \"keys\" member",
                 "keys");
  }
  if (!keys->is_array()) {
    return Error(Reason::kKeyInvalid, "\"keys\" must be an array", "keys");
  }
  std::vector<std::shared_ptr<const Key>> loaded;
  loaded.reserve(keys->as_array().size());
  for (size_t i = 0; i < keys->as_array().size(); ++i) {
    const json::Value& entry = keys->as_array()[i];
    const std::string field = absl::StrCat("keys[", i, "]");
    if (!entry.is_object()) {
      return Error(Reason::kKeyInvalid, "a JWK Set entry must be an object",
                   field);
    }
    absl::StatusOr<std::shared_ptr<const Key>> key =
        ImportJwk(entry.as_object(), options, absl::StrCat(field, "."));
    if (!key.ok()) return key.status();
    loaded.push_back(*std::move(key));
  }
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(loaded));
  if (!set.ok()) {
    return Error(GetReason(set.status()),
                 absl::StrCat("the JWK Set is not a valid key set: ",
                              set.status().message()),
                 "keys");
  }
  return set;
}

absl::StatusOr<json::Object> PublicJwk(const Key& key) {
  json::Object out;
  absl::Status status = AddPublicMembers(key, &out);
  if (!status.ok()) return status;
  AddMetadata(key, &out);
  return out;
}

absl::StatusOr<json::Object> PrivateJwk(const Key& key) {
  json::Object out;
  if (key.family() == KeyFamily::kHmac) {
    out.Set("kty", "oct");
    out.Set("k", B64(key.secret()));
    AddMetadata(key, &out);
    return out;
  }
  if (!key.has_private()) {
    return Error(Reason::kNoSigningKey, "the key holds no private material");
  }
  absl::Status status = AddPublicMembers(key, &out);
  if (status.ok()) status = AddPrivateMembers(key, &out);
  if (!status.ok()) return status;
  AddMetadata(key, &out);
  return out;
}

absl::StatusOr<std::string> PublicJwksJson(const KeySet& set) {
  json::Array keys;
  for (const std::shared_ptr<const Key>& key : set.keys()) {
    if (IsSymmetric(key->alg())) continue;
    absl::StatusOr<json::Object> jwk = PublicJwk(*key);
    if (!jwk.ok()) return jwk.status();
    keys.push_back(*std::move(jwk));
  }
  json::Object root;
  root.Set("keys", std::move(keys));
  return json::Serialize(root);
}

absl::StatusOr<std::string> Thumbprint(const Key& key) {
  json::Object required;
  absl::Status status = AddPublicMembers(key, &required);
  if (!status.ok()) return status;
  // json::Serialize sorts members by name and adds no whitespace, which is
  // exactly the RFC 7638 §3 canonical form for these ASCII members.
  const std::string canonical = json::Serialize(required);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(canonical), canonical.size(), digest);
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace tokend
