// The LiveKit profile: HS256 access tokens signed with the API secret, `iss`
// the API key, `sub` (and `identity`) the participant identity, and
// LiveKit's grant claims (video, sip, agent, ..., metadata, attributes) under
// their JSON names, as livekit/protocol and livekit-server-sdk read them.
//
// LiveKit's protocol code sets no maximum TTL and no string lengths; tokend's
// policy caps are below (bytes of UTF-8), on issue and on verify. The
// tenant's max_ttl is the only lifetime cap, on issue and on verify.
//
// Identity: a token that joins a room (video.roomJoin) must name one (sub,
// or jti as livekit/protocol falls back to); any other token may name none.
// Such a server-API token (roomCreate, roomList, roomAdmin, roomRecord,
// ingressAdmin, ...: what RoomServiceClient mints) verifies with an empty
// subject, and issuing one needs no subject. It is app-level
// (Profile::IsAppLevel), as is any token with a project-wide grant
// (roomCreate, roomList, roomRecord, ingressAdmin, sip admin or call, agent
// admin grants).
//
// Revocation: livekit-server-sdk writes neither jti nor iat. Such a token
// has no id to revoke and no known issue time, so it is revoked by subject
// (its identity) or by tenant, and every such revocation still in force
// covers it whenever it was minted. tokend's own tokens carry both.
//
// Profile instances are immutable and safe to use from any thread.
#ifndef TOKEND_CORE_PROFILES_LIVEKIT_PROFILE_H_
#define TOKEND_CORE_PROFILES_LIVEKIT_PROFILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/profiles/profile.h"

namespace tokend {

// tokend's caps (LiveKit documents none).
inline constexpr size_t kLiveKitMaxIdentityBytes = 1024;
inline constexpr size_t kLiveKitMaxNameBytes = 1024;
inline constexpr size_t kLiveKitMaxMetadataBytes = 64 * 1024;
// Sum of the attribute names' and values' bytes.
inline constexpr size_t kLiveKitMaxAttributesBytes = 16 * 1024;
// roomConfig, serialised.
inline constexpr size_t kLiveKitMaxRoomConfigBytes = 16 * 1024;
// Verification size cap; Issue refuses grants whose token would exceed it.
inline constexpr size_t kLiveKitMaxTokenBytes = 128 * 1024;
// LiveKit's verifier allows 60 s of clock skew; tokend allows no more.
inline constexpr absl::Duration kLiveKitMaxLeeway = absl::Seconds(60);

struct LiveKitProfileConfig {
  std::string api_key;     // the "iss" of every token; printable ASCII
  std::string api_secret;  // HS256 secret, at least 32 bytes
  TtlBounds ttl{absl::Hours(6), absl::Hours(24)};
  absl::Duration leeway = kLiveKitMaxLeeway;  // 0..60 s
};

// Errors name the config field: kInvalidArgument ("api_key", "ttl.*",
// "leeway") or the key reason (kKeyTooWeak, ...) on "api_secret".
absl::StatusOr<std::shared_ptr<const Profile>> NewLiveKitProfile(
    LiveKitProfileConfig config);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_LIVEKIT_PROFILE_H_
