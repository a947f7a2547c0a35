// Small checks shared by the HS256 vendor profiles (apirtc, daily, zoom):
// string lengths as the vendors' JavaScript validators count them, UUIDs,
// and the one-secret key set every such tenant has. Header-only so the
// profiles need no extra translation unit.
#ifndef TOKEND_CORE_PROFILES_INTERNAL_VENDOR_CHECKS_H_
#define TOKEND_CORE_PROFILES_INTERNAL_VENDOR_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/keys/key_set.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend::vendor {

// The length of a UTF-8 string in UTF-16 code units, which is what
// JavaScript's String.length (and so every vendor sample validator) counts;
// nullopt when the bytes are not well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included).
inline std::optional<size_t> Utf16Length(absl::string_view s) {
  size_t units = 0;
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    size_t extra;
    uint32_t cp;
    if (b < 0x80) {
      extra = 0;
      cp = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      cp = b & 0x07;
    } else {
      return std::nullopt;
    }
    if (s.size() - i <= extra) return std::nullopt;
    for (size_t k = 1; k <= extra; ++k) {
      const uint8_t c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Shortest form only, no surrogates, nothing past U+10FFFF.
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return std::nullopt;
    }
    units += cp >= 0x10000 ? 2 : 1;
    i += extra + 1;
  }
  return units;
}

// Well-formed UTF-8 of at most `max_units` UTF-16 code units, else
// kInvalidArgument naming `field`.
inline absl::Status CheckText(absl::string_view s, size_t max_units,
                              absl::string_view field) {
  std::optional<size_t> length = Utf16Length(s);
  if (!length.has_value()) {
    return Error(Reason::kInvalidArgument, "not valid UTF-8", field);
  }
  if (*length > max_units) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("longer than ", max_units, " characters"), field);
  }
  return absl::OkStatus();
}

struct HmacKeys {
  std::shared_ptr<const Key> key;
  std::shared_ptr<const KeySet> key_set;
};

// The tenant's one HS256 secret as a signing key and a one-key set. The core
// refuses secrets shorter than 32 bytes (RFC 7518 §3.2); the error keeps its
// key reason and names `field`.
inline absl::StatusOr<HmacKeys> Hs256Keys(std::string secret,
                                          absl::string_view field) {
  if (secret.empty()) {
    return Error(Reason::kInvalidArgument, "required", field);
  }
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, std::move(secret));
  if (!key.ok()) {
    return Error(GetReason(key.status()),
                 "not usable as an HS256 secret (at least 32 bytes)", field);
  }
  absl::StatusOr<KeySet> set = KeySet::Create({*key});
  if (!set.ok()) return set.status();
  return HmacKeys{*key, std::make_shared<const KeySet>(*std::move(set))};
}

}  // namespace tokend::vendor

#endif  // TOKEND_CORE_PROFILES_INTERNAL_VENDOR_CHECKS_H_
