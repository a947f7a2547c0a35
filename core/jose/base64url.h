// Strict base64 codecs.
//
// Base64Url* implement RFC 7515 §2: the URL-safe alphabet, no padding, no
// whitespace, canonical (zero) unused trailing bits, and a length that is not
// 1 mod 4. Anything else is refused, so each byte string has exactly one
// accepted encoding and tokens are not malleable.
//
// Base64Std* implement RFC 4648 §4 with '=' padding, as the Agora formats use;
// decoding is equally strict (padding required, canonical trailing bits).
#ifndef TOKEND_CORE_JOSE_BASE64URL_H_
#define TOKEND_CORE_JOSE_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend {

std::string Base64UrlEncode(absl::string_view data);
void Base64UrlEncodeAppend(absl::string_view data, std::string* out);
// Fails with Reason::kBadBase64.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded);
// Decodes into *out (cleared first); false on any violation. No allocation
// beyond *out's growth, for the verify hot path.
bool Base64UrlDecodeTo(absl::string_view encoded, std::string* out);

std::string Base64StdEncode(absl::string_view data);
absl::StatusOr<std::string> Base64StdDecode(absl::string_view encoded);

}  // namespace tokend

#endif  // TOKEND_CORE_JOSE_BASE64URL_H_
