// LiveKit grants: plain data, validated by the livekit profile. Field
// comments give LiveKit's JSON claim names.
#ifndef TOKEND_CORE_PROFILES_LIVEKIT_GRANTS_H_
#define TOKEND_CORE_PROFILES_LIVEKIT_GRANTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json.h"

namespace tokend {

// "video": LiveKit's VideoGrant. Plain booleans are written only when true;
// tri-state ones (std::optional) when set, so LiveKit's defaults apply when
// they are not.
struct LiveKitVideoGrant {
  bool room_create = false;           // "roomCreate"
  bool room_list = false;             // "roomList"
  bool room_record = false;           // "roomRecord"
  bool room_admin = false;            // "roomAdmin" (needs room)
  bool room_join = false;             // "roomJoin" (needs room and an identity)
  std::string room;                   // "room"
  std::optional<bool> can_publish;    // "canPublish"
  std::optional<bool> can_subscribe;  // "canSubscribe"
  std::optional<bool> can_publish_data;  // "canPublishData"
  // "canPublishSources": camera, microphone, screen_share,
  // screen_share_audio. Overrides can_publish when not empty.
  std::vector<std::string> can_publish_sources;
  std::optional<bool> can_update_own_metadata;   // "canUpdateOwnMetadata"
  bool ingress_admin = false;                    // "ingressAdmin"
  bool hidden = false;                           // "hidden"
  bool recorder = false;                         // "recorder"
  bool agent = false;                            // "agent"
  std::optional<bool> can_subscribe_metrics;     // "canSubscribeMetrics"
  std::optional<bool> can_manage_agent_session;  // "canManageAgentSession"
  std::string destination_room;                  // "destinationRoom"
};

struct LiveKitSipGrant {
  bool admin = false;  // "admin"
  bool call = false;   // "call"
};

struct LiveKitAgentGrant {
  bool admin = false;             // "admin"
  bool simulation_admin = false;  // "simulationAdmin"
  bool database_admin = false;    // "databaseAdmin"
};

struct LiveKitInferenceGrant {
  bool perform = false;  // "perform"
};

struct LiveKitObservabilityGrant {
  bool write = false;  // "write"
};

// The identity ("sub", and "identity" as the Go SDK writes it) is the
// IssueInput subject. Empty strings and unset optionals are not written.
struct LiveKitGrants {
  std::string name;  // "name"
  // "kind": standard, ingress, egress, sip, agent, connector, bridge.
  std::string kind;
  // "kindDetails": cloud_agent, forwarded, connector_whatsapp,
  // connector_twilio, bridge_rtsp, simulation.
  std::vector<std::string> kind_details;
  std::optional<LiveKitVideoGrant> video;                  // "video"
  std::optional<LiveKitSipGrant> sip;                      // "sip"
  std::optional<LiveKitAgentGrant> agent;                  // "agent"
  std::optional<LiveKitInferenceGrant> inference;          // "inference"
  std::optional<LiveKitObservabilityGrant> observability;  // "observability"
  // "roomConfig": RoomConfiguration as JSON, written as given (egress
  // storage credentials refused). Empty: omitted.
  json::Object room_config;
  std::string room_preset;                        // "roomPreset"
  std::string sha256;                             // "sha256"
  std::string metadata;                           // "metadata"
  std::map<std::string, std::string> attributes;  // "attributes"
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_LIVEKIT_GRANTS_H_
