// The HTTP port (civetweb, the server prometheus-cpp embeds): /metrics
// (Prometheus text format), /healthz (the process is up), /readyz (serving:
// not shutting down) and /.well-known/jwks.json (the public keys of every
// JWT tenant, with an ETag and Cache-Control max-age).
//
// prometheus-cpp 1.0.1's Exposer offers no way to add other handlers, so
// tokend runs civetweb's CivetServer itself and serialises the metric
// registry on each scrape.
#ifndef TOKEND_SERVER_HTTP_SERVER_H_
#define TOKEND_SERVER_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/server_state.h"

class CivetServer;

namespace tokend {

class HttpServer {
 public:
  // `address` is host:port. Errors: kUnavailable when it cannot listen.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& address, ServerState* state);
  ~HttpServer();

 private:
  class Handler;
  HttpServer() = default;

  std::unique_ptr<Handler> metrics_, healthz_, readyz_, jwks_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_HTTP_SERVER_H_
