// envoy.service.auth.v3.Authorization over the callback API, registered on
// the API listeners (unix socket, loopback TCP, TLS) beside TokenService:
// admit (call_gate.h, AdmitProxyCall) → RunCheck (check.h) on the call's
// configuration snapshot → finish. A Check always finishes OK with a
// CheckResponse whose status says allow or deny (a gRPC error would leave
// the decision to Envoy's failure_mode_allow); only a draining tokend
// answers UNAVAILABLE. Runs on gRPC callback threads; no token is logged.
#ifndef TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_
#define TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "server/api/arena_messages.h"
#include "server/api/server_state.h"
#include "server/ext_authz/outbound_tokens.h"

namespace tokend {

class AuthorizationServiceImpl final
    : public envoy::service::auth::v3::Authorization::CallbackService {
 public:
  // `outbound` may be null (outbound mode refused); both must outlive the
  // service.
  AuthorizationServiceImpl(ServerState& state, OutboundTokens* outbound)
      : state_(state), outbound_(outbound) {
    SetMessageAllocatorFor_Check(&messages_);
  }

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const envoy::service::auth::v3::CheckRequest* request,
      envoy::service::auth::v3::CheckResponse* response) override;

 private:
  ServerState& state_;
  OutboundTokens* const outbound_;
  ArenaMessageAllocator<envoy::service::auth::v3::CheckRequest,
                        envoy::service::auth::v3::CheckResponse>
      messages_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_AUTHORIZATION_SERVICE_H_
