// LiveKit access-token grants. The proto's enums become LiveKit's
// lower-case names; optional (tri-state) booleans keep their presence, so
// LiveKit's own defaults apply when they are unset. The livekit profile
// checks the combinations (roomJoin needs a room, metadata size, ...).
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

constexpr std::pair<v1::LiveKitParticipantKind, const char*> kKinds[] = {
    {v1::LIVE_KIT_PARTICIPANT_KIND_STANDARD, "standard"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_INGRESS, "ingress"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_EGRESS, "egress"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_SIP, "sip"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_AGENT, "agent"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_CONNECTOR, "connector"},
    {v1::LIVE_KIT_PARTICIPANT_KIND_BRIDGE, "bridge"},
};

constexpr std::pair<v1::LiveKitTrackSource, const char*> kSources[] = {
    {v1::LIVE_KIT_TRACK_SOURCE_CAMERA, "camera"},
    {v1::LIVE_KIT_TRACK_SOURCE_MICROPHONE, "microphone"},
    {v1::LIVE_KIT_TRACK_SOURCE_SCREEN_SHARE, "screen_share"},
    {v1::LIVE_KIT_TRACK_SOURCE_SCREEN_SHARE_AUDIO, "screen_share_audio"},
};

absl::StatusOr<LiveKitVideoGrant> VideoFromProto(
    const v1::LiveKitVideoGrant& p) {
  LiveKitVideoGrant v;
  v.room_create = p.room_create();
  v.room_list = p.room_list();
  v.room_record = p.room_record();
  v.room_admin = p.room_admin();
  v.room_join = p.room_join();
  v.room = p.room();
  v.can_publish = Optional(p.has_can_publish(), p.can_publish());
  v.can_subscribe = Optional(p.has_can_subscribe(), p.can_subscribe());
  v.can_publish_data = Optional(p.has_can_publish_data(), p.can_publish_data());
  for (int i = 0; i < p.can_publish_sources_size(); ++i) {
    const char* name = NameOf(p.can_publish_sources(i), kSources);
    if (name == nullptr) {
      return Error(
          Reason::kInvalidArgument, "unspecified or unknown source",
          absl::StrCat("grants.livekit.video.can_publish_sources[", i, "]"));
    }
    v.can_publish_sources.push_back(name);
  }
  v.can_update_own_metadata =
      Optional(p.has_can_update_own_metadata(), p.can_update_own_metadata());
  v.ingress_admin = p.ingress_admin();
  v.hidden = p.hidden();
  v.recorder = p.recorder();
  v.agent = p.agent();
  v.can_subscribe_metrics =
      Optional(p.has_can_subscribe_metrics(), p.can_subscribe_metrics());
  v.can_manage_agent_session =
      Optional(p.has_can_manage_agent_session(), p.can_manage_agent_session());
  v.destination_room = p.destination_room();
  return v;
}

void VideoToProto(const LiveKitVideoGrant& v, v1::LiveKitVideoGrant* p) {
  p->set_room_create(v.room_create);
  p->set_room_list(v.room_list);
  p->set_room_record(v.room_record);
  p->set_room_admin(v.room_admin);
  p->set_room_join(v.room_join);
  p->set_room(v.room);
  if (v.can_publish) p->set_can_publish(*v.can_publish);
  if (v.can_subscribe) p->set_can_subscribe(*v.can_subscribe);
  if (v.can_publish_data) p->set_can_publish_data(*v.can_publish_data);
  for (const std::string& source : v.can_publish_sources) {
    v1::LiveKitTrackSource value;
    if (ValueOf(source, kSources, &value)) p->add_can_publish_sources(value);
  }
  if (v.can_update_own_metadata) {
    p->set_can_update_own_metadata(*v.can_update_own_metadata);
  }
  p->set_ingress_admin(v.ingress_admin);
  p->set_hidden(v.hidden);
  p->set_recorder(v.recorder);
  p->set_agent(v.agent);
  if (v.can_subscribe_metrics) {
    p->set_can_subscribe_metrics(*v.can_subscribe_metrics);
  }
  if (v.can_manage_agent_session) {
    p->set_can_manage_agent_session(*v.can_manage_agent_session);
  }
  p->set_destination_room(v.destination_room);
}

}  // namespace

absl::StatusOr<LiveKitGrants> LiveKitGrantsFromProto(
    const v1::LiveKitGrants& proto) {
  LiveKitGrants g;
  g.name = proto.name();
  if (proto.kind() != v1::LIVE_KIT_PARTICIPANT_KIND_UNSPECIFIED) {
    const char* kind = NameOf(proto.kind(), kKinds);
    if (kind == nullptr) {
      return Error(Reason::kInvalidArgument, "unknown participant kind",
                   "grants.livekit.kind");
    }
    g.kind = kind;
  }
  g.kind_details.assign(proto.kind_details().begin(),
                        proto.kind_details().end());
  if (proto.has_video()) {
    absl::StatusOr<LiveKitVideoGrant> video = VideoFromProto(proto.video());
    if (!video.ok()) return video.status();
    g.video = *std::move(video);
  }
  if (proto.has_sip()) {
    g.sip = LiveKitSipGrant{proto.sip().admin(), proto.sip().call()};
  }
  if (proto.has_agent()) {
    g.agent = LiveKitAgentGrant{proto.agent().admin(),
                                proto.agent().simulation_admin(),
                                proto.agent().database_admin()};
  }
  if (proto.has_inference()) {
    g.inference = LiveKitInferenceGrant{proto.inference().perform()};
  }
  if (proto.has_observability()) {
    g.observability = LiveKitObservabilityGrant{proto.observability().write()};
  }
  if (proto.has_room_config()) {
    absl::StatusOr<json::Object> config =
        StructToJson(proto.room_config(), "grants.livekit.room_config");
    if (!config.ok()) return config.status();
    g.room_config = *std::move(config);
  }
  g.room_preset = proto.room_preset();
  g.sha256 = proto.sha256();
  g.metadata = proto.metadata();
  g.attributes.insert(proto.attributes().begin(), proto.attributes().end());
  return g;
}

void LiveKitGrantsToProto(const LiveKitGrants& g, v1::LiveKitGrants* proto) {
  proto->set_name(g.name);
  v1::LiveKitParticipantKind kind;
  if (ValueOf(g.kind, kKinds, &kind)) proto->set_kind(kind);
  for (const std::string& d : g.kind_details) proto->add_kind_details(d);
  if (g.video) VideoToProto(*g.video, proto->mutable_video());
  if (g.sip) {
    proto->mutable_sip()->set_admin(g.sip->admin);
    proto->mutable_sip()->set_call(g.sip->call);
  }
  if (g.agent) {
    v1::LiveKitAgentGrant* a = proto->mutable_agent();
    a->set_admin(g.agent->admin);
    a->set_simulation_admin(g.agent->simulation_admin);
    a->set_database_admin(g.agent->database_admin);
  }
  if (g.inference)
    proto->mutable_inference()->set_perform(g.inference->perform);
  if (g.observability) {
    proto->mutable_observability()->set_write(g.observability->write);
  }
  if (!g.room_config.empty()) {
    JsonToStruct(g.room_config, proto->mutable_room_config());
  }
  proto->set_room_preset(g.room_preset);
  proto->set_sha256(g.sha256);
  proto->set_metadata(g.metadata);
  for (const auto& [name, value] : g.attributes) {
    (*proto->mutable_attributes())[name] = value;
  }
}

}  // namespace tokend
