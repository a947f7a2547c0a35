#include "core/profiles/agora/agora_packer.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/jose/base64url.h"
#include "core/reason.h"

namespace tokend::agora {
namespace {

constexpr size_t kMaxPackedString = 0xFFFF;
constexpr size_t kSha256BlockSize = 64;

void StoreLe32(uint32_t v, char* p) {
  p[0] = static_cast<char>(v & 0xFF);
  p[1] = static_cast<char>((v >> 8) & 0xFF);
  p[2] = static_cast<char>((v >> 16) & 0xFF);
  p[3] = static_cast<char>((v >> 24) & 0xFF);
}

absl::string_view AsView(const Sha256Digest& d) {
  return absl::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string ServiceField(size_t index, absl::string_view field) {
  return absl::StrCat("grants.agora.services[", index, "].", field);
}

// Privilege ids Agora defines per service type (agora.md §1.5).
bool KnownPrivilege(uint16_t type, uint16_t id) {
  switch (type) {
    case kAgoraRtc:
      return id >= 1 && id <= 4;
    case kAgoraRtm:
    case kAgoraFpa:
    case kAgoraRtm2:
      return id == 1;
    case kAgoraStreaming:
    case kAgoraChat:
    case kAgoraFcdn:
      return id == 1 || id == 2;
    case kAgoraApaas:
      return id >= 1 && id <= 3;
    default:
      return false;
  }
}

absl::Status CheckString(absl::string_view s, size_t max, size_t index,
                         absl::string_view field) {
  if (s.size() > max) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("longer than ", max, " bytes"),
                 ServiceField(index, field));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ResolveServiceAccount(const AgoraService& s,
                                                  size_t index) {
  if (!s.uid.has_value()) return s.account;
  if (!s.account.empty()) {
    return Error(Reason::kInvalidArgument, "set either uid or account",
                 ServiceField(index, "uid"));
  }
  if (*s.uid < 0 || *s.uid > 0xFFFFFFFFll) {
    return Error(Reason::kInvalidArgument, "uid must fit in uint32",
                 ServiceField(index, "uid"));
  }
  if (*s.uid == 0) return std::string();
  return absl::StrCat(*s.uid);
}

namespace {

absl::Status PackOneService(const AgoraService& s, size_t index,
                            PackWriter* w) {
  if (!IsKnownAgoraService(s.type)) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unknown service type ", s.type),
                 ServiceField(index, "type"));
  }
  if (s.privileges.empty()) {
    return Error(Reason::kInvalidArgument, "no privileges",
                 ServiceField(index, "privileges"));
  }
  for (const auto& [id, expire] : s.privileges) {
    if (!KnownPrivilege(s.type, id)) {
      return Error(
          Reason::kInvalidArgument,
          absl::StrCat("unknown privilege ", id, " for service ", s.type),
          ServiceField(index, "privileges"));
    }
  }
  w->PutUint16(s.type);
  w->PutPrivileges(s.privileges);
  switch (s.type) {
    case kAgoraRtc:
    case kAgoraStreaming:
    case kAgoraFcdn: {
      absl::StatusOr<std::string> account = ResolveServiceAccount(s, index);
      if (!account.ok()) return account.status();
      if (absl::Status st =
              CheckString(s.channel, kMaxPackedString, index, "channel");
          !st.ok()) {
        return st;
      }
      if (absl::Status st =
              CheckString(*account, kMaxAccountBytes, index, "account");
          !st.ok()) {
        return st;
      }
      w->PutString(s.channel);
      w->PutString(*account);
      return absl::OkStatus();
    }
    case kAgoraRtm:
    case kAgoraChat:
      if (absl::Status st =
              CheckString(s.user_id, kMaxAccountBytes, index, "user_id");
          !st.ok()) {
        return st;
      }
      w->PutString(s.user_id);
      return absl::OkStatus();
    case kAgoraFpa:
      return absl::OkStatus();
    case kAgoraApaas:
      if (absl::Status st =
              CheckString(s.room_uuid, kMaxPackedString, index, "room_uuid");
          !st.ok()) {
        return st;
      }
      if (absl::Status st =
              CheckString(s.user_uuid, kMaxAccountBytes, index, "user_uuid");
          !st.ok()) {
        return st;
      }
      w->PutString(s.room_uuid);
      w->PutString(s.user_uuid);
      w->PutUint16(static_cast<uint16_t>(s.apaas_role));
      return absl::OkStatus();
    case kAgoraRtm2: {
      if (absl::Status st =
              CheckString(s.user_id, kMaxAccountBytes, index, "user_id");
          !st.ok()) {
        return st;
      }
      w->PutString(s.user_id);
      w->PutUint16(static_cast<uint16_t>(s.rtm2_permissions.size()));
      for (const auto& [resource_type, by_permission] : s.rtm2_permissions) {
        if (resource_type > 4 || by_permission.size() > 2) {
          return Error(Reason::kInvalidArgument, "resource type must be 0..4",
                       ServiceField(index, "rtm2_permissions"));
        }
        w->PutUint16(resource_type);
        w->PutUint16(static_cast<uint16_t>(by_permission.size()));
        for (const auto& [permission, names] : by_permission) {
          if (permission > 1 || names.size() > kMaxPackedString) {
            return Error(Reason::kInvalidArgument,
                         "permission must be 0 (read) or 1 (write)",
                         ServiceField(index, "rtm2_permissions"));
          }
          w->PutUint16(permission);
          w->PutUint16(static_cast<uint16_t>(names.size()));
          for (const std::string& name : names) {
            if (absl::Status st = CheckString(name, kMaxPackedString, index,
                                              "rtm2_permissions");
                !st.ok()) {
              return st;
            }
            w->PutString(name);
          }
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// Reads the type-specific fields after the privilege map.
bool ParseServiceBody(PackReader* r, AgoraService* s) {
  absl::string_view a, b;
  switch (s->type) {
    case kAgoraRtc:
    case kAgoraStreaming:
    case kAgoraFcdn:
      if (!r->ReadString(&a) || !r->ReadString(&b)) return false;
      s->channel.assign(a.data(), a.size());
      s->account.assign(b.data(), b.size());
      return true;
    case kAgoraRtm:
    case kAgoraChat:
      if (!r->ReadString(&a)) return false;
      s->user_id.assign(a.data(), a.size());
      return true;
    case kAgoraFpa:
      return true;
    case kAgoraApaas: {
      uint16_t role;
      if (!r->ReadString(&a) || !r->ReadString(&b) || !r->ReadUint16(&role)) {
        return false;
      }
      s->room_uuid.assign(a.data(), a.size());
      s->user_uuid.assign(b.data(), b.size());
      s->apaas_role = static_cast<int16_t>(role);
      return true;
    }
    case kAgoraRtm2: {
      uint16_t resource_count;
      if (!r->ReadString(&a) || !r->ReadUint16(&resource_count)) return false;
      s->user_id.assign(a.data(), a.size());
      for (uint16_t i = 0; i < resource_count; ++i) {
        uint16_t resource_type, permission_count;
        if (!r->ReadUint16(&resource_type) ||
            !r->ReadUint16(&permission_count)) {
          return false;
        }
        auto& by_permission = s->rtm2_permissions[resource_type];
        for (uint16_t j = 0; j < permission_count; ++j) {
          uint16_t permission, name_count;
          if (!r->ReadUint16(&permission) || !r->ReadUint16(&name_count)) {
            return false;
          }
          std::vector<std::string>& names = by_permission[permission];
          names.clear();
          for (uint16_t k = 0; k < name_count; ++k) {
            if (!r->ReadString(&a)) return false;
            names.emplace_back(a);
          }
        }
      }
      return true;
    }
  }
  return false;
}

// One zlib stream per thread and direction, reset between uses: deflateInit
// allocates ~256 KiB, which would otherwise dominate the cost of a token.
struct Deflater {
  z_stream stream{};
  bool ok = false;
  Deflater() { ok = deflateInit(&stream, Z_DEFAULT_COMPRESSION) == Z_OK; }
  ~Deflater() {
    if (ok) deflateEnd(&stream);
  }
};

struct Inflater {
  z_stream stream{};
  bool ok = false;
  std::string buffer;
  Inflater() { ok = inflateInit(&stream) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&stream);
  }
};

}  // namespace

void PackWriter::PutUint16(uint16_t v) {
  const char b[2] = {static_cast<char>(v & 0xFF),
                     static_cast<char>((v >> 8) & 0xFF)};
  out_->append(b, 2);
}

void PackWriter::PutUint32(uint32_t v) {
  char b[4];
  StoreLe32(v, b);
  out_->append(b, 4);
}

void PackWriter::PutString(absl::string_view s) {
  PutUint16(static_cast<uint16_t>(s.size()));
  out_->append(s.data(), s.size());
}

void PackWriter::PutPrivileges(const std::map<uint16_t, uint32_t>& privileges) {
  PutUint16(static_cast<uint16_t>(privileges.size()));
  for (const auto& [id, expire] : privileges) {  // std::map: ascending keys
    PutUint16(id);
    PutUint32(expire);
  }
}

bool PackReader::ReadUint16(uint16_t* v) {
  if (in_.size() < 2) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(in_.data());
  *v = static_cast<uint16_t>(p[0] | (p[1] << 8));
  in_.remove_prefix(2);
  return true;
}

bool PackReader::ReadUint32(uint32_t* v) {
  if (in_.size() < 4) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(in_.data());
  *v = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
       (static_cast<uint32_t>(p[2]) << 16) |
       (static_cast<uint32_t>(p[3]) << 24);
  in_.remove_prefix(4);
  return true;
}

bool PackReader::ReadString(absl::string_view* s) {
  uint16_t len;
  if (!ReadUint16(&len) || in_.size() < len) return false;
  *s = in_.substr(0, len);
  in_.remove_prefix(len);
  return true;
}

bool PackReader::ReadPrivileges(std::map<uint16_t, uint32_t>* privileges) {
  uint16_t count;
  if (!ReadUint16(&count)) return false;
  // Each entry takes 6 bytes: refuse impossible counts before looping.
  if (in_.size() < static_cast<size_t>(count) * 6) return false;
  for (uint16_t i = 0; i < count; ++i) {
    uint16_t id;
    uint32_t expire;
    if (!ReadUint16(&id) || !ReadUint32(&expire)) return false;
    (*privileges)[id] = expire;
  }
  return true;
}

bool IsAgoraId(absl::string_view s) {
  if (s.size() != kAppIdLength) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isxdigit(c); });
}

// The low-level calls, not the one-shot SHA256(): in OpenSSL 3 that goes
// through EVP_Q_digest and fetches the algorithm on every call, which cost
// a fifth of a verification (the token id hashes every token).
Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest out;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

// HMAC over the low-level SHA-256 API (shared by OpenSSL 3 and BoringSSL):
// the one-shot EVP HMAC re-fetches the algorithm on every call in OpenSSL 3,
// which would cost more than the hashing of these short messages.
Sha256Digest HmacSha256(absl::string_view key, absl::string_view message) {
  uint8_t block[kSha256BlockSize] = {0};
  if (key.size() > kSha256BlockSize) {
    Sha256Digest hashed = Sha256(key);
    std::memcpy(block, hashed.data(), hashed.size());
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  uint8_t pad[kSha256BlockSize];
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad, sizeof(pad));
  SHA256_Update(&ctx, message.data(), message.size());
  Sha256Digest inner;
  SHA256_Final(inner.data(), &ctx);
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad, sizeof(pad));
  SHA256_Update(&ctx, inner.data(), inner.size());
  Sha256Digest out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

std::string Md5Hex(absl::string_view data) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

uint32_t Crc32(absl::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uInt>(data.size())));
}

Sha256Digest AccessToken2Signature(absl::string_view app_certificate,
                                   uint32_t issue_ts, uint32_t salt,
                                   absl::string_view signing_info) {
  char ts_le[4], salt_le[4];
  StoreLe32(issue_ts, ts_le);
  StoreLe32(salt, salt_le);
  const Sha256Digest k1 =
      HmacSha256(absl::string_view(ts_le, 4), app_certificate);
  const Sha256Digest k2 = HmacSha256(absl::string_view(salt_le, 4), AsView(k1));
  return HmacSha256(AsView(k2), signing_info);
}

absl::Status ZlibDeflate(absl::string_view in, std::string* out) {
  thread_local Deflater deflater;
  if (!deflater.ok || deflateReset(&deflater.stream) != Z_OK) {
    return Error(Reason::kInternal, "zlib deflate unavailable");
  }
  z_stream& s = deflater.stream;
  const size_t start = out->size();
  const uLong bound = deflateBound(&s, static_cast<uLong>(in.size()));
  out->resize(start + bound);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  s.avail_out = static_cast<uInt>(bound);
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) {
    out->resize(start);
    return Error(Reason::kInternal, "zlib deflate failed");
  }
  out->resize(start + s.total_out);
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> ZlibInflate(absl::string_view in,
                                              size_t max_out) {
  thread_local Inflater inflater;
  if (!inflater.ok || inflateReset(&inflater.stream) != Z_OK) {
    return Error(Reason::kInternal, "zlib inflate unavailable");
  }
  // One byte of headroom tells "exactly max_out" from "more than max_out".
  if (inflater.buffer.size() < max_out + 1) inflater.buffer.resize(max_out + 1);
  z_stream& s = inflater.stream;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(inflater.buffer.data());
  s.avail_out = static_cast<uInt>(max_out + 1);
  const int rc = inflate(&s, Z_FINISH);
  if (rc == Z_STREAM_END) {
    if (s.total_out > max_out) {
      return Error(Reason::kMalformed, "inflated payload over the size limit");
    }
    if (s.avail_in != 0) {
      return Error(Reason::kMalformed, "data after the zlib stream");
    }
    return absl::string_view(inflater.buffer.data(), s.total_out);
  }
  if (s.avail_out == 0) {
    return Error(Reason::kMalformed, "inflated payload over the size limit");
  }
  return Error(Reason::kMalformed, "not a complete zlib stream");
}

absl::Status PackServices(const std::vector<AgoraService>& services,
                          PackWriter* writer) {
  const auto by_type = [](const AgoraService& a, const AgoraService& b) {
    return a.type < b.type;
  };
  // The usual request is already in token order: pack it as it is, without
  // the index sort (and its temporary buffer).
  if (std::is_sorted(services.begin(), services.end(), by_type)) {
    for (size_t index = 0; index < services.size(); ++index) {
      if (absl::Status st = PackOneService(services[index], index, writer);
          !st.ok()) {
        return st;
      }
    }
    return absl::OkStatus();
  }
  absl::InlinedVector<size_t, 8> order(services.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return by_type(services[a], services[b]);
  });
  for (size_t index : order) {
    if (absl::Status st = PackOneService(services[index], index, writer);
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

std::string AgoraContentId(absl::string_view version,
                           absl::string_view content) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, version.data(), version.size());
  SHA256_Update(&ctx, content.data(), content.size());
  Sha256Digest digest;
  SHA256_Final(digest.data(), &ctx);
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), 16));
}

