#include "core/jose/jwt_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/jose/base64url.h"
#include "core/jose/issue_limits.h"
#include "core/jose/jws.h"
#include "core/reason.h"

namespace tokend {
namespace {

using jose::kMaxNumericDate;
using jose::kMaxSignatureChars;
using jose::kReservedHeader;

// The header as json::Serialize prints it, base64url-encoded, once the JOSE
// header rules accept it.
absl::StatusOr<std::string> CheckedEncoding(const json::Object& header) {
  absl::StatusOr<JoseHeader> checked = ParseJoseHeader(header);
  if (!checked.ok()) {
    const std::string field = GetField(checked.status());
    return Error(Reason::kInvalidArgument,
                 "extra_header is refused by the JOSE header rules",
                 field.empty() ? std::string("extra_header")
                               : absl::StrCat("extra_header.", field));
  }
  return Base64UrlEncode(json::Serialize(header));
}

// `extra_header` with alg, kid and typ set, before the JOSE header rules.
absl::StatusOr<json::Object> BuildHeader(const Key& key,
                                         const json::Object& extra_header,
                                         absl::string_view typ) {
  for (absl::string_view name : kReservedHeader) {
    if (extra_header.Find(name) != nullptr) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(name, " may not be set here"),
                   absl::StrCat("extra_header.", name));
    }
  }
  if (!typ.empty() && extra_header.Find("typ") != nullptr) {
    return Error(Reason::kInvalidArgument, "typ is set by JwtSpec.typ",
                 "extra_header.typ");
  }
  json::Object header = extra_header;
  header.Set("alg", json::Value(AlgorithmName(key.alg())));
  if (!key.kid().empty()) header.Set("kid", json::Value(key.kid()));
  if (!typ.empty()) header.Set("typ", json::Value(typ));
  return header;
}

}  // namespace

absl::StatusOr<JwtTimes> ComputeJwtTimes(absl::Time now, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration() || ttl == absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must be positive and finite",
                 "ttl");
  }
  const int64_t ttl_seconds = absl::ToInt64Seconds(ttl);
  if (ttl_seconds <= 0) {
    return Error(Reason::kInvalidArgument, "ttl must be at least one second",
                 "ttl");
  }
  JwtTimes times;
  times.iat = absl::ToUnixSeconds(now);
  if (times.iat < 0 || times.iat > kMaxNumericDate ||
      ttl_seconds > kMaxNumericDate - times.iat) {
    return Error(Reason::kInvalidArgument,
                 "iat or exp is outside the NumericDate range", "ttl");
  }
  times.exp = times.iat + ttl_seconds;
  return times;
}

absl::Status ApplyNotBefore(absl::Time not_before, JwtTimes* times) {
  if (not_before == absl::InfinitePast()) return absl::OkStatus();
  const int64_t nbf = absl::ToUnixSeconds(not_before);
  if (nbf < 0 || nbf >= times->exp) {
    return Error(Reason::kInvalidArgument,
                 "not_before must be at or after 1970 and before the expiry",
                 "not_before");
  }
  times->nbf = nbf;
  return absl::OkStatus();
}

void AddRegisteredClaims(const JwtTimes& times, absl::string_view jti,
                         bool include_nbf, absl::string_view issuer,
                         absl::string_view subject, ClaimsWriter* claims) {
  claims->AddInt("iat", times.iat);
  claims->AddInt("exp", times.exp);
  claims->AddString("jti", jti);
  if (include_nbf || times.nbf.has_value()) {
    claims->AddInt("nbf", times.nbf.value_or(times.iat));
  }
  if (!issuer.empty()) claims->AddString("iss", issuer);
  if (!subject.empty()) claims->AddString("sub", subject);
}

absl::StatusOr<std::string> EncodeJwtHeader(const Key& key,
                                            const json::Object& extra_header,
                                            absl::string_view typ) {
  absl::StatusOr<json::Object> header = BuildHeader(key, extra_header, typ);
  if (!header.ok()) return header.status();
  return CheckedEncoding(*header);
}

absl::Status SignJwt(const Key& key, absl::string_view encoded_header,
                     absl::string_view claims_json, std::string* token) {
  token->clear();
  token->reserve(encoded_header.size() + 1 + (claims_json.size() + 2) / 3 * 4 +
                 1 + kMaxSignatureChars);
  token->append(encoded_header.data(), encoded_header.size());
  token->push_back('.');
  Base64UrlEncodeAppend(claims_json, token);
  // The raw signature goes through a per-thread buffer (it is public: it
  // ends up in the token).
  thread_local std::string signature;
  signature.clear();
  absl::Status status = key.SignAppend(*token, &signature);
  if (!status.ok()) return status;
  token->push_back('.');
  Base64UrlEncodeAppend(signature, token);
  return absl::OkStatus();
}

absl::StatusOr<JwtWriter> JwtWriter::Create(std::shared_ptr<const Key> key,
                                            const json::Object& extra_header,
                                            absl::string_view typ) {
  if (key == nullptr || !key->has_private()) {
    return Error(Reason::kNoSigningKey, "key has no private material");
  }
  absl::StatusOr<json::Object> header = BuildHeader(*key, extra_header, typ);
  if (!header.ok()) return header.status();
  absl::StatusOr<std::string> encoded = CheckedEncoding(*header);
  if (!encoded.ok()) return encoded.status();
  return JwtWriter(std::move(key), *std::move(header), *std::move(encoded));
}

absl::StatusOr<std::string> JwtWriter::EncodeHeader(
    const json::Object& extra_header) const {
  json::Object header = header_;
  for (const json::Object::Member& member : extra_header.members()) {
    if (header.Find(member.first) != nullptr) {
      return Error(Reason::kInvalidArgument, "already set by the profile",
                   absl::StrCat("extra_header.", member.first));
    }
    header.Set(member.first, member.second);
  }
  return CheckedEncoding(header);
}

absl::StatusOr<std::string> JwtWriter::SignWithHeader(
    absl::string_view encoded_header, absl::string_view claims_json) const {
  std::string token;
  absl::Status status = SignJwt(*key_, encoded_header, claims_json, &token);
  if (!status.ok()) return status;
  return token;
}

}  // namespace tokend
