#include "server/call_gate.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/reason.h"
#include "server/logging.h"
#include "server/metrics.h"
#include "server/status_mapping.h"

namespace tokend {

namespace {

grpc::Status AdmitCall(ServerState& state,
                       const grpc::ServerContextBase& context,
                       absl::string_view method, bool proxy,
                       CallContext* call) {
  call->method = std::string(method);
  call->start = absl::Now();
  call->state = &state;
  state.CallStarted();
  if (state.shutting_down()) {
    return ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down"));
  }
  if (proxy) {
    call->caller = IdentifyCaller(context, state.peers());
    call->runtime = state.runtime();
    return grpc::Status::OK;
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kMarkerHeader);
  if (it == metadata.end() ||
      absl::string_view(it->second.data(), it->second.size()) != kMarkerValue) {
    return ToGrpcStatus(
        Error(Reason::kInvalidArgument,
              absl::StrCat("the metadata header '", kMarkerHeader, ": ",
                           kMarkerValue, "' is required on every call"),
              kMarkerHeader));
  }
  call->caller = IdentifyCaller(context, state.peers());
  call->runtime = state.runtime();
  if (!state.limiter().enabled()) return grpc::Status::OK;
  if (std::optional<absl::Duration> wait =
          state.limiter().Acquire(call->caller.RateKey(), call->start)) {
    Metrics::Get().RateLimited(method);
    log::Warn("rate limited",
              {{"method", call->method}, {"caller", call->caller.Describe()}});
    return RateLimitedStatus(*wait);
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status Admit(ServerState& state, const grpc::ServerContextBase& context,
                   absl::string_view method, CallContext* call) {
  return AdmitCall(state, context, method, /*proxy=*/false, call);
}

grpc::Status AdmitProxyCall(ServerState& state,
                            const grpc::ServerContextBase& context,
                            absl::string_view method, CallContext* call) {
  return AdmitCall(state, context, method, /*proxy=*/true, call);
}

void RecordRpc(const CallContext& call, const grpc::Status& status) {
  if (call.state != nullptr) call.state->CallEnded();
  const absl::string_view code = CodeName(status.error_code());
  Metrics::Get().RpcHandled(call.method, code, absl::Now() - call.start);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("rpc", {{"method", call.method},
                       {"code", code},
                       {"caller", call.caller.Describe()}});
  }
}

}  // namespace tokend
