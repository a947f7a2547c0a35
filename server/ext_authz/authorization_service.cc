#include "server/ext_authz/authorization_service.h"

#include "absl/time/clock.h"
#include "core/reason.h"
#include "google/rpc/status.pb.h"
#include "server/api/call_gate.h"
#include "server/api/raw_messages.h"
#include "server/ext_authz/check.h"
#include "server/ext_authz/responses.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

constexpr char kCheck[] = "Check";

}  // namespace

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

void DenyMalformed(const absl::Status& error,
                   envoy::service::auth::v3::CheckResponse* response) {
  Deny(Denial::kBadRequest, ReasonName(GetReason(error)), error.message(),
       response);
  // The whole status, ErrorInfo included, as a unary method would send it.
  const grpc::Status mapped = ToGrpcStatus(error);
  google::rpc::Status with_details;
  if (with_details.ParseFromString(mapped.error_details())) {
    *response->mutable_status() = std::move(with_details);
  }
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Check(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  grpc::Status status = AdmitProxyCall(state_, *context, kCheck, &call);
  if (status.ok()) {
    RawMessages<envoy::service::auth::v3::CheckRequest,
                envoy::service::auth::v3::CheckResponse>
        m;
    absl::Status s = m.Parse(*request, kCheck);
    if (s.ok()) {
      s = DoCheck(
          state_.core(), [this] { return state_.revocations().Healthy(); },
          outbound_, call, m.request(), m.response());
    } else {
      DenyMalformed(s, m.response());
      s = absl::OkStatus();
    }
    status = m.Reply(ToGrpcStatus(s), response);
  }
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace tokend
