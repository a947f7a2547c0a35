// Twilio Access Token grants: one optional message per Twilio product; the
// free-form parts (player, voice outgoing params) are Structs.
#include "server/wire/grants_proto.h"
#include "server/wire/struct_json.h"

namespace tokend {

absl::StatusOr<TwilioGrants> TwilioGrantsFromProto(
    const v1::TwilioGrants& proto) {
  TwilioGrants g;
  if (proto.has_chat()) {
    const v1::TwilioChatGrant& p = proto.chat();
    g.chat = TwilioChatGrant{p.service_sid(), p.endpoint_id(),
                             p.deployment_role_sid(), p.push_credential_sid()};
  }
  if (proto.has_video()) g.video = TwilioVideoGrant{proto.video().room()};
  if (proto.has_data_sync()) {
    g.data_sync = TwilioSyncGrant{proto.data_sync().service_sid(),
                                  proto.data_sync().endpoint_id()};
  }
  if (proto.has_voice()) {
    const v1::TwilioVoiceGrant& p = proto.voice();
    TwilioVoiceGrant voice;
    voice.incoming_allow = p.incoming_allow();
    voice.outgoing_application_sid = p.outgoing_application_sid();
    absl::StatusOr<json::Object> params = StructToJson(
        p.outgoing_params(), "grants.twilio.voice.outgoing_params");
    if (!params.ok()) return params.status();
    voice.outgoing_params = *std::move(params);
    voice.push_credential_sid = p.push_credential_sid();
    voice.endpoint_id = p.endpoint_id();
    g.voice = std::move(voice);
  }
  if (proto.has_task_router()) {
    const v1::TwilioTaskRouterGrant& p = proto.task_router();
    g.task_router =
        TwilioTaskRouterGrant{p.workspace_sid(), p.worker_sid(), p.role()};
  }
  if (proto.has_player()) {
    absl::StatusOr<json::Object> player =
        StructToJson(proto.player(), "grants.twilio.player");
    if (!player.ok()) return player.status();
    g.player = *std::move(player);
  }
  g.region = proto.region();
  return g;
}

void TwilioGrantsToProto(const TwilioGrants& g, v1::TwilioGrants* proto) {
  if (g.chat) {
    v1::TwilioChatGrant* p = proto->mutable_chat();
    p->set_service_sid(g.chat->service_sid);
    p->set_endpoint_id(g.chat->endpoint_id);
    p->set_deployment_role_sid(g.chat->deployment_role_sid);
    p->set_push_credential_sid(g.chat->push_credential_sid);
  }
  if (g.video) proto->mutable_video()->set_room(g.video->room);
  if (g.data_sync) {
    proto->mutable_data_sync()->set_service_sid(g.data_sync->service_sid);
    proto->mutable_data_sync()->set_endpoint_id(g.data_sync->endpoint_id);
  }
  if (g.voice) {
    v1::TwilioVoiceGrant* p = proto->mutable_voice();
    p->set_incoming_allow(g.voice->incoming_allow);
    p->set_outgoing_application_sid(g.voice->outgoing_application_sid);
    JsonToStruct(g.voice->outgoing_params, p->mutable_outgoing_params());
    p->set_push_credential_sid(g.voice->push_credential_sid);
    p->set_endpoint_id(g.voice->endpoint_id);
  }
  if (g.task_router) {
    v1::TwilioTaskRouterGrant* p = proto->mutable_task_router();
    p->set_workspace_sid(g.task_router->workspace_sid);
    p->set_worker_sid(g.task_router->worker_sid);
    p->set_role(g.task_router->role);
  }
  if (g.player) JsonToStruct(*g.player, proto->mutable_player());
  proto->set_region(g.region);
}

}  // namespace tokend
