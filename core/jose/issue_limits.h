// Limits of the one JWT writer (core/jose/jwt_writer.h, which IssueJwt and
// every vendor profile issue through) and, for the NumericDate bound, of the
// verifier, so every issued token verifies.
#ifndef TOKEND_CORE_JOSE_ISSUE_LIMITS_H_
#define TOKEND_CORE_JOSE_ISSUE_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace tokend::jose {

// The largest NumericDate ParseNumericDate accepts (2^53 - 1), so every
// issued token verifies.
inline constexpr int64_t kMaxNumericDate = (int64_t{1} << 53) - 1;

// Room for the largest encoded signature a supported key makes (4096-bit
// RSA).
inline constexpr size_t kMaxSignatureChars = (512 + 2) / 3 * 4;

// Header members a caller may not set: derived from the key, or refused by
// the verifier (a token carrying them would be unverifiable, or would
// smuggle a key hint).
inline constexpr absl::string_view kReservedHeader[] = {
    "alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256",
};

}  // namespace tokend::jose

#endif  // TOKEND_CORE_JOSE_ISSUE_LIMITS_H_
