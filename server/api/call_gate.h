// The checks every TokenService and KeyService call passes before its
// handler runs, in order:
//  1. not shutting down (else UNAVAILABLE / UNAVAILABLE);
//  2. the marker header `tokend-request: 1` is present (else
//     INVALID_ARGUMENT / INVALID_ARGUMENT, field "tokend-request"): a
//     browser or an SSRF-driven request cannot set it, so it cannot reach
//     the sidecar (like SPIFFE's `workload.spiffe.io: true`);
//  3. the caller's identity is read (caller.h);
//  4. the per-caller rate limit (else RESOURCE_EXHAUSTED with RetryInfo).
// Before them, the request id is taken from the `x-request-id` header (when
// it is 1-128 characters of [A-Za-z0-9._:+/=-]) or made (22 random
// base64url characters), logged with every line of the call and echoed in
// the trailing metadata `x-request-id`, whatever the outcome.
// Health and reflection never pass through here.
#ifndef TOKEND_SERVER_API_CALL_GATE_H_
#define TOKEND_SERVER_API_CALL_GATE_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "server/api/server_state.h"
#include "server/observability/grpc_method_info.h"
#include "server/runtime/config_snapshot.h"
#include "server/transport/caller.h"

namespace tokend {

inline constexpr char kMarkerHeader[] = "tokend-request";
inline constexpr char kMarkerValue[] = "1";
inline constexpr char kRequestIdHeader[] = "x-request-id";

struct CallContext {
  std::string method;
  std::string request_id;
  absl::Time start;
  GrpcMethodInfo grpc;  // labels of the grpc_server_* metrics
  CallerIdentity caller;
  std::shared_ptr<const ConfigSnapshot> snapshot;
  ServerState* state = nullptr;  // set by Admit; RecordRpc ends the call
};

// Fills `call` and returns OK, or the status to finish the call with.
grpc::Status Admit(ServerState& state, grpc::ServerContextBase& context,
                   absl::string_view method, CallContext* call);

// The same for Envoy's ext_authz Check (server/ext_authz/): the request id,
// steps 1 and 3 only. Envoy cannot be relied on to send the marker header
// (Istio's extension providers cannot add one), Check only answers
// questions about the request it is shown, and a per-caller rate limit
// would throttle every user behind one proxy (use Envoy's own rate
// limiting instead).
grpc::Status AdmitProxyCall(ServerState& state,
                            grpc::ServerContextBase& context,
                            absl::string_view method, CallContext* call);

// Records the RPC metrics for a finished call and ends it for the shutdown
// drain. Exactly once per Admit. A failed call is logged at info with its
// code, reason and field (never the message, which may quote input, nor a
// token); a successful one at debug.
void RecordRpc(const CallContext& call, const grpc::Status& status);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_CALL_GATE_H_
