// What selects the issuer of an incoming token, read before anything is
// verified: the "iss" and "sub" claims and the "kid" header. None of it is
// trusted; it only picks which configured issuer's keys and rules then
// verify the token (and which key set an unknown kid refers to). An issuer
// that is not configured is never contacted, and header members that name
// keys (jku, x5u, jwk, x5c) are refused by the verifier itself.
#ifndef TOKEND_CORE_IDENTITY_TOKEN_PEEK_H_
#define TOKEND_CORE_IDENTITY_TOKEN_PEEK_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend::identity {

struct TokenPeek {
  std::optional<std::string> iss;  // when present and a string
  std::optional<std::string> sub;  // when present and a string
  std::optional<std::string> kid;  // when present and a string
};

// The token's size is checked first (kTokenTooLarge); then its shape
// (kMalformed, kBadBase64, kBadJson, ...), with the core's strict decoding
// and JSON rules under `max_bytes` and a depth of 32.
absl::StatusOr<TokenPeek> PeekToken(absl::string_view token, size_t max_bytes);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_TOKEN_PEEK_H_
