// A JWK Set published by another issuer, made into a KeySet.
//
// core/keys/jwk.h's KeySetFromJwks is for configured sets: any bad member
// fails the whole set. A foreign set is different: issuers publish keys
// tokend cannot or must not use next to the ones that sign their tokens
// (Keycloak an RSA-OAEP "use":"enc" key, a SPIFFE bundle its X.509
// authorities, others keys for algorithms not configured here). So each
// entry is imported on its own with KeyFromJwk's rules (kty, alg binding,
// "use"/"key_ops", private members refused, RSA ≥ 2048 bits, EC points on
// the curve, Ed25519 canonical), and an entry that fails is skipped and
// reported, never guessed at. The set fails only when nothing usable is
// left: an empty set is never installed.
//
// On top of KeyFromJwk:
// - a key bound to an algorithm outside `algorithms` is skipped;
// - an RSA key without "alg" is bound to the first RS*/PS* of `algorithms`
//   (Entra ID and Google publish RSA keys without alg), an oct key without
//   "alg" to the first HS*; one algorithm per key as everywhere;
// - oct (HMAC) keys are skipped unless allow_symmetric (a JWKS file that
//   holds a shared secret; never a fetched set, which anyone can read);
// - keys that share a kid, and keys without kid when there are several,
//   are all skipped: which one signed is ambiguous;
// - SPIFFE bundles (the SPIFFE Trust Domain and Bundle standard, §4): "use"
//   "jwt-svid" marks a JWT signing key, "x509-svid" an X.509 authority
//   (skipped), and "spiffe_refresh_hint" (seconds) is reported.
#ifndef TOKEND_CORE_IDENTITY_JWKS_IMPORT_H_
#define TOKEND_CORE_IDENTITY_JWKS_IMPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

namespace tokend::identity {

// Entries past this many are skipped unread: a set is a handful of keys.
inline constexpr size_t kMaxJwksEntries = 100;

struct JwksImportOptions {
  std::vector<Algorithm> algorithms;  // must not be empty
  bool allow_symmetric = false;
  bool spiffe_bundle = false;
};

struct SkippedKey {
  size_t index = 0;  // position in "keys"
  std::string kid;   // as published ("" when none), shortened and escaped
  Reason reason = Reason::kKeyInvalid;
  std::string detail;
};

struct ImportedJwks {
  KeySet keys;  // never empty
  std::vector<SkippedKey> skipped;
  // A SPIFFE bundle's spiffe_refresh_hint, when present and valid.
  std::optional<absl::Duration> refresh_hint;
};

// kKeySetInvalid when the text is not a JSON object with a "keys" array,
// or when no entry is usable (the message says why the first ones were
// skipped); kInvalidArgument when `algorithms` is empty.
absl::StatusOr<ImportedJwks> ImportForeignJwks(
    absl::string_view text, const JwksImportOptions& options);

// "keys[1] (kid \"k2\"): KEY_USE_INVALID: ...", for status lines and logs.
std::string DescribeSkipped(const SkippedKey& skipped);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_JWKS_IMPORT_H_
