// The JWS around claims that a vendor profile writes itself (see
// claims_writer.h): IssueJwt's job for profiles whose header is fixed per
// tenant, so the header is built, checked and encoded once at construction
// and an issue only writes the claims, encodes them and signs.
//
// Immutable after Create; Sign may run on any thread.
#ifndef TOKEND_CORE_PROFILES_VENDOR_JWT_H_
#define TOKEND_CORE_PROFILES_VENDOR_JWT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/profiles/claims_writer.h"
#include "core/profiles/profile.h"

namespace tokend {

// A token's NumericDates, as IssueJwt computes them.
struct JwtTimes {
  int64_t iat = 0;
  int64_t exp = 0;
  // Set from IssueInput.not_before (ApplyNotBefore): nbf is written with
  // this value. Unset: nbf, when asked for, is iat.
  std::optional<int64_t> nbf;
};

// now and now + ttl in whole seconds. kInvalidArgument on "ttl" when ttl is
// not a positive whole number of seconds or either date leaves the
// NumericDate range ParseNumericDate accepts.
absl::StatusOr<JwtTimes> ComputeJwtTimes(absl::Time now, absl::Duration ttl);

// Sets times->nbf from IssueInput.not_before (nothing for InfinitePast):
// whole seconds rounded down, at or after 1970 and before exp, else
// kInvalidArgument on "not_before". Only for profiles that carry nbf.
absl::Status ApplyNotBefore(absl::Time not_before, JwtTimes* times);

// Adds iat, exp and jti, nbf (times.nbf, else iat) when asked or when
// times.nbf is set, and iss / sub when not empty: the registered claims
// IssueJwt writes.
void AddRegisteredClaims(const JwtTimes& times, absl::string_view jti,
                         bool include_nbf, absl::string_view issuer,
                         absl::string_view subject, ClaimsWriter* claims);

// The private session-start claim (see kSessionStartClaim), when
// `session_started` is not InfinitePast (a fresh session).
void AddSessionStartClaim(absl::Time session_started, ClaimsWriter* claims);

// The TokenInfo of a freshly issued token: `subject` is the input's,
// the times are `times`, the session starts at the input's session start
// (now for a fresh one) and `grants` are reported back as given.
TokenInfo IssuedTokenInfo(std::string token, std::string token_id,
                          const IssueInput& input, const JwtTimes& times,
                          absl::Time now, Grants grants);

// `checked` as it is when OK; else its status with the facts (jti, iat,
// exp) of `jwt` attached (core/token_facts.h): what a profile returns from
// the checks it makes once VerifyJwt found the signature good, so that an
// invalid verdict can still be traced to the token's issue.
absl::StatusOr<TokenInfo> KeepingFacts(absl::StatusOr<TokenInfo> checked,
                                       const VerifiedJwt& jwt);

class VendorJwtSigner {
 public:
  // The header IssueJwt writes for this key and spec: `extra_header` plus
  // "alg", "kid" (when the key has one) and "typ" (when not empty). Errors
  // are kInvalidArgument naming "extra_header" when the JOSE header rules
  // refuse it, or kNoSigningKey without private material.
  static absl::StatusOr<VendorJwtSigner> Create(
      std::shared_ptr<const Key> key, const json::Object& extra_header,
      absl::string_view typ = "JWT");

  // The base64url header of Create's arguments plus `extra_header`'s
  // members (for a member that varies per token, such as Twilio's region).
  absl::StatusOr<std::string> EncodeHeader(
      const json::Object& extra_header) const;

  const std::string& encoded_header() const { return encoded_header_; }
  const Key& key() const { return *key_; }

  // "<header>.<base64url(claims_json)>.<signature>" with the fixed header.
  absl::StatusOr<std::string> Sign(absl::string_view claims_json) const {
    return SignWithHeader(encoded_header_, claims_json);
  }
  // The same with another encoded header (from EncodeHeader).
  absl::StatusOr<std::string> SignWithHeader(
      absl::string_view encoded_header, absl::string_view claims_json) const;

 private:
  VendorJwtSigner(std::shared_ptr<const Key> key, json::Object header,
                  std::string encoded_header)
      : key_(std::move(key)),
        header_(std::move(header)),
        encoded_header_(std::move(encoded_header)) {}

  std::shared_ptr<const Key> key_;
  json::Object header_;  // the fixed members
  std::string encoded_header_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_VENDOR_JWT_H_
