// What a rule lets a caller ask for, vendor by vendor: the shared part.
//
// Each vendor's bounds (agora_bounds.h, livekit_bounds.h, jwt_bounds.h)
// check the grants a caller requests against a rule and narrow them in
// place: they fill what the rule fixes and the caller left out (the RTC
// uid, the RTM user id, a LiveKit publish right the rule withholds), cap
// privilege expiries at the TTL, and refuse anything the rule does not
// cover. They never widen a request: a default never grants more than the
// caller asked for.
#ifndef TOKEND_CORE_IDENTITY_GRANT_BOUNDS_H_
#define TOKEND_CORE_IDENTITY_GRANT_BOUNDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/identity/claim_path.h"
#include "core/reason.h"

namespace tokend::identity {

// What the bounds see of the exchange being decided.
struct BoundsContext {
  EvalContext identity;  // the incoming identity, for templates
  std::string subject;   // the outgoing subject the rule resolved
  absl::Duration ttl;    // the outgoing TTL the rule resolved (whole seconds)
};

// A requested grant the rule does not allow: kPermissionDenied naming the
// request field (e.g. "grants.agora.services[0].channel").
inline absl::Status GrantDenied(absl::string_view field,
                                absl::string_view why) {
  return Error(Reason::kPermissionDenied, absl::StrCat(field, ": ", why),
               field);
}

// A status's message without its "REASON: " prefix (core/reason.h), for
// condition texts that name their own field.
inline std::string StatusDetail(const absl::Status& status) {
  absl::string_view message = status.message();
  const absl::string_view prefix = ReasonName(GetReason(status));
  if (message.size() > prefix.size() + 1 &&
      message.substr(0, prefix.size()) == prefix &&
      message.substr(prefix.size(), 2) == ": ") {
    message.remove_prefix(prefix.size() + 2);
  }
  return std::string(message);
}

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_GRANT_BOUNDS_H_
