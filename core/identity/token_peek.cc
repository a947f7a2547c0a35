#include "core/identity/token_peek.h"

#include "core/jose/base64url.h"
#include "core/jose/jws.h"
#include "core/json/json.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

std::optional<std::string> StringMember(const json::Object& object,
                                        absl::string_view name) {
  const json::Value* value = object.Find(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->as_string();
}

}  // namespace

absl::StatusOr<TokenPeek> PeekToken(absl::string_view token, size_t max_bytes) {
  absl::StatusOr<CompactParts> parts = SplitCompact(token, max_bytes);
  if (!parts.ok()) return parts.status();
  json::ParseLimits limits;
  limits.max_bytes = max_bytes;
  limits.max_depth = 32;
  std::string decoded;
  if (!Base64UrlDecodeTo(parts->header, &decoded)) {
    return Error(Reason::kBadBase64, "header is not strict base64url",
                 "header");
  }
  absl::StatusOr<json::Object> header = json::ParseObject(decoded, limits);
  if (!header.ok()) return header.status();
  if (!Base64UrlDecodeTo(parts->payload, &decoded)) {
    return Error(Reason::kBadBase64, "payload is not strict base64url",
                 "payload");
  }
  absl::StatusOr<json::Object> claims = json::ParseObject(decoded, limits);
  if (!claims.ok()) return claims.status();
  TokenPeek out;
  out.iss = StringMember(*claims, "iss");
  out.sub = StringMember(*claims, "sub");
  out.kid = StringMember(*header, "kid");
  return out;
}

}  // namespace tokend::identity
