// The Vonage profile: RS256 JWTs signed with a Vonage application's private
// key. Two kinds (VonageGrants::Kind): the application JWT for the REST APIs
// and Client SDK login, and the Video client connection token. Tokens match
// what @vonage/jwt tokenGenerate and @vonage/video generateClientToken emit.
//
// Lengths ("connection_data" ≤ 1000, "initial_layout_class_list" ≤ 1024)
// count UTF-16 code units, as the vendor's JavaScript SDKs do; they and the
// session id's shape are checked on issue and on verify.
//
// An application JWT without a subject authenticates as the application
// itself (the REST APIs): it is app-level (Profile::IsAppLevel). One with a
// subject logs that user in (Client SDK); a Video client token is for one
// session.
//
// Profile instances are immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_VONAGE_PROFILE_H_
#define TOKEND_CORE_PROFILES_VONAGE_PROFILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

// Vendor maxima: 24 h for the application JWT, 30 days for a Video token.
inline constexpr absl::Duration kVonageApplicationMaxTtl = absl::Hours(24);
inline constexpr absl::Duration kVonageVideoMaxTtl = absl::Hours(24 * 30);
// Limits from the Vonage Video docs / opentok-node (UTF-16 code units).
inline constexpr size_t kVonageMaxConnectionData = 1000;
inline constexpr size_t kVonageMaxLayoutClassList = 1024;
// Vonage documents no length or alphabet for a session id; its ids are
// base64 text behind a version prefix ("1_MX4…", "2_MX4…": opentok-node
// decodes them by dropping the prefix and base64-decoding the rest). tokend
// accepts those characters (letters, digits, + / = _ - ~) and caps the
// length.
inline constexpr size_t kVonageMaxSessionIdBytes = 1024;

struct VonageProfileConfig {
  std::string application_id;  // UUID, e.g. "aaaaaaaa-bbbb-cccc-dddd-..."
  // The application's RSA private key (PEM, ≥ 2048 bits). May be empty for
  // a verify-only tenant, which then needs public_key_pem.
  std::string private_key_pem;
  // Optional public key (PEM); must match the private key when both are set.
  std::string public_key_pem;
  // Application JWT: default 15 min, at most 24 h.
  TtlBounds ttl{absl::Minutes(15), kVonageApplicationMaxTtl};
  // Video client token: default 24 h, at most 30 days.
  TtlBounds video_ttl{absl::Hours(24), kVonageVideoMaxTtl};
  absl::Duration leeway = absl::Seconds(60);
};

// Errors name the config field: kInvalidArgument ("application_id", "ttl.*",
// "video_ttl.*", "leeway", "private_key_pem") or a key reason (kKeyInvalid,
// kKeyTooWeak, ...) on "private_key_pem" / "public_key_pem".
absl::StatusOr<std::shared_ptr<const Profile>> NewVonageProfile(
    VonageProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_VONAGE_PROFILE_H_
