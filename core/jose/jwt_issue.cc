// IssueJwt: a JwtSpec's claims set, merged deterministically, with the
// header, dates and signature of the one JWT writer (jwt_writer.h).
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
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/json/byte_scan.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {
namespace {

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
                           std::string encoded) {
    valid_ = false;
    alg_ = key.alg();
    kid_ = key.kid();
    typ_ = spec.typ;
    extra_header_ = spec.extra_header;
    encoded_ = std::move(encoded);
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
  absl::StatusOr<JwtTimes> times = ComputeJwtTimes(now, spec.ttl);
  if (!times.ok()) return times.status();
  absl::Status status = ApplyNotBefore(spec.not_before, &*times);
  if (!status.ok()) return status;
  for (const std::string& audience : spec.audiences) {
    if (audience.empty()) {
      return Error(Reason::kInvalidArgument, "an audience is empty",
                   "audiences");
    }
  }
  status = CheckReservedClaims(spec.extra_claims);
  if (!status.ok()) return status;
  thread_local HeaderCache header_cache;
  const std::string* encoded_header = header_cache.Lookup(key, spec);
  if (encoded_header == nullptr) {
    absl::StatusOr<std::string> header =
        EncodeJwtHeader(key, spec.extra_header, spec.typ);
    if (!header.ok()) return header.status();
    encoded_header = &header_cache.Store(key, spec, *std::move(header));
  }
  if (!key.has_private()) {
    return Error(Reason::kNoSigningKey, "key has no private material");
  }

  IssuedJwt issued;
  issued.jti = spec.jti.empty() ? NewTokenId() : spec.jti;
  issued.issued_at = absl::FromUnixSeconds(times->iat);
  issued.expires_at = absl::FromUnixSeconds(times->exp);

  // The claims JSON goes through a per-thread scratch buffer.
  thread_local std::string claims_json;
  claims_json.clear();
  AppendClaims(spec, times->iat, times->nbf.value_or(times->iat), times->exp,
               issued.jti, &claims_json);
  status = SignJwt(key, *encoded_header, claims_json, &issued.token);
  if (!status.ok()) return status;
  return issued;
}

}  // namespace tokend
