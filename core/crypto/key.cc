// Key construction, validation dispatch and generation. The per-family
// sign/verify code lives in hmac.cc, rsa.cc, ecdsa.cc and eddsa.cc.
//
// Thread safety: a Key and its primitive are never mutated after the factory
// returns, and the OpenSSL/BoringSSL objects they hold (EVP_PKEY, keyed
// HMAC_CTX) are only read; every operation works on its own short-lived
// context. Any number of threads may therefore share one Key.
#include "core/crypto/key.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/primitives.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {

absl::Status KeyPrimitive::SignAppend(absl::string_view signing_input,
                                      std::string* out) const {
  absl::StatusOr<std::string> signature = Sign(signing_input);
  if (!signature.ok()) return signature.status();
  out->append(*signature);
  return absl::OkStatus();
}

// Named as a friend in key.h: the only code that fills in a Key.
class KeyFactory {
 public:
  static std::shared_ptr<const Key> Make(
      Algorithm alg, std::string kid, std::string secret,
      std::shared_ptr<EVP_PKEY> pkey, crypto_internal::LoadedPrimitive loaded) {
    std::shared_ptr<Key> key(new Key());
    key->alg_ = alg;
    key->kid_ = std::move(kid);
    key->has_private_ = loaded.has_private;
    key->secret_ = std::move(secret);
    key->pkey_ = std::move(pkey);
    key->primitive_ = std::move(loaded.primitive);
    return key;
  }
};

namespace crypto_internal {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

bool ConfigurePadding(EVP_PKEY_CTX* pctx, const EVP_MD* md, Padding padding) {
  switch (padding) {
    case Padding::kDefault:
      return true;
    case Padding::kPkcs1:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    case Padding::kPssPinned:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_size(md)) == 1;
  }
  return false;
}

}  // namespace

const EVP_MD* DigestFor(Algorithm alg) {
  if (alg == Algorithm::kEdDSA) return nullptr;
  switch (HashSize(alg)) {
    case 32:
      return EVP_sha256();
    case 48:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

absl::Status EvpVerify(EVP_PKEY* pkey, const EVP_MD* md, Padding padding,
                       absl::string_view input, absl::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = ctx != nullptr &&
            EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) == 1 &&
            ConfigurePadding(pctx, md, padding) &&
            EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                             Bytes(input), input.size()) == 1;
  if (ok) return absl::OkStatus();
  ERR_clear_error();
  return Error(Reason::kBadSignature, "signature does not verify");
}

absl::StatusOr<std::string> EvpSign(EVP_PKEY* pkey, const EVP_MD* md,
                                    Padding padding, absl::string_view input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey) != 1 ||
      !ConfigurePadding(pctx, md, padding)) {
    ERR_clear_error();
    return Error(Reason::kInternal, "cannot set up the signing operation");
  }
  // EVP_PKEY_size is an upper bound for every signature type we use.
  size_t len = static_cast<size_t>(EVP_PKEY_size(pkey));
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<uint8_t*>(out.data()), &len,
                     Bytes(input), input.size()) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "signing failed");
  }
  out.resize(len);
  return out;
}

namespace {

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using OwnedPkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

}  // namespace

absl::StatusOr<std::unique_ptr<const DigestSigner>> DigestSigner::Create(
    EVP_PKEY* pkey, const EVP_MD* md, Padding padding, bool can_sign) {
  std::unique_ptr<DigestSigner> signer(new DigestSigner());
  signer->md_ = EVP_MD_CTX_new();
  signer->verify_ = EVP_PKEY_CTX_new(pkey, nullptr);
  bool ok = signer->md_ != nullptr && signer->verify_ != nullptr &&
            EVP_DigestInit_ex(signer->md_, md, nullptr) == 1 &&
            EVP_PKEY_verify_init(signer->verify_) == 1 &&
            ConfigurePadding(signer->verify_, md, padding) &&
            EVP_PKEY_CTX_set_signature_md(signer->verify_, md) == 1;
  if (ok && can_sign) {
    signer->sign_ = EVP_PKEY_CTX_new(pkey, nullptr);
    ok = signer->sign_ != nullptr && EVP_PKEY_sign_init(signer->sign_) == 1 &&
         ConfigurePadding(signer->sign_, md, padding) &&
         EVP_PKEY_CTX_set_signature_md(signer->sign_, md) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    return Error(Reason::kInternal, "cannot prepare the signature contexts");
  }
  signer->max_signature_ = static_cast<size_t>(EVP_PKEY_size(pkey));
  return std::unique_ptr<const DigestSigner>(std::move(signer));
}

DigestSigner::~DigestSigner() {
  EVP_MD_CTX_free(md_);
  EVP_PKEY_CTX_free(verify_);
  EVP_PKEY_CTX_free(sign_);
}

bool DigestSigner::Digest(absl::string_view input, uint8_t* digest,
                          unsigned int* len) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx != nullptr && EVP_MD_CTX_copy_ex(ctx.get(), md_) == 1 &&
         EVP_DigestUpdate(ctx.get(), input.data(), input.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), digest, len) == 1;
}

absl::Status DigestSigner::Verify(absl::string_view input,
                                  absl::string_view signature) const {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  OwnedPkeyCtx ctx;
  const bool ok = Digest(input, digest, &digest_len) &&
                  (ctx.reset(EVP_PKEY_CTX_dup(verify_)), ctx != nullptr) &&
                  EVP_PKEY_verify(ctx.get(), Bytes(signature), signature.size(),
                                  digest, digest_len) == 1;
  if (ok) return absl::OkStatus();
  ERR_clear_error();
  return Error(Reason::kBadSignature, "signature does not verify");
}

