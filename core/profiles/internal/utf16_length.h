// Vendor string limits are stated in "characters" as JavaScript counts them
// (String.prototype.length: UTF-16 code units), so the profiles measure the
// same way, and refuse text that is not valid UTF-8 (the JSON serialiser
// requires it).
#ifndef TOKEND_CORE_PROFILES_INTERNAL_UTF16_LENGTH_H_
#define TOKEND_CORE_PROFILES_INTERNAL_UTF16_LENGTH_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace tokend {

// The UTF-16 length of `text`, or nullopt when it is not strict UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are refused).
inline std::optional<size_t> Utf16Length(absl::string_view text) {
  size_t units = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const uint8_t lead = static_cast<uint8_t>(text[i]);
    size_t extra;
    uint32_t code_point;
    if (lead < 0x80) {
      ++units;
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      code_point = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (n - i <= extra) return std::nullopt;
    for (size_t k = 1; k <= extra; ++k) {
      const uint8_t next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    // Shortest form only, no surrogates, nothing past U+10FFFF.
    if ((extra == 2 && code_point < 0x800) ||
        (extra == 3 && (code_point < 0x10000 || code_point > 0x10FFFF)) ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return std::nullopt;
    }
    units += extra == 3 ? 2 : 1;
    i += extra + 1;
  }
  return units;
}

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_INTERNAL_UTF16_LENGTH_H_
