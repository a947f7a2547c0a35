#include "server/api/call_gate.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/random.h"
#include "core/reason.h"
#include "server/observability/grpc_method_info.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/wire/status_mapping.h"

namespace tokend {

namespace {

bool IsGoodRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._:+/=-", c)) {
      return false;
    }
  }
  return true;
}

grpc::Status AdmitCall(ServerState& state, grpc::ServerContextBase& context,
                       absl::string_view method, bool proxy,
                       CallContext* call) {
  call->method = std::string(method);
  call->start = absl::Now();
  call->state = &state;
  call->grpc = MethodInfo(method);
  state.CallStarted();
  Metrics::Get().GrpcStarted(call->grpc.service, method, call->grpc.type);
  const auto& metadata = context.client_metadata();
  if (auto id = metadata.find(kRequestIdHeader);
      id != metadata.end() && IsGoodRequestId(absl::string_view(
                                  id->second.data(), id->second.size()))) {
    call->request_id.assign(id->second.data(), id->second.size());
  } else {
    call->request_id = NewTokenId();
  }
  context.AddTrailingMetadata(kRequestIdHeader, call->request_id);
  if (state.shutting_down()) {
    return ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down"));
  }
  if (proxy) {
    call->caller = IdentifyCaller(context, state.peers());
    call->snapshot = state.snapshot();
    return grpc::Status::OK;
  }
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
  call->snapshot = state.snapshot();
  if (!state.limiter().enabled()) return grpc::Status::OK;
  if (std::optional<absl::Duration> wait =
          state.limiter().Acquire(call->caller.RateKey(), call->start)) {
    Metrics::Get().RateLimited(method);
    log::Warn("rate limited", {{"method", call->method},
                               {"request_id", call->request_id},
                               {"caller", call->caller.Describe()}});
    return RateLimitedStatus(*wait);
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status Admit(ServerState& state, grpc::ServerContextBase& context,
                   absl::string_view method, CallContext* call) {
  return AdmitCall(state, context, method, /*proxy=*/false, call);
}

grpc::Status AdmitProxyCall(ServerState& state,
                            grpc::ServerContextBase& context,
                            absl::string_view method, CallContext* call) {
  return AdmitCall(state, context, method, /*proxy=*/true, call);
}

void RecordRpc(const CallContext& call, const grpc::Status& status) {
  if (call.state != nullptr) call.state->CallEnded();
  const absl::string_view code = CodeName(status.error_code());
  const absl::Duration latency = absl::Now() - call.start;
  Metrics::Get().RpcHandled(call.method, code, latency);
  Metrics::Get().GrpcHandled(call.grpc.service, call.method, call.grpc.type,
                             GoCodeName(status.error_code()), latency);
  if (!status.ok()) {
    const ReasonAndField why = ReasonOf(status);
    log::Info("rpc failed", {{"method", call.method},
                             {"request_id", call.request_id},
                             {"code", code},
                             {"reason", why.reason},
                             {"field", why.field},
                             {"caller", call.caller.Describe()}});
  } else if (log::Enabled(log::Level::kDebug)) {
    log::Debug("rpc", {{"method", call.method},
                       {"request_id", call.request_id},
                       {"code", code},
                       {"caller", call.caller.Describe()}});
  }
}

}  // namespace tokend
