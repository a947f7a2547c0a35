#include "server/api/http_server.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "CivetServer.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "server/api/agora_routes.h"
#include "server/api/cors.h"
#include "server/api/oauth2_token_route.h"
#include "server/observability/metrics.h"
#include "server/runtime/revocations.h"

namespace tokend {
namespace {

// The HTTP listener's bounds (see Start).
constexpr int kWorkers = 64;
constexpr int kQueue = 64;
constexpr int kRequestTimeoutMs = 2000;

using Reply = HttpReply;

const char* StatusText(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 429:
      return "Too Many Requests";
    case 408:
      return "Request Timeout";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    default:
      return "Service Unavailable";
  }
}

Reply NotFound(absl::string_view what) {
  return Reply{404, "text/plain", absl::StrCat(what, "\n"), ""};
}

// True when If-None-Match lists `etag` (or is "*"); weak forms match too.
bool EtagMatches(const char* if_none_match, const std::string& etag) {
  if (if_none_match == nullptr) return false;
  for (absl::string_view candidate : absl::StrSplit(if_none_match, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    absl::ConsumePrefix(&candidate, "W/");
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

// The JWKS of `tenant` ("" = every jwt tenant).
Reply Jwks(const ConfigSnapshot& snapshot, const std::string& tenant,
           const HttpHeaders& header) {
  const std::string body = snapshot.JwksJson(tenant);
  const std::string etag = ConfigSnapshot::Etag(body);
  const std::string headers =
      absl::StrCat("ETag: ", etag, "\r\nCache-Control: public, max-age=",
                   absl::ToInt64Seconds(snapshot.JwksMaxAge(tenant)), "\r\n");
  if (EtagMatches(header("If-None-Match"), etag)) {
    return Reply{304, "application/jwk-set+json", "", headers};
  }
  return Reply{200, "application/jwk-set+json", body, headers};
}

// Where verifiers reach this listener.
std::string BaseUrl(const ConfigSnapshot& snapshot, const HttpHeaders& header) {
  const std::string& configured = snapshot.config().listeners.http_public_url;
  if (!configured.empty()) return configured;
  const char* host = header("Host");
  return absl::StrCat("http://", host != nullptr && *host != '\0'
                                     ? host
                                     : snapshot.config().listeners.http);
}

// OpenID discovery metadata: the issuer and where its keys are.
Reply OpenIdConfiguration(const ConfigSnapshot& snapshot,
                          const TenantJwks& view, const std::string& jwks_path,
                          const HttpHeaders& header) {
  json::Object doc;
  doc.Set("issuer", view.issuer);
  doc.Set("jwks_uri", absl::StrCat(BaseUrl(snapshot, header), jwks_path));
  json::Array algs;
  for (const PublishedKeyInfo& key : view.keys) {
    bool seen = false;
    for (const json::Value& a : algs) seen = seen || a.as_string() == key.alg;
    if (!seen) algs.push_back(key.alg);
  }
  doc.Set("id_token_signing_alg_values_supported", std::move(algs));
  // A jwks_uri built from the request's Host header is only true for that
  // request: a shared cache must not hand it to others (a forged Host
  // would poison it), so only the configured public URL is cacheable.
  const bool from_host = snapshot.config().listeners.http_public_url.empty();
  return Reply{200, "application/json", json::Serialize(doc),
               from_host
                   ? std::string("Cache-Control: no-store\r\n")
                   : absl::StrCat("Cache-Control: public, max-age=",
                                  absl::ToInt64Seconds(view.max_age), "\r\n")};
}

// /t/<tenant>/.well-known/{jwks.json,openid-configuration}.
Reply TenantEndpoint(const ConfigSnapshot& snapshot, absl::string_view path,
                     const HttpHeaders& header) {
  if (!absl::ConsumePrefix(&path, "/t/")) return NotFound("not found");
  const size_t slash = path.find('/');
  if (slash == absl::string_view::npos) return NotFound("not found");
  const std::string tenant(path.substr(0, slash));
  const absl::string_view rest = path.substr(slash);
  const TenantJwks* view = snapshot.JwksOf(tenant);
  if (view == nullptr) {
    return NotFound(absl::StrCat("no jwt tenant '", tenant, "'"));
  }
  if (rest == "/.well-known/jwks.json") return Jwks(snapshot, tenant, header);
  if (rest == "/.well-known/openid-configuration") {
    return OpenIdConfiguration(
        snapshot, *view, absl::StrCat("/t/", tenant, "/.well-known/jwks.json"),
        header);
  }
  return NotFound("not found");
}

Reply Readyz(ServerState& state) {
  if (state.shutting_down()) {
    return Reply{503, "text/plain", "shutting down\n", ""};
  }
  const std::vector<std::string> unsigned_tenants =
      state.snapshot()->TenantsWithoutSigner();
  if (!unsigned_tenants.empty()) {
    return Reply{503, "text/plain",
                 absl::StrCat("degraded: no usable signing key for tenant ",
                              absl::StrJoin(unsigned_tenants, ", "), "\n"),
                 ""};
  }
  // One line per trusted issuer; a required issuer without keys (before
  // its first successful fetch) keeps tokend unready.
  std::string issuer_lines;
  bool issuers_ready = true;
  if (const auto& issuers = state.snapshot()->issuers(); issuers != nullptr) {
    for (const std::string& line : issuers->ReadinessLines(absl::Now())) {
      absl::StrAppend(&issuer_lines, line, "\n");
    }
    issuers_ready = issuers->Ready();
  }
  if (!issuers_ready) {
    return Reply{503, "text/plain",
                 absl::StrCat("not ready: a required issuer has no keys\n",
                              issuer_lines),
                 ""};
  }
  if (const RevocationReadiness r = ReadinessOf(state.revocations());
      !r.healthy) {
    return Reply{r.ready ? 200 : 503, "text/plain",
                 absl::StrCat(r.line, issuer_lines), ""};
  }
  return Reply{200, "text/plain", absl::StrCat("ready\n", issuer_lines), ""};
}

// The routes, as civetweb matches a handler's URI: the path itself or the
// path followed by '/'.
bool Under(absl::string_view path, absl::string_view route) {
  return absl::StartsWith(path, route) &&
         (path.size() == route.size() || path[route.size()] == '/');
}

// The methods an exchange route serves.
absl::string_view MethodsOf(absl::string_view path) {
  if (Under(path, kOAuth2TokenPath) || Under(path, "/getToken")) {
    return "POST, OPTIONS";
  }
  return "GET, OPTIONS";
}

// 403 for an Origin that CORS does not allow, in the route's error shape.
Reply OriginRefused(absl::string_view path) {
  Reply reply =
      Under(path, kOAuth2TokenPath)
          ? OAuth2ErrorReply({403, "invalid_request", "Origin not allowed"})
          : Reply{403, "application/json", "{\"error\":\"Origin not allowed\"}",
                  "Cache-Control: no-store\r\n"};
  absl::StrAppend(&reply.extra_headers, "Vary: Origin\r\n");
  return reply;
}

// 503 when kExchangeWorkers are busy, in the route's error shape.
Reply Busy(absl::string_view path) {
  if (Under(path, kOAuth2TokenPath)) {
    return OAuth2ErrorReply(
        {503, "temporarily_unavailable", "too many exchange requests"});
  }
  return Reply{503, "application/json",
               "{\"error\":\"too many requests\",\"status\":503}",
               "Cache-Control: no-store\r\nRetry-After: 1\r\n"};
}

// 429 when the peer address is over limits.rate_limit, in the route's error
// shape, with Retry-After in whole seconds (at least 1).
Reply RateLimited(absl::string_view path, absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  Reply reply =
      Under(path, kOAuth2TokenPath)
          ? OAuth2ErrorReply({429, "temporarily_unavailable", "rate limited"})
          : Reply{429, "application/json",
                  "{\"error\":\"rate limited\",\"status\":429}",
                  "Cache-Control: no-store\r\n"};
  absl::StrAppend(&reply.extra_headers, "Retry-After: ", seconds, "\r\n");
  return reply;
}

}  // namespace

bool IsExchangePath(absl::string_view path) {
  return Under(path, kOAuth2TokenPath) || IsAgoraPath(path);
}

HttpReply RouteHttp(ServerState& state, const HttpRequest& request,
                    const Exchanger& exchange) {
  const absl::string_view path = request.path;
  if (!IsExchangePath(path)) {
    if (request.method == "GET" || request.method == "HEAD") {
      return RouteHttpGet(state, path, request.header);
    }
    return Reply{405, "text/plain", "method not allowed\n", "Allow: GET\r\n"};
  }
  const CorsPolicy cors(
      state.snapshot()->config().listeners.http_cors.allowed_origins);
  if (request.method == "OPTIONS") {
    return cors.Preflight(request, MethodsOf(path));
  }
  const char* origin = request.header("Origin");
  const CorsPolicy::Verdict verdict = cors.Check(origin);
  if (verdict == CorsPolicy::Verdict::kRefused) return OriginRefused(path);
  // limits.rate_limit per peer address, as the gRPC calls have per caller
  // (behind a proxy every client shares its address: size it for that).
  if (state.limiter().enabled() && !Under(path, "/ping")) {
    if (const std::optional<absl::Duration> wait = state.limiter().Acquire(
            absl::StrCat("http:", request.remote_addr), absl::Now())) {
      return RateLimited(path, *wait);
    }
  }
  Reply reply = Under(path, kOAuth2TokenPath)
                    ? RouteOAuth2Token(state, request, exchange)
                    : RouteAgora(state, request, exchange);
  if (verdict == CorsPolicy::Verdict::kAllowed) {
    absl::StrAppend(&reply.extra_headers, CorsPolicy::ResponseHeaders(origin));
  }
  return reply;
}

HttpReply RouteHttpGet(ServerState& state, absl::string_view path,
                       const HttpHeaders& header) {
  if (Under(path, "/metrics")) {
    return Reply{200, "text/plain; version=0.0.4; charset=utf-8",
                 Metrics::Get().ExpositionText(), ""};
  }
  if (Under(path, "/healthz")) return Reply{200, "text/plain", "ok\n", ""};
  if (Under(path, "/readyz")) return Readyz(state);
  if (Under(path, "/.well-known/jwks.json")) {
    return Jwks(*state.snapshot(), "", header);
  }
  if (Under(path, "/.well-known/openid-configuration")) {
    const std::shared_ptr<const ConfigSnapshot> snapshot = state.snapshot();
    if (snapshot->jwt_tenants().size() != 1) {
      return NotFound(
          "not one jwt tenant: use /t/<tenant>/.well-known/"
          "openid-configuration");
    }
    return OpenIdConfiguration(*snapshot, snapshot->jwt_tenants().front(),
                               "/.well-known/jwks.json", header);
  }
  if (Under(path, "/t")) return TenantEndpoint(*state.snapshot(), path, header);
  return NotFound("not found");
}

// Every endpoint: RouteHttp builds the response from the request. The
// exchange routes' body is read here, bounded (see the header).
class HttpServer::Handler final : public CivetHandler {
 public:
  Handler(ServerState* state, Exchanger exchange)
      : state_(state), exchange_(std::move(exchange)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    return Serve(conn);
  }
  bool handlePost(CivetServer*, mg_connection* conn) override {
    return Serve(conn);
  }
  bool handleOptions(CivetServer*, mg_connection* conn) override {
    return Serve(conn);
  }

 private:
  bool Serve(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest request;
    request.method =
        info->request_method != nullptr ? info->request_method : "";
    request.path = info->local_uri != nullptr ? info->local_uri : "";
    request.query = info->query_string != nullptr ? info->query_string : "";
    request.remote_addr = info->remote_addr;
    request.content_length = info->content_length;
    request.header = [conn](const char* name) {
      return mg_get_header(conn, name);
    };
    if (!IsExchangePath(request.path)) {
      Send(conn, RouteHttp(*state_, request, exchange_));
      return true;
    }
    // A slot among kExchangeWorkers, held until the reply is sent.
    if (busy_.fetch_add(1, std::memory_order_acq_rel) >= kExchangeWorkers) {
      busy_.fetch_sub(1, std::memory_order_acq_rel);
      Send(conn, Busy(request.path));
      return true;
    }
    if (request.method == "POST") {
      if (request.content_length < 0 || request.content_length > kMaxHttpBody) {
        request.body_unread = true;
      } else if (request.content_length > 0) {
        request.body.resize(static_cast<size_t>(request.content_length));
        // One read: civetweb waits at most request_timeout_ms for it all.
        const int n = mg_read(conn, request.body.data(), request.body.size());
        if (n != static_cast<int>(request.body.size())) {
          busy_.fetch_sub(1, std::memory_order_acq_rel);
          Send(conn, Reply{408, "text/plain", "the body did not arrive\n", ""});
          return true;
        }
      }
    }
    Send(conn, RouteHttp(*state_, request, exchange_));
    busy_.fetch_sub(1, std::memory_order_acq_rel);
    return true;
  }

  static void Send(mg_connection* conn, const Reply& reply) {
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "%sConnection: close\r\n\r\n",
              reply.code, StatusText(reply.code), reply.content_type.c_str(),
              reply.body.size(), reply.extra_headers.c_str());
    mg_write(conn, reply.body.data(), reply.body.size());
  }

  ServerState* const state_;
  const Exchanger exchange_;
  std::atomic<int> busy_{0};
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& address, ServerState* state, Exchanger exchange) {
  std::unique_ptr<HttpServer> http(new HttpServer);
  http->handler_ = std::make_unique<Handler>(state, std::move(exchange));
  // civetweb wants "127.0.0.1:9090"; IPv6 as "[::1]:9090".
  // Each civetweb worker serves one connection at a time, so idle or
  // trickling connections (slowloris) could occupy them all and starve the
  // probes. Bounded: a request must arrive whole within kRequestTimeout
  // (civetweb measures the whole header read, not each recv), there are
  // kWorkers workers, and at most kQueue accepted connections wait for one
  // (beyond that the kernel backlog holds them, then they are refused).
  const std::vector<std::string> options = {
      "listening_ports", address, "num_threads", absl::StrCat(kWorkers),
      "connection_queue", absl::StrCat(kQueue), "listen_backlog",
      absl::StrCat(kQueue), "request_timeout_ms",
      absl::StrCat(kRequestTimeoutMs), "enable_keep_alive", "no",
      // civetweb answers CORS preflights itself, for any origin ("*"),
      // unless this is empty: cors.h decides instead.
      "access_control_allow_origin", ""};
  try {
    http->server_ = std::make_unique<CivetServer>(options);
  } catch (const std::exception& e) {
    // CivetServer reports a failed listen by exception; this is the only
    // place tokend meets it.
    return Error(Reason::kUnavailable, absl::StrCat("cannot serve HTTP on ",
                                                    address, ": ", e.what()));
  }
  http->server_->addHandler("/metrics", http->handler_.get());
  http->server_->addHandler("/healthz", http->handler_.get());
  http->server_->addHandler("/readyz", http->handler_.get());
  http->server_->addHandler("/.well-known/jwks.json", http->handler_.get());
  http->server_->addHandler("/.well-known/openid-configuration",
                            http->handler_.get());
  http->server_->addHandler("/t", http->handler_.get());
  for (const char* route : {kOAuth2TokenPath, "/ping", "/rtc", "/rtm", "/rte",
                            "/chat", "/getToken"}) {
    http->server_->addHandler(route, http->handler_.get());
  }
  return http;
}

HttpServer::~HttpServer() {
  if (server_ != nullptr) server_->close();
}

}  // namespace tokend
