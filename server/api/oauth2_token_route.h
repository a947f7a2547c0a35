// POST /oauth2/token: RFC 8693 token exchange over HTTP, the form that
// gRPC's grpc::experimental::StsCredentials and Go's credentials/sts send.
//
// Request: application/x-www-form-urlencoded (charset, when given, utf-8),
// at most kMaxHttpBody bytes, parameters in the body only (a query string
// is refused: tokens in URLs end up in logs).
//   grant_type            urn:ietf:params:oauth:grant-type:token-exchange
//   subject_token         required (surrounding whitespace is removed:
//                         StsCredentials sends its token file raw)
//   subject_token_type    required (the types exchange_token.h accepts)
//   actor_token(_type)    optional; the type iff the token
//   audience              optional, at most one: the tenant's name
//                         (absent: the first rule that allows decides)
//   resource              refused (invalid_target): name the tenant with
//                         audience
//   scope                 refused when not empty (invalid_scope): what
//                         tokend issues is what the exchange rule grants
//   requested_token_type  optional: ...:token-type:jwt (the issued token
//                         must be a JWT, else invalid_target) or
//                         ...:token-type:access_token (any token)
// Every parameter but audience and resource at most once; unknown
// parameters are ignored (RFC 6749 §3.2).
//
// Success (RFC 8693 §2.2.1), Cache-Control: no-store:
//   {"access_token", "expires_in", "issued_token_type", "token_type"}
// a JWT is issued_token_type ...:jwt with token_type "Bearer" (what
// StsCredentials puts in front of it in the Authorization header); any
// other token (Agora's) ...:access_token with token_type "N_A".
//
// Errors (RFC 6749 §5.2), Cache-Control: no-store,
// {"error", "error_description"}; the description never holds a token:
//   400 invalid_request         bad form, body or parameters; the
//                               exchange's INVALID_ARGUMENT
//   400 unsupported_grant_type  another grant_type; exchange not
//                               configured (FAILED_PRECONDITION,
//                               UNIMPLEMENTED)
//   400 invalid_grant           the subject or actor token does not verify
//                               (UNAUTHENTICATED)
//   400 invalid_target          the tenant asked for is not allowed
//                               (PERMISSION_DENIED on the tenant), resource
//   400 unauthorized_client     any other policy denial (PERMISSION_DENIED)
//   400 invalid_scope           a scope
//   403 invalid_request         an Origin that CORS does not allow
//   405 invalid_request         a method other than POST (or OPTIONS)
//   503 temporarily_unavailable UNAVAILABLE, RESOURCE_EXHAUSTED (with
//                               Retry-After)
//   500 server_error            anything else
// RFC 6749 answers 400 for unauthorized_client too (401 is only for
// invalid_client, and tokend does no client authentication: the subject
// token is the credential).
//
// Runs on civetweb's worker threads; the exchanger must not block.
#ifndef TOKEND_SERVER_API_OAUTH2_TOKEN_ROUTE_H_
#define TOKEND_SERVER_API_OAUTH2_TOKEN_ROUTE_H_

#include <string>

#include "absl/status/status.h"
#include "server/api/http_request.h"
#include "server/api/server_state.h"

namespace tokend {

inline constexpr char kOAuth2TokenPath[] = "/oauth2/token";
inline constexpr char kGrantTypeTokenExchange[] =
    "urn:ietf:params:oauth:grant-type:token-exchange";

struct OAuth2Error {
  int code = 400;
  std::string error;        // "invalid_request", ...
  std::string description;  // never a token
};

// The RFC 6749 error for a status of the exchange (see above).
OAuth2Error OAuth2ErrorOf(const absl::Status& status);

// The error's reply: JSON, Cache-Control: no-store, Pragma: no-cache.
HttpReply OAuth2ErrorReply(const OAuth2Error& error);

// POST /oauth2/token (request.path is kOAuth2TokenPath).
HttpReply RouteOAuth2Token(ServerState& state, const HttpRequest& request,
                           const Exchanger& exchange);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_OAUTH2_TOKEN_ROUTE_H_
