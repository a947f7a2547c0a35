#include "server/runtime/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {

Policy::Policy(const Config& config) : callers_(config.callers) {
  for (const TenantConfig& t : config.tenants) {
    if (!t.verify_open) restricted_tenants_.insert(t.name);
  }
}

bool Policy::Matches(const CallerConfig& entry, const CallerIdentity& caller) {
  using Kind = CallerIdentity::Kind;
  if (entry.uid || entry.gid) {
    if (caller.kind != Kind::kUnix) return false;
    if (entry.uid && *entry.uid != caller.uid) return false;
    if (entry.gid && *entry.gid != caller.gid) return false;
  }
  if (!entry.spiffe_id.empty() || !entry.dns.empty()) {
    if (caller.kind != Kind::kTls) return false;
    if (!entry.spiffe_id.empty() &&
        std::find(caller.uri_sans.begin(), caller.uri_sans.end(),
                  entry.spiffe_id) == caller.uri_sans.end()) {
      return false;
    }
    if (!entry.dns.empty() &&
        std::find(caller.dns_sans.begin(), caller.dns_sans.end(), entry.dns) ==
            caller.dns_sans.end()) {
      return false;
    }
  }
  if (entry.loopback && caller.kind != Kind::kLoopback) return false;
  return true;
}

bool Policy::Lists(const std::vector<std::string>& tenants,
                   absl::string_view tenant) {
  for (const std::string& t : tenants) {
    if (t == "*" || t == tenant) return true;
  }
  return false;
}

const std::vector<std::string>& Policy::ListOf(const CallerConfig& entry,
                                               Action action) {
  switch (action) {
    case Action::kIssue:
      return entry.issue;
    case Action::kIssueAppLevel:
      return entry.issue_app_level;
    case Action::kRevoke:
      return entry.revoke;
    case Action::kVerify:
      break;
  }
  return entry.verify;
}

absl::Status Policy::Authorize(const CallerIdentity& caller, Action action,
                               absl::string_view tenant) const {
  if (action == Action::kVerify &&
      !restricted_tenants_.contains(std::string(tenant))) {
    return absl::OkStatus();
  }
  for (const CallerConfig& entry : callers_) {
    if (!Matches(entry, caller)) continue;
    if (Lists(ListOf(entry, action), tenant)) return absl::OkStatus();
  }
  const absl::string_view verb = action == Action::kIssue ? "issue"
                                 : action == Action::kIssueAppLevel
                                     ? "issue app-level tokens"
                                 : action == Action::kRevoke ? "revoke"
                                                             : "verify";
  return Error(Reason::kPermissionDenied,
               absl::StrCat("caller ", caller.Describe(), " may not ", verb,
                            " for tenant '", tenant, "'"));
}

}  // namespace tokend
