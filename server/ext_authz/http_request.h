// Reading what Envoy says about the HTTP request in a CheckRequest: headers
// (from `headers` or, with Envoy's encode_raw_headers, `header_map`), the
// bearer token (header, cookie or query), host and path segments.
// Plain functions over the message; no I/O. Run on gRPC callback threads.
#ifndef TOKEND_SERVER_EXT_AUTHZ_HTTP_REQUEST_H_
#define TOKEND_SERVER_EXT_AUTHZ_HTTP_REQUEST_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "envoy/service/auth/v3/attribute_context.pb.h"
#include "server/config/ext_authz_config.h"

namespace tokend {

using EnvoyHttpRequest =
    envoy::service::auth::v3::AttributeContext::HttpRequest;

// A header's value (name lower-case). Several values of one name are
// joined with "," as Envoy does for `headers`; `count` (optional) receives
// how many header lines or `headers` entries carried it.
std::optional<std::string> FindHeader(const EnvoyHttpRequest& http,
                                      absl::string_view name,
                                      int* count = nullptr);

// The sum of the lengths of all header names and values.
size_t HeaderBytes(const EnvoyHttpRequest& http);

// The bearer token of an inbound request, per the config. Errors are
// kInvalidArgument with reason INVALID_ARGUMENT naming the header
// ("authorization", "cookie", "query") and a detail that never contains
// the token; an absent token is kUnauthenticated (no credentials).
absl::StatusOr<std::string> BearerToken(const EnvoyHttpRequest& http,
                                        const ExtAuthzConfig& config);

// `host` without a port, lower-case.
std::string HostWithoutPort(absl::string_view host);

// The path without its query and fragment.
absl::string_view PathOnly(absl::string_view path);

// The 0-based non-empty segment `index` of a path ("" when absent).
std::string PathSegment(absl::string_view path, int64_t index);

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_HTTP_REQUEST_H_