absl::StatusOr<std::string> BuildAccessToken2(
    absl::string_view app_id, absl::string_view app_certificate,
    uint32_t issue_ts, uint32_t expire, uint32_t salt,
    const std::vector<AgoraService>& services, std::string* token_id) {
  if (!IsAgoraId(app_id)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_id");
  }
  if (!IsAgoraId(app_certificate)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_certificate");
  }
  if (services.empty()) {
    return Error(Reason::kInvalidArgument, "at least one service is needed",
                 "grants.agora.services");
  }
  if (services.size() > kMaxPackedString) {
    return Error(Reason::kInvalidArgument, "too many services",
                 "grants.agora.services");
  }
  // content = string(signature) + signing_info; the signature's slot is
  // reserved up front and filled in once signing_info is complete. Content
  // and its deflated form live in per-thread buffers, so the token string is
  // the only allocation.
  constexpr size_t kSignatureSlot = 2 + kSignatureLength;
  thread_local std::string content;
  thread_local std::string compressed;
  content.clear();
  compressed.clear();
  content.resize(kSignatureSlot);
  PackWriter w(&content);
  w.PutString(app_id);
  w.PutUint32(issue_ts);
  w.PutUint32(expire);
  w.PutUint32(salt);
  w.PutUint16(static_cast<uint16_t>(services.size()));
  if (absl::Status st = PackServices(services, &w); !st.ok()) return st;
  const Sha256Digest signature =
      AccessToken2Signature(app_certificate, issue_ts, salt,
                            absl::string_view(content).substr(kSignatureSlot));
  content[0] = static_cast<char>(kSignatureLength);
  content[1] = 0;
  std::memcpy(content.data() + 2, signature.data(), signature.size());
  if (token_id != nullptr) *token_id = AgoraContentId(kVersion007, content);

  if (absl::Status st = ZlibDeflate(content, &compressed); !st.ok()) return st;
  // "007" + standard base64 with padding, encoded in place. EVP_EncodeBlock
  // (OpenSSL and BoringSSL alike) writes a trailing NUL, hence the extra
  // byte that is cut off again.
  std::string token;
  const size_t encoded = (compressed.size() + 2) / 3 * 4;
  token.resize(kVersion007.size() + encoded + 1);
  std::memcpy(token.data(), kVersion007.data(), kVersion007.size());
  const int written = EVP_EncodeBlock(
      reinterpret_cast<uint8_t*>(token.data() + kVersion007.size()),
      reinterpret_cast<const uint8_t*>(compressed.data()),
      static_cast<int>(compressed.size()));
  if (written < 0 || static_cast<size_t>(written) != encoded) {
    return Error(Reason::kInternal, "base64 encoding failed");
  }
  token.resize(kVersion007.size() + encoded);
  return token;
}

