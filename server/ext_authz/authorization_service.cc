#include "server/ext_authz/authorization_service.h"

#include "absl/time/clock.h"
#include "server/api/call_gate.h"
#include "server/ext_authz/check.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/wire/status_mapping.h"

namespace tokend {

absl::Status DoCheck(const TokenService& core,
                     absl::FunctionRef<bool()> store_healthy,
                     OutboundTokens* outbound, const CallContext& call,
                     const envoy::service::auth::v3::CheckRequest& request,
                     envoy::service::auth::v3::CheckResponse* response) {
  const bool healthy =
      !call.snapshot->config().ext_authz.fail_closed || store_healthy();
  const CheckEnv env{core, *call.snapshot, call.caller, healthy, outbound};
  const CheckOutcome outcome = RunCheck(env, request, response);
  Metrics::Get().ExtAuthzChecked(outcome.tenant, outcome.mode, outcome.outcome,
                                 outcome.reason, absl::Now() - call.start);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("ext_authz check", {{"tenant", outcome.tenant},
                                   {"mode", outcome.mode},
                                   {"outcome", outcome.outcome},
                                   {"reason", outcome.reason},
                                   {"token_id", outcome.token_id},
                                   {"caller", call.caller.Describe()}});
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Check(
    grpc::CallbackServerContext* context,
    const envoy::service::auth::v3::CheckRequest* request,
    envoy::service::auth::v3::CheckResponse* response) {
  CallContext call;
  grpc::Status status = AdmitProxyCall(state_, *context, "Check", &call);
  if (status.ok()) {
    status = ToGrpcStatus(DoCheck(
        state_.core(), [this] { return state_.revocations().Healthy(); },
        outbound_, call, *request, response));
  }
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace tokend
