// Daily meeting-token grants: plain data, validated by the daily profile.
//
// Fields carry Daily's long (REST) property names; each comment gives the
// short claim the profile writes. Unset optionals and empty strings are not
// written, so Daily's own defaults apply. The user id (`ud`) is the request's
// subject, and `d` comes from the tenant.
#ifndef TOKEND_CORE_PROFILES_DAILY_GRANTS_H_
#define TOKEND_CORE_PROFILES_DAILY_GRANTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json.h"

namespace tokend {

// A permission that is either all-or-nothing or a list of named items.
struct DailyBoolOrList {
  std::optional<bool> all;         // true / false
  std::vector<std::string> items;  // used when `all` is unset; non-empty
  bool is_set() const { return all.has_value() || !items.empty(); }
};

// `p.cr`, canReceive.
struct DailyCanReceive {
  // `b`, base: true / false or a per-media object, written as given.
  std::optional<json::Value> base;
  // Other sub-keys (byUserId, byParticipantId) whose abbreviations Daily has
  // not documented: kept exactly as found in a verified token so a renewal
  // writes them back, and written as given on issue.
  json::Object other;
};

// `p`, permissions.
struct DailyPermissions {
  std::optional<bool> has_presence;  // hp
  // cs, canSend: true / false, or media among "video", "audio",
  // "screenVideo", "screenAudio" (written comma-separated as v, a, sv, sa).
  DailyBoolOrList can_send;
  std::optional<DailyCanReceive> can_receive;  // cr
  // ca, canAdmin: true / false, or areas among "participants", "streaming",
  // "transcription" (written as an array; the abbreviation is not fully
  // confirmed by Daily's docs).
  DailyBoolOrList can_admin;
};

struct DailyGrants {
  std::string room_name;                                   // r; required
  std::string user_name;                                   // u
  std::optional<bool> is_owner;                            // o
  std::optional<bool> knocking;                            // k
  std::optional<bool> close_tab_on_exit;                   // ctoe
  std::string redirect_on_meeting_exit;                    // rome
  std::optional<bool> intercom_join_alert;                 // ij
  std::optional<bool> start_cloud_recording;               // sr
  std::optional<json::Object> start_cloud_recording_opts;  // sro, as given
  std::optional<bool> auto_start_transcription;            // ast
  std::string enable_recording;  // er: "cloud", "local" or "raw-tracks"
  std::optional<bool> enable_screenshare;      // ss (Daily's default: true)
  std::optional<bool> start_video_off;         // vo
  std::optional<bool> start_audio_off;         // ao
  std::string meeting_join_hook;               // mjh
  std::optional<bool> eject_at_token_exp;      // ejt
  std::optional<int64_t> eject_after_elapsed;  // eje, seconds (> 0)
  // uil: da, de, en, es, fi, fr, it, jp, ka, nl, no, pt, pt-BR, pl, ru, sv,
  // tr or user.
  std::string lang;
  std::optional<bool> enable_recording_ui;      // erui
  std::optional<DailyPermissions> permissions;  // p
  // nbf: write "not before" = iat. On verify: whether the token had an nbf.
  bool include_nbf = false;
  // d: output only (verify); issue always writes the tenant's domain id.
  std::string domain_id;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_DAILY_GRANTS_H_
