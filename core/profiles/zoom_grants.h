// Zoom Video SDK grants: plain data, validated by the zoom profile.
//
// Each field names the claim it is written as; the user (`user_key`, at
// most 36 characters, or `user_identity`, at most 35, as the tenant's
// params.user_claim says) is the request's subject and `app_key` comes from
// the tenant.
// Unset optionals and empty strings are not written.
#ifndef TOKEND_CORE_PROFILES_ZOOM_GRANTS_H_
#define TOKEND_CORE_PROFILES_ZOOM_GRANTS_H_

#include <optional>
#include <string>
#include <vector>

namespace tokend {

struct ZoomGrants {
  // tpc: the session name; required, at most 200 characters from
  // alphanumerics, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } |
  // ~ , and backslash. Zoom matches it case-insensitively.
  std::string topic;
  int role_type = 0;        // role_type: 1 host or co-host, 0 participant
  std::string session_key;  // session_key: at most 36 characters
  // geo_regions: a subset of AU, BR, CA, CN, DE, HK, IN, JP, MX, NL, SG, US,
  // written comma-separated.
  std::vector<std::string> geo_regions;
  std::optional<int> cloud_recording_option;    // 0 or 1
  std::optional<int> cloud_recording_election;  // 0 or 1
  std::string telemetry_tracking_id;            // telemetry_tracking_id
  std::optional<int> video_webrtc_mode;         // 0 or 1
  // audio_webrtc_mode: 0 or 1. On verify the deprecated
  // audio_compatible_mode is mapped onto it when it is absent.
  std::optional<int> audio_webrtc_mode;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_ZOOM_GRANTS_H_
