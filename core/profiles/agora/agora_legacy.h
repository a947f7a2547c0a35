// Internal to the agora profile (and its tests): the legacy AccessToken
// ("006"), kept to verify old tokens and to issue them during a migration.
//
// docs/formats/agora.md §5:
//   token     = "006" + app_id (32 chars, in clear) + base64std(content)
//   content   = string(signature) + u32 crc32(channel) + u32 crc32(uid)
//               + string(message)
//   message   = u32 salt + u32 ts + map<u16, u32> privileges
//   signature = HMAC-SHA256(key = certificate, app_id + channel + uid
//               + message)
// Times are ABSOLUTE unix seconds; `ts` is the token's own expiry. The
// channel and uid are stored only as CRC-32s, so verifying needs them.
#ifndef TOKEND_CORE_PROFILES_AGORA_AGORA_LEGACY_H_
#define TOKEND_CORE_PROFILES_AGORA_AGORA_LEGACY_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend::agora {

inline constexpr absl::string_view kVersion006 = "006";
// 006 privilege ids (RTC 1-4, administrate channel 101; RTM login 1000).
inline constexpr uint16_t kLegacyAdministrateChannel = 101;
inline constexpr uint16_t kLegacyRtmLogin = 1000;

// Builds "006..." with explicit salt and ts. When `token_id` is given it
// receives the token's id (AccessToken006Id). Errors: kInvalidArgument
// naming "app_id" / "app_certificate", or the channel/uid when over 65535
// bytes.
absl::StatusOr<std::string> BuildAccessToken006(
    absl::string_view app_id, absl::string_view app_certificate,
    absl::string_view channel, absl::string_view uid, uint32_t salt,
    uint32_t ts, const std::map<uint16_t, uint32_t>& privileges,
    std::string* token_id = nullptr);

// tokend's id for a 006 token: AgoraContentId over "006", the app id and
// the base64-decoded content (see agora_packer.h for why not the string).
std::string AccessToken006Id(absl::string_view app_id,
                             absl::string_view content);

// A parsed 006 token; views point into `content` (owned here).
struct ParsedAccessToken006 {
  std::string content;  // the base64-decoded content
  absl::string_view app_id;
  absl::string_view signature;
  uint32_t crc_channel = 0;
  uint32_t crc_uid = 0;
  absl::string_view message;  // raw bytes the signature covers
  uint32_t salt = 0;
  uint32_t ts = 0;
  std::map<uint16_t, uint32_t> privileges;
};

// "006" check, size cap, app id shape, strict base64 and layout. Errors:
// kTokenTooLarge, kMalformed, kBadBase64.
absl::Status ParseAccessToken006(absl::string_view token,
                                 size_t max_token_bytes,
                                 ParsedAccessToken006* out);

// Recomputes the signature for the given channel and uid string and
// compares in constant time.
bool VerifyAccessToken006Signature(const ParsedAccessToken006& token,
                                   absl::string_view app_certificate,
                                   absl::string_view channel,
                                   absl::string_view uid);

}  // namespace tokend::agora

#endif  // TOKEND_CORE_PROFILES_AGORA_AGORA_LEGACY_H_
