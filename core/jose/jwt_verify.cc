// JWT verification: the hot path of VerifyToken. Segments are decoded into
// per-thread buffers, the token itself is never copied, and the claims set
// is validated in full but only its registered claims are built.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/jose/issue_limits.h"
#include "core/jose/jwt.h"
#include "core/reason.h"
#include "core/token_facts.h"

namespace tokend {
namespace {

// RFC 7519 §2 allows any JSON number; tokend caps NumericDate at the largest
// integer a double holds exactly (I-JSON, RFC 7493 §2.2), the bound the
// issuers keep to as well.
using jose::kMaxNumericDate;

// The last successfully parsed JOSE header on this thread. Tokens from one
// issuer and key share their header segment byte for byte, so the steady
// state skips the header's base64url decode, JSON parse and rules. The
// result is a pure function of the encoded bytes and the depth cap (the size
// cap cannot bite: the header is shorter than the already capped token), and
// only successes are cached.
class HeaderCache {
 public:
  bool Lookup(absl::string_view encoded, size_t max_depth,
              JoseHeader* out) const {
    if (!valid_ || max_depth != max_depth_ || encoded != encoded_) {
      return false;
    }
    *out = header_;
    return true;
  }

  void Store(absl::string_view encoded, size_t max_depth,
             const JoseHeader& header) {
    if (encoded.size() > kMaxCachedBytes) return;
    encoded_.assign(encoded.data(), encoded.size());
    max_depth_ = max_depth;
    header_ = header;
    valid_ = true;
  }

 private:
  static constexpr size_t kMaxCachedBytes = 1024;
  bool valid_ = false;
  std::string encoded_;
  size_t max_depth_ = 0;
  JoseHeader header_;
};

// Decode buffers reused by every verification on this thread, so the steady
// state allocates nothing for the header and signature.
struct DecodeBuffers {
  std::string header;
  std::string signature;
  HeaderCache header_cache;
};

DecodeBuffers& ThreadBuffers() {
  thread_local DecodeBuffers buffers;
  return buffers;
}

// Everything up to and including the signature, plus the payload's
// base64url (typ is the caller's: CheckTyp). On success *key is the verifying
// key (owned by `keys`) and *payload holds the decoded payload bytes, with
// capacity for `payload_padding` more.
absl::Status VerifyJwsLayer(absl::string_view token, const KeySet& keys,
                            const ValidationPolicy& policy,
                            PayloadRule payload_rule, size_t payload_padding,
                            JoseHeader* header, const Key** key,
                            std::string* payload) {
  absl::StatusOr<CompactParts> parts =
      SplitCompact(token, policy.max_token_bytes, payload_rule);
  if (!parts.ok()) return parts.status();

  DecodeBuffers& buffers = ThreadBuffers();
  if (!buffers.header_cache.Lookup(parts->header, policy.max_json_depth,
                                   header)) {
    if (!Base64UrlDecodeTo(parts->header, &buffers.header)) {
      return Error(Reason::kBadBase64, "header is not strict base64url",
                   "header");
    }
    json::ParseLimits limits;
    limits.max_bytes = policy.max_token_bytes;
    limits.max_depth = policy.max_json_depth;
    absl::StatusOr<json::Object> header_json =
        json::ParseObject(buffers.header, limits);
    if (!header_json.ok()) return header_json.status();
    absl::StatusOr<JoseHeader> parsed = ParseJoseHeader(*header_json);
    if (!parsed.ok()) return parsed.status();
    *header = *std::move(parsed);
    buffers.header_cache.Store(parts->header, policy.max_json_depth, *header);
  }

  // Key selection. A kid is an opaque map key: exact lookup, no fallback.
  const Key* selected = nullptr;
  if (header->has_kid) {
    selected = header->kid.empty() ? nullptr : keys.FindByKid(header->kid);
    if (selected == nullptr) {
      return Error(Reason::kUnknownKid, "no configured key has this kid",
                   "kid");
    }
    // RFC 8725 §3.1: each key is used with exactly one algorithm.
    if (selected->alg() != header->alg) {
      return Error(Reason::kAlgNotAllowed,
                   "alg differs from the key's algorithm", "alg");
    }
  } else {
    bool any = false;
    for (const std::shared_ptr<const Key>& candidate : keys.keys()) {
      if (candidate->alg() == header->alg) {
        any = true;
        break;
      }
    }
    if (!any) {
      return Error(Reason::kAlgNotAllowed, "no configured key uses this alg",
                   "alg");
    }
  }

  if (!Base64UrlDecodeTo(parts->signature, &buffers.signature)) {
    return Error(Reason::kBadBase64, "signature is not strict base64url",
                 "signature");
  }
  // The signature covers the received bytes, never a re-encoding.
  if (selected != nullptr) {
    absl::Status verified =
        selected->Verify(parts->signing_input, buffers.signature);
    if (!verified.ok()) return verified;
  } else {
    absl::Status last =
        Error(Reason::kBadSignature, "signature does not verify");
    for (const std::shared_ptr<const Key>& candidate : keys.keys()) {
      if (candidate->alg() != header->alg) continue;
      last = candidate->Verify(parts->signing_input, buffers.signature);
      if (last.ok()) {
        selected = candidate.get();
        break;
      }
    }
    if (selected == nullptr) return last;
  }

  // Strict decoding keeps tokens non-malleable even when the MAC is valid
  // over a non-canonical encoding (Wycheproof JWS tcIds 374, 375).
  // Sized once: the decoded length is at most 3/4 of the encoded one.
  payload->reserve(parts->payload.size() / 4 * 3 + 2 + payload_padding);
  if (!Base64UrlDecodeTo(parts->payload, payload)) {
    return Error(Reason::kBadBase64, "payload is not strict base64url",
                 "payload");
  }
  *key = selected;
  return absl::OkStatus();
}

// The policy's typ rule (see ValidationPolicy::typ).
absl::Status CheckTyp(const JoseHeader& header,
                      const ValidationPolicy& policy) {
  if (!policy.typ.has_value()) return absl::OkStatus();
  if (!header.has_typ) {
    if (!policy.typ_required) return absl::OkStatus();
    return Error(Reason::kTypeMismatch,
                 absl::StrCat("typ is required and must be ", *policy.typ),
                 "typ");
  }
  if (!TypMatches(header.typ, *policy.typ)) {
    return Error(Reason::kTypeMismatch,
                 absl::StrCat("typ must be ", *policy.typ), "typ");
  }
  return absl::OkStatus();
}

// The registered claims: the only members of the claims set VerifyJwt
// builds (json::ScanPaddedObject validates the rest without building them).
// Indexes into RegisteredClaims::values follow kRegisteredNames.
constexpr absl::string_view kRegisteredNames[] = {"exp", "nbf", "iat", "iss",
                                                  "aud", "sub", "jti"};
enum RegisteredIndex : size_t { kExp, kNbf, kIat, kIss, kAud, kSub, kJti };

struct RegisteredClaims {
  std::optional<json::Value> values[std::size(kRegisteredNames)];

