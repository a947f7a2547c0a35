// envoy.service.auth.v3.Authorization over the callback API, registered on
// the API listeners (unix socket, loopback TCP, TLS) beside TokenService:
// admit (call_gate.h, AdmitProxyCall) → DoCheck (RunCheck, check.h, on the
// call's configuration snapshot, plus its metric and log line) → finish. A
// Check always finishes OK with a CheckResponse whose status says allow or deny
// (a gRPC error would leave the decision to Envoy's failure_mode_allow); only a
// draining tokend answers UNAVAILABLE. Runs on gRPC callback threads; no token
// is logged.
//
// Check is a raw callback method parsing its own request (raw_messages.h).
// An unparseable CheckRequest still finishes OK, with a denial (400,
// google.rpc.Status INVALID_ARGUMENT carrying ErrorInfo field "request"),
// counted in tokend_malformed_requests_total{method="Check"}: a gRPC error
// would make an Envoy with failure_mode_allow let the request through
// undecided, and a request tokend cannot read is never allowed.
#ifndef TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_
#define TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "core/token_service.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/api/call_gate.h"
#include "server/api/server_state.h"
#include "server/ext_authz/outbound_tokens.h"

namespace tokend {

// Check after admission, as a plain function (in-process tests call it):
// RunCheck on `call.snapshot` with the caller's identity, then the
// tokend_ext_authz metric and the debug line (a token id, never the token).
// `store_healthy` is asked only when ext_authz.on_store_unavailable is
// closed (the revocation service's Healthy() takes its lock). Always OK:
// the decision is in `response`. Runs on the calling gRPC thread; never
// blocks (an outbound cache miss signs in memory).
absl::Status DoCheck(const TokenService& core,
                     absl::FunctionRef<bool()> store_healthy,
                     OutboundTokens* outbound, const CallContext& call,
                     const envoy::service::auth::v3::CheckRequest& request,
                     envoy::service::auth::v3::CheckResponse* response);

// The denial for a CheckRequest that could not be parsed: `error` is
// MalformedRequest's status, kept whole (code, message, ErrorInfo) in the
// CheckResponse's status.
void DenyMalformed(const absl::Status& error,
                   envoy::service::auth::v3::CheckResponse* response);

class AuthorizationServiceImpl final
    : public envoy::service::auth::v3::Authorization::
          WithRawCallbackMethod_Check<
              envoy::service::auth::v3::Authorization::Service> {
 public:
  // `outbound` may be null (outbound mode refused); both must outlive the
  // service.
  AuthorizationServiceImpl(ServerState& state, OutboundTokens* outbound)
      : state_(state), outbound_(outbound) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;

 private:
  ServerState& state_;
  OutboundTokens* const outbound_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_
