// Internal to the agora profile (and its tests): the lengths and character
// sets Agora documents for the names a token carries, checked on issue and
// on verify alike.
//
// From Agora's API references (RTC joinChannel / joinChannelWithUserAccount,
// RTM login and Signaling limits, Chat user registration, Flexible Classroom
// room and user ids, Agora's wildcard-token guide):
//   channel name (RTC, Streaming, FCDN)  1-64 bytes   the 89 characters below
//   user account (RTC, Streaming, FCDN)  0-255 bytes  the 89 characters ("":
//                                                     any uid)
//   RTM / RTM2 user id                   1-64 bytes   the 89 characters
//   Chat user id                         0-64 bytes   a-z A-Z 0-9 _ - .
//                                                     ("": the app token)
//   APaaS room uuid, user uuid           0-64 bytes   the 89 characters
//   RTM2 resource name                   1-64 bytes   printable ASCII
// The 89 characters: a-z A-Z 0-9, space and ! # $ % & ( ) + - : ; < = . > ?
// @ [ ] ^ _ { } | ~ ,. An RTC channel may also be exactly "*", Agora's
// wildcard channel, which Agora allows only for one named user (not uid 0).
// A Chat user token (privilege 1) names its user.
#ifndef TOKEND_CORE_PROFILES_AGORA_AGORA_LIMITS_H_
#define TOKEND_CORE_PROFILES_AGORA_AGORA_LIMITS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/profiles/agora/agora_grants.h"
#include "core/reason.h"

namespace tokend::agora {

// Agora's wildcard channel (RTC only): any channel, for one user.
inline constexpr absl::string_view kWildcardChannel = "*";

// Checks every name `s` carries. A violation is `reason` (kInvalidArgument
// on issue, kBadClaim on verify) naming "<prefix>.<field>" (channel,
// account, user_id, room_uuid, user_uuid, rtm2_permissions) and Agora's
// limit. An RTC/Streaming/FCDN uid counts as its decimal account (0: "").
// Unknown service types carry no names tokend can read: OK.
absl::Status CheckAgoraLimits(const AgoraService& s, Reason reason,
                              absl::string_view prefix);

}  // namespace tokend::agora

#endif  // TOKEND_CORE_PROFILES_AGORA_AGORA_LIMITS_H_
