#include "server/ext_authz/authorization_service.h"

#include "absl/time/clock.h"
#include "server/call_gate.h"
#include "server/ext_authz/check.h"
#include "server/logging.h"
#include "server/metrics.h"

namespace tokend {

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Check(
    grpc::CallbackServerContext* context,
    const envoy::service::auth::v3::CheckRequest* request,
    envoy::service::auth::v3::CheckResponse* response) {
  CallContext call;
  grpc::Status status = AdmitProxyCall(state_, *context, "Check", &call);
  if (status.ok()) {
    const CheckEnv env{state_.core(), *call.runtime, call.caller,
                       state_.revocations().Healthy(), outbound_};
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
