// HS256/384/512 (RFC 7518 §3.2). The key is absorbed once into a keyed
// HMAC_CTX at load time; each operation copies that context, so the ipad and
// opad blocks are never recomputed and no digest lookup happens per call.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <memory>
#include <string>
#ifdef TOKEND_BORINGSSL
#include <openssl/mem.h>
#endif

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

struct HmacCtxDeleter {
  void operator()(HMAC_CTX* ctx) const { HMAC_CTX_free(ctx); }
};
using HmacCtxPtr = std::unique_ptr<HMAC_CTX, HmacCtxDeleter>;

class HmacPrimitive final : public KeyPrimitive {
 public:
  HmacPrimitive(HmacCtxPtr keyed, size_t tag_size)
      : keyed_(std::move(keyed)), tag_size_(tag_size) {}

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const override {
    // The full-length tag is the signature: a truncated or extended one is
    // invalid before any MAC is computed (RFC 7518 §3.2).
    if (signature.size() != tag_size_) {
      return Error(Reason::kBadSignature, "HMAC tag has the wrong length");
    }
    uint8_t tag[EVP_MAX_MD_SIZE];
    if (!Compute(signing_input, tag)) {
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    const bool equal = CRYPTO_memcmp(tag, signature.data(), tag_size_) == 0;
    OPENSSL_cleanse(tag, sizeof(tag));
    if (!equal) return Error(Reason::kBadSignature, "HMAC tag does not match");
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    uint8_t tag[EVP_MAX_MD_SIZE];
    if (!Compute(signing_input, tag)) {
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    std::string out(reinterpret_cast<const char*>(tag), tag_size_);
    OPENSSL_cleanse(tag, sizeof(tag));
    return out;
  }

  // The tag goes straight into *out: no temporary to allocate or cleanse.
  absl::Status SignAppend(absl::string_view signing_input,
                          std::string* out) const override {
    const size_t start = out->size();
    out->resize(start + tag_size_);
    if (!Compute(signing_input,
                 reinterpret_cast<uint8_t*>(out->data() + start))) {
      out->resize(start);
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    return absl::OkStatus();
  }

 private:
  // Writes tag_size_ bytes to `tag`.
  bool Compute(absl::string_view input, uint8_t* tag) const {
    HmacCtxPtr ctx(HMAC_CTX_new());
    unsigned int len = 0;
    const bool ok =
        ctx != nullptr && HMAC_CTX_copy(ctx.get(), keyed_.get()) == 1 &&
        HMAC_Update(ctx.get(), reinterpret_cast<const uint8_t*>(input.data()),
                    input.size()) == 1 &&
        HMAC_Final(ctx.get(), tag, &len) == 1 && len == tag_size_;
    if (!ok) ERR_clear_error();
    return ok;
  }

  // Read-only after construction: HMAC_CTX_copy only reads its source.
  const HmacCtxPtr keyed_;
  const size_t tag_size_;
};

}  // namespace

absl::StatusOr<LoadedPrimitive> NewHmacPrimitive(Algorithm alg,
                                                 absl::string_view secret) {
  HmacCtxPtr keyed(HMAC_CTX_new());
  if (keyed == nullptr ||
      HMAC_Init_ex(keyed.get(), secret.data(), secret.size(), DigestFor(alg),
                   nullptr) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "cannot key the HMAC context");
  }
  LoadedPrimitive loaded;
  loaded.primitive =
      std::make_shared<HmacPrimitive>(std::move(keyed), HashSize(alg));
  loaded.has_private = true;  // a shared secret both signs and verifies
  return loaded;
}

}  // namespace tokend::crypto_internal
