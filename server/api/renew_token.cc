#include "server/api/renew_token.h"

#include <string>

#include "core/status_macros.h"
#include "server/api/token_request.h"
#include "server/observability/metrics.h"
#include "server/wire/proto_time.h"
#include "server/wire/status_mapping.h"

namespace tokend {

absl::Status DoRenewToken(const TokenService& core, const CallContext& call,
                          const v1::RenewTokenRequest& request,
                          v1::RenewTokenResponse* response) {
  const std::string& tenant = request.tenant();
  TOKEND_RETURN_IF_ERROR(Required(tenant, "tenant"));
  TOKEND_RETURN_IF_ERROR(Required(request.token(), "token"));
  TOKEND_RETURN_IF_ERROR(
      call.snapshot->policy().Authorize(call.caller, Action::kIssue, tenant));
  TOKEND_RETURN_IF_ERROR(TokenSize(call, request.token()));
  TOKEND_ASSIGN_OR_RETURN(absl::Duration ttl,
                          TtlFromProto(request.ttl(), "ttl"));
  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with (an unknown one answers as core's Renew by name would).
  absl::StatusOr<const Tenant*> t =
      TokenService::FindTenant(*call.snapshot->tenants(), tenant);
  absl::StatusOr<TokenInfo> info = t.ok()
                                       ? core.Renew(**t, request.token(), ttl)
                                       : absl::StatusOr<TokenInfo>(t.status());
  if (!info.ok()) return AsTokenInputError(info.status(), "token");
  // The renewed token carries the same subject and grants as the one given.
  TOKEND_RETURN_IF_ERROR(AuthorizeAppLevel(call, **t, *info));
  const absl::string_view profile = call.snapshot->ProfileOf(tenant);
  FillIssued(*info, tenant, profile, *t, response);
  Metrics::Get().TokenIssued(tenant, profile);
  AuditIssue("renew", call, tenant, *info);
  return absl::OkStatus();
}

}  // namespace tokend