  json::Value* Get(RegisteredIndex i) {
    return values[i].has_value() ? &*values[i] : nullptr;
  }
};

// "aud" is a string or a non-empty array of strings (RFC 7519 §4.1.3).
// Anything else (null, a number, [], [1]) is a malformed claim, refused as
// kBadClaim whether or not the policy names audiences.
absl::Status ReadAudiences(json::Value& aud,
                           absl::InlinedVector<std::string, 1>* out) {
  if (aud.is_string()) {
    out->push_back(std::move(aud.mutable_string()));
    return absl::OkStatus();
  }
  if (!aud.is_array() || aud.as_array().empty()) {
    return Error(Reason::kBadClaim,
                 "aud is not a string or a non-empty array of strings", "aud");
  }
  out->reserve(aud.as_array().size());
  for (json::Value& item : aud.mutable_array()) {
    if (!item.is_string()) {
      return Error(Reason::kBadClaim, "aud contains a non-string item", "aud");
    }
    out->push_back(std::move(item.mutable_string()));
  }
  return absl::OkStatus();
}

absl::Status ReadOptionalString(json::Value* value, absl::string_view name,
                                std::string* out) {
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) {
    return Error(Reason::kBadClaim, "claim is not a string", name);
  }
  *out = std::move(value->mutable_string());
  return absl::OkStatus();
}

// Reads the registered claims' types and ranges into *out (their strings
// are moved out of `claims`): a malformed claim is reported as such even
// when a rule (CheckClaims) would also fail. The jti comes first, so a
// failure on a later claim still knows the token's id.
absl::Status ReadClaims(RegisteredClaims& claims, VerifiedJwt* out) {
  absl::Status status = ReadOptionalString(claims.Get(kJti), "jti", &out->jti);
  if (!status.ok()) return status;
  const json::Value* exp = claims.Get(kExp);
  const json::Value* nbf = claims.Get(kNbf);
  const json::Value* iat = claims.Get(kIat);
  if (exp != nullptr) {
    absl::StatusOr<absl::Time> parsed = ParseNumericDate(*exp, "exp");
    if (!parsed.ok()) return parsed.status();
    out->expires_at = *parsed;
    out->has_exp = true;
  }
  if (nbf != nullptr) {
    absl::StatusOr<absl::Time> parsed = ParseNumericDate(*nbf, "nbf");
    if (!parsed.ok()) return parsed.status();
    out->not_before = *parsed;
    out->has_nbf = true;
  }
  if (iat != nullptr) {
    absl::StatusOr<absl::Time> parsed = ParseNumericDate(*iat, "iat");
    if (!parsed.ok()) return parsed.status();
    out->issued_at = *parsed;
    out->has_iat = true;
  }
  out->has_iss = claims.Get(kIss) != nullptr;
  status = ReadOptionalString(claims.Get(kIss), "iss", &out->issuer);
  if (!status.ok()) return status;
  status = ReadOptionalString(claims.Get(kSub), "sub", &out->subject);
  if (!status.ok()) return status;
  if (json::Value* aud = claims.Get(kAud)) {
    status = ReadAudiences(*aud, &out->audiences);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// The policy's rules over the claims ReadClaims read (jwt.has_* tells which
// were present).
absl::Status CheckClaims(const ValidationPolicy& policy, absl::Time now,
                         const VerifiedJwt& jwt) {
  struct {
    bool exp, nbf, iat, iss;
  } const found = {jwt.has_exp, jwt.has_nbf, jwt.has_iat, jwt.has_iss};

  // Times. absl::Time spans far more than NumericDate's range and its
  // arithmetic saturates, so none of these can overflow; a negative leeway
  // counts as none.
  const absl::Duration leeway = std::max(policy.leeway, absl::ZeroDuration());
  if (!found.exp) {
    if (policy.require_exp) {
      return Error(Reason::kExpMissing, "exp is required", "exp");
    }
    // An unbounded lifetime cannot fit a finite maximum.
    if (policy.max_lifetime != absl::InfiniteDuration()) {
      return Error(Reason::kExpMissing, "exp is required by max_lifetime",
                   "exp");
    }
  } else {
    // RFC 7519 §4.1.4: valid only strictly before exp. expiry_grace widens
    // exp alone (renewal of a just-expired token), never nbf or iat.
    const absl::Duration grace =
        std::max(policy.expiry_grace, absl::ZeroDuration());
    if (now >= jwt.expires_at + leeway + grace) {
      return Error(Reason::kTokenExpired, "token has expired", "exp");
    }
  }
  if (found.nbf && now + leeway < jwt.not_before) {
    return Error(Reason::kTokenNotYetValid, "token is not yet valid", "nbf");
  }
  if (found.iat && jwt.issued_at > now + leeway) {
    return Error(Reason::kIatInFuture, "iat is in the future", "iat");
  }
  if (found.exp && policy.max_lifetime != absl::InfiniteDuration()) {
    const absl::Time start = found.iat ? jwt.issued_at : now;
    if (jwt.expires_at - start > policy.max_lifetime) {
      return Error(Reason::kLifetimeExceeded,
                   "token lifetime exceeds the maximum", "exp");
    }
  }

  if (policy.issuer.has_value()) {
    if (!found.iss || jwt.issuer != *policy.issuer) {
      return Error(Reason::kIssuerMismatch, "iss is not the expected issuer",
                   "iss");
    }
  }
  if (!policy.audiences.empty()) {
    bool matched = false;
    for (const std::string& received : jwt.audiences) {
      for (const std::string& wanted : policy.audiences) {
        if (received == wanted) {
          matched = true;
          break;
        }
      }
      if (matched) break;
    }
    if (!matched) {
      return Error(Reason::kAudienceMismatch,
                   "aud does not name an accepted audience", "aud");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<absl::Time> ParseNumericDate(const json::Value& value,
                                            absl::string_view name) {
  int64_t seconds = 0;
  if (value.is_int()) {
    seconds = value.as_int();
    if (seconds < 0 || seconds > kMaxNumericDate) {
      return Error(Reason::kBadClaim, "NumericDate out of range", name);
    }
  } else if (value.is_double()) {
    const double d = value.as_double();
    // The negated comparison also refuses NaN, should one ever get here.
    if (!(d >= 0.0 && d <= static_cast<double>(kMaxNumericDate))) {
      return Error(Reason::kBadClaim, "NumericDate out of range", name);
    }
    // Non-negative, so truncation is a floor: never rounds up.
    seconds = static_cast<int64_t>(d);
  } else {
    return Error(Reason::kBadClaim, "NumericDate is not a number", name);
  }
  return absl::FromUnixSeconds(seconds);
}

TokenFacts JwtFacts(const VerifiedJwt& jwt) {
  return TokenFacts{jwt.jti, jwt.issued_at, jwt.expires_at};
}

absl::StatusOr<json::Object> VerifiedJwt::DecodeClaims() const {
  // VerifyJwt already held claims_json to the policy's size and depth, so
  // only the parser's own bounds apply here.
  json::ParseLimits limits;
  limits.max_bytes = claims_json.size();
  limits.max_depth = std::numeric_limits<size_t>::max();
  return json::ParseObject(claims_json, limits);
}

absl::StatusOr<VerifiedJws> VerifyJwsSignature(absl::string_view token,
                                               const KeySet& keys,
                                               const ValidationPolicy& policy) {
  VerifiedJws out;
  const Key* key = nullptr;
  // RFC 7515 allows an empty payload; only a JWT needs a claims set.
  absl::Status status =
      VerifyJwsLayer(token, keys, policy, PayloadRule::kMayBeEmpty,
                     /*payload_padding=*/0, &out.header, &key, &out.payload);
  if (!status.ok()) return status;
  status = CheckTyp(out.header, policy);
  if (!status.ok()) return status;
  out.kid = key->kid();
  return out;
}

absl::StatusOr<VerifiedJwt> AuthenticateJwt(absl::string_view token,
                                            const KeySet& keys,
                                            const ValidationPolicy& policy) {
  // Filled in place, so the result is never moved on the way out.
  absl::StatusOr<VerifiedJwt> result(absl::in_place);
  VerifiedJwt& out = *result;
  const Key* key = nullptr;
  // An empty payload is refused by the split, before any decoding, as it
  // can never hold a claims set. The payload is decoded straight into the
  // result, with room for the scanner's padding.
  absl::Status status =
      VerifyJwsLayer(token, keys, policy, PayloadRule::kNonEmpty,
                     json::kParsePadding, &out.header, &key, &out.claims_json);
  if (!status.ok()) return status;

  json::ParseLimits limits;
  limits.max_bytes = policy.max_token_bytes;
  limits.max_depth = policy.max_json_depth;
  // Scanned where it lies: the string grows by the parser's padding (into
  // the capacity reserved for it) for the scan and shrinks back after.
  const size_t payload_size = out.claims_json.size();
  out.claims_json.resize(payload_size + json::kParsePadding);
  // Reused by the thread: a fresh one would be cleared byte by byte on every
  // call. ScanPaddedObject leaves it empty on failure, and it is emptied
  // after the checks, so no claim outlives the call.
  thread_local RegisteredClaims registered;
  status = json::ScanPaddedObject(
      absl::string_view(out.claims_json.data(), payload_size), limits,
      kRegisteredNames, registered.values);
  if (!status.ok()) return status;
  out.claims_json.resize(payload_size);
  status = ReadClaims(registered, &out);
  if (status.ok()) status = CheckTyp(out.header, policy);
  for (std::optional<json::Value>& value : registered.values) value.reset();
  // The signature was good and the claims set parsed: whatever fails from
  // here carries the token's id and times (as far as they were read), so
  // the failure can be traced to the issue (core/token_facts.h).
  if (!status.ok()) return WithTokenFacts(status, JwtFacts(out));

  out.kid = key->kid();
  for (const std::shared_ptr<const Key>& candidate : keys.keys()) {
    if (candidate.get() == key) {
      out.key = candidate;
      break;
    }
  }
  return result;
}

absl::Status CheckJwtClaims(const VerifiedJwt& jwt,
                            const ValidationPolicy& policy, absl::Time now) {
  absl::Status status = CheckClaims(policy, now, jwt);
  if (!status.ok()) return WithTokenFacts(status, JwtFacts(jwt));
  return absl::OkStatus();
}

absl::StatusOr<VerifiedJwt> VerifyJwt(absl::string_view token,
                                      const KeySet& keys,
                                      const ValidationPolicy& policy,
                                      absl::Time now) {
  absl::StatusOr<VerifiedJwt> result = AuthenticateJwt(token, keys, policy);
  if (!result.ok()) return result;
  absl::Status status = CheckJwtClaims(*result, policy, now);
  if (!status.ok()) return status;
  return result;
}

}  // namespace tokend
