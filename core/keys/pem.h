// PEM import/export: SPKI public keys, PKCS#8 private keys, and the
// traditional "RSA PRIVATE KEY" / "RSA PUBLIC KEY" / "EC PRIVATE KEY" forms.
#ifndef TOKEND_CORE_KEYS_PEM_H_
#define TOKEND_CORE_KEYS_PEM_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"

namespace tokend {

// Parses exactly one PEM block (public or private). Errors: kKeyInvalid, or
// the Key::FromEvpPkey load-time reasons. Error details never include key
// bytes.
absl::StatusOr<std::shared_ptr<const Key>> KeyFromPem(Algorithm alg,
                                                      absl::string_view pem,
                                                      std::string kid = "");

// SPKI "PUBLIC KEY" PEM of an asymmetric key.
absl::StatusOr<std::string> PublicKeyToPem(const Key& key);
// PKCS#8 "PRIVATE KEY" PEM of an asymmetric private key.
absl::StatusOr<std::string> PrivateKeyToPem(const Key& key);

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_PEM_H_