absl::StatusOr<std::string> DigestSigner::Sign(absl::string_view input) const {
  if (sign_ == nullptr) {
    return Error(Reason::kNoSigningKey, "the key is public only");
  }
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  OwnedPkeyCtx ctx;
  std::string out(max_signature_, '\0');
  size_t len = out.size();
  const bool ok =
      Digest(input, digest, &digest_len) &&
      (ctx.reset(EVP_PKEY_CTX_dup(sign_)), ctx != nullptr) &&
      EVP_PKEY_sign(ctx.get(), reinterpret_cast<uint8_t*>(out.data()), &len,
                    digest, digest_len) == 1;
  if (!ok) {
    ERR_clear_error();
    return Error(Reason::kInternal, "signing failed");
  }
  out.resize(len);
  return out;
}

}  // namespace crypto_internal

namespace {

using crypto_internal::LoadedPrimitive;

absl::StatusOr<LoadedPrimitive> LoadAsymmetric(
    Algorithm alg, const std::shared_ptr<EVP_PKEY>& pkey) {
  const int type = EVP_PKEY_id(pkey.get());
  switch (FamilyOf(alg)) {
    case KeyFamily::kHmac:
      break;
    case KeyFamily::kRsa:
    case KeyFamily::kRsaPss:
      // Only plain rsaEncryption keys: an RSA-PSS-restricted key carries its
      // own parameters, which could contradict the pinned PS* ones.
      if (type != EVP_PKEY_RSA) break;
      return crypto_internal::NewRsaPrimitive(alg, pkey);
    case KeyFamily::kEcdsa:
      if (type != EVP_PKEY_EC) break;
      return crypto_internal::NewEcdsaPrimitive(alg, pkey);
    case KeyFamily::kEd25519:
      if (type != EVP_PKEY_ED25519) break;
      return crypto_internal::NewEd25519Primitive(alg, pkey);
  }
  return Error(Reason::kKeyAlgMismatch,
               absl::StrCat("the key type does not fit ", AlgorithmName(alg)));
}

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

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

absl::StatusOr<EvpPkeyPtr> GenerateEvpPkey(Algorithm alg) {
  int type = EVP_PKEY_RSA;
  if (FamilyOf(alg) == KeyFamily::kEcdsa) type = EVP_PKEY_EC;
  if (FamilyOf(alg) == KeyFamily::kEd25519) type = EVP_PKEY_ED25519;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(type, nullptr));
  bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx.get()) == 1;
  if (ok && type == EVP_PKEY_RSA) {
    ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1;
  }
  if (ok && type == EVP_PKEY_EC) {
    ok = EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), CurveFor(alg)) == 1;
  }
  EVP_PKEY* raw = nullptr;
  if (!ok || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "key generation failed");
  }
  return EvpPkeyPtr(raw);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Key>> Key::FromHmacSecret(
    Algorithm alg, std::string secret, std::string kid) {
  if (!IsSymmetric(alg)) {
    return Error(
        Reason::kKeyAlgMismatch,
        absl::StrCat("a raw secret cannot be bound to ", AlgorithmName(alg)));
  }
  if (secret.size() < HashSize(alg)) {
    return Error(
        Reason::kKeyTooWeak,
        absl::StrCat(AlgorithmName(alg), " needs a secret of at least ",
                     HashSize(alg), " bytes"));
  }
  absl::StatusOr<LoadedPrimitive> loaded =
      crypto_internal::NewHmacPrimitive(alg, secret);
  if (!loaded.ok()) return loaded.status();
  return KeyFactory::Make(alg, std::move(kid), std::move(secret), nullptr,
                          *std::move(loaded));
}

absl::StatusOr<std::shared_ptr<const Key>> Key::FromEvpPkey(Algorithm alg,
                                                            EvpPkeyPtr pkey,
                                                            std::string kid) {
  if (pkey == nullptr) return Error(Reason::kKeyInvalid, "no key given");
  std::shared_ptr<EVP_PKEY> shared(pkey.release(), EvpPkeyDeleter());
  absl::StatusOr<LoadedPrimitive> loaded = LoadAsymmetric(alg, shared);
  if (!loaded.ok()) return loaded.status();
  return KeyFactory::Make(alg, std::move(kid), "", std::move(shared),
                          *std::move(loaded));
}

std::shared_ptr<const Key> Key::WithKid(std::string kid) const {
  // Shares the EVP_PKEY and the primitive, both immutable.
  std::shared_ptr<Key> copy(new Key(*this));
  copy->kid_ = std::move(kid);
  return copy;
}

absl::StatusOr<std::shared_ptr<const Key>> GenerateKey(Algorithm alg,
                                                       std::string kid) {
  if (IsSymmetric(alg)) {
    std::string secret(HashSize(alg), '\0');
    SecureRandomBytes(secret.data(), secret.size());
    return Key::FromHmacSecret(alg, std::move(secret), std::move(kid));
  }
  absl::StatusOr<EvpPkeyPtr> pkey = GenerateEvpPkey(alg);
  if (!pkey.ok()) return pkey.status();
  return Key::FromEvpPkey(alg, *std::move(pkey), std::move(kid));
}

}  // namespace tokend
