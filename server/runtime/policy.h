// The `callers` section as a decision: may this caller issue, revoke or
// verify for this tenant? A caller's rights are the union over every
// entry that matches it. Verify is open on tenants configured
// `verify: open` (the default), even for unidentified callers.
// Immutable; rebuilt on every config reload.
#ifndef TOKEND_SERVER_RUNTIME_POLICY_H_
#define TOKEND_SERVER_RUNTIME_POLICY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/config/config.h"
#include "server/transport/caller.h"

namespace tokend {

// kIssueAppLevel: issue, renew or subscribe to an app-level token (one that
// acts for the whole app rather than one user; Profile::IsAppLevel). It is
// asked in addition to kIssue.
enum class Action { kIssue, kIssueAppLevel, kRevoke, kVerify };

class Policy {
 public:
  Policy() = default;
  explicit Policy(const Config& config);

  // OK, or PERMISSION_DENIED with reason PERMISSION_DENIED. The message
  // names the caller's identity, the action and the tenant.
  absl::Status Authorize(const CallerIdentity& caller, Action action,
                         absl::string_view tenant) const;

 private:
  static bool Matches(const CallerConfig& entry, const CallerIdentity& caller);
  static bool Lists(const std::vector<std::string>& tenants,
                    absl::string_view tenant);
  static const std::vector<std::string>& ListOf(const CallerConfig& entry,
                                                Action action);

  std::vector<CallerConfig> callers_;
  absl::flat_hash_set<std::string> restricted_tenants_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_POLICY_H_
