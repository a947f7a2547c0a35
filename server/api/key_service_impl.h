// tokend.v1.KeyService: the public verification keys of the JWT tenants.
// GetJwks answers from the current ConfigSnapshot; WatchJwks sends the current
// set (unless the caller's etag is current) and then the full set again
// after every change: the server calls NotifyJwksChanged() after each
// ConfigSnapshot swap (config reload or key rotation). See jwks_watch.h.
#ifndef TOKEND_SERVER_API_KEY_SERVICE_IMPL_H_
#define TOKEND_SERVER_API_KEY_SERVICE_IMPL_H_

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/call_gate.h"
#include "server/api/jwks_watch.h"
#include "server/api/server_state.h"
#include "server/api/stream_registry.h"
#include "tokend/v1/key_service.grpc.pb.h"

namespace tokend {

// GetJwks after admission, as a plain function (in-process tests call it):
// `request.tenant`'s public keys ("": every jwt tenant's) from
// `call.snapshot`, the snapshot the call was admitted with. An unknown
// tenant is INVALID_ARGUMENT naming the tenants with published keys (keys
// are public: no caller right is asked). Runs on the calling gRPC thread.
absl::Status DoGetJwks(const CallContext& call,
                       const v1::GetJwksRequest& request,
                       v1::GetJwksResponse* response);

// WatchJwks's decision, as a plain function (in-process tests call it):
// whether the stream may start and what its first message is.
struct WatchJwksPlan {
  // The key set of the call's snapshot, with its etag (sequence unset).
  v1::WatchJwksResponse current;
  // Whether `current` is sent at once: false when the caller's etag is
  // current (nothing is sent until the set changes).
  bool send_current = true;
};

// Checks `request.tenant` as DoGetJwks does, and that `streams` has room
// under the snapshot's limits.max_streams (RESOURCE_EXHAUSTED); then fills
// `plan` from `call.snapshot`. The stream plumbing stays in
// KeyServiceImpl::WatchJwks, which registers a JwksWatchWriter that sends
// the plan and every later change (jwks_watch.h). Runs on the calling gRPC
// thread; never blocks.
absl::Status DoWatchJwks(const CallContext& call, StreamRegistry& streams,
                         const v1::WatchJwksRequest& request,
                         WatchJwksPlan* plan);

// Both methods are raw callback methods parsing their own request, so an
// unparseable one is INVALID_ARGUMENT with ErrorInfo and counted
// (raw_messages.h, malformed_request.h). Handlers run on gRPC's callback
// threads.
using KeyServiceBase = v1::KeyService::WithRawCallbackMethod_GetJwks<
    v1::KeyService::WithRawCallbackMethod_WatchJwks<v1::KeyService::Service>>;

class KeyServiceImpl final : public KeyServiceBase {
 public:
  explicit KeyServiceImpl(ServerState& state) : state_(state) {}

  grpc::ServerUnaryReactor* GetJwks(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchJwks(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* raw_request) override;

  // Open WatchJwks streams send the current set if it changed. Any thread.
  void NotifyJwksChanged() { watchers_.PushAll(); }

 private:
  ServerState& state_;
  JwksWatchers watchers_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_KEY_SERVICE_IMPL_H_
