#include "server/api/http_server.h"

#include <functional>
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
    case 304:
      return "Not Modified";
    case 404:
      return "Not Found";
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

}  // namespace

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

// Every GET endpoint: RouteHttpGet builds the response from the request.
class HttpServer::Handler final : public CivetHandler {
 public:
  explicit Handler(ServerState* state) : state_(state) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    const mg_request_info* info = mg_get_request_info(conn);
    const Reply reply = RouteHttpGet(
        *state_, info->local_uri != nullptr ? info->local_uri : "",
        [conn](const char* name) { return mg_get_header(conn, name); });
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "%sConnection: close\r\n\r\n",
              reply.code, StatusText(reply.code), reply.content_type.c_str(),
              reply.body.size(), reply.extra_headers.c_str());
    mg_write(conn, reply.body.data(), reply.body.size());
    return true;
  }

 private:
  ServerState* const state_;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& address, ServerState* state) {
  std::unique_ptr<HttpServer> http(new HttpServer);
  http->handler_ = std::make_unique<Handler>(state);
  // civetweb wants "127.0.0.1:9090"; IPv6 as "[::1]:9090".
  // Each civetweb worker serves one connection at a time, so idle or
  // trickling connections (slowloris) could occupy them all and starve the
  // probes. Bounded: a request must arrive whole within kRequestTimeout
  // (civetweb measures the whole header read, not each recv), there are
  // kWorkers workers, and at most kQueue accepted connections wait for one
  // (beyond that the kernel backlog holds them, then they are refused).
  const std::vector<std::string> options = {
      "listening_ports",    address,
      "num_threads",        absl::StrCat(kWorkers),
      "connection_queue",   absl::StrCat(kQueue),
      "listen_backlog",     absl::StrCat(kQueue),
      "request_timeout_ms", absl::StrCat(kRequestTimeoutMs),
      "enable_keep_alive",  "no"};
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
  return http;
}

HttpServer::~HttpServer() {
  if (server_ != nullptr) server_->close();
}

}  // namespace tokend
