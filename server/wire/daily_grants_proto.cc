// Daily meeting-token grants. Optional booleans keep their presence, the
// enums become Daily's long (REST) names, and the two permission lists
// (canSend, canAdmin) are either a boolean or a non-empty list. The daily
// profile checks lengths, languages and the room; the enum and list rules
// that only exist on the wire are checked here.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/wire/grants_proto.h"
#include "server/wire/struct_json.h"

namespace tokend {
namespace {

using grants_internal::NameOf;
using grants_internal::Optional;
using grants_internal::ValueOf;

constexpr char kField[] = "grants.daily";

constexpr std::pair<v1::DailyRecording, const char*> kRecordings[] = {
    {v1::DAILY_RECORDING_CLOUD, "cloud"},
    {v1::DAILY_RECORDING_LOCAL, "local"},
    {v1::DAILY_RECORDING_RAW_TRACKS, "raw-tracks"},
};

constexpr std::pair<v1::DailyMedia, const char*> kMedia[] = {
    {v1::DAILY_MEDIA_VIDEO, "video"},
    {v1::DAILY_MEDIA_AUDIO, "audio"},
    {v1::DAILY_MEDIA_SCREEN_VIDEO, "screenVideo"},
    {v1::DAILY_MEDIA_SCREEN_AUDIO, "screenAudio"},
};

constexpr std::pair<v1::DailyAdminArea, const char*> kAreas[] = {
    {v1::DAILY_ADMIN_AREA_PARTICIPANTS, "participants"},
    {v1::DAILY_ADMIN_AREA_STREAMING, "streaming"},
    {v1::DAILY_ADMIN_AREA_TRANSCRIPTION, "transcription"},
};

// The name of an enum value in `table`, or nullptr (unspecified, unknown).

// A list of enum values (`items`, repeated field `list_field`) as names; at
// least one, each known.
template <typename Enum, size_t N, typename Repeated>
absl::Status NamesOf(const Repeated& items,
                     const std::pair<Enum, const char*> (&table)[N],
                     absl::string_view list_field,
                     std::vector<std::string>* out) {
  if (items.empty()) {
    return Error(Reason::kInvalidArgument, "needs at least one value",
                 list_field);
  }
  for (int i = 0; i < items.size(); ++i) {
    const char* name = NameOf(static_cast<Enum>(items.Get(i)), table);
    if (name == nullptr) {
      return Error(Reason::kInvalidArgument, "unspecified or unknown value",
                   absl::StrCat(list_field, "[", i, "]"));
    }
    out->push_back(name);
  }
  return absl::OkStatus();
}

absl::StatusOr<DailyPermissions> PermissionsFromProto(
    const v1::DailyPermissions& p) {
  const std::string field = absl::StrCat(kField, ".permissions");
  DailyPermissions out;
  out.has_presence = Optional(p.has_has_presence(), p.has_presence());
  if (p.has_can_send()) {
    const std::string cs = absl::StrCat(field, ".can_send");
    switch (p.can_send().value_case()) {
      case v1::DailyCanSend::kAll:
        out.can_send.all = p.can_send().all();
        break;
      case v1::DailyCanSend::kMedia:
        if (absl::Status s = NamesOf<v1::DailyMedia>(
                p.can_send().media().media(), kMedia,
                absl::StrCat(cs, ".media.media"), &out.can_send.items);
            !s.ok()) {
          return s;
        }
        break;
      case v1::DailyCanSend::VALUE_NOT_SET:
        return Error(Reason::kInvalidArgument,
                     "one of all or media is required", cs);
    }
  }
  if (p.has_can_receive()) {
    const v1::DailyCanReceive& cr = p.can_receive();
    const std::string crf = absl::StrCat(field, ".can_receive");
    DailyCanReceive r;
    if (cr.base_case() == v1::DailyCanReceive::kBaseAll) {
      r.base = json::Value(cr.base_all());
    } else if (cr.base_case() == v1::DailyCanReceive::kBaseMedia) {
      absl::StatusOr<json::Object> media =
          StructToJson(cr.base_media(), absl::StrCat(crf, ".base_media"));
      if (!media.ok()) return media.status();
      r.base = json::Value(*std::move(media));
    }
    // Daily documents no abbreviation for these two: they keep the names
    // of its REST API.
    if (cr.has_by_user_id()) {
      absl::StatusOr<json::Object> by =
          StructToJson(cr.by_user_id(), absl::StrCat(crf, ".by_user_id"));
      if (!by.ok()) return by.status();
      r.other.Set("byUserId", json::Value(*std::move(by)));
    }
    if (cr.has_by_participant_id()) {
      absl::StatusOr<json::Object> by = StructToJson(
          cr.by_participant_id(), absl::StrCat(crf, ".by_participant_id"));
      if (!by.ok()) return by.status();
      r.other.Set("byParticipantId", json::Value(*std::move(by)));
    }
    out.can_receive = std::move(r);
  }
  if (p.has_can_admin()) {
    const std::string ca = absl::StrCat(field, ".can_admin");
    switch (p.can_admin().value_case()) {
      case v1::DailyCanAdmin::kAll:
        out.can_admin.all = p.can_admin().all();
        break;
      case v1::DailyCanAdmin::kAreas:
        if (absl::Status s = NamesOf<v1::DailyAdminArea>(
                p.can_admin().areas().areas(), kAreas,
                absl::StrCat(ca, ".areas.areas"), &out.can_admin.items);
            !s.ok()) {
          return s;
        }
        break;
      case v1::DailyCanAdmin::VALUE_NOT_SET:
        return Error(Reason::kInvalidArgument,
                     "one of all or areas is required", ca);
    }
  }
  return out;
}

void PermissionsToProto(const DailyPermissions& p, v1::DailyPermissions* out) {
  if (p.has_presence) out->set_has_presence(*p.has_presence);
  if (p.can_send.all) {
    out->mutable_can_send()->set_all(*p.can_send.all);
  } else if (!p.can_send.items.empty()) {
    v1::DailyMediaList* list = out->mutable_can_send()->mutable_media();
    for (const std::string& item : p.can_send.items) {
      v1::DailyMedia media;
      if (ValueOf(item, kMedia, &media)) list->add_media(media);
    }
  }
  if (p.can_receive) {
    v1::DailyCanReceive* cr = out->mutable_can_receive();
    if (p.can_receive->base) {
      const json::Value& base = *p.can_receive->base;
      if (base.is_bool()) cr->set_base_all(base.as_bool());
      if (base.is_object()) {
        JsonToStruct(base.as_object(), cr->mutable_base_media());
      }
    }
    const json::Object& other = p.can_receive->other;
    if (const json::Value* by = other.Find("byUserId");
        by != nullptr && by->is_object()) {
      JsonToStruct(by->as_object(), cr->mutable_by_user_id());
    }
    if (const json::Value* by = other.Find("byParticipantId");
        by != nullptr && by->is_object()) {
      JsonToStruct(by->as_object(), cr->mutable_by_participant_id());
    }
  }
  if (p.can_admin.all) {
    out->mutable_can_admin()->set_all(*p.can_admin.all);
  } else if (!p.can_admin.items.empty()) {
    v1::DailyAdminAreaList* list = out->mutable_can_admin()->mutable_areas();
    for (const std::string& item : p.can_admin.items) {
      v1::DailyAdminArea area;
      if (ValueOf(item, kAreas, &area)) list->add_areas(area);
    }
  }
}

}  // namespace

absl::StatusOr<DailyGrants> DailyGrantsFromProto(const v1::DailyGrants& proto) {
  DailyGrants g;
  g.room_name = proto.room_name();
  g.user_name = proto.user_name();
  g.is_owner = Optional(proto.has_is_owner(), proto.is_owner());
  g.knocking = Optional(proto.has_knocking(), proto.knocking());
  g.close_tab_on_exit =
      Optional(proto.has_close_tab_on_exit(), proto.close_tab_on_exit());
  g.redirect_on_meeting_exit = proto.redirect_on_meeting_exit();
  g.intercom_join_alert =
      Optional(proto.has_intercom_join_alert(), proto.intercom_join_alert());
  g.start_cloud_recording = Optional(proto.has_start_cloud_recording(),
                                     proto.start_cloud_recording());
  if (proto.has_start_cloud_recording_opts()) {
    absl::StatusOr<json::Object> opts =
        StructToJson(proto.start_cloud_recording_opts(),
                     absl::StrCat(kField, ".start_cloud_recording_opts"));
    if (!opts.ok()) return opts.status();
    g.start_cloud_recording_opts = *std::move(opts);
  }
  g.auto_start_transcription = Optional(proto.has_auto_start_transcription(),
                                        proto.auto_start_transcription());
  if (proto.enable_recording() != v1::DAILY_RECORDING_UNSPECIFIED) {
    const char* name = NameOf(proto.enable_recording(), kRecordings);
    if (name == nullptr) {
      return Error(Reason::kInvalidArgument, "unknown recording type",
                   absl::StrCat(kField, ".enable_recording"));
    }
    g.enable_recording = name;
  }
  g.enable_screenshare =
      Optional(proto.has_enable_screenshare(), proto.enable_screenshare());
  g.start_video_off =
      Optional(proto.has_start_video_off(), proto.start_video_off());
  g.start_audio_off =
      Optional(proto.has_start_audio_off(), proto.start_audio_off());
  g.meeting_join_hook = proto.meeting_join_hook();
  g.eject_at_token_exp =
      Optional(proto.has_eject_at_token_exp(), proto.eject_at_token_exp());
  if (proto.has_eject_after_elapsed()) {
    const google::protobuf::Duration& d = proto.eject_after_elapsed();
    if (d.nanos() != 0 || d.seconds() <= 0) {
      return Error(Reason::kInvalidArgument, "must be positive whole seconds",
                   absl::StrCat(kField, ".eject_after_elapsed"));
    }
    g.eject_after_elapsed = d.seconds();
  }
  g.lang = proto.lang();
  g.enable_recording_ui =
      Optional(proto.has_enable_recording_ui(), proto.enable_recording_ui());
  if (proto.has_permissions()) {
    absl::StatusOr<DailyPermissions> p =
        PermissionsFromProto(proto.permissions());
    if (!p.ok()) return p.status();
    g.permissions = *std::move(p);
  }
  g.domain_id = proto.domain_id();
  return g;
}

void DailyGrantsToProto(const DailyGrants& g, v1::DailyGrants* proto) {
  proto->set_room_name(g.room_name);
  proto->set_user_name(g.user_name);
  if (g.is_owner) proto->set_is_owner(*g.is_owner);
  if (g.knocking) proto->set_knocking(*g.knocking);
  if (g.close_tab_on_exit) proto->set_close_tab_on_exit(*g.close_tab_on_exit);
  proto->set_redirect_on_meeting_exit(g.redirect_on_meeting_exit);
  if (g.intercom_join_alert) {
    proto->set_intercom_join_alert(*g.intercom_join_alert);
  }
  if (g.start_cloud_recording) {
    proto->set_start_cloud_recording(*g.start_cloud_recording);
  }
  if (g.start_cloud_recording_opts) {
    JsonToStruct(*g.start_cloud_recording_opts,
                 proto->mutable_start_cloud_recording_opts());
  }
  if (g.auto_start_transcription) {
    proto->set_auto_start_transcription(*g.auto_start_transcription);
  }
  v1::DailyRecording recording;
  if (ValueOf(g.enable_recording, kRecordings, &recording)) {
    proto->set_enable_recording(recording);
  }
  if (g.enable_screenshare)
    proto->set_enable_screenshare(*g.enable_screenshare);
  if (g.start_video_off) proto->set_start_video_off(*g.start_video_off);
  if (g.start_audio_off) proto->set_start_audio_off(*g.start_audio_off);
  proto->set_meeting_join_hook(g.meeting_join_hook);
  if (g.eject_at_token_exp)
    proto->set_eject_at_token_exp(*g.eject_at_token_exp);
  if (g.eject_after_elapsed) {
    proto->mutable_eject_after_elapsed()->set_seconds(*g.eject_after_elapsed);
  }
  proto->set_lang(g.lang);
  if (g.enable_recording_ui) {
    proto->set_enable_recording_ui(*g.enable_recording_ui);
  }
  if (g.permissions) {
    PermissionsToProto(*g.permissions, proto->mutable_permissions());
  }
  proto->set_domain_id(g.domain_id);
}

}  // namespace tokend
