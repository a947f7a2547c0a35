// Twilio grants: plain data, validated by the twilio profile. Field comments
// give the member names inside the "grants" claim.
#ifndef TOKEND_CORE_PROFILES_TWILIO_GRANTS_H_
#define TOKEND_CORE_PROFILES_TWILIO_GRANTS_H_

#include <optional>
#include <string>

#include "core/json/json.h"

namespace tokend {

// Empty strings are not written, as twilio-node does.
struct TwilioChatGrant {
  std::string service_sid;          // "service_sid"
  std::string endpoint_id;          // "endpoint_id"
  std::string deployment_role_sid;  // "deployment_role_sid"
  std::string push_credential_sid;  // "push_credential_sid"
};

struct TwilioVideoGrant {
  std::string room;  // "room"; empty: any room
};

struct TwilioSyncGrant {
  std::string service_sid;  // "service_sid"
  std::string endpoint_id;  // "endpoint_id"
};

struct TwilioVoiceGrant {
  bool incoming_allow = false;           // "incoming": {"allow": true}
  std::string outgoing_application_sid;  // "outgoing": {"application_sid"}
  json::Object outgoing_params;     // "outgoing": {"params"}; needs the sid
  std::string push_credential_sid;  // "push_credential_sid"
  std::string endpoint_id;          // "endpoint_id"
};

struct TwilioTaskRouterGrant {
  std::string workspace_sid;  // "workspace_sid"
  std::string worker_sid;     // "worker_sid"
  std::string role;           // "role"
};

// "grants.identity" is the IssueInput subject. Unset grants are not written.
struct TwilioGrants {
  std::optional<TwilioChatGrant> chat;               // "chat"
  std::optional<TwilioVideoGrant> video;             // "video"
  std::optional<TwilioSyncGrant> data_sync;          // "data_sync"
  std::optional<TwilioVoiceGrant> voice;             // "voice"
  std::optional<TwilioTaskRouterGrant> task_router;  // "task_router"
  std::optional<json::Object> player;                // "player", as given
  std::string region;  // the "twr" header; empty: not written
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_TWILIO_GRANTS_H_
