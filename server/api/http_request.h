// One HTTP request as the routes see it: built by HttpServer's civetweb
// handler from a connection, or by a test or fuzz target without a socket.
// Plain data.
#ifndef TOKEND_SERVER_API_HTTP_REQUEST_H_
#define TOKEND_SERVER_API_HTTP_REQUEST_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "server/api/call_gate.h"
#include "server/api/exchange_token.h"

namespace tokend {

// One reply as the routes build it.
struct HttpReply {
  int code;
  std::string content_type;
  std::string body;
  std::string extra_headers;  // "Name: value\r\n" lines
};

// A request header's value by name (case-insensitive), or nullptr.
using HttpHeaders = std::function<const char*(const char*)>;

// The hard limit on a request body: the handler reads no further.
inline constexpr int64_t kMaxHttpBody = 64 * 1024;

struct HttpRequest {
  std::string method;  // "GET", "POST", "OPTIONS", ...
  std::string path;    // decoded, without the query
  std::string query;   // raw, without '?'
  HttpHeaders header;
  // The body, read only when its declared length is at most kMaxHttpBody.
  std::string body;
  // The declared Content-Length; -1 when absent (or chunked).
  int64_t content_length = -1;
  // True when the body was not read because it is too large (or has no
  // length): the route refuses the request.
  bool body_unread = false;
  std::string remote_addr;  // the peer's IP address, for logs and limits
};

// What the exchange routes call: DoExchange in production (exchange_token.h),
// a fake in unit tests.
using Exchanger = std::function<absl::StatusOr<ExchangeResult>(
    const CallContext&, const ExchangeInput&)>;

// The CallContext of an HTTP exchange call: the request id from
// X-Request-Id (when well-formed) or a new one, the current snapshot, and
// the caller as "peer:http:<addr>" (HTTP callers have no transport
// identity: the subject token is their identity).
CallContext HttpCallContext(ServerState& state, const HttpRequest& request,
                            absl::string_view method);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_HTTP_REQUEST_H_
