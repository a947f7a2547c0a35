// Byte-level helpers the JSON writer, the parser's member sort, the fast
// scanner and the issuer's header cache share: 8-byte words read in string
// order, the JSON escape test on a whole word, and short-string compares
// that inline instead of calling memcmp.
#ifndef TOKEND_CORE_JSON_BYTE_SCAN_H_
#define TOKEND_CORE_JSON_BYTE_SCAN_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace tokend::json::internal {

inline constexpr uint64_t kEveryByte = 0x0101010101010101u;
inline constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fu;
inline constexpr uint64_t kHigh = 0x8080808080808080u;

// Eight bytes at `p` with byte k of the string in byte k of the word
// (little-endian order on every host), so the lowest flagged byte of a word
// is the first in the string.
inline uint64_t LoadWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  if constexpr (std::endian::native == std::endian::big) {
    w = __builtin_bswap64(w);
  }
  return w;
}

// The high bit of byte k is set exactly when byte k is one RFC 8259 §7
// requires escaped: '"', '\\' or a control byte (< 0x20). Each test works
// within its byte (the 7-bit sums never carry out), so the flag of one byte
// does not depend on its neighbours and any byte range can be masked away.
constexpr uint64_t EscapeFlags(uint64_t w) {
  // High bit set when the byte is at least 0x20.
  const uint64_t printable = ((w & kLow7) + kEveryByte * (0x80 - 0x20)) | w;
  // High bit set when the byte is not the one compared with.
  const uint64_t x_quote = w ^ (kEveryByte * '"');
  const uint64_t not_quote = ((x_quote & kLow7) + kLow7) | x_quote;
  const uint64_t x_backslash = w ^ (kEveryByte * '\\');
  const uint64_t not_backslash = ((x_backslash & kLow7) + kLow7) | x_backslash;
  return ~(printable & not_quote & not_backslash) & kHigh;
}

// Byte order (unsigned, as std::string compares), for member names.
inline bool ByteLess(absl::string_view a, absl::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    if (ca != cb) return ca < cb;
  }
  return a.size() < b.size();
}

// Equality for short strings (member names, kid, typ): byte or word
// compares in line.
inline bool SameBytes(absl::string_view a, absl::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  for (size_t i = 0; i + 8 <= n; i += 8) {
    if (LoadWord(a.data() + i) != LoadWord(b.data() + i)) return false;
  }
  return LoadWord(a.data() + n - 8) == LoadWord(b.data() + n - 8);
}

}  // namespace tokend::json::internal

#endif  // TOKEND_CORE_JSON_BYTE_SCAN_H_
