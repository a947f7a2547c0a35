#include "server/http_server.h"

#include <functional>
#include <stdexcept>
#include <vector>

#include "CivetServer.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/metrics.h"
#include "server/revocations.h"

namespace tokend {

// One GET endpoint: `body` returns (status code, content type, body).
class HttpServer::Handler final : public CivetHandler {
 public:
  struct Reply {
    int code;
    std::string content_type;
    std::string body;
    std::string extra_headers;
  };
  explicit Handler(std::function<Reply()> body) : body_(std::move(body)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    const Reply reply = body_();
    const char* text = reply.code == 200 ? "OK" : "Service Unavailable";
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "%sConnection: close\r\n\r\n",
              reply.code, text, reply.content_type.c_str(), reply.body.size(),
              reply.extra_headers.c_str());
    mg_write(conn, reply.body.data(), reply.body.size());
    return true;
  }

 private:
  std::function<Reply()> body_;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& address, ServerState* state) {
  std::unique_ptr<HttpServer> http(new HttpServer);
  http->metrics_ = std::make_unique<Handler>([] {
    return Handler::Reply{200, "text/plain; version=0.0.4; charset=utf-8",
                          Metrics::Get().ExpositionText(), ""};
  });
  http->healthz_ = std::make_unique<Handler>(
      [] { return Handler::Reply{200, "text/plain", "ok\n", ""}; });
  http->readyz_ = std::make_unique<Handler>([state] {
    if (state->shutting_down()) {
      return Handler::Reply{503, "text/plain", "shutting down\n", ""};
    }
    if (const RevocationReadiness r = ReadinessOf(state->revocations());
        !r.healthy) {
      return Handler::Reply{r.ready ? 200 : 503, "text/plain", r.line, ""};
    }
    return Handler::Reply{200, "text/plain", "ready\n", ""};
  });
  http->jwks_ = std::make_unique<Handler>([state] {
    std::shared_ptr<const Runtime> runtime = state->runtime();
    std::string body = runtime->JwksJson("");
    return Handler::Reply{
        200, "application/jwk-set+json", body,
        absl::StrCat("ETag: ", Runtime::Etag(body),
                     "\r\nCache-Control: public, max-age=300\r\n")};
  });
  // civetweb wants "127.0.0.1:9090"; IPv6 as "[::1]:9090".
  const std::vector<std::string> options = {
      "listening_ports", address, "num_threads", "4",
      "enable_keep_alive", "no"};
  try {
    http->server_ = std::make_unique<CivetServer>(options);
  } catch (const std::exception& e) {
    // CivetServer reports a failed listen by exception; this is the only
    // place tokend meets it.
    return Error(Reason::kUnavailable,
                 absl::StrCat("cannot serve HTTP on ", address, ": ", e.what()));
  }
  http->server_->addHandler("/metrics", http->metrics_.get());
  http->server_->addHandler("/healthz", http->healthz_.get());
  http->server_->addHandler("/readyz", http->readyz_.get());
  http->server_->addHandler("/.well-known/jwks.json", http->jwks_.get());
  return http;
}

HttpServer::~HttpServer() {
  if (server_ != nullptr) server_->close();
}

}  // namespace tokend
