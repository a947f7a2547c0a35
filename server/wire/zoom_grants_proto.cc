// Zoom Video SDK grants. The proto's role enum and optional booleans become
// the vendor's 0/1 integers.
#include "core/reason.h"
#include "server/wire/grants_proto.h"

namespace tokend {
namespace {

std::optional<int> Bit(bool has, bool value) {
  if (!has) return std::nullopt;
  return value ? 1 : 0;
}

}  // namespace

absl::StatusOr<ZoomGrants> ZoomGrantsFromProto(const v1::ZoomGrants& proto) {
  ZoomGrants grants;
  grants.topic = proto.topic();
  switch (proto.role_type()) {
    case v1::ZOOM_ROLE_TYPE_UNSPECIFIED:
    case v1::ZOOM_ROLE_TYPE_PARTICIPANT:
      grants.role_type = 0;
      break;
    case v1::ZOOM_ROLE_TYPE_HOST:
      grants.role_type = 1;
      break;
    default:
      return Error(Reason::kInvalidArgument, "unknown role",
                   "grants.zoom.role_type");
  }
  grants.session_key = proto.session_key();
  grants.geo_regions.assign(proto.geo_regions().begin(),
                            proto.geo_regions().end());
  grants.cloud_recording_option =
      Bit(proto.has_cloud_recording_option(), proto.cloud_recording_option());
  grants.cloud_recording_election = Bit(proto.has_cloud_recording_election(),
                                        proto.cloud_recording_election());
  grants.telemetry_tracking_id = proto.telemetry_tracking_id();
  grants.video_webrtc_mode =
      Bit(proto.has_video_webrtc_mode(), proto.video_webrtc_mode());
  grants.audio_webrtc_mode =
      Bit(proto.has_audio_webrtc_mode(), proto.audio_webrtc_mode());
  return grants;
}

void ZoomGrantsToProto(const ZoomGrants& grants, v1::ZoomGrants* proto) {
  proto->set_topic(grants.topic);
  proto->set_role_type(grants.role_type == 1 ? v1::ZOOM_ROLE_TYPE_HOST
                                             : v1::ZOOM_ROLE_TYPE_PARTICIPANT);
  proto->set_session_key(grants.session_key);
  for (const std::string& r : grants.geo_regions) proto->add_geo_regions(r);
  if (grants.cloud_recording_option) {
    proto->set_cloud_recording_option(*grants.cloud_recording_option != 0);
  }
  if (grants.cloud_recording_election) {
    proto->set_cloud_recording_election(*grants.cloud_recording_election != 0);
  }
  proto->set_telemetry_tracking_id(grants.telemetry_tracking_id);
  if (grants.video_webrtc_mode) {
    proto->set_video_webrtc_mode(*grants.video_webrtc_mode != 0);
  }
  if (grants.audio_webrtc_mode) {
    proto->set_audio_webrtc_mode(*grants.audio_webrtc_mode != 0);
  }
}

}  // namespace tokend
