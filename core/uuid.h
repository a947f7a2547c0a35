// UUIDs in their 8-4-4-4-12 hexadecimal text form: the one check and the one
// generator the vendor profiles share (Vonage application ids and jti,
// ApiRTC jti, Daily domain ids).
#ifndef TOKEND_CORE_UUID_H_
#define TOKEND_CORE_UUID_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "core/random.h"

namespace tokend {

// 8-4-4-4-12 hexadecimal digits (either case), any version.
inline bool IsUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                 (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// A random (version 4) UUID in lowercase, from the shared CSPRNG.
inline std::string NewUuidV4() {
  uint8_t b[16];
  SecureRandomBytes(b, sizeof(b));
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

}  // namespace tokend

#endif  // TOKEND_CORE_UUID_H_
