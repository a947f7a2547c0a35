// Building CheckResponses: an allow (ok_response) with the headers and
// dynamic metadata Envoy applies, or a denial (denied_response) whose
// google.rpc.Status code and HTTP status follow Envoy's contract and whose
// headers and body name the reason code, never the token.
#ifndef TOKEND_SERVER_EXT_AUTHZ_RESPONSES_H_
#define TOKEND_SERVER_EXT_AUTHZ_RESPONSES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "envoy/service/auth/v3/external_auth.pb.h"

namespace tokend {

using EnvoyCheckResponse = envoy::service::auth::v3::CheckResponse;

// Sets (overwriting what the client sent) `name: value` on the upstream
// request.
void AddUpstreamHeader(absl::string_view name, absl::string_view value,
                       envoy::service::auth::v3::OkHttpResponse* ok);

// status OK and an empty ok_response (filled by the caller).
envoy::service::auth::v3::OkHttpResponse* Allow(EnvoyCheckResponse* response);

// How a refusal looks to the HTTP client.
enum class Denial {
  kNoToken,       // 401 UNAUTHENTICATED, WWW-Authenticate: Bearer
  kInvalidToken,  // 401 UNAUTHENTICATED, error="invalid_token"
  kBadRequest,    // 400 INVALID_ARGUMENT, error="invalid_request"
  kTooLarge,      // 431 INVALID_ARGUMENT, error="invalid_request"
  kForbidden,     // 403 PERMISSION_DENIED, error="insufficient_scope"
  kUnavailable,   // 503 UNAVAILABLE
};

// A denial: `reason` is the catalogue name (core/reason.h), `detail` a
// message safe to show (no token bytes).
void Deny(Denial denial, absl::string_view reason, absl::string_view detail,
          EnvoyCheckResponse* response);

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_RESPONSES_H_
