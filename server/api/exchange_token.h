// Identity exchange: a token from a trusted issuer (`issuers[]`) in, the
// token the exchange policy (`exchange.rules[]`) allows out. The one plain
// function behind the three ways in: the gRPC TokenService.ExchangeToken,
// the RFC 8693 `POST /oauth2/token` and the agora-token-service routes of
// the HTTP port. Each adapter parses its own request into ExchangeInput and
// renders the result or the status in its own shape.
//
// DoExchange verifies the subject token (and the actor token, when given)
// against the call's snapshot's trusted issuers, asks its exchange policy,
// issues with TokenService on the tenant the decision names (from the same
// snapshot), writes the audit line (incoming issuer and subject, rule,
// tenant, token id, decision; never a token) and counts the outcome by
// rule. It never fetches: keys come from the key sets the refresher keeps.
// Runs on the calling thread (a gRPC or civetweb worker) and never blocks.
#ifndef TOKEND_SERVER_API_EXCHANGE_TOKEN_H_
#define TOKEND_SERVER_API_EXCHANGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/profiles/grants.h"
#include "core/profiles/profile.h"
#include "core/token_service.h"
#include "server/api/call_gate.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// RFC 8693 token type URIs tokend accepts for subject and actor tokens.
inline constexpr char kTokenTypeJwt[] = "urn:ietf:params:oauth:token-type:jwt";
inline constexpr char kTokenTypeIdToken[] =
    "urn:ietf:params:oauth:token-type:id_token";
inline constexpr char kTokenTypeAccessToken[] =
    "urn:ietf:params:oauth:token-type:access_token";

struct ExchangeInput {
  std::string subject_token;       // required
  std::string subject_token_type;  // "" : kTokenTypeJwt
  std::string actor_token;         // optional
  std::string actor_token_type;
  // The tenant asked for ("" : the first rule that allows decides).
  std::string tenant;
  // The grants asked for (std::monostate: the rule's vendor, nothing asked).
  Grants grants;
  absl::Duration ttl = absl::ZeroDuration();  // zero: the rule's default
  // Which way in: "grpc", "oauth2" or "agora" (audit field, metric label).
  std::string via;
};

struct ExchangeResult {
  TokenInfo info;       // the issued token
  std::string tenant;   // the tenant it was issued for
  std::string profile;  // that tenant's profile name
  std::string rule;     // the rule that allowed it
};

// Errors, each with a reason from the catalogue and the field at fault:
// - a missing or oversized subject_token, an unknown token type:
//   INVALID_ARGUMENT naming "subject_token" / "subject_token_type" (and
//   the same for the actor);
// - no issuers configured: FAILED_PRECONDITION;
// - a subject or actor token that does not verify (unknown issuer, bad
//   signature, expired, wrong audience, unknown kid, ...): UNAUTHENTICATED
//   with the verification's reason, field "subject_token" / "actor_token";
// - the policy denies: ExchangeDecision::ToStatus (PERMISSION_DENIED with
//   the condition and field);
// - issuing fails: the core's status.
//
// Metric tokend_exchange_total{rule,outcome,via}: outcome is the decision's
// (ExchangeDecision::outcome()), or invalid_request, not_configured,
// invalid_subject_token, invalid_actor_token (verification failed),
// issue_failed (allowed, but the core refused to mint: revoked, the
// revocation store down fail-closed, a TTL over the tenant's maximum).
//
// Issues with call.state->core() (the server's TokenService).
absl::StatusOr<ExchangeResult> DoExchange(const CallContext& call,
                                          const ExchangeInput& input);
// The same with an explicit core (in-process tests, which have no
// ServerState).
absl::StatusOr<ExchangeResult> DoExchange(const TokenService& core,
                                          const CallContext& call,
                                          const ExchangeInput& input);

// TokenService.ExchangeToken after admission (TokenServiceImpl admits,
// calls it, finishes): the request as ExchangeInput (via "grpc"; the grants
// oneof through the IssueTokenRequest wire conversions), DoExchange, the
// result as the response. No caller right is asked (token_service_impl.h
// says why). Runs on the calling gRPC thread; never blocks.
absl::Status DoExchangeToken(const TokenService& core, const CallContext& call,
                             const v1::ExchangeTokenRequest& request,
                             v1::ExchangeTokenResponse* response);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_EXCHANGE_TOKEN_H_
