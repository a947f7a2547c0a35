// Exchange bounds for LiveKit grants (core/profiles/livekit_grants.h): a
// participant joining a room. The identity is the exchange's subject.
//
// - video.room (when set, and required to join) must match the rule's room
//   pattern (a template, e.g. "{{claims.room}}" or "team-{{claims.team}}-*").
// - canPublish, canSubscribe, canPublishData, canUpdateOwnMetadata: the
//   caller may ask for what the rule allows; what the rule withholds is
//   written as an explicit false even when the caller left it unset
//   (LiveKit treats an unset canPublish, canSubscribe or canPublishData as
//   true). canPublishSources must be a subset of the rule's list; with a
//   list and publishing allowed, an empty request gets the rule's list.
// - name (display name): only the rule's `name` template, filled in when
//   unset; without one the caller may not set a name.
// - Everything else (roomCreate, roomList, roomRecord, roomAdmin,
//   ingressAdmin, hidden, recorder, agent, destinationRoom,
//   canSubscribeMetrics, canManageAgentSession, sip, agent, inference,
//   observability, roomConfig, roomPreset, metadata, attributes, sha256,
//   kindDetails, a kind other than "standard") is refused: no rule covers
//   it yet.
#ifndef TOKEND_CORE_IDENTITY_LIVEKIT_BOUNDS_H_
#define TOKEND_CORE_IDENTITY_LIVEKIT_BOUNDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/grant_bounds.h"
#include "core/identity/template.h"
#include "core/profiles/livekit_grants.h"

namespace tokend::identity {

struct LiveKitBoundsSpec {
  std::string room;  // required: a pattern template
  bool can_publish = false;
  bool can_subscribe = true;
  bool can_publish_data = false;
  bool can_update_own_metadata = false;
  // camera, microphone, screen_share, screen_share_audio; empty: any.
  std::vector<std::string> can_publish_sources;
  std::string name;  // optional template for the display name
};

class LiveKitBounds {
 public:
  static absl::StatusOr<LiveKitBounds> Compile(const LiveKitBoundsSpec& spec,
                                               absl::string_view field);
  absl::Status Apply(const BoundsContext& context, LiveKitGrants* grants) const;

 private:
  absl::Status ApplyVideo(const BoundsContext& context,
                          LiveKitVideoGrant* video) const;

  Template room_;
  bool can_publish_ = false;
  bool can_subscribe_ = true;
  bool can_publish_data_ = false;
  bool can_update_own_metadata_ = false;
  std::vector<std::string> sources_;
  Template name_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_LIVEKIT_BOUNDS_H_
