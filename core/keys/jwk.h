// JWK and JWK Set import/export (RFC 7517, 7518 §6, 8037) and RFC 7638
// thumbprints.
//
// Import rules: kty is required and case-sensitive; the key is bound to one
// algorithm (its "alg" member, or the default for kty+crv: EC P-256 → ES256,
// P-384 → ES384, P-521 → ES512, OKP Ed25519 → EdDSA; RSA and oct need an
// explicit alg or a caller-supplied default). "use": "enc" and key_ops
// without sign/verify are refused; EC coordinates must have the exact length
// and lie on the curve; RSA ≥ 2048 bits and e odd and > 1; oct secrets at
// least the hash size. Private members are accepted only when allowed.
#ifndef TOKEND_CORE_KEYS_JWK_H_
#define TOKEND_CORE_KEYS_JWK_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/key_set.h"

namespace tokend {

struct JwkOptions {
  // Used when the JWK has no "alg" and kty+crv do not determine one.
  std::optional<Algorithm> default_alg;
  // When false, an RSA/EC/OKP key carrying private members (d, p, q, dp,
  // dq, qi, oth) is refused with kKeyInvalid naming the member: a public
  // JWKS must not leak private keys. oct keys are still loaded, since for
  // them the secret "k" is the key.
  bool allow_private = true;
};

absl::StatusOr<std::shared_ptr<const Key>> KeyFromJwk(
    const json::Object& jwk, const JwkOptions& options = {});
absl::StatusOr<std::shared_ptr<const Key>> KeyFromJwkText(
    absl::string_view text, const JwkOptions& options = {});

// A JWK Set ({"keys":[...]}) becomes a KeySet; KeySet::Create's rules apply
// (no duplicate kids, no mixed symmetric/asymmetric sets). Any invalid member
// key fails the whole set: a configured set must load completely or not at
// all.
absl::StatusOr<KeySet> KeySetFromJwks(absl::string_view text,
                                      const JwkOptions& options = {});

// The public JWK (kty, alg, use "sig", kid, and the public members). HMAC
// keys are never exported publicly: kInvalidArgument.
absl::StatusOr<json::Object> PublicJwk(const Key& key);
// Includes private members (and "k" for oct).
absl::StatusOr<json::Object> PrivateJwk(const Key& key);
// {"keys":[...]} of the public JWKs of every asymmetric key in the set.
absl::StatusOr<std::string> PublicJwksJson(const KeySet& set);

// RFC 7638 thumbprint (SHA-256, base64url) of the key's public members.
absl::StatusOr<std::string> Thumbprint(const Key& key);

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_JWK_H_
