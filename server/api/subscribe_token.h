// SubscribeToken's decision, as a plain function: whether the subscription
// may start and what it is (in-process tests call it). The stream plumbing
// stays in TokenServiceImpl::SubscribeToken, which admits the call, calls
// DoSubscribeToken, registers the result with the SubscriptionManager
// (which sends the first event) and attaches the stream.
#ifndef TOKEND_SERVER_API_SUBSCRIBE_TOKEN_H_
#define TOKEND_SERVER_API_SUBSCRIBE_TOKEN_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/renewal/subscription_manager.h"
#include "core/token_service.h"
#include "server/api/call_gate.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// What DoSubscribeToken decided.
struct SubscribePlan {
  SubscriptionRequest request;  // for SubscriptionManager::Subscribe
  // The tenant's session cap (infinite: none, or an unknown tenant, which
  // Subscribe then refuses with its reason).
  absl::Duration session_cap = absl::InfiniteDuration();
};

// Checks the request: the tenant (or spec.tenant, which must equal it), the
// caller's `issue` right, one of spec or current_token, a store that lets
// new tokens be minted (fail-closed: no new subscription, not even a
// resumed one), a spec that converts (an unknown tenant is refused here),
// the app-level right for the spec's or the current token's grants, and
// the refresh fraction clamped to the configured bounds. A current token
// that does not verify is left to Subscribe, which refuses it with its
// reason. `revocations` is the revocation service's view. Runs on the
// calling gRPC thread; never blocks.
absl::Status DoSubscribeToken(const TokenService& core,
                              const RevocationChecker& revocations,
                              const CallContext& call,
                              const v1::SubscribeTokenRequest& request,
                              SubscribePlan* plan);

// The status to refuse the stream with when Subscribe failed with `error`:
// a spec's problem is the request's (INVALID_ARGUMENT), a current token's
// is answered as for a token input naming "current_token".
absl::Status SubscribeError(const v1::SubscribeTokenRequest& request,
                            const absl::Status& error);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_SUBSCRIBE_TOKEN_H_
