// JWT issuing: a deterministic header and claims set, signed with one key.
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {
namespace {

// Same bound ParseNumericDate enforces, so every issued token verifies.
constexpr int64_t kMaxNumericDate = (int64_t{1} << 53) - 1;

// Header members the caller may not set: they are derived from the key, or
// they are refused by the verifier (so a token carrying them would be
// unverifiable, or would smuggle a key hint).
constexpr absl::string_view kReservedHeader[] = {
    "alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256",
};

// Claims IssueJwt sets itself.
constexpr absl::string_view kReservedClaims[] = {
    "iat", "exp", "nbf", "jti", "iss", "sub", "aud",
};

absl::Status CheckReserved(const json::Object& object,
                           absl::Span<const absl::string_view> reserved,
                           absl::string_view prefix) {
  for (absl::string_view name : reserved) {
    if (object.Find(name) != nullptr) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(name, " may not be set here"),
                   absl::StrCat(prefix, ".", name));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json::Object> BuildHeader(const Key& key, const JwtSpec& spec) {
  absl::Status status =
      CheckReserved(spec.extra_header, kReservedHeader, "extra_header");
  if (!status.ok()) return status;
  if (!spec.typ.empty() && spec.extra_header.Find("typ") != nullptr) {
    return Error(Reason::kInvalidArgument, "typ is set by JwtSpec.typ",
                 "extra_header.typ");
  }
  json::Object header = spec.extra_header;
  header.Set("alg", json::Value(AlgorithmName(key.alg())));
  if (!key.kid().empty()) header.Set("kid", json::Value(key.kid()));
  if (!spec.typ.empty()) header.Set("typ", json::Value(spec.typ));
  // Whatever the verifier would refuse (cty "JWT", a non-string typ, ...)
  // is refused here, so every issued token passes our own header rules.
  absl::StatusOr<JoseHeader> checked = ParseJoseHeader(header);
  if (!checked.ok()) {
    std::string field = GetField(checked.status());
    return Error(Reason::kInvalidArgument,
                 "extra_header is refused by the JOSE header rules",
                 field.empty() ? std::string("extra_header")
                               : absl::StrCat("extra_header.", field));
  }
  return header;
}

}  // namespace

absl::StatusOr<IssuedJwt> IssueJwt(const Key& key, const JwtSpec& spec,
                                   absl::Time now) {
  if (spec.ttl <= absl::ZeroDuration() || spec.ttl == absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must be positive and finite",
                 "ttl");
  }
  const int64_t ttl_seconds = absl::ToInt64Seconds(spec.ttl);
  if (ttl_seconds <= 0) {
    return Error(Reason::kInvalidArgument, "ttl must be at least one second",
                 "ttl");
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  if (iat < 0 || iat > kMaxNumericDate ||
      ttl_seconds > kMaxNumericDate - iat) {
    return Error(Reason::kInvalidArgument,
                 "iat or exp is outside the NumericDate range", "ttl");
  }
  const int64_t exp = iat + ttl_seconds;
  for (const std::string& audience : spec.audiences) {
    if (audience.empty()) {
      return Error(Reason::kInvalidArgument, "an audience is empty",
                   "audiences");
    }
  }
  absl::Status status =
      CheckReserved(spec.extra_claims, kReservedClaims, "extra_claims");
  if (!status.ok()) return status;
  absl::StatusOr<json::Object> header = BuildHeader(key, spec);
  if (!header.ok()) return header.status();
  if (!key.has_private()) {
    return Error(Reason::kNoSigningKey, "key has no private material");
  }

  IssuedJwt issued;
  issued.jti = spec.jti.empty() ? NewTokenId() : spec.jti;
  issued.issued_at = absl::FromUnixSeconds(iat);
  issued.expires_at = absl::FromUnixSeconds(exp);

  json::Object claims = spec.extra_claims;
  claims.Set("iat", json::Value(iat));
  claims.Set("exp", json::Value(exp));
  if (spec.include_nbf) claims.Set("nbf", json::Value(iat));
  claims.Set("jti", json::Value(issued.jti));
  if (!spec.issuer.empty()) claims.Set("iss", json::Value(spec.issuer));
  if (!spec.subject.empty()) claims.Set("sub", json::Value(spec.subject));
  if (spec.audiences.size() == 1) {
    claims.Set("aud", json::Value(spec.audiences.front()));
  } else if (spec.audiences.size() > 1) {
    json::Array audiences(spec.audiences.begin(), spec.audiences.end());
    claims.Set("aud", json::Value(std::move(audiences)));
  }

  std::string token;
  Base64UrlEncodeAppend(json::Serialize(*header), &token);
  token.push_back('.');
  Base64UrlEncodeAppend(json::Serialize(claims), &token);
  absl::StatusOr<std::string> signature = key.Sign(token);
  if (!signature.ok()) return signature.status();
  token.push_back('.');
  Base64UrlEncodeAppend(*signature, &token);
  issued.token = std::move(token);
  return issued;
}

}  // namespace tokend