absl::Status ParseAccessToken2Payload(absl::string_view payload,
                                      ParsedAccessToken2* out) {
  PackReader r(payload);
  if (!r.ReadString(&out->signature) ||
      out->signature.size() != kSignatureLength) {
    return Error(Reason::kMalformed, "bad signature field");
  }
  out->signing_info = r.rest();
  if (!r.ReadString(&out->app_id) || !r.ReadUint32(&out->issue_ts) ||
      !r.ReadUint32(&out->expire) || !r.ReadUint32(&out->salt) ||
      !r.ReadUint16(&out->service_count)) {
    return Error(Reason::kMalformed, "truncated token header");
  }
  out->services.clear();
  out->stopped_at_unknown = false;
  out->services.reserve(std::min<size_t>(out->service_count, 8));
  for (uint16_t i = 0; i < out->service_count; ++i) {
    uint16_t type;
    if (!r.ReadUint16(&type)) {
      return Error(Reason::kMalformed, "truncated service");
    }
    if (!IsKnownAgoraService(type)) {
      // Its length is unknown: stop here, reporting it with the rest of the
      // bytes. The signature still covers them.
      AgoraService& unknown = out->services.emplace_back();
      unknown.type = type;
      unknown.unknown_body = std::string(r.rest());
      out->stopped_at_unknown = true;
      return absl::OkStatus();
    }
    AgoraService& s = out->services.emplace_back();
    s.type = type;
    if (!r.ReadPrivileges(&s.privileges) || !ParseServiceBody(&r, &s)) {
      return Error(Reason::kMalformed, "truncated service");
    }
  }
  if (!r.rest().empty()) {
    return Error(Reason::kMalformed, "bytes after the last service");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> DecodeAccessToken2(absl::string_view token,
                                                     size_t max_token_bytes,
                                                     size_t max_payload_bytes) {
  if (token.size() > max_token_bytes) {
    return Error(Reason::kTokenTooLarge, "token over the size limit");
  }
  if (!absl::StartsWith(token, kVersion007)) {
    return Error(Reason::kMalformed, "not an AccessToken2 (007) token");
  }
  absl::StatusOr<std::string> compressed =
      Base64StdDecode(token.substr(kVersion007.size()));
  if (!compressed.ok()) {
    return Error(Reason::kBadBase64, "token is not strict base64");
  }
  return ZlibInflate(*compressed, max_payload_bytes);
}

}  // namespace tokend::agora
