#include "core/jose/jws.h"

#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr size_t kMaxKidBytes = 256;
constexpr absl::string_view kApplicationPrefix = "application/";

// Header members that name or carry key material. tokend only trusts keys
// configured ahead of time, so a token that relies on one of these is refused
// outright instead of having the hint silently ignored.
bool IsKeyHintMember(absl::string_view name) {
  return name == "jwk" || name == "jku" || name == "x5u" || name == "x5c" ||
         name == "x5t" || name == "x5t#S256";
}

}  // namespace

absl::StatusOr<CompactParts> SplitCompact(absl::string_view token,
                                          size_t max_bytes,
                                          PayloadRule payload_rule) {
  if (token.size() > max_bytes) {
    return Error(Reason::kTokenTooLarge, "token exceeds the size limit");
  }
  const char* begin = token.data();
  const size_t size = token.size();
  const void* first = size == 0 ? nullptr : std::memchr(begin, '.', size);
  if (first == nullptr) {
    return Error(Reason::kMalformed, "token is not three dot-separated parts");
  }
  const size_t dot1 = static_cast<const char*>(first) - begin;
  const void* second = std::memchr(begin + dot1 + 1, '.', size - dot1 - 1);
  if (second == nullptr) {
    return Error(Reason::kMalformed, "token is not three dot-separated parts");
  }
  const size_t dot2 = static_cast<const char*>(second) - begin;
  if (std::memchr(begin + dot2 + 1, '.', size - dot2 - 1) != nullptr) {
    return Error(Reason::kMalformed,
                 "token has more than three parts (JWE is not supported)");
  }
  CompactParts parts;
  parts.header = token.substr(0, dot1);
  parts.payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  parts.signature = token.substr(dot2 + 1);
  parts.signing_input = token.substr(0, dot2);
  if (parts.header.empty() || parts.signature.empty() ||
      (parts.payload.empty() && payload_rule == PayloadRule::kNonEmpty)) {
    return Error(Reason::kMalformed, "token has an empty part");
  }
  return parts;
}

absl::StatusOr<JoseHeader> ParseJoseHeader(const json::Object& header) {
  // One pass collects what matters; the checks below then run in a fixed
  // priority so the reported reason does not depend on member order.
  const json::Value* alg = nullptr;
  const json::Value* kid = nullptr;
  const json::Value* typ = nullptr;
  const json::Value* cty = nullptr;
  bool has_crit = false;
  bool has_b64 = false;
  absl::string_view key_hint;
  for (const json::Object::Member& member : header.members()) {
    const std::string& name = member.first;
    if (name == "alg") {
      alg = &member.second;
    } else if (name == "kid") {
      kid = &member.second;
    } else if (name == "typ") {
      typ = &member.second;
    } else if (name == "cty") {
      cty = &member.second;
    } else if (name == "crit") {
      has_crit = true;
    } else if (name == "b64") {
      has_b64 = true;
    } else if (key_hint.empty() && IsKeyHintMember(name)) {
      key_hint = name;
    }
  }

  // RFC 7515 §4.1.11: tokend understands no extension, so any "crit" (even
  // an empty or malformed one) names something it cannot honour.
  if (has_crit) {
    return Error(Reason::kCritUnsupported, "crit header is not supported",
                 "crit");
  }
  if (alg == nullptr) {
    return Error(Reason::kBadHeader, "alg header is missing", "alg");
  }
  if (!alg->is_string()) {
    return Error(Reason::kBadHeader, "alg header is not a string", "alg");
  }
  std::optional<Algorithm> parsed = AlgorithmFromName(alg->as_string());
  if (!parsed.has_value()) {
    return Error(Reason::kAlgNotAllowed, "alg is not an allowed algorithm",
                 "alg");
  }
  if (has_b64) {
    return Error(Reason::kUnsupportedHeader,
                 "b64 header (RFC 7797) is not supported", "b64");
  }
  if (!key_hint.empty()) {
    return Error(Reason::kUnsupportedHeader,
                 "embedded or referenced keys are never trusted", key_hint);
  }

  JoseHeader out;
  out.alg = *parsed;
  if (kid != nullptr) {
    if (!kid->is_string()) {
      return Error(Reason::kBadHeader, "kid header is not a string", "kid");
    }
    if (kid->as_string().size() > kMaxKidBytes) {
      return Error(Reason::kBadHeader, "kid header is too long", "kid");
    }
    out.kid = kid->as_string();
    out.has_kid = true;
  }
  if (typ != nullptr) {
    if (!typ->is_string()) {
      return Error(Reason::kBadHeader, "typ header is not a string", "typ");
    }
    out.typ = typ->as_string();
    out.has_typ = true;
  }
  if (cty != nullptr) {
    if (!cty->is_string()) {
      return Error(Reason::kBadHeader, "cty header is not a string", "cty");
    }
    // RFC 7519 §5.2: "JWT" announces a nested token; tokend never unwraps
    // one, and accepting the outer layer alone would skip the inner checks.
    if (TypMatches(cty->as_string(), "JWT")) {
      return Error(Reason::kUnsupportedHeader,
                   "nested JWTs (cty JWT) are not supported", "cty");
    }
    out.cty = cty->as_string();
  }
  return out;
}

bool TypMatches(absl::string_view received, absl::string_view expected) {
  // A value without '/' stands for "application/<value>" (RFC 7515 §4.1.9).
  const bool received_full = absl::StrContains(received, '/');
  const bool expected_full = absl::StrContains(expected, '/');
  if (received_full == expected_full) {
    return absl::EqualsIgnoreCase(received, expected);
  }
  absl::string_view full = received_full ? received : expected;
  absl::string_view bare = received_full ? expected : received;
  return full.size() == kApplicationPrefix.size() + bare.size() &&
         absl::StartsWithIgnoreCase(full, kApplicationPrefix) &&
         absl::EqualsIgnoreCase(full.substr(kApplicationPrefix.size()), bare);
}

}  // namespace tokend
