// RevokeToken in two plain parts around the store write (in-process tests
// call both; TokenServiceImpl::RevokeToken admits, calls DoRevokeToken,
// hands the entry to RevocationService::RevokeAsync and finishes the call
// with FinishRevoke when the store answers).
#ifndef TOKEND_SERVER_API_REVOKE_TOKEN_H_
#define TOKEND_SERVER_API_REVOKE_TOKEN_H_

#include <string>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/revocation/revocation.h"
#include "core/token_service.h"
#include "server/api/call_gate.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// What a RevokeToken call writes, and needs to answer once the store has.
struct RevokePlan {
  std::string what;      // the target kind, for the audit line
  std::string subject;   // when known
  std::string token_id;  // when known
  std::string reason;    // the caller's free text, audited
  Revocation entry;
  // The token given is already revoked or expired: nothing to write, the
  // call answers OK at once.
  bool nothing_left = false;
};

// Checks the request (tenant, the caller's `revoke` right, exactly one
// target, a token's size and verdict) and builds the entry, revoked at
// `clock`'s now and kept as long as a token it covers can be accepted. A
// token without a jti is FAILED_PRECONDITION (nothing names it alone). Runs
// on the calling gRPC thread; never blocks.
absl::Status DoRevokeToken(const TokenService& core, const Clock& clock,
                           const CallContext& call,
                           const v1::RevokeTokenRequest& request,
                           RevokePlan* plan);

// The audit line, the metrics and the answer for `plan` once the store
// answered `store` (OK for a target already gone): UNAVAILABLE when the
// revocation is enforced here but not durable, the store's error when it
// refused, else OK with the entry's times in `response`. Runs on the
// revocation service's completion thread (or the call's, when nothing was
// written); must not block.
absl::Status FinishRevoke(const CallContext& call, const RevokePlan& plan,
                          const absl::Status& store,
                          v1::RevokeTokenResponse* response);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_REVOKE_TOKEN_H_
