// libFuzzer target for JWK and JWK Set import. Neither entry point may crash
// on any input, every refusal must carry a reason, and whatever loads must
// export again: asymmetric keys to a public JWK, a thumbprint and a JWKS
// that reloads to the same keys; any key to a private JWK when it holds
// private material.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckRefusal(const absl::Status& status) {
  Check(!status.ok());
  Check(tokend::GetReason(status) != tokend::Reason::kInternal);
}

void CheckExports(const tokend::Key& key) {
  if (tokend::IsSymmetric(key.alg())) {
    Check(!tokend::PublicJwk(key).ok());
    Check(!tokend::Thumbprint(key).ok());
  } else {
    absl::StatusOr<tokend::json::Object> public_jwk = tokend::PublicJwk(key);
    Check(public_jwk.ok());
    Check(public_jwk->Find("d") == nullptr);
    absl::StatusOr<std::string> thumbprint = tokend::Thumbprint(key);
    Check(thumbprint.ok() && thumbprint->size() == 43);
    // The public form must load again, as a public key, with the same
    // thumbprint.
    tokend::JwkOptions public_only;
    public_only.allow_private = false;
    absl::StatusOr<std::shared_ptr<const tokend::Key>> reloaded =
        tokend::KeyFromJwk(*public_jwk, public_only);
    Check(reloaded.ok());
    Check((*reloaded)->alg() == key.alg());
    Check(*tokend::Thumbprint(**reloaded) == *thumbprint);
  }
  if (key.has_private()) Check(tokend::PrivateJwk(key).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  // The first byte, when present, picks the options so both the private and
  // the public-only paths and the default-alg fallback get explored.
  tokend::JwkOptions options;
  if (size > 0) {
    options.allow_private = (data[0] & 1) == 0;
    if ((data[0] & 2) != 0) options.default_alg = tokend::Algorithm::kRS256;
    if ((data[0] & 4) != 0) options.default_alg = tokend::Algorithm::kHS256;
  }

  absl::StatusOr<std::shared_ptr<const tokend::Key>> key =
      tokend::KeyFromJwkText(text, options);
  if (key.ok()) {
    CheckExports(**key);
  } else {
    CheckRefusal(key.status());
  }

  absl::StatusOr<tokend::KeySet> set = tokend::KeySetFromJwks(text, options);
  if (!set.ok()) {
    CheckRefusal(set.status());
    return 0;
  }
  for (const auto& member : set->keys()) {
    CheckExports(*member);
    Check(set->FindByKid(member->kid()) == member.get());
  }
  absl::StatusOr<std::string> jwks = tokend::PublicJwksJson(*set);
  Check(jwks.ok());
  tokend::JwkOptions public_only;
  public_only.allow_private = false;
  absl::StatusOr<tokend::KeySet> republished =
      tokend::KeySetFromJwks(*jwks, public_only);
  // A JWKS of only HMAC keys publishes as an empty set.
  Check(republished.ok());
  return 0;
}
