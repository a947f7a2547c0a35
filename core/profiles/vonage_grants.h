// Vonage grants: plain data, validated by the vonage profile.
#ifndef TOKEND_CORE_PROFILES_VONAGE_GRANTS_H_
#define TOKEND_CORE_PROFILES_VONAGE_GRANTS_H_

#include <string>
#include <vector>

#include "core/json/json.h"

namespace tokend {

// One of the two Vonage JWTs signed with the application's private key. The
// profile writes application_id, iat, jti and exp itself.
struct VonageGrants {
  enum class Kind {
    kApplication,  // REST / Client SDK login JWT; `sub` is the subject
    kVideoClient,  // Video connection token; `sub` is always "video"
  };
  Kind kind = Kind::kApplication;
  // "acl": {"paths": {"<pattern>": {"methods"?: [...], "filters"?: {...}}}}.
  // Empty: omitted (application) or {"paths":{"/session/**":{}}} (video).
  json::Object acl;

  // Video client token only; must stay empty for an application JWT.
  std::string session_id;  // "session_id", required
  // "role": publisher | subscriber | moderator | publisheronly.
  // Empty: publisher. Verify fills in the claim as received.
  std::string role;
  // "connection_data": at most 1000 UTF-16 code units. Empty: omitted.
  std::string connection_data;
  // "initial_layout_class_list": class names joined by single spaces
  // (always written, "" when empty; at most 1024 UTF-16 code units joined).
  std::vector<std::string> initial_layout_class_list;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_VONAGE_GRANTS_H_
