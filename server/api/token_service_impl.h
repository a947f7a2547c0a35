// tokend.v1.TokenService over the callback API: each handler admits the
// call (call_gate.h), checks the caller's policy, turns the request into a
// core call and the result into a response or a mapped status
// (status_mapping.h). No token or secret is ever logged; the audit line
// names the caller, tenant, subject, token id and expiry.
#ifndef TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_
#define TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/arena_messages.h"
#include "server/api/call_gate.h"
#include "server/api/server_state.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend {

// The logic of IssueToken and VerifyToken after admission, as plain
// functions (in-process tests call them). Each looks its tenant up once, in
// `call.runtime`, the snapshot the call was admitted with, and hands that
// Tenant to `core`: a reload during the call cannot mix two configurations.
// A verdict on a bad token is an OK status with `valid` false.
absl::Status DoIssueToken(const TokenService& core, const CallContext& call,
                          const v1::IssueTokenRequest& request,
                          v1::IssueTokenResponse* response);
absl::Status DoVerifyToken(const TokenService& core, const CallContext& call,
                           const v1::VerifyTokenRequest& request,
                           v1::VerifyTokenResponse* response);

class TokenServiceImpl final : public v1::TokenService::CallbackService {
 public:
  explicit TokenServiceImpl(ServerState& state) : state_(state) {
    SetMessageAllocatorFor_IssueToken(&issue_messages_);
    SetMessageAllocatorFor_VerifyToken(&verify_messages_);
    SetMessageAllocatorFor_RenewToken(&renew_messages_);
    SetMessageAllocatorFor_RevokeToken(&revoke_messages_);
  }

  grpc::ServerUnaryReactor* IssueToken(
      grpc::CallbackServerContext* context,
      const v1::IssueTokenRequest* request,
      v1::IssueTokenResponse* response) override;
  grpc::ServerUnaryReactor* VerifyToken(
      grpc::CallbackServerContext* context,
      const v1::VerifyTokenRequest* request,
      v1::VerifyTokenResponse* response) override;
  grpc::ServerUnaryReactor* RenewToken(
      grpc::CallbackServerContext* context,
      const v1::RenewTokenRequest* request,
      v1::RenewTokenResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(
      grpc::CallbackServerContext* context,
      const v1::RevokeTokenRequest* request,
      v1::RevokeTokenResponse* response) override;
  grpc::ServerWriteReactor<v1::TokenEvent>* SubscribeToken(
      grpc::CallbackServerContext* context,
      const v1::SubscribeTokenRequest* request) override;

 private:
  ServerState& state_;
  // Each unary call's messages live on one arena (arena_messages.h).
  ArenaMessageAllocator<v1::IssueTokenRequest, v1::IssueTokenResponse>
      issue_messages_;
  ArenaMessageAllocator<v1::VerifyTokenRequest, v1::VerifyTokenResponse>
      verify_messages_;
  ArenaMessageAllocator<v1::RenewTokenRequest, v1::RenewTokenResponse>
      renew_messages_;
  ArenaMessageAllocator<v1::RevokeTokenRequest, v1::RevokeTokenResponse>
      revoke_messages_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_
