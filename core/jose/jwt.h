// Signing and verifying JWTs over the core: the vendor-neutral engine every
// profile builds on.
#ifndef TOKEND_CORE_JOSE_JWT_H_
#define TOKEND_CORE_JOSE_JWT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/jws.h"
#include "core/json/json.h"
#include "core/keys/key_set.h"
#include "core/token_facts.h"

namespace tokend {

struct ValidationPolicy {
  // When set, "iss" must be present and equal (exact code points).
  std::optional<std::string> issuer;
  // When non-empty, "aud" (string or non-empty array of strings) must be
  // present and contain at least one of these, exactly.
  std::vector<std::string> audiences;
  // When set, a "typ" header must match it (RFC 7515 §4.1.9 media-type
  // rules: case-insensitive, "application/" implied). RFC 7519 §5.1 makes
  // typ optional: with typ_required false a token without one passes, and
  // only a present typ is compared.
  std::optional<std::string> typ;
  bool typ_required = true;
  // Allowed clock skew for exp, nbf and iat.
  absl::Duration leeway = absl::Seconds(60);
  bool require_exp = true;
  // Extra allowance for exp only (renewal of a just-expired token); nbf and
  // iat still use `leeway` alone.
  absl::Duration expiry_grace = absl::ZeroDuration();
  // When finite, exp - iat (or exp - now without iat) may not exceed it.
  absl::Duration max_lifetime = absl::InfiniteDuration();
  // Token size cap (checked before any decoding) and JSON depth cap.
  size_t max_token_bytes = 8 * 1024;
  size_t max_json_depth = 32;
};

struct VerifiedJwt {
  // User-provided so that value-initialisation (StatusOr's in-place
  // construction) does not zero the whole struct before constructing it.
  VerifiedJwt() {}

  JoseHeader header;
  // The claims set exactly as received (the decoded payload): a JSON object
  // that passed every rule of json::ParseObject under the policy's limits.
  std::string claims_json;
  std::string kid;  // of the key that verified it
  std::string jti;
  std::string subject;
  std::string issuer;
  // Inline room for one: most tokens name a single audience.
  absl::InlinedVector<std::string, 1> audiences;
  // InfinitePast / InfiniteFuture when the claim is absent.
  absl::Time issued_at = absl::InfinitePast();
  absl::Time not_before = absl::InfinitePast();
  absl::Time expires_at = absl::InfiniteFuture();
  // Which of exp, nbf, iat and iss the claims set carries.
  bool has_exp = false;
  bool has_nbf = false;
  bool has_iat = false;
  bool has_iss = false;
  // The key that verified it (one of the KeySet's): lets a cache tell
  // whether that exact key is still trusted.
  std::shared_ptr<const Key> key;

  // The claims set as a model. VerifyJwt builds only the registered claims
  // above; the others are validated but decoded here, on demand, so a caller
  // that needs none of them never pays for building them. Each call decodes
  // afresh: call once and keep the result. Fails only if the parser cannot
  // allocate (kResourceExhausted).
  absl::StatusOr<json::Object> DecodeClaims() const;
};

// Verification order (RFC 7519 §7.2): size cap, split, header decode and
// rules, key selection, signature over the received bytes, payload decode,
// claim types, typ, claim checks. Key selection: with a kid, exact lookup
// only (kUnknownKid when absent); without one, the keys bound to the
// header's alg are tried. The header alg must equal the key's bound alg
// (kAlgNotAllowed). A failure after the claims set parsed carries the
// token's facts (JwtFacts of what was read; core/token_facts.h); one before
// it (a bad signature above all) carries none.
absl::StatusOr<VerifiedJwt> VerifyJwt(absl::string_view token,
                                      const KeySet& keys,
                                      const ValidationPolicy& policy,
                                      absl::Time now);

// VerifyJwt in two halves: VerifyJwt(token, keys, policy, now) is
// AuthenticateJwt(token, keys, policy) and then CheckJwtClaims(jwt, policy,
// now) on its result, with the same reasons in the same order.
//
// AuthenticateJwt is the part that depends on neither the clock nor the
// policy's issuer, audiences, leeway, expiry_grace, require_exp or
// max_lifetime: size cap, split, header, key, signature, payload, claim
// types and typ. Its result can be kept and checked again later.
absl::StatusOr<VerifiedJwt> AuthenticateJwt(absl::string_view token,
                                            const KeySet& keys,
                                            const ValidationPolicy& policy);
// The clock and claim rules (exp, nbf, iat with leeway and expiry_grace,
// max_lifetime, iss, aud) over an authenticated token. A failure carries
// the token's facts (JwtFacts).
absl::Status CheckJwtClaims(const VerifiedJwt& jwt,
                            const ValidationPolicy& policy, absl::Time now);

// The id (jti) and times (iat, exp) of a verified token, as a failure that
// comes after its signature was good reports them (core/token_facts.h).
// Absent claims stay empty / infinite.
TokenFacts JwtFacts(const VerifiedJwt& jwt);

struct VerifiedJws {
  JoseHeader header;
  std::string kid;      // of the key that verified it
  std::string payload;  // the decoded payload bytes, not interpreted
};

// The JWS layer of VerifyJwt alone: size cap, split, header decode and rules,
// key selection, signature, typ, and a strict base64url decode of the payload.
// The payload need not be JSON, may be empty (RFC 7515; VerifyJwt refuses
// "h..s" as kMalformed), and no claim is looked at, so this is for JWS that
// are not JWTs (test vectors, detached uses); tokens want VerifyJwt.
absl::StatusOr<VerifiedJws> VerifyJwsSignature(absl::string_view token,
                                               const KeySet& keys,
                                               const ValidationPolicy& policy);

// RFC 7519 NumericDate: a JSON number in [0, 2^53 - 1]; fractions are
// truncated toward the past. kBadClaim naming `name` otherwise.
absl::StatusOr<absl::Time> ParseNumericDate(const json::Value& value,
                                            absl::string_view name);

struct JwtSpec {
  std::string issuer;                  // omitted when empty
  std::string subject;                 // omitted when empty
  std::vector<std::string> audiences;  // one → string, several → array
  absl::Duration ttl = absl::Hours(1);
  std::string jti;           // generated (128 random bits) when empty
  bool include_nbf = false;  // nbf = iat
  // When finite: nbf is this time (whole seconds, rounded down) instead of
  // iat; it must be before exp (kInvalidArgument naming "not_before").
  absl::Time not_before = absl::InfinitePast();
  json::Object extra_claims;  // may not redefine registered claims
  std::string typ = "JWT";    // omitted when empty
  json::Object extra_header;  // e.g. Twilio's "cty"; may not set alg/kid
};

struct IssuedJwt {
  std::string token;
  std::string jti;
  absl::Time issued_at;
  absl::Time expires_at;
};

// Builds the header ({"alg","kid" when the key has one,"typ"}) and claims
// (iat, exp, jti, iss, sub, aud, extras), serialises both deterministically
// and signs. kInvalidArgument naming the field on a bad spec.
absl::StatusOr<IssuedJwt> IssueJwt(const Key& key, const JwtSpec& spec,
                                   absl::Time now);

}  // namespace tokend

#endif  // TOKEND_CORE_JOSE_JWT_H_
