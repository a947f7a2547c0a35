// The "unknown tenant" error, naming the tenants the caller could have
// meant: those it may act on with the same action (so an error tells no
// caller of a tenant it could not use anyway). Pure; runs on gRPC threads.
#ifndef TOKEND_SERVER_API_UNKNOWN_TENANT_H_
#define TOKEND_SERVER_API_UNKNOWN_TENANT_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/runtime/config_snapshot.h"
#include "server/runtime/policy.h"

namespace tokend {

// kInvalidArgument (reason INVALID_ARGUMENT, field "tenant"):
// "unknown tenant 'x'; configured tenants you may <action>: a, b" (or
// "...: none"). Without `caller` and `action` (GetJwks, whose keys are
// public) the list is the tenants with published keys.
absl::Status UnknownTenant(const ConfigSnapshot& snapshot,
                           absl::string_view tenant,
                           const CallerIdentity* caller,
                           std::optional<Action> action);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_UNKNOWN_TENANT_H_
