// tokend.v1.TokenService over the callback API: each handler admits the
// call (call_gate.h), checks the caller's policy, turns the request into a
// core call and the result into a response or a mapped status
// (status_mapping.h). No token or secret is ever logged; the audit line
// names the caller, tenant, subject, token id and expiry.
#ifndef TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_
#define TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/call_gate.h"
#include "server/api/server_state.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend {

// The logic of IssueToken and VerifyToken after admission, as plain
// functions (in-process tests call them). Each looks its tenant up once, in
// `call.snapshot`, the snapshot the call was admitted with, and hands that
// Tenant to `core`: a reload during the call cannot mix two configurations.
// A verdict on a bad token is an OK status with `valid` false.
absl::Status DoIssueToken(const TokenService& core, const CallContext& call,
                          const v1::IssueTokenRequest& request,
                          v1::IssueTokenResponse* response);
absl::Status DoVerifyToken(const TokenService& core, const CallContext& call,
                           const v1::VerifyTokenRequest& request,
                           v1::VerifyTokenResponse* response);

// Every method is a raw callback method: each parses its own request
// (raw_messages.h), so an unparseable one is answered INVALID_ARGUMENT with
// ErrorInfo and counted (malformed_request.h) instead of gRPC's bare
// UNIMPLEMENTED (unary) or INTERNAL (SubscribeToken). Handlers run on gRPC's
// callback threads; RevokeToken finishes on the revocation store's
// completion thread.
//
// ExchangeToken needs no caller right: the subject token is the
// authentication and the exchange policy the authorization (the same
// policy the HTTP `/oauth2/token` applies to any app that reaches it, so a
// right here would protect nothing the HTTP port does not give away). The
// marker header and the per-caller rate limit still apply, and the audit
// line names the caller.
using TokenServiceBase = v1::TokenService::WithRawCallbackMethod_IssueToken<
    v1::TokenService::WithRawCallbackMethod_VerifyToken<
        v1::TokenService::WithRawCallbackMethod_RenewToken<
            v1::TokenService::WithRawCallbackMethod_RevokeToken<
                v1::TokenService::WithRawCallbackMethod_ExchangeToken<
                    v1::TokenService::WithRawCallbackMethod_SubscribeToken<
                        v1::TokenService::Service>>>>>>;

class TokenServiceImpl final : public TokenServiceBase {
 public:
  explicit TokenServiceImpl(ServerState& state) : state_(state) {}

  grpc::ServerUnaryReactor* IssueToken(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyToken(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RenewToken(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ExchangeToken(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToken(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* raw_request) override;

 private:
  ServerState& state_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_TOKEN_SERVICE_IMPL_H_
