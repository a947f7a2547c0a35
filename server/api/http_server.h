// The HTTP port (civetweb, the server prometheus-cpp embeds):
//   /metrics                       Prometheus text format
//   /healthz                       the process is up
//   /readyz                        200 when serving; 503 when shutting down,
//                                  or degraded: a jwt tenant has no usable
//                                  signing key (the body names it)
//   /.well-known/jwks.json         the public keys of every jwt tenant
//   /.well-known/openid-configuration
//                                  issuer and jwks_uri (only when there is
//                                  exactly one jwt tenant)
//   /t/<tenant>/.well-known/jwks.json,
//   /t/<tenant>/.well-known/openid-configuration
//                                  the same for one jwt tenant
// JWKS responses carry a strong ETag and Cache-Control: public, max-age=N
// (the tenants' keys.jwks_max_age; the shortest for the combined set), and
// If-None-Match with the current ETag answers 304. The jwks_uri base is
// listeners.http_public_url, or else http://<the request's Host header>;
// the discovery document is then sent with Cache-Control: no-store (a Host
// header is the client's word, not to be cached for others).
//
// The exchange routes (POST and OPTIONS too):
//   /oauth2/token                  RFC 8693 token exchange
//                                  (oauth2_token_route.h)
//   /ping, /rtc, /rtm, /rte, /chat, /getToken
//                                  the agora-token-service routes
//                                  (agora_routes.h)
// with CORS for listeners.http_cors.allowed_origins (cors.h).
//
// Slow or idle clients cannot starve the probes: 64 workers, a request's
// headers must arrive within 2 s or its connection is closed, and at most
// 64 accepted connections wait for a worker. A body is read only when its
// Content-Length is at most kMaxHttpBody (64 KiB), in one read bounded by
// the same 2 s; a larger or chunked body is refused unread. At most
// kExchangeWorkers (48) workers serve the exchange routes at once (beyond
// that: 503 with Retry-After: 1), so 16 always remain for the probes and
// the JWKS even when exchange callers trickle their bodies. Exchange
// requests (not /ping, not preflights) are rate limited per peer address
// by limits.rate_limit (qps, burst), like gRPC calls per caller: over it,
// 429 with Retry-After. (After any
// reply civetweb's graceful close discards what the client still sends
// until it closes, at most about 1 s, so a refused caller that keeps its
// connection open holds a worker that long; tests/server/e2e/
// http_exchange_server_test.) civetweb's own CORS preflight answer is
// turned off (access_control_allow_origin ""): cors.h decides.
//
// prometheus-cpp 1.0.1's Exposer offers no way to add other handlers, so
// tokend runs civetweb's CivetServer itself and serialises the metric
// registry on each scrape. Handlers run on civetweb's worker threads and
// read the current ConfigSnapshot without locking.
#ifndef TOKEND_SERVER_API_HTTP_SERVER_H_
#define TOKEND_SERVER_API_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/api/http_request.h"
#include "server/api/server_state.h"

class CivetServer;

namespace tokend {

// Answers a GET of `path` (the decoded path, without the query): the
// routes above, matched as civetweb matches them (the route or the route
// followed by '/'); any other path is 404. A plain function, so that it
// runs without a socket (tests/fuzz/fuzz_http). Runs on civetweb's worker
// threads.
HttpReply RouteHttpGet(ServerState& state, absl::string_view path,
                       const HttpHeaders& header);

// At most this many workers serve the exchange routes at once.
inline constexpr int kExchangeWorkers = 48;

// True for a path of the exchange routes (/oauth2/token and the agora
// routes).
bool IsExchangePath(absl::string_view path);

// Answers any request: the exchange routes with CORS (any method; OPTIONS
// is the preflight), and RouteHttpGet's routes for GET. A plain function
// (tests/fuzz/fuzz_http). Runs on civetweb's worker threads.
HttpReply RouteHttp(ServerState& state, const HttpRequest& request,
                    const Exchanger& exchange);

class HttpServer {
 public:
  // `address` is host:port. Errors: kUnavailable when it cannot listen.
  // `exchange` serves the exchange routes (production: DoExchange; a lambda,
  // since DoExchange may be overloaded).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& address, ServerState* state,
      Exchanger exchange = [](const CallContext& call,
                              const ExchangeInput& input) {
        return DoExchange(call, input);
      });
  ~HttpServer();

 private:
  class Handler;
  HttpServer() = default;

  std::unique_ptr<Handler> handler_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_HTTP_SERVER_H_
