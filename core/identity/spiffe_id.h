// SPIFFE IDs (the SPIFFE-ID standard, §2): spiffe://<trust domain><path>.
//
// The trust domain is lower-case letters, digits, '.', '-' and '_'; the
// path is '/'-separated segments of letters, digits, '.', '-' and '_', none
// empty, "." or "..", without a trailing '/'. No port, user info, query or
// fragment; the scheme is lower-case; at most 2048 bytes in all.
#ifndef TOKEND_CORE_IDENTITY_SPIFFE_ID_H_
#define TOKEND_CORE_IDENTITY_SPIFFE_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend::identity {

inline constexpr size_t kMaxSpiffeIdBytes = 2048;

struct SpiffeId {
  std::string trust_domain;
  std::string path;  // "" for the trust domain's own id, else "/a/b"
  std::string ToString() const;
};

bool IsValidTrustDomain(absl::string_view trust_domain);

// kBadClaim naming `field` when `text` is not a SPIFFE ID.
absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view text,
                                       absl::string_view field);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_SPIFFE_ID_H_
