#include "server/api/key_service_impl.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/api/call_gate.h"
#include "server/api/holding_writer.h"
#include "server/api/jwks_watch.h"
#include "server/api/raw_messages.h"
#include "server/api/unknown_tenant.h"
#include "server/wire/proto_time.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

constexpr char kGetJwks[] = "GetJwks";
constexpr char kWatchJwks[] = "WatchJwks";

absl::Status CheckTenant(const ConfigSnapshot& snapshot,
                         const std::string& tenant) {
  if (tenant.empty() || !snapshot.ProfileOf(tenant).empty()) {
    return absl::OkStatus();
  }
  return UnknownTenant(snapshot, tenant, nullptr, std::nullopt);
}

}  // namespace

absl::Status DoGetJwks(const CallContext& call,
                       const v1::GetJwksRequest& request,
                       v1::GetJwksResponse* response) {
  if (absl::Status s = CheckTenant(*call.snapshot, request.tenant()); !s.ok()) {
    return s;
  }
  FillJwks(*call.snapshot, request.tenant(), response);
  return absl::OkStatus();
}

absl::Status DoWatchJwks(const CallContext& call, StreamRegistry& streams,
                         const v1::WatchJwksRequest& request,
                         WatchJwksPlan* plan) {
  const ConfigSnapshot& snapshot = *call.snapshot;
  if (absl::Status s = CheckTenant(snapshot, request.tenant()); !s.ok()) {
    return s;
  }
  if (!streams.HasRoom(
          static_cast<size_t>(snapshot.config().limits.max_streams))) {
    return Error(Reason::kResourceExhausted, "too many open streams");
  }
  FillJwks(snapshot, request.tenant(), &plan->current);
  plan->send_current =
      request.etag().empty() || plan->current.etag() != request.etag();
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* KeyServiceImpl::GetJwks(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  grpc::Status status = Admit(state_, *context, kGetJwks, &call);
  if (status.ok()) {
    RawMessages<v1::GetJwksRequest, v1::GetJwksResponse> m;
    absl::Status s = m.Parse(*request, kGetJwks);
    if (s.ok()) s = DoGetJwks(call, m.request(), m.response());
    status = m.Reply(ToGrpcStatus(s), response);
  }
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* KeyServiceImpl::WatchJwks(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request) {
  CallContext call;
  WatchJwksPlan plan;
  v1::WatchJwksRequest request;
  grpc::Status status = Admit(state_, *context, kWatchJwks, &call);
  if (status.ok()) {
    absl::Status s = ParseRequest(*raw_request, kWatchJwks, &request);
    if (s.ok()) s = DoWatchJwks(call, state_.streams(), request, &plan);
    status = ToGrpcStatus(s);
  }
  RecordRpc(call, status);
  if (!status.ok()) {
    return new RefusedWriter<grpc::ByteBuffer>(status);
  }
  auto* writer =
      new JwksWatchWriter(state_, watchers_, request.tenant(),
                          std::move(plan.current), plan.send_current);
  if (!state_.streams().Add(writer, 0)) {
    writer->End(
        ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down")));
  }
  return writer;
}

}  // namespace tokend
