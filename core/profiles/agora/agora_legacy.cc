#include "core/profiles/agora/agora_legacy.h"

#include <openssl/crypto.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/jose/base64url.h"
#include "core/profiles/agora/agora_packer.h"
#include "core/reason.h"

namespace tokend::agora {
namespace {

constexpr size_t kMaxPackedString = 0xFFFF;

Sha256Digest Legacy006Signature(absl::string_view app_certificate,
                                absl::string_view app_id,
                                absl::string_view channel,
                                absl::string_view uid,
                                absl::string_view message) {
  std::string signed_bytes;
  signed_bytes.reserve(app_id.size() + channel.size() + uid.size() +
                       message.size());
  absl::StrAppend(&signed_bytes, app_id, channel, uid, message);
  return HmacSha256(app_certificate, signed_bytes);
}

}  // namespace

absl::StatusOr<std::string> BuildAccessToken006(
    absl::string_view app_id, absl::string_view app_certificate,
    absl::string_view channel, absl::string_view uid, uint32_t salt,
    uint32_t ts, const std::map<uint16_t, uint32_t>& privileges,
    std::string* token_id) {
  if (!IsAgoraId(app_id)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_id");
  }
  if (!IsAgoraId(app_certificate)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_certificate");
  }
  if (channel.size() > kMaxPackedString) {
    return Error(Reason::kInvalidArgument, "channel too long",
                 "grants.agora.services[0].channel");
  }
  if (uid.size() > kMaxPackedString) {
    return Error(Reason::kInvalidArgument, "account too long",
                 "grants.agora.services[0].account");
  }
  std::string message;
  PackWriter m(&message);
  m.PutUint32(salt);
  m.PutUint32(ts);
  m.PutPrivileges(privileges);
  const Sha256Digest signature =
      Legacy006Signature(app_certificate, app_id, channel, uid, message);

  std::string content;
  PackWriter c(&content);
  c.PutString(absl::string_view(reinterpret_cast<const char*>(signature.data()),
                                signature.size()));
  c.PutUint32(Crc32(channel));
  c.PutUint32(Crc32(uid));
  c.PutString(message);
  if (token_id != nullptr) *token_id = AccessToken006Id(app_id, content);
  return absl::StrCat(kVersion006, app_id, Base64StdEncode(content));
}

std::string AccessToken006Id(absl::string_view app_id,
                             absl::string_view content) {
  return AgoraContentId(kVersion006, absl::StrCat(app_id, content));
}

absl::Status ParseAccessToken006(absl::string_view token,
                                 size_t max_token_bytes,
                                 ParsedAccessToken006* out) {
  if (token.size() > max_token_bytes) {
    return Error(Reason::kTokenTooLarge, "token over the size limit");
  }
  if (!absl::StartsWith(token, kVersion006) ||
      token.size() < kVersion006.size() + kAppIdLength) {
    return Error(Reason::kMalformed, "not an AccessToken (006) token");
  }
  absl::string_view app_id = token.substr(kVersion006.size(), kAppIdLength);
  if (!IsAgoraId(app_id)) {
    return Error(Reason::kMalformed, "app id is not 32 hex characters");
  }
  absl::StatusOr<std::string> content =
      Base64StdDecode(token.substr(kVersion006.size() + kAppIdLength));
  if (!content.ok()) {
    return Error(Reason::kBadBase64, "token is not strict base64");
  }
  out->content = *std::move(content);
  out->app_id = app_id;
  PackReader r(out->content);
  if (!r.ReadString(&out->signature) ||
      out->signature.size() != kSignatureLength ||
      !r.ReadUint32(&out->crc_channel) || !r.ReadUint32(&out->crc_uid) ||
      !r.ReadString(&out->message) || !r.rest().empty()) {
    return Error(Reason::kMalformed, "bad 006 content");
  }
  PackReader m(out->message);
  out->privileges.clear();
  if (!m.ReadUint32(&out->salt) || !m.ReadUint32(&out->ts) ||
      !m.ReadPrivileges(&out->privileges) || !m.rest().empty()) {
    return Error(Reason::kMalformed, "bad 006 message");
  }
  return absl::OkStatus();
}

bool VerifyAccessToken006Signature(const ParsedAccessToken006& token,
                                   absl::string_view app_certificate,
                                   absl::string_view channel,
                                   absl::string_view uid) {
  const Sha256Digest expected = Legacy006Signature(
      app_certificate, token.app_id, channel, uid, token.message);
  return token.signature.size() == expected.size() &&
         CRYPTO_memcmp(token.signature.data(), expected.data(),
                       expected.size()) == 0;
}

}  // namespace tokend::agora
