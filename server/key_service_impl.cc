#include "server/key_service_impl.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/call_gate.h"
#include "server/holding_writer.h"
#include "server/proto_time.h"
#include "server/status_mapping.h"

namespace tokend {
namespace {

constexpr char kGetJwks[] = "GetJwks";
constexpr char kWatchJwks[] = "WatchJwks";
// How long verifiers may cache the set.
constexpr absl::Duration kMaxAge = absl::Minutes(5);

absl::Status CheckTenant(const Runtime& runtime, const std::string& tenant) {
  if (tenant.empty() || !runtime.ProfileOf(tenant).empty()) {
    return absl::OkStatus();
  }
  return Error(Reason::kInvalidArgument,
               absl::StrCat("unknown tenant '", tenant, "'"), "tenant");
}

template <typename Response>
void FillJwks(const Runtime& runtime, const std::string& tenant,
              Response* response) {
  response->set_jwks_json(runtime.JwksJson(tenant));
  response->set_etag(Runtime::Etag(response->jwks_json()));
  ToProto(kMaxAge, response->mutable_max_age());
  for (const PublishedKeyInfo& k : runtime.PublishedKeys(tenant)) {
    v1::PublishedKey* key = response->add_keys();
    key->set_kid(k.kid);
    key->set_alg(k.alg);
    key->set_kty(k.kty);
    key->set_tenant(k.tenant);
    key->set_state(v1::KEY_STATE_ACTIVE);
    key->set_jwk_json(k.jwk_json);
  }
}

}  // namespace

grpc::ServerUnaryReactor* KeyServiceImpl::GetJwks(
    grpc::CallbackServerContext* context, const v1::GetJwksRequest* request,
    v1::GetJwksResponse* response) {
  CallContext call;
  grpc::Status status = Admit(state_, *context, kGetJwks, &call);
  if (status.ok()) {
    status = ToGrpcStatus(CheckTenant(*call.runtime, request->tenant()));
  }
  if (status.ok()) FillJwks(*call.runtime, request->tenant(), response);
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchJwksResponse>* KeyServiceImpl::WatchJwks(
    grpc::CallbackServerContext* context, const v1::WatchJwksRequest* request) {
  CallContext call;
  grpc::Status status = Admit(state_, *context, kWatchJwks, &call);
  if (status.ok()) {
    status = ToGrpcStatus(CheckTenant(*call.runtime, request->tenant()));
  }
  if (status.ok() && !state_.streams().HasRoom(static_cast<size_t>(
                         call.runtime->config().limits.max_streams))) {
    status = ToGrpcStatus(
        Error(Reason::kResourceExhausted, "too many open streams"));
  }
  RecordRpc(call, status);
  if (!status.ok()) {
    return new RefusedWriter<v1::WatchJwksResponse>(status);
  }
  v1::WatchJwksResponse first;
  FillJwks(*call.runtime, request->tenant(), &first);
  first.set_sequence(1);
  std::optional<v1::WatchJwksResponse> send;
  if (request->etag() != first.etag()) send = std::move(first);
  auto* writer = new HoldingWriter<v1::WatchJwksResponse>(
      &state_.streams(), kWatchJwks, std::move(send));
  if (!state_.streams().Add(writer, 0)) {
    writer->End(
        ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down")));
  }
  return writer;
}

}  // namespace tokend
