// Exchange bounds for Agora grants (core/profiles/agora/agora_grants.h): RTC
// and RTM services, the ones an app's token server hands out. Other service
// types (Chat, Streaming, FPA, FCDN, APaaS, RTM2) and the legacy 006
// format are refused: no rule covers them yet.
//
// RTC: the channel must match the rule's channel pattern (a template whose
// own '*' are wildcards, e.g. "team-{{claims.team}}-*"); the uid or account
// must be the one the rule maps from the caller's claims (`uid`, rendering
// a decimal in [1, 2^32-1], or `account`; neither: the exchange's subject),
// and is filled in when the caller leaves both unset (Agora's "" / uid 0
// would mean any uid, so it is never a default); the privileges must be
// within the role: subscriber = join (1); publisher = join plus publish
// audio, video and data (2, 3, 4). An empty privilege map is Agora's
// builder default for the role asked: join only.
// RTM: the user id must be the rule's (`user_id`; empty: the subject) and
// is filled in when unset; the only privilege is login (1).
// Privilege expiries above the TTL are lowered to it.
#ifndef TOKEND_CORE_IDENTITY_AGORA_BOUNDS_H_
#define TOKEND_CORE_IDENTITY_AGORA_BOUNDS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/grant_bounds.h"
#include "core/identity/template.h"
#include "core/profiles/agora/agora_grants.h"

namespace tokend::identity {

enum class AgoraRole { kSubscriber, kPublisher };
// "subscriber", "publisher".
absl::string_view AgoraRoleName(AgoraRole role);

struct AgoraRtcBoundsSpec {
  std::string channel;  // required: a pattern template
  std::string uid;      // optional template (numeric uid)
  std::string account;  // optional template (user account); not with uid
  AgoraRole max_role = AgoraRole::kSubscriber;
};

struct AgoraRtmBoundsSpec {
  std::string user_id;  // optional template; empty: the subject
};

struct AgoraBoundsSpec {
  std::optional<AgoraRtcBoundsSpec> rtc;
  std::optional<AgoraRtmBoundsSpec> rtm;
};

class AgoraBounds {
 public:
  // kInvalidArgument naming the field under `field` ("...grants.agora").
  static absl::StatusOr<AgoraBounds> Compile(const AgoraBoundsSpec& spec,
                                             absl::string_view field);
  // Narrows `grants` in place, or GrantDenied.
  absl::Status Apply(const BoundsContext& context, AgoraGrants* grants) const;

 private:
  absl::Status ApplyRtc(const BoundsContext& context, const std::string& field,
                        AgoraService* service) const;
  absl::Status ApplyRtm(const BoundsContext& context, const std::string& field,
                        AgoraService* service) const;

  bool rtc_ = false;
  Template channel_;
  Template uid_;
  Template account_;
  AgoraRole max_role_ = AgoraRole::kSubscriber;
  bool rtm_ = false;
  Template user_id_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_AGORA_BOUNDS_H_
