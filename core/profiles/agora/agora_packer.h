// Internal to the agora profile (and its tests): Agora's "Packer" byte
// format, the AccessToken2 ("007") builder and parser, and the primitives
// both Agora formats share (HMAC-SHA256, zlib, CRC-32, MD5).
//
// Layout (docs/formats/agora.md §1): little-endian uint16/uint32, strings
// as uint16 length + bytes, privilege maps as uint16 count + (uint16 key,
// uint32 value) in ascending key order.
//   token        = "007" + base64std(zlib(content))
//   content      = string(signature) + signing_info
//   signing_info = string(app_id) + u32 issue_ts + u32 expire + u32 salt
//                  + u16 count + services (stable-sorted by type)
//   signature    = HMAC(HMAC(HMAC(u32 issue_ts, cert), ...)) — see
//                  AccessToken2Signature.
#ifndef TOKEND_CORE_PROFILES_AGORA_AGORA_PACKER_H_
#define TOKEND_CORE_PROFILES_AGORA_AGORA_PACKER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/profiles/agora/agora_grants.h"

namespace tokend::agora {

inline constexpr absl::string_view kVersion007 = "007";
inline constexpr size_t kAppIdLength = 32;
inline constexpr size_t kSignatureLength = 32;
// Agora's documented limit for a user account (bytes).
inline constexpr size_t kMaxAccountBytes = 255;

using Sha256Digest = std::array<uint8_t, 32>;

// Appends Packer-encoded values to a string.
class PackWriter {
 public:
  explicit PackWriter(std::string* out) : out_(out) {}
  void PutUint16(uint16_t v);
  void PutUint32(uint32_t v);
  // The caller has checked s.size() <= 65535.
  void PutString(absl::string_view s);
  void PutPrivileges(const std::map<uint16_t, uint32_t>& privileges);

 private:
  std::string* out_;
};

// Reads Packer-encoded values; every Read* returns false (and consumes
// nothing useful) when the input is too short.
class PackReader {
 public:
  explicit PackReader(absl::string_view in) : in_(in) {}
  bool ReadUint16(uint16_t* v);
  bool ReadUint32(uint32_t* v);
  // A view into the input.
  bool ReadString(absl::string_view* s);
  bool ReadPrivileges(std::map<uint16_t, uint32_t>* privileges);
  absl::string_view rest() const { return in_; }

 private:
  absl::string_view in_;
};

// 32 characters, all hex digits (Agora's IsUUID).
bool IsAgoraId(absl::string_view s);

// RFC 2104 HMAC-SHA256.
Sha256Digest HmacSha256(absl::string_view key, absl::string_view message);
Sha256Digest Sha256(absl::string_view data);
// Lower-case hex MD5 (APaaS room-user Chat ids).
std::string Md5Hex(absl::string_view data);
// zlib's CRC-32 (006).
uint32_t Crc32(absl::string_view data);

// The 007 signature over the raw signing_info bytes:
//   k1 = HMAC(key = u32le(issue_ts), msg = certificate)
//   k2 = HMAC(key = u32le(salt), msg = k1)
//   signature = HMAC(key = k2, msg = signing_info)
Sha256Digest AccessToken2Signature(absl::string_view app_certificate,
                                   uint32_t issue_ts, uint32_t salt,
                                   absl::string_view signing_info);

// zlib stream at the default level with the linked (stock) zlib; the same
// bytes as compress2(..., Z_DEFAULT_COMPRESSION). Appends to *out.
absl::Status ZlibDeflate(absl::string_view in, std::string* out);
// Inflates one complete zlib stream of at most `max_out` bytes with nothing
// after it. The result views a per-thread buffer that the next call on this
// thread overwrites. Too large, truncated or corrupt: kMalformed.
absl::StatusOr<absl::string_view> ZlibInflate(absl::string_view in,
                                              size_t max_out);

// The account string an RTC/Streaming/FCDN service packs: its uid in decimal
// (0 → "") when set, else its account. kInvalidArgument naming
// "grants.agora.services[index].uid" for a uid outside uint32 or a uid
// together with a non-empty account.
absl::StatusOr<std::string> ResolveServiceAccount(const AgoraService& s,
                                                  size_t index);

// The services' 007 bytes in token order (stable sort by type), with uid
// resolved. Validates what the format and Agora require; errors are
// kInvalidArgument naming "grants.agora.services[i].<field>" (i = the index
// in `services` as given): unknown type or privilege id, uid outside uint32,
// uid together with a non-empty account, account over 255 bytes, strings
// over 65535 bytes, RTM2 resource/permission types out of range, and an
// empty privilege map.
absl::Status PackServices(const std::vector<AgoraService>& services,
                          PackWriter* writer);

// tokend's id for a token: base64url (no padding) of the first 16 bytes of
// SHA-256 over the version ("007" or "006") and the token's decoded content.
//
// Why the content and not the token string: the string is one encoding of
// the content among many that verify alike. Anyone holding a 007 token can
// inflate its payload and deflate it again (any zlib level, any block
// split, Node's or Python's zlib): a new string, the same signed content, an
// equally valid token for Agora. An id taken from the string would give
// each re-encoding a new id and undo a revocation by token or by id. The
// decoded content (the signature and every byte it covers; for 006 also
// the app id, which travels in clear) is what the signature vouches for, so
// every accepted encoding of one token has one id, and two tokens with
// different signed bytes never share one. The rest of the string admits no
// variation: base64 is strict (padding required, canonical trailing bits),
// nothing may follow the zlib stream, and the version prefix is fixed.
std::string AgoraContentId(absl::string_view version,
                           absl::string_view content);

// Builds "007..." with explicit issue_ts and salt (tests reproduce the
// official vectors with it; the profile passes `now` and a random salt).
// Services are taken literally (no defaults, no APaaS expansion). When
// `token_id` is given it receives the token's id (AgoraContentId). Errors:
// kInvalidArgument naming "app_id", "app_certificate",
// "grants.agora.services" (none) or a service field.
absl::StatusOr<std::string> BuildAccessToken2(
    absl::string_view app_id, absl::string_view app_certificate,
    uint32_t issue_ts, uint32_t expire, uint32_t salt,
    const std::vector<AgoraService>& services, std::string* token_id = nullptr);

// A parsed 007 payload. The views point into the inflated payload.
struct ParsedAccessToken2 {
  absl::string_view signature;
  absl::string_view signing_info;  // raw bytes the signature covers
  absl::string_view app_id;
  uint32_t issue_ts = 0;
  uint32_t expire = 0;
  uint32_t salt = 0;
  uint16_t service_count = 0;  // as declared
  // The services read, in token order. Parsing stops (successfully) at the
  // first service type it does not know; that service comes last, with its
  // type and everything after it as `unknown_body`, and `stopped_at_unknown`
  // says so. Resolved uids come back as `account` strings (uid unset).
  std::vector<AgoraService> services;
  bool stopped_at_unknown = false;
};

// Parses an inflated payload. Truncated or inconsistent: kMalformed.
absl::Status ParseAccessToken2Payload(absl::string_view payload,
                                      ParsedAccessToken2* out);

// "007" check, size cap, strict base64 and capped inflate. The result views
// the per-thread inflate buffer (see ZlibInflate).
absl::StatusOr<absl::string_view> DecodeAccessToken2(absl::string_view token,
                                                     size_t max_token_bytes,
                                                     size_t max_payload_bytes);

}  // namespace tokend::agora

#endif  // TOKEND_CORE_PROFILES_AGORA_AGORA_PACKER_H_
