// Agora grants: the services of an AccessToken2 ("007") or legacy "006"
// token. Privilege expiries are Durations relative to the issue time
// (whole seconds, uint32) that become core's privilege id -> seconds maps;
// RTC roles are expanded here into the privileges Agora's builders write.
// The agora profile applies the subject and the builder defaults for
// services given without privileges (never widening them: no "any uid"
// and no app token unless asked for), and checks Agora's limits.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/wire/grants_proto.h"

namespace tokend {
namespace {

using Privileges = std::map<uint16_t, uint32_t>;
using Duration = google::protobuf::Duration;

// RTC privilege ids (Agora's AccessToken2 Privileges; 101 is 006 only).
constexpr uint16_t kJoinChannel = 1;
constexpr uint16_t kPublishAudio = 2;
constexpr uint16_t kPublishVideo = 3;
constexpr uint16_t kPublishData = 4;
constexpr uint16_t kAdministrateChannel = 101;

struct PrivilegeName {
  v1::AgoraPrivilege proto;
  uint16_t service_type;
  uint16_t id;
};
constexpr PrivilegeName kPrivileges[] = {
    {v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL, kAgoraRtc, kJoinChannel},
    {v1::AGORA_PRIVILEGE_RTC_PUBLISH_AUDIO_STREAM, kAgoraRtc, kPublishAudio},
    {v1::AGORA_PRIVILEGE_RTC_PUBLISH_VIDEO_STREAM, kAgoraRtc, kPublishVideo},
    {v1::AGORA_PRIVILEGE_RTC_PUBLISH_DATA_STREAM, kAgoraRtc, kPublishData},
    {v1::AGORA_PRIVILEGE_RTC_ADMINISTRATE_CHANNEL, kAgoraRtc,
     kAdministrateChannel},
    {v1::AGORA_PRIVILEGE_RTM_LOGIN, kAgoraRtm, 1},
    {v1::AGORA_PRIVILEGE_STREAMING_PUBLISH_MIX_STREAM, kAgoraStreaming, 1},
    {v1::AGORA_PRIVILEGE_STREAMING_PUBLISH_RAW_STREAM, kAgoraStreaming, 2},
    {v1::AGORA_PRIVILEGE_FPA_LOGIN, kAgoraFpa, 1},
    {v1::AGORA_PRIVILEGE_CHAT_USER, kAgoraChat, 1},
    {v1::AGORA_PRIVILEGE_CHAT_APP, kAgoraChat, 2},
    {v1::AGORA_PRIVILEGE_FCDN_PUBLISH, kAgoraFcdn, 1},
    {v1::AGORA_PRIVILEGE_FCDN_PLAY, kAgoraFcdn, 2},
    {v1::AGORA_PRIVILEGE_APAAS_ROOM_USER, kAgoraApaas, 1},
    {v1::AGORA_PRIVILEGE_APAAS_USER, kAgoraApaas, 2},
    {v1::AGORA_PRIVILEGE_APAAS_APP, kAgoraApaas, 3},
    {v1::AGORA_PRIVILEGE_RTM2_LOGIN, kAgoraRtm2, 1},
};

// Reads the privileges of one explicit privileges message: each SET
// Duration field writes its privilege id. `fields` pairs each field's
// presence and value with its id and proto name.
struct PrivilegeField {
  bool has;
  const Duration* value;
  uint16_t id;
  const char* name;
};

absl::Status ExpiryFromProto(const Duration& d, const std::string& field,
                             uint32_t* out) {
  if (d.nanos() != 0 || d.seconds() < 0 ||
      d.seconds() > std::numeric_limits<uint32_t>::max()) {
    return Error(Reason::kInvalidArgument,
                 "must be whole, non-negative seconds that fit 32 bits", field);
  }
  *out = static_cast<uint32_t>(d.seconds());
  return absl::OkStatus();
}

absl::StatusOr<Privileges> ExplicitPrivileges(
    std::initializer_list<PrivilegeField> fields, const std::string& field) {
  Privileges out;
  for (const PrivilegeField& f : fields) {
    if (!f.has) continue;
    uint32_t expiry = 0;
    if (absl::Status s = ExpiryFromProto(
            *f.value, absl::StrCat(field, ".", f.name), &expiry);
        !s.ok()) {
      return s;
    }
    out[f.id] = expiry;
  }
  if (out.empty()) {
    return Error(Reason::kInvalidArgument, "sets no privilege", field);
  }
  return out;
}

void SetExpiry(const Privileges& privileges, uint16_t id, Duration* out) {
  out->set_seconds(privileges.at(id));
}

// The privileges message of an RTM or RTM2 service.
absl::StatusOr<Privileges> LoginPrivileges(const v1::AgoraRtmPrivileges& p,
                                           const std::string& field) {
  return ExplicitPrivileges({{p.has_login(), &p.login(), 1, "login"}}, field);
}

absl::Status RtcFromProto(const v1::AgoraRtcService& p, bool legacy,
                          const std::string& field, AgoraService* s) {
  s->type = kAgoraRtc;
  s->channel = p.channel_name();
  if (p.user_case() == v1::AgoraRtcService::kUid) {
    s->uid = p.uid();
  } else if (p.user_case() == v1::AgoraRtcService::kUserAccount) {
    s->account = p.user_account();
  }
  if (p.privileges_case() == v1::AgoraRtcService::kExplicitPrivileges) {
    const v1::AgoraRtcPrivileges& e = p.explicit_privileges();
    const std::string efield = absl::StrCat(field, ".explicit_privileges");
    if (e.has_administrate_channel() && !legacy) {
      return Error(Reason::kInvalidArgument, "006 tokens only",
                   absl::StrCat(efield, ".administrate_channel"));
    }
    absl::StatusOr<Privileges> privileges = ExplicitPrivileges(
        {{e.has_join_channel(), &e.join_channel(), kJoinChannel,
          "join_channel"},
         {e.has_publish_audio_stream(), &e.publish_audio_stream(),
          kPublishAudio, "publish_audio_stream"},
         {e.has_publish_video_stream(), &e.publish_video_stream(),
          kPublishVideo, "publish_video_stream"},
         {e.has_publish_data_stream(), &e.publish_data_stream(), kPublishData,
          "publish_data_stream"},
         {e.has_administrate_channel(), &e.administrate_channel(),
          kAdministrateChannel, "administrate_channel"}},
        efield);
    if (!privileges.ok()) return privileges.status();
    s->privileges = *std::move(privileges);
    return absl::OkStatus();
  }
  // A role (or none: subscriber), as buildTokenWithUid: every privilege
  // expires at role_privilege_expire (unset: 0, bounded by the token).
  uint32_t expiry = 0;
  if (p.has_role_privilege_expire()) {
    if (absl::Status st = ExpiryFromProto(
            p.role_privilege_expire(),
            absl::StrCat(field, ".role_privilege_expire"), &expiry);
        !st.ok()) {
      return st;
    }
  }
  const v1::AgoraRtcRole role =
      p.privileges_case() == v1::AgoraRtcService::kRole
          ? p.role()
          : v1::AGORA_RTC_ROLE_UNSPECIFIED;
  switch (role) {
    case v1::AGORA_RTC_ROLE_UNSPECIFIED:
    case v1::AGORA_RTC_ROLE_SUBSCRIBER:
      s->privileges = {{kJoinChannel, expiry}};
      return absl::OkStatus();
    case v1::AGORA_RTC_ROLE_PUBLISHER:
      s->privileges = {{kJoinChannel, expiry},
                       {kPublishAudio, expiry},
                       {kPublishVideo, expiry},
                       {kPublishData, expiry}};
      return absl::OkStatus();
    case v1::AGORA_RTC_ROLE_ADMIN:
      if (!legacy) {
        return Error(Reason::kInvalidArgument, "006 tokens only",
                     absl::StrCat(field, ".role"));
      }
      s->privileges = {{kJoinChannel, expiry},
                       {kPublishAudio, expiry},
                       {kPublishVideo, expiry},
                       {kPublishData, expiry},
                       {kAdministrateChannel, expiry}};
      return absl::OkStatus();
    default:
      return Error(Reason::kInvalidArgument, "unknown role",
                   absl::StrCat(field, ".role"));
  }
}

absl::Status ChatFromProto(const v1::AgoraChatService& p,
                           const std::string& field, AgoraService* s) {
  s->type = kAgoraChat;
  s->user_id = p.user_id();
  // The profile resolves the kind (user unless asked for the app) and the
  // builder's privilege for it.
  switch (p.kind()) {
    case v1::AGORA_CHAT_KIND_UNSPECIFIED:
      s->chat_kind = AgoraChatKind::kUnspecified;
      break;
    case v1::AGORA_CHAT_KIND_USER:
      s->chat_kind = AgoraChatKind::kUser;
      break;
    case v1::AGORA_CHAT_KIND_APP:
      s->chat_kind = AgoraChatKind::kApp;
      if (!p.user_id().empty()) {
        return Error(Reason::kInvalidArgument, "must be empty for an app token",
                     absl::StrCat(field, ".user_id"));
      }
      break;
    default:
      return Error(Reason::kInvalidArgument, "unknown kind",
                   absl::StrCat(field, ".kind"));
  }
  if (p.has_privileges()) {
    const v1::AgoraChatPrivileges& e = p.privileges();
    absl::StatusOr<Privileges> privileges =
        ExplicitPrivileges({{e.has_user(), &e.user(), 1, "user"},
                            {e.has_app(), &e.app(), 2, "app"}},
                           absl::StrCat(field, ".privileges"));
    if (!privileges.ok()) return privileges.status();
    s->privileges = *std::move(privileges);
  }
  return absl::OkStatus();
}

absl::Status ApaasFromProto(const v1::AgoraApaasService& p,
                            const std::string& field, AgoraService* s) {
  s->type = kAgoraApaas;
  switch (p.kind()) {
    case v1::AGORA_APAAS_KIND_ROOM_USER:
      s->apaas_kind = AgoraApaasKind::kRoomUser;
      break;
    case v1::AGORA_APAAS_KIND_USER:
      s->apaas_kind = AgoraApaasKind::kUser;
      break;
    case v1::AGORA_APAAS_KIND_APP:
      s->apaas_kind = AgoraApaasKind::kApp;
      break;
    default:
      return Error(Reason::kInvalidArgument, "required",
                   absl::StrCat(field, ".kind"));
  }
  s->room_uuid = p.room_uuid();
  s->user_uuid = p.user_uuid();
  if (p.has_role()) {
    if (p.role() < std::numeric_limits<int16_t>::min() ||
        p.role() > std::numeric_limits<int16_t>::max()) {
      return Error(Reason::kInvalidArgument, "must fit 16 bits",
                   absl::StrCat(field, ".role"));
    }
    s->apaas_role = static_cast<int16_t>(p.role());
  }
  if (p.has_privileges()) {
    const v1::AgoraApaasPrivileges& e = p.privileges();
    absl::StatusOr<Privileges> privileges =
        ExplicitPrivileges({{e.has_room_user(), &e.room_user(), 1, "room_user"},
                            {e.has_user(), &e.user(), 2, "user"},
                            {e.has_app(), &e.app(), 3, "app"}},
                           absl::StrCat(field, ".privileges"));
    if (!privileges.ok()) return privileges.status();
    s->privileges = *std::move(privileges);
  }
  return absl::OkStatus();
}

absl::Status Rtm2FromProto(const v1::AgoraRtm2Service& p,
                           const std::string& field, AgoraService* s) {
  s->type = kAgoraRtm2;
  s->user_id = p.user_id();
  if (p.has_privileges()) {
    absl::StatusOr<Privileges> privileges =
        LoginPrivileges(p.privileges(), absl::StrCat(field, ".privileges"));
    if (!privileges.ok()) return privileges.status();
    s->privileges = *std::move(privileges);
  }
  for (int i = 0; i < p.permissions_size(); ++i) {
    const v1::AgoraRtm2Permission& perm = p.permissions(i);
    const std::string pfield = absl::StrCat(field, ".permissions[", i, "]");
    if (perm.resource_type() < v1::AGORA_RTM2_RESOURCE_TYPE_MESSAGE_CHANNELS ||
        perm.resource_type() > v1::AGORA_RTM2_RESOURCE_TYPE_USERS) {
      return Error(Reason::kInvalidArgument, "unspecified or unknown",
                   absl::StrCat(pfield, ".resource_type"));
    }
    if (perm.access() != v1::AGORA_RTM2_ACCESS_READ &&
        perm.access() != v1::AGORA_RTM2_ACCESS_WRITE) {
      return Error(Reason::kInvalidArgument, "unspecified or unknown",
                   absl::StrCat(pfield, ".access"));
    }
    // The token stores both enums minus one.
    std::vector<std::string>& names =
        s->rtm2_permissions[static_cast<uint16_t>(perm.resource_type() - 1)]
                           [static_cast<uint16_t>(perm.access() - 1)];
    names.insert(names.end(), perm.resources().begin(), perm.resources().end());
  }
  return absl::OkStatus();
}

absl::StatusOr<AgoraService> ServiceFromProto(const v1::AgoraService& p,
                                              bool legacy, int index) {
  const std::string base = absl::StrCat("grants.agora.services[", index, "]");
  AgoraService s;
  absl::Status status;
  switch (p.service_case()) {
    case v1::AgoraService::kRtc:
      status = RtcFromProto(p.rtc(), legacy, absl::StrCat(base, ".rtc"), &s);
      break;
    case v1::AgoraService::kRtm: {
      s.type = kAgoraRtm;
      s.user_id = p.rtm().user_id();
      if (p.rtm().has_privileges()) {
        absl::StatusOr<Privileges> privileges = LoginPrivileges(
            p.rtm().privileges(), absl::StrCat(base, ".rtm.privileges"));
        if (!privileges.ok()) return privileges.status();
        s.privileges = *std::move(privileges);
      }
      break;
    }
    case v1::AgoraService::kStreaming: {
      const v1::AgoraStreamingService& st = p.streaming();
      s.type = kAgoraStreaming;
      s.channel = st.channel_name();
      s.account = st.account();
      if (st.has_uid()) s.uid = st.uid();
      if (st.has_privileges()) {
        const v1::AgoraStreamingPrivileges& e = st.privileges();
        absl::StatusOr<Privileges> privileges = ExplicitPrivileges(
            {{e.has_publish_mix_stream(), &e.publish_mix_stream(), 1,
              "publish_mix_stream"},
             {e.has_publish_raw_stream(), &e.publish_raw_stream(), 2,
              "publish_raw_stream"}},
            absl::StrCat(base, ".streaming.privileges"));
        if (!privileges.ok()) return privileges.status();
        s.privileges = *std::move(privileges);
      }
      break;
    }
    case v1::AgoraService::kFpa: {
      s.type = kAgoraFpa;
      if (p.fpa().has_privileges()) {
        const v1::AgoraFpaPrivileges& e = p.fpa().privileges();
        absl::StatusOr<Privileges> privileges =
            ExplicitPrivileges({{e.has_login(), &e.login(), 1, "login"}},
                               absl::StrCat(base, ".fpa.privileges"));
        if (!privileges.ok()) return privileges.status();
        s.privileges = *std::move(privileges);
      }
      break;
    }
    case v1::AgoraService::kChat:
      status = ChatFromProto(p.chat(), absl::StrCat(base, ".chat"), &s);
      break;
    case v1::AgoraService::kFcdn: {
      const v1::AgoraFcdnService& f = p.fcdn();
      s.type = kAgoraFcdn;
      s.channel = f.channel_name();
      s.account = f.account();
      if (f.has_uid()) s.uid = f.uid();
      if (f.has_privileges()) {
        const v1::AgoraFcdnPrivileges& e = f.privileges();
        absl::StatusOr<Privileges> privileges =
            ExplicitPrivileges({{e.has_publish(), &e.publish(), 1, "publish"},
                                {e.has_play(), &e.play(), 2, "play"}},
                               absl::StrCat(base, ".fcdn.privileges"));
        if (!privileges.ok()) return privileges.status();
        s.privileges = *std::move(privileges);
      }
      break;
    }
    case v1::AgoraService::kApaas:
      status = ApaasFromProto(p.apaas(), absl::StrCat(base, ".apaas"), &s);
      break;
    case v1::AgoraService::kRtm2:
      status = Rtm2FromProto(p.rtm2(), absl::StrCat(base, ".rtm2"), &s);
      break;
    case v1::AgoraService::kUnknown:
      return Error(Reason::kInvalidArgument,
                   "output only: tokend does not issue a service type it "
                   "cannot read",
                   absl::StrCat(base, ".unknown"));
    case v1::AgoraService::SERVICE_NOT_SET:
      return Error(Reason::kInvalidArgument, "names no service", base);
  }
  if (!status.ok()) return status;
  return s;
}

// ---- verified grants back to the wire ----

void RtcToProto(const AgoraService& s, v1::AgoraRtcService* p) {
  p->set_channel_name(s.channel);
  if (s.uid.has_value() && *s.uid >= 0 &&
      *s.uid <= std::numeric_limits<uint32_t>::max()) {
    p->set_uid(static_cast<uint32_t>(*s.uid));
  } else if (!s.account.empty()) {
    p->set_user_account(s.account);
  }
  // A role cannot be told apart from the same explicit privileges.
  v1::AgoraRtcPrivileges* e = p->mutable_explicit_privileges();
  const Privileges& v = s.privileges;
  if (v.count(kJoinChannel))
    SetExpiry(v, kJoinChannel, e->mutable_join_channel());
  if (v.count(kPublishAudio)) {
    SetExpiry(v, kPublishAudio, e->mutable_publish_audio_stream());
  }
  if (v.count(kPublishVideo)) {
    SetExpiry(v, kPublishVideo, e->mutable_publish_video_stream());
  }
  if (v.count(kPublishData)) {
    SetExpiry(v, kPublishData, e->mutable_publish_data_stream());
  }
  if (v.count(kAdministrateChannel)) {
    SetExpiry(v, kAdministrateChannel, e->mutable_administrate_channel());
  }
}

// RTC, Streaming and FCDN: uid 0 for the "any uid" account.
template <typename Proto>
void AccountToProto(const AgoraService& s, Proto* p) {
  if (s.uid.has_value() && *s.uid == 0 && s.account.empty()) {
    p->set_uid(0);
  } else {
    p->set_account(s.account);
  }
}

void LoginToProto(const Privileges& v, v1::AgoraRtmPrivileges* p) {
  if (v.count(1)) SetExpiry(v, 1, p->mutable_login());
}

void ApaasToProto(const AgoraService& s, v1::AgoraApaasService* p) {
  const Privileges& v = s.privileges;
  // Verified APaaS services come back explicit; the kind is the one whose
  // privilege the service carries.
  if (v.count(1)) {
    p->set_kind(v1::AGORA_APAAS_KIND_ROOM_USER);
  } else if (v.count(2)) {
    p->set_kind(v1::AGORA_APAAS_KIND_USER);
  } else if (v.count(3)) {
    p->set_kind(v1::AGORA_APAAS_KIND_APP);
  }
  p->set_room_uuid(s.room_uuid);
  p->set_user_uuid(s.user_uuid);
  if (s.apaas_role != -1) p->set_role(s.apaas_role);
  v1::AgoraApaasPrivileges* e = p->mutable_privileges();
  if (v.count(1)) SetExpiry(v, 1, e->mutable_room_user());
  if (v.count(2)) SetExpiry(v, 2, e->mutable_user());
  if (v.count(3)) SetExpiry(v, 3, e->mutable_app());
}

void Rtm2ToProto(const AgoraService& s, v1::AgoraRtm2Service* p) {
  p->set_user_id(s.user_id);
  LoginToProto(s.privileges, p->mutable_privileges());
  for (const auto& [type, by_access] : s.rtm2_permissions) {
    for (const auto& [access, names] : by_access) {
      v1::AgoraRtm2Permission* perm = p->add_permissions();
      perm->set_resource_type(static_cast<v1::AgoraRtm2ResourceType>(type + 1));
      perm->set_access(static_cast<v1::AgoraRtm2Access>(access + 1));
      for (const std::string& name : names) perm->add_resources(name);
    }
  }
}

void ServiceToProto(const AgoraService& s, v1::AgoraGrants* proto) {
  const Privileges& v = s.privileges;
  switch (s.type) {
    case kAgoraRtc:
      RtcToProto(s, proto->add_services()->mutable_rtc());
      break;
    case kAgoraRtm: {
      v1::AgoraRtmService* p = proto->add_services()->mutable_rtm();
      p->set_user_id(s.user_id);
      LoginToProto(v, p->mutable_privileges());
      break;
    }
    case kAgoraStreaming: {
      v1::AgoraStreamingService* p = proto->add_services()->mutable_streaming();
      p->set_channel_name(s.channel);
      AccountToProto(s, p);
      v1::AgoraStreamingPrivileges* e = p->mutable_privileges();
      if (v.count(1)) SetExpiry(v, 1, e->mutable_publish_mix_stream());
      if (v.count(2)) SetExpiry(v, 2, e->mutable_publish_raw_stream());
      break;
    }
    case kAgoraFpa: {
      v1::AgoraFpaPrivileges* e =
          proto->add_services()->mutable_fpa()->mutable_privileges();
      if (v.count(1)) SetExpiry(v, 1, e->mutable_login());
      break;
    }
    case kAgoraChat: {
      v1::AgoraChatService* p = proto->add_services()->mutable_chat();
      p->set_user_id(s.user_id);
      p->set_kind(v.count(1) ? v1::AGORA_CHAT_KIND_USER
                             : v1::AGORA_CHAT_KIND_APP);
      v1::AgoraChatPrivileges* e = p->mutable_privileges();
      if (v.count(1)) SetExpiry(v, 1, e->mutable_user());
      if (v.count(2)) SetExpiry(v, 2, e->mutable_app());
      break;
    }
    case kAgoraFcdn: {
      v1::AgoraFcdnService* p = proto->add_services()->mutable_fcdn();
      p->set_channel_name(s.channel);
      AccountToProto(s, p);
      v1::AgoraFcdnPrivileges* e = p->mutable_privileges();
      if (v.count(1)) SetExpiry(v, 1, e->mutable_publish());
      if (v.count(2)) SetExpiry(v, 2, e->mutable_play());
      break;
    }
    case kAgoraApaas:
      ApaasToProto(s, proto->add_services()->mutable_apaas());
      break;
    case kAgoraRtm2:
      Rtm2ToProto(s, proto->add_services()->mutable_rtm2());
      break;
    default: {
      // A type tokend does not know, reported with its opaque bytes.
      v1::AgoraUnknownService* p = proto->add_services()->mutable_unknown();
      p->set_type(s.type);
      p->set_body(s.unknown_body);
      break;
    }
  }
}

}  // namespace

absl::StatusOr<AgoraGrants> AgoraGrantsFromProto(const v1::AgoraGrants& proto) {
  AgoraGrants g;
  switch (proto.version()) {
    case v1::AGORA_TOKEN_VERSION_UNSPECIFIED:
    case v1::AGORA_TOKEN_VERSION_007:
      break;
    case v1::AGORA_TOKEN_VERSION_006:
      g.legacy_006 = true;
      break;
    default:
      return Error(Reason::kInvalidArgument, "unknown version",
                   "grants.agora.version");
  }
  if (!proto.app_id().empty()) {
    return Error(Reason::kInvalidArgument,
                 "output only: the app id comes from the tenant",
                 "grants.agora.app_id");
  }
  if (proto.services().empty()) {
    return Error(Reason::kInvalidArgument, "needs at least one service",
                 "grants.agora.services");
  }
  for (int i = 0; i < proto.services_size(); ++i) {
    absl::StatusOr<AgoraService> s =
        ServiceFromProto(proto.services(i), g.legacy_006, i);
    if (!s.ok()) return s.status();
    g.services.push_back(*std::move(s));
  }
  return g;
}

void AgoraGrantsToProto(const AgoraGrants& g, v1::AgoraGrants* proto) {
  proto->set_version(g.legacy_006 ? v1::AGORA_TOKEN_VERSION_006
                                  : v1::AGORA_TOKEN_VERSION_007);
  for (const AgoraService& s : g.services) ServiceToProto(s, proto);
  proto->set_app_id(g.app_id);
  proto->set_salt(g.salt);
}

absl::StatusOr<std::vector<std::pair<uint16_t, uint16_t>>> AgoraPrivilegesFrom(
    const v1::VerifyExpectations& expectations) {
  std::vector<std::pair<uint16_t, uint16_t>> out;
  for (int i = 0; i < expectations.agora_privileges_size(); ++i) {
    const v1::AgoraPrivilege value = expectations.agora_privileges(i);
    const PrivilegeName* found = nullptr;
    for (const PrivilegeName& p : kPrivileges) {
      if (p.proto == value) found = &p;
    }
    if (found == nullptr) {
      return Error(Reason::kInvalidArgument, "unspecified or unknown privilege",
                   absl::StrCat("expectations.agora_privileges[", i, "]"));
    }
    out.emplace_back(found->service_type, found->id);
  }
  return out;
}

}  // namespace tokend
