// CORS for the exchange routes (/oauth2/token and the agora-token-service
// routes), from listeners.http_cors.allowed_origins: exact origins
// ("https://app.example.com", scheme://host[:port]); "*" is refused by the
// config parser.
//   - A request whose Origin is allowed gets Access-Control-Allow-Origin:
//     <that origin> and Vary: Origin.
//   - A request whose Origin is not allowed is refused with 403 by the
//     route (HttpServer's dispatcher) and carries no CORS header, only
//     Vary: Origin; a request without Origin (curl, gRPC, Go) is served
//     without CORS headers.
//   - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
//     from an allowed origin for one of the route's methods: 204 with
//     Access-Control-Allow-{Origin,Methods,Headers}, Access-Control-Max-Age
//     and Vary: Origin. From any other origin or for another method: 403
//     without CORS headers.
// No credentials (cookies) are allowed: the identity travels in the
// Authorization header. Plain data; any thread.
#ifndef TOKEND_SERVER_API_CORS_H_
#define TOKEND_SERVER_API_CORS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/api/http_request.h"

namespace tokend {

inline constexpr int kCorsMaxAgeSeconds = 600;
inline constexpr char kCorsAllowHeaders[] =
    "Authorization, Content-Type, X-Request-Id";

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins)
      : allowed_(std::move(allowed_origins)) {}

  // True when `origin` is exactly one of the allowed origins.
  bool Allows(absl::string_view origin) const;

  // The verdict on a request's Origin header (nullptr: no Origin).
  enum class Verdict { kNoOrigin, kAllowed, kRefused };
  Verdict Check(const char* origin) const;

  // The headers an allowed origin's actual response carries.
  static std::string ResponseHeaders(absl::string_view origin);

  // The answer to OPTIONS on a route that serves `methods` (e.g.
  // "POST, OPTIONS").
  HttpReply Preflight(const HttpRequest& request,
                      absl::string_view methods) const;

 private:
  std::vector<std::string> allowed_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_CORS_H_
