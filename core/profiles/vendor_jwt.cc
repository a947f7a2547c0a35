#include "core/profiles/vendor_jwt.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/jose/base64url.h"
#include "core/jose/issue_limits.h"
#include "core/jose/jws.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/profile_common.h"
#include "core/reason.h"
#include "core/token_facts.h"

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

}  // namespace

absl::StatusOr<JwtTimes> ComputeJwtTimes(absl::Time now, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration() || ttl == absl::InfiniteDuration() ||
      ttl < absl::Seconds(1)) {
    return Error(Reason::kInvalidArgument,
                 "ttl must be positive, finite and at least one second", "ttl");
  }
  JwtTimes times;
  times.iat = absl::ToUnixSeconds(now);
  const int64_t ttl_seconds = absl::ToInt64Seconds(ttl);
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

void AddSessionStartClaim(absl::Time session_started, ClaimsWriter* claims) {
  if (session_started == absl::InfinitePast()) return;
  claims->AddInt(kSessionStartClaim, absl::ToUnixSeconds(session_started));
}

TokenInfo IssuedTokenInfo(std::string token, std::string token_id,
                          const IssueInput& input, const JwtTimes& times,
                          absl::Time now, Grants grants) {
  TokenInfo info;
  info.token = std::move(token);
  info.token_id = std::move(token_id);
  info.subject = input.subject;
  info.issued_at = absl::FromUnixSeconds(times.iat);
  info.expires_at = absl::FromUnixSeconds(times.exp);
  info.session_started = EffectiveSessionStart(input.session_started, now);
  info.grants = std::move(grants);
  return info;
}

absl::StatusOr<TokenInfo> KeepingFacts(absl::StatusOr<TokenInfo> checked,
                                       const VerifiedJwt& jwt) {
  if (checked.ok()) return checked;
  return WithTokenFacts(checked.status(), JwtFacts(jwt));
}

absl::StatusOr<VendorJwtSigner> VendorJwtSigner::Create(
    std::shared_ptr<const Key> key, const json::Object& extra_header,
    absl::string_view typ) {
  if (key == nullptr || !key->has_private()) {
    return Error(Reason::kNoSigningKey, "key has no private material");
  }
  for (absl::string_view name : kReservedHeader) {
    if (extra_header.Find(name) != nullptr) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(name, " may not be set here"),
                   absl::StrCat("extra_header.", name));
    }
  }
  json::Object header = extra_header;
  header.Set("alg", json::Value(AlgorithmName(key->alg())));
  if (!key->kid().empty()) header.Set("kid", json::Value(key->kid()));
  if (!typ.empty()) header.Set("typ", json::Value(typ));
  absl::StatusOr<std::string> encoded = CheckedEncoding(header);
  if (!encoded.ok()) return encoded.status();
  return VendorJwtSigner(std::move(key), std::move(header),
                         *std::move(encoded));
}

absl::StatusOr<std::string> VendorJwtSigner::EncodeHeader(
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

absl::StatusOr<std::string> VendorJwtSigner::SignWithHeader(
    absl::string_view encoded_header, absl::string_view claims_json) const {
  std::string token;
  token.reserve(encoded_header.size() + 1 + (claims_json.size() + 2) / 3 * 4 +
                1 + kMaxSignatureChars);
  token.append(encoded_header.data(), encoded_header.size());
  token.push_back('.');
  Base64UrlEncodeAppend(claims_json, &token);
  absl::StatusOr<std::string> signature = key_->Sign(token);
  if (!signature.ok()) return signature.status();
  token.push_back('.');
  Base64UrlEncodeAppend(*signature, &token);
  return token;
}

}  // namespace tokend
