// EdDSA over Ed25519 (RFC 8037, RFC 8032 pure mode, no context). Signatures
// are exactly 64 bytes; the library rejects a non-canonical S (S ≥ L) and
// point encodings that do not decode.
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

constexpr size_t kEd25519SignatureSize = 64;

class Ed25519Primitive final : public KeyPrimitive {
 public:
  Ed25519Primitive(std::shared_ptr<EVP_PKEY> pkey, bool has_private)
      : pkey_(std::move(pkey)), has_private_(has_private) {}

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const override {
    if (signature.size() != kEd25519SignatureSize) {
      return Error(Reason::kBadSignature,
                   "Ed25519 signature is not exactly 64 bytes");
    }
    return EvpVerify(pkey_.get(), nullptr, Padding::kDefault, signing_input,
                     signature);
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    if (!has_private_) {
      return Error(Reason::kNoSigningKey, "the Ed25519 key is public only");
    }
    return EvpSign(pkey_.get(), nullptr, Padding::kDefault, signing_input);
  }

 private:
  const std::shared_ptr<EVP_PKEY> pkey_;
  const bool has_private_;
};

}  // namespace

absl::StatusOr<LoadedPrimitive> NewEd25519Primitive(
    Algorithm alg, std::shared_ptr<EVP_PKEY> pkey) {
  size_t len = 0;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), nullptr, &len) != 1 ||
      len != 32) {
    ERR_clear_error();
    return Error(Reason::kKeyInvalid, "not a usable Ed25519 key");
  }
  // Both libraries fail this query when only the public half is held.
  len = 0;
  const bool has_private =
      EVP_PKEY_get_raw_private_key(pkey.get(), nullptr, &len) == 1 && len == 32;
  ERR_clear_error();
  LoadedPrimitive loaded;
  loaded.primitive =
      std::make_shared<Ed25519Primitive>(std::move(pkey), has_private);
  loaded.has_private = has_private;
  return loaded;
}

}  // namespace tokend::crypto_internal
