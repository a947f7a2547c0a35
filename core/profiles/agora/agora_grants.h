// Agora AccessToken2 ("007") and legacy "006" grants: plain data, validated
// by the agora profile (core/profiles/agora/agora_profile.h).
#ifndef TOKEND_CORE_PROFILES_AGORA_AGORA_GRANTS_H_
#define TOKEND_CORE_PROFILES_AGORA_AGORA_GRANTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tokend {

// Agora's service type ids (the 007 "service type" uint16).
enum AgoraServiceType : uint16_t {
  kAgoraRtc = 1,
  kAgoraRtm = 2,
  kAgoraStreaming = 3,
  kAgoraFpa = 4,
  kAgoraChat = 5,
  kAgoraFcdn = 6,
  kAgoraApaas = 7,
  kAgoraRtm2 = 8,
};

// Which of Agora's ApaasTokenBuilder entry points an APaaS service follows.
enum class AgoraApaasKind {
  // The service is written exactly as given (privileges required). Verify
  // reconstructs every APaaS service in this form.
  kExplicit = 0,
  // buildRoomUserToken: APaaS(room_uuid, user_uuid, role) with privilege 1,
  // plus RTM(user_uuid) login and Chat(md5_hex(user_uuid)) user services.
  kRoomUser,
  // buildUserToken: APaaS("", user_uuid, -1) with privilege 2.
  kUser,
  // buildAppToken: APaaS("", "", -1) with privilege 3.
  kApp,
};

// Which of Agora's ChatTokenBuilder entry points a Chat service follows.
enum class AgoraChatKind {
  // Decided by the privileges when given (1 user, 2 app); without them a
  // user token. Never an app token by default.
  kUnspecified = 0,
  // buildUserToken: Chat(user_id) with privilege 1.
  kUser,
  // buildAppToken: Chat("") with privilege 2. Only when asked for.
  kApp,
};

// One service. Privilege expiries are seconds relative to the token's issue
// time, as in the 007 format; 0 means "bounded by the token expiry". An
// empty privilege map on issue means Agora's builder defaults for the type
// (RTC join; RTM/RTM2/FPA login; Streaming and FCDN both; Chat and APaaS
// their kind's privilege), each expiring with the token (the ttl). No
// default widens a request: a user must be named (or be the subject), "any
// uid" is uid 0, and an app token (Chat or APaaS) is asked for by its kind
// or its privilege.
struct AgoraService {
  // 1 RTC, 2 RTM, 3 Streaming, 4 FPA, 5 Chat, 6 FCDN, 7 APaaS, 8 RTM2. On
  // verify also any other type (an unknown service, see unknown_body).
  uint16_t type = 0;
  std::map<uint16_t, uint32_t> privileges;  // privilege id -> expiry (s)
  std::string channel;  // RTC, Streaming, FCDN: channel_name
  // RTC, Streaming, FCDN: the numeric-uid overload. When set it replaces
  // `account`: written in decimal, 0 as "" (any uid). int64 so that values
  // outside uint32 reach the profile and are refused, not truncated.
  std::optional<int64_t> uid;
  // RTC, Streaming, FCDN: the user account, packed as given ("" = any uid;
  // "0" is not a wildcard). Empty with no uid on issue: the subject.
  std::string account;
  // RTM, RTM2, Chat: user_id ("" with Chat privilege 2 = app token). Empty
  // on issue: the subject (Chat: for a user token only).
  std::string user_id;
  AgoraChatKind chat_kind = AgoraChatKind::kUnspecified;  // issue only
  std::string room_uuid;                                  // APaaS
  std::string user_uuid;    // APaaS; empty on issue (room user, user): subject
  int16_t apaas_role = -1;  // APaaS (packed as int16)
  AgoraApaasKind apaas_kind = AgoraApaasKind::kExplicit;  // issue only
  // RTM2: resource type (0 messageChannels, 1 streamChannels, 2
  // groupChannels, 3 serverGroups, 4 users) -> permission (0 read, 1 write)
  // -> resource names.
  std::map<uint16_t, std::map<uint16_t, std::vector<std::string>>>
      rtm2_permissions;
  // Verify only, for a service type tokend does not know (e.g. 9, ConvoAI):
  // the bytes after its type up to the end of the token. Agora's format does
  // not say how long such a service is, so they include any services after
  // it; parsing stops there (the signature covers them all). tokend never
  // issues such a service.
  std::string unknown_body;
};

// Known service types (1..8); any other is reported as unknown.
inline bool IsKnownAgoraService(uint16_t type) {
  return type >= kAgoraRtc && type <= kAgoraRtm2;
}

struct AgoraGrants {
  // Issue the legacy "006" format (one RTC or RTM service) for migration.
  // Set on verify when the token was a 006 token.
  bool legacy_006 = false;
  std::vector<AgoraService> services;  // packed sorted by type (stable)
  // The token's app id: filled on verify; on issue empty or the tenant's.
  std::string app_id;
  // The token's salt: filled on verify; ignored on issue (always random).
  uint32_t salt = 0;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_AGORA_AGORA_GRANTS_H_
