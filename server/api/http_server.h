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
// Slow or idle clients cannot starve the probes: 64 workers, a request
// must arrive within 2 s or its connection is closed, and at most 64
// accepted connections wait for a worker.
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
#include "server/api/server_state.h"

class CivetServer;

namespace tokend {

// One reply as the routes build it.
struct HttpReply {
  int code;
  std::string content_type;
  std::string body;
  std::string extra_headers;  // "Name: value\r\n" lines
};

// A request header's value by name, or nullptr when absent.
using HttpHeaders = std::function<const char*(const char*)>;

// Answers a GET of `path` (the decoded path, without the query): the
// routes above, matched as civetweb matches them (the route or the route
// followed by '/'); any other path is 404. A plain function, so that it
// runs without a socket (tests/fuzz/fuzz_http). Runs on civetweb's worker
// threads.
HttpReply RouteHttpGet(ServerState& state, absl::string_view path,
                       const HttpHeaders& header);

class HttpServer {
 public:
  // `address` is host:port. Errors: kUnavailable when it cannot listen.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& address, ServerState* state);
  ~HttpServer();

 private:
  class Handler;
  HttpServer() = default;

  std::unique_ptr<Handler> handler_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_HTTP_SERVER_H_
