// The one JWT writer: every issued JWT (IssueJwt and every vendor profile)
// gets its JOSE header, its NumericDates and its "<header>.<claims>.<sig>"
// bytes here. The header is {alg, kid when the key has one, typ when not
// empty} plus the caller's extras (Twilio's cty and twr, ...), members in
// byte order as json::Serialize prints them, and must pass the verifier's
// own header rules (ParseJoseHeader), so every issued token verifies. The
// claims are serialised by the caller through core/json: IssueJwt merges a
// JwtSpec, the vendor profiles use ClaimsWriter (claims_writer.h).
//
// Free functions are pure and thread-safe. JwtWriter is immutable after
// Create; Sign may run on any thread.
#ifndef TOKEND_CORE_JOSE_JWT_WRITER_H_
#define TOKEND_CORE_JOSE_JWT_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/claims_writer.h"
#include "core/json/json.h"

namespace tokend {

// A token's NumericDates.
struct JwtTimes {
  int64_t iat = 0;
  int64_t exp = 0;
  // Set from a not-before time (ApplyNotBefore): nbf is written with this
  // value. Unset: nbf, when asked for, is iat.
  std::optional<int64_t> nbf;
};

// now and now + ttl in whole seconds. kInvalidArgument on "ttl" when ttl is
// not positive and finite, is under one second, or either date leaves the
// NumericDate range ParseNumericDate accepts.
absl::StatusOr<JwtTimes> ComputeJwtTimes(absl::Time now, absl::Duration ttl);

// Sets times->nbf from `not_before` (nothing for InfinitePast): whole
// seconds rounded down, at or after 1970 and before exp, else
// kInvalidArgument on "not_before".
absl::Status ApplyNotBefore(absl::Time not_before, JwtTimes* times);

// Adds iat, exp and jti, nbf (times.nbf, else iat) when asked or when
// times.nbf is set, and iss / sub when not empty: the registered claims of
// a vendor token.
void AddRegisteredClaims(const JwtTimes& times, absl::string_view jti,
                         bool include_nbf, absl::string_view issuer,
                         absl::string_view subject, ClaimsWriter* claims);

// The base64url JOSE header for `key`: `extra_header` plus "alg", "kid"
// (when the key has one) and "typ" (when `typ` is not empty).
// kInvalidArgument naming "extra_header.<member>" when extra_header sets a
// member reserved to the key (jose::kReservedHeader), sets typ while `typ`
// is given, or holds what the JOSE header rules refuse.
absl::StatusOr<std::string> EncodeJwtHeader(const Key& key,
                                            const json::Object& extra_header,
                                            absl::string_view typ);

// Replaces *token with "<encoded_header>.<base64url(claims_json)>.<sig>",
// signed by `key`. Key::Sign's errors (kNoSigningKey without private
// material).
absl::Status SignJwt(const Key& key, absl::string_view encoded_header,
                     absl::string_view claims_json, std::string* token);

// A key with its header encoded once: for profiles whose header is fixed
// per tenant, an issue only writes the claims and signs.
class JwtWriter {
 public:
  // EncodeJwtHeader's header for `key`, after kNoSigningKey when the key
  // has no private material.
  static absl::StatusOr<JwtWriter> Create(std::shared_ptr<const Key> key,
                                          const json::Object& extra_header,
                                          absl::string_view typ = "JWT");

  // The base64url header of Create's arguments plus `extra_header`'s
  // members (for a member that varies per token, such as Twilio's region).
  // kInvalidArgument naming "extra_header.<member>" for a member already
  // set or one the JOSE header rules refuse.
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
  JwtWriter(std::shared_ptr<const Key> key, json::Object header,
            std::string encoded_header)
      : key_(std::move(key)),
        header_(std::move(header)),
        encoded_header_(std::move(encoded_header)) {}

  std::shared_ptr<const Key> key_;
  json::Object header_;  // the fixed members, alg/kid/typ included
  std::string encoded_header_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_JOSE_JWT_WRITER_H_
