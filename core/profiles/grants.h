// Typed grants: what a token allows, vendor by vendor. Plain data; each
// profile validates its own grants on issue and fills them in on verify, so
// a verified token can be re-issued (renewed) from its grants alone. Each
// vendor's struct lives in its own <vendor>_grants.h.
#ifndef TOKEND_CORE_PROFILES_GRANTS_H_
#define TOKEND_CORE_PROFILES_GRANTS_H_

#include <variant>

#include "core/profiles/agora/agora_grants.h"
#include "core/profiles/apirtc_grants.h"
#include "core/profiles/daily_grants.h"
#include "core/profiles/jwt_grants.h"
#include "core/profiles/livekit_grants.h"
#include "core/profiles/twilio_grants.h"
#include "core/profiles/vonage_grants.h"
#include "core/profiles/zoom_grants.h"

namespace tokend {

using Grants = std::variant<std::monostate, JwtGrants, AgoraGrants,
                            ApiRtcGrants, VonageGrants, DailyGrants,
                            LiveKitGrants, TwilioGrants, ZoomGrants>;

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_GRANTS_H_
