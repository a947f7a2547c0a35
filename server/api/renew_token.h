// RenewToken after admission, as a plain function (in-process tests call
// it; TokenServiceImpl::RenewToken admits, calls it, finishes). Runs on the
// calling gRPC thread; never blocks.
#ifndef TOKEND_SERVER_API_RENEW_TOKEN_H_
#define TOKEND_SERVER_API_RENEW_TOKEN_H_

#include "absl/status/status.h"
#include "core/token_service.h"
#include "server/api/call_gate.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// Checks the request (tenant, token, the caller's `issue` right, the token
// size, the TTL), looks the tenant up once in `call.snapshot` and renews the
// token there: a new token with the same subject and grants (an app-level
// one needs issue_app_level too). A token that cannot be renewed (bad,
// expired past its grace, revoked, not yet in its renewal window, ...) is
// an error naming field "token" with core's reason.
absl::Status DoRenewToken(const TokenService& core, const CallContext& call,
                          const v1::RenewTokenRequest& request,
                          v1::RenewTokenResponse* response);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_RENEW_TOKEN_H_
