// What a failed verification may still say about the token: its id and
// times. They are attached to the failure only when the token parsed and its
// signature (or MAC) was good, so they are the issuer's own values and safe
// to log, e.g. for an expired, not-yet-valid or revoked token. A token with a
// bad signature carries none: its id and times are whatever its holder wrote.
//
// They travel as a payload of the failure's absl::Status, like the reason
// (core/reason.h), so every layer keeps returning plain statuses.
#ifndef TOKEND_CORE_TOKEN_FACTS_H_
#define TOKEND_CORE_TOKEN_FACTS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace tokend {

struct TokenFacts {
  std::string token_id;
  absl::Time issued_at = absl::InfinitePast();     // InfinitePast: none
  absl::Time expires_at = absl::InfiniteFuture();  // InfiniteFuture: none

  bool operator==(const TokenFacts&) const = default;
};

// `status` with `facts` attached (replacing any attached before). An OK
// status is returned unchanged.
absl::Status WithTokenFacts(absl::Status status, const TokenFacts& facts);

// The facts attached by WithTokenFacts, if any.
std::optional<TokenFacts> GetTokenFacts(const absl::Status& status);

}  // namespace tokend

#endif  // TOKEND_CORE_TOKEN_FACTS_H_
