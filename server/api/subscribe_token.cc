#include "server/api/subscribe_token.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/reason.h"
#include "server/api/token_request.h"
#include "server/wire/status_mapping.h"

namespace tokend {

absl::Status DoSubscribeToken(const TokenService& core,
                              const RevocationChecker& revocations,
                              const CallContext& call,
                              const v1::SubscribeTokenRequest& request,
                              SubscribePlan* plan) {
  std::string tenant = request.tenant();
  if (tenant.empty() && request.has_spec()) tenant = request.spec().tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok() && request.has_spec() && !request.spec().tenant().empty() &&
      request.spec().tenant() != tenant) {
    status =
        Error(Reason::kInvalidArgument, "must equal tenant", "spec.tenant");
  }
  if (status.ok()) {
    status =
        call.snapshot->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (status.ok() &&
      request.source_case() == v1::SubscribeTokenRequest::SOURCE_NOT_SET) {
    status = Error(Reason::kInvalidArgument,
                   "one of spec or current_token is required", "source");
  }
  // Fail-closed with the store down: no new subscription, not even a
  // resumed one, since its re-issues would be refused.
  if (status.ok()) status = revocations.IssuingAllowed();
  if (!status.ok()) return status;

  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with; the subscription manager mints the first token from it too.
  const Tenant* t = call.snapshot->tenants()->Find(tenant);
  SubscriptionRequest& sub = plan->request;
  sub.tenant = tenant;
  sub.tenants = call.snapshot->tenants();
  sub.caller = call.caller.Describe();
  if (request.has_spec()) {
    absl::StatusOr<IssueInput> input =
        IssueInputFrom(call, tenant, request.spec(), "spec.");
    if (!input.ok()) return input.status();
    // IssueInputFrom refused an unknown tenant.
    status = AuthorizeAppLevel(call, *t, *input);
    if (!status.ok()) return status;
    sub.ttl = input->ttl;
    sub.spec = *std::move(input);
  } else {
    status = TokenSize(call, request.current_token());
    if (!status.ok()) return status;
    // Resuming keeps re-issuing the token's grants: an app-level token needs
    // the same right as issuing one. A token that does not verify is left
    // to Subscribe, which refuses it with its reason.
    if (t != nullptr) {
      VerifyExpectations expect;
      expect.expiry_grace = t->renew_grace;
      absl::StatusOr<TokenInfo> current =
          core.Verify(*t, request.current_token(), expect);
      if (current.ok()) status = AuthorizeAppLevel(call, *t, *current);
      if (!status.ok()) return status;
    }
    sub.current_token = request.current_token();
  }
  const RenewalConfig& renewal = call.snapshot->config().renewal;
  if (request.has_refresh_fraction()) {
    sub.refresh_fraction =
        std::clamp(request.refresh_fraction(), renewal.min_refresh_fraction,
                   renewal.max_refresh_fraction);
  }
  if (t != nullptr) plan->session_cap = t->session_cap;
  return absl::OkStatus();
}

absl::Status SubscribeError(const v1::SubscribeTokenRequest& request,
                            const absl::Status& error) {
  return request.has_spec() ? AsRequestError(error)
                            : AsTokenInputError(error, "current_token");
}

}  // namespace tokend
