#include "server/ext_authz/authorization_service.h"

#include "absl/time/clock.h"
#include "server/api/call_gate.h"
#include "server/ext_authz/check.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"

namespace tokend {

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Check(
    grpc::CallbackServerContext* context,
    const envoy::service::auth::v3::CheckRequest* request,
    envoy::service::auth::v3::CheckResponse* response) {
  CallContext call;
  grpc::Status status = AdmitProxyCall(state_, *context, "Check", &call);
  if (status.ok()) {
    // Healthy() takes the revocation service's lock: asked only when the
    // answer matters (on_store_unavailable: closed).
    const bool store_healthy = !call.runtime->config().ext_authz.fail_closed ||
                               state_.revocations().Healthy();
    const CheckEnv env{state_.core(), *call.runtime, call.caller, store_healthy,
                       outbound_};
    const CheckOutcome outcome = RunCheck(env, *request, response);
    Metrics::Get().ExtAuthzChecked(outcome.tenant, outcome.mode,
                                   outcome.outcome, outcome.reason,
                                   absl::Now() - call.start);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("ext_authz check", {{"tenant", outcome.tenant},
                                     {"mode", outcome.mode},
                                     {"outcome", outcome.outcome},
                                     {"reason", outcome.reason},
                                     {"token_id", outcome.token_id},
                                     {"caller", call.caller.Describe()}});
    }
  }
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace tokend
