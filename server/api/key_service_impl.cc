#include "server/api/key_service_impl.h"

#include <string>

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
  v1::WatchJwksRequest parsed;
  const v1::WatchJwksRequest* request = &parsed;
  grpc::Status status = Admit(state_, *context, kWatchJwks, &call);
  if (status.ok()) {
    status = ToGrpcStatus(ParseRequest(*raw_request, kWatchJwks, &parsed));
  }
  if (status.ok()) {
    status = ToGrpcStatus(CheckTenant(*call.snapshot, request->tenant()));
  }
  if (status.ok() && !state_.streams().HasRoom(static_cast<size_t>(
                         call.snapshot->config().limits.max_streams))) {
    status = ToGrpcStatus(
        Error(Reason::kResourceExhausted, "too many open streams"));
  }
  RecordRpc(call, status);
  if (!status.ok()) {
    return new RefusedWriter<grpc::ByteBuffer>(status);
  }
  auto* writer = new JwksWatchWriter(state_, watchers_, request->tenant(),
                                     request->etag());
  if (!state_.streams().Add(writer, 0)) {
    writer->End(
        ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down")));
  }
  return writer;
}

}  // namespace tokend
