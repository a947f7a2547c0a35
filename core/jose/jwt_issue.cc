// JWT issuing: a deterministic header and claims set, signed with one key.
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/jose/base64url.h"
#include "core/jose/issue_limits.h"
#include "core/jose/jwt.h"
#include "core/json/byte_scan.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {
namespace {

using jose::kMaxNumericDate;
using jose::kMaxSignatureChars;
using jose::kReservedHeader;

// Claims IssueJwt sets itself.
constexpr absl::string_view kReservedClaims[] = {
    "iat", "exp", "nbf", "jti", "iss", "sub", "aud",
};

// The first three bytes of `name` as a big-endian number, missing bytes as
// zero. For the three-byte registered names (which hold no zero byte) this
// orders like the names themselves: Packed(a) < Packed(r) exactly when
// a < r in byte order, and Packed(a) == Packed(r) exactly when a starts
// with r. Comparing one integer replaces a memcmp call per claim.
constexpr uint32_t Packed(absl::string_view name) {
  auto byte = [&](size_t i) -> uint32_t {
    return static_cast<unsigned char>(name[i]);
  };
  if (name.size() >= 3) return (byte(0) << 16) | (byte(1) << 8) | byte(2);
  uint32_t v = 0;
  for (size_t i = 0; i < name.size(); ++i) v |= byte(i) << (16 - 8 * i);
  return v;
}

// Above every Packed value: what the merge sees past the last extra claim.
constexpr uint32_t kPastTheExtras = 0xffffffffu;

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

// The first reserved claim (in kReservedClaims order) that `extras` sets, or
// OK. Every registered claim name is three bytes long, so one pass over the
// members does.
absl::Status CheckReservedClaims(const json::Object& extras) {
  size_t first = std::size(kReservedClaims);
  for (const json::Object::Member& member : extras.members()) {
    if (member.first.size() != 3) continue;
    const uint32_t packed = Packed(member.first);
    for (size_t i = 0; i < first; ++i) {
      if (packed == Packed(kReservedClaims[i])) {
        first = i;
        break;
      }
    }
  }
  if (first == std::size(kReservedClaims)) return absl::OkStatus();
  const absl::string_view name = kReservedClaims[first];
  return Error(Reason::kInvalidArgument,
               absl::StrCat(name, " may not be set here"),
               absl::StrCat("extra_claims.", name));
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

// The base64url header of the last token this thread issued. The encoded
// header (and whether it is accepted) is a pure function of the key's alg
// and kid, the typ and the extra header members, so a token issuer reusing
// one key and spec shape skips building, checking and encoding it. Only
// successes are cached.
class HeaderCache {
 public:
  const std::string* Lookup(const Key& key, const JwtSpec& spec) const {
    if (!valid_ || key.alg() != alg_ ||
        !json::internal::SameBytes(key.kid(), kid_) ||
        !json::internal::SameBytes(spec.typ, typ_) ||
        !(spec.extra_header == extra_header_)) {
      return nullptr;
    }
    return &encoded_;
  }

  const std::string& Store(const Key& key, const JwtSpec& spec,
                           const json::Object& header) {
    valid_ = false;
    alg_ = key.alg();
    kid_ = key.kid();
    typ_ = spec.typ;
    extra_header_ = spec.extra_header;
    encoded_.clear();
    Base64UrlEncodeAppend(json::Serialize(header), &encoded_);
    valid_ = true;
    return encoded_;
  }

 private:
  bool valid_ = false;
  Algorithm alg_ = Algorithm::kHS256;
  std::string kid_;
  std::string typ_;
  json::Object extra_header_;
  std::string encoded_;
};

// Appends `"name":` (the names here never need escaping).
void AppendName(absl::string_view name, std::string* out) {
  out->push_back('"');
  out->append(name.data(), name.size());
  out->append("\":", 2);
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Writes the claims object: the registered claims merged, in byte order,
// with the (already sorted, reserved-free) extra claims, exactly as
// json::Serialize would print the combined object.
void AppendClaims(const JwtSpec& spec, int64_t iat, int64_t nbf, int64_t exp,
                  absl::string_view jti, std::string* out) {
  // Registered claims in byte order of their names; `present` skips unset
  // ones.
  enum class Claim { kAud, kExp, kIat, kIss, kJti, kNbf, kSub };
  struct Registered {
    absl::string_view name;
    Claim claim;
    bool present;
  };
  const Registered registered[] = {
      {"aud", Claim::kAud, !spec.audiences.empty()},
      {"exp", Claim::kExp, true},
      {"iat", Claim::kIat, true},
      {"iss", Claim::kIss, !spec.issuer.empty()},
      {"jti", Claim::kJti, true},
      {"nbf", Claim::kNbf,
       spec.include_nbf || spec.not_before != absl::InfinitePast()},
      {"sub", Claim::kSub, !spec.subject.empty()},
  };
  const std::vector<json::Object::Member>& extras = spec.extra_claims.members();
  size_t next_extra = 0;
  // Packed(extras[next_extra].first), computed once per extra claim.
  uint32_t next_packed =
      extras.empty() ? kPastTheExtras : Packed(extras.front().first);
  bool first = true;
  auto separate = [&] {
    if (!first) out->push_back(',');
    first = false;
  };
  // Extra claims never equal a registered name (CheckReservedClaims), so
  // an extra goes first exactly when its packed prefix is smaller.
  auto flush_extras_before = [&](uint32_t packed_name) {
    while (next_packed < packed_name) {
      separate();
      json::AppendQuoted(extras[next_extra].first, out);
      out->push_back(':');
      json::SerializeAppend(extras[next_extra].second, out);
      ++next_extra;
      next_packed = next_extra < extras.size()
                        ? Packed(extras[next_extra].first)
                        : kPastTheExtras;
    }
  };
  out->push_back('{');
  for (const Registered& claim : registered) {
    if (!claim.present) continue;
    flush_extras_before(Packed(claim.name));
    separate();
    AppendName(claim.name, out);
    switch (claim.claim) {
      case Claim::kAud:
        if (spec.audiences.size() == 1) {
          json::AppendQuoted(spec.audiences.front(), out);
        } else {
          out->push_back('[');
          for (size_t i = 0; i < spec.audiences.size(); ++i) {
            if (i != 0) out->push_back(',');
            json::AppendQuoted(spec.audiences[i], out);
          }
          out->push_back(']');
        }
        break;
      case Claim::kExp:
        AppendInt(exp, out);
        break;
      case Claim::kIat:
        AppendInt(iat, out);
        break;
      case Claim::kIss:
        json::AppendQuoted(spec.issuer, out);
        break;
      case Claim::kJti:
        json::AppendQuoted(jti, out);
        break;
      case Claim::kNbf:
        AppendInt(nbf, out);
        break;
      case Claim::kSub:
        json::AppendQuoted(spec.subject, out);
        break;
    }
  }
  flush_extras_before(kPastTheExtras);
  out->push_back('}');
}

}  // namespace

absl::StatusOr<IssuedJwt> IssueJwt(const Key& key, const JwtSpec& spec,
                                   absl::Time now) {
  if (spec.ttl <= absl::ZeroDuration() ||
      spec.ttl == absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must be positive and finite",
                 "ttl");
  }
  const int64_t ttl_seconds = absl::ToInt64Seconds(spec.ttl);
  if (ttl_seconds <= 0) {
    return Error(Reason::kInvalidArgument, "ttl must be at least one second",
                 "ttl");
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  if (iat < 0 || iat > kMaxNumericDate || ttl_seconds > kMaxNumericDate - iat) {
    return Error(Reason::kInvalidArgument,
                 "iat or exp is outside the NumericDate range", "ttl");
  }
  const int64_t exp = iat + ttl_seconds;
  int64_t nbf = iat;
  if (spec.not_before != absl::InfinitePast()) {
    nbf = absl::ToUnixSeconds(spec.not_before);
    if (nbf < 0 || nbf >= exp) {
      return Error(Reason::kInvalidArgument,
                   "not_before must be at or after 1970 and before the expiry",
                   "not_before");
    }
  }
  for (const std::string& audience : spec.audiences) {
    if (audience.empty()) {
      return Error(Reason::kInvalidArgument, "an audience is empty",
                   "audiences");
    }
  }
  absl::Status status = CheckReservedClaims(spec.extra_claims);
  if (!status.ok()) return status;
  thread_local HeaderCache header_cache;
  const std::string* encoded_header = header_cache.Lookup(key, spec);
  if (encoded_header == nullptr) {
    absl::StatusOr<json::Object> header = BuildHeader(key, spec);
    if (!header.ok()) return header.status();
    encoded_header = &header_cache.Store(key, spec, *header);
  }
  if (!key.has_private()) {
    return Error(Reason::kNoSigningKey, "key has no private material");
  }

  IssuedJwt issued;
  issued.jti = spec.jti.empty() ? NewTokenId() : spec.jti;
  issued.issued_at = absl::FromUnixSeconds(iat);
  issued.expires_at = absl::FromUnixSeconds(exp);

  // The claims JSON goes through a per-thread scratch buffer straight into
  // the token, which is sized once for header, claims and signature.
  thread_local std::string claims_json;
  claims_json.clear();
  AppendClaims(spec, iat, nbf, exp, issued.jti, &claims_json);
  std::string token;
  token.reserve(encoded_header->size() + 1 + claims_json.size() / 3 * 4 + 4 +
                1 + kMaxSignatureChars);
  token.append(*encoded_header);
  token.push_back('.');
  Base64UrlEncodeAppend(claims_json, &token);
  // The raw signature also goes through a per-thread buffer (it is public:
  // it ends up in the token).
  thread_local std::string signature;
  signature.clear();
  status = key.SignAppend(token, &signature);
  if (!status.ok()) return status;
  token.push_back('.');
  Base64UrlEncodeAppend(signature, &token);
  issued.token = std::move(token);
  return issued;
}

}  // namespace tokend
