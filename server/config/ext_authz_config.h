// The `ext_authz:` section of tokend's configuration: how Envoy's
// Authorization/Check is answered (server/ext_authz/check.h). Parsed and
// validated by server/config.cc, documented in the README ("Use tokend from
// Envoy or Istio").
#ifndef TOKEND_SERVER_CONFIG_EXT_AUTHZ_CONFIG_H_
#define TOKEND_SERVER_CONFIG_EXT_AUTHZ_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tokend {

// A host/path rule choosing the tenant (and expectations) for requests a
// route's context_extensions do not name. The first matching rule wins.
struct ExtAuthzRoute {
  std::string host;              // exact (port ignored); "" matches any host
  std::string path_prefix;       // "" matches any path
  std::string tenant;            // required
  std::string mode = "inbound";  // inbound | outbound
  std::string audience;          // expected aud (inbound) or issued aud
  // The channel/room the token must be for: from this request header, or
  // from this 0-based segment of the path (-1: none).
  std::string channel_header;
  int64_t channel_path_segment = -1;
};

struct ExtAuthzConfig {
  // Inbound: where the bearer token is. The header's value must be
  // "Bearer <token>" when it is `authorization`, else the token itself.
  std::string token_header = "authorization";
  std::string token_cookie;  // "" : no cookie
  // A token in the query (?access_token=) is refused unless this is set
  // (RFC 6750 §2.3 advises against it).
  bool allow_query_token = false;
  // context_extensions keys (set per route in Envoy / Istio).
  std::string tenant_key = "tokend_tenant";
  std::string mode_key = "tokend_mode";          // inbound | outbound
  std::string audience_key = "tokend_audience";  // expected/issued aud
  std::string subject_key = "tokend_subject";    // outbound identity
  std::vector<ExtAuthzRoute> routes;
  // Allowed: headers added upstream ("" omits one), claims copied into
  // headers (claim name → header name), Authorization removed.
  std::string subject_header = "x-tokend-subject";
  std::string tenant_header = "x-tokend-tenant";
  std::string token_id_header = "x-tokend-token-id";
  std::map<std::string, std::string> claim_headers;
  bool remove_token = false;
  // The claims as the CheckResponse's dynamic_metadata. Off by default:
  // Envoy hands it to every later filter and access log (more than the
  // headers asked for), and building and sending it was ~15k instructions
  // of a Check's ~137k (callgrind).
  bool claims_metadata = false;
  // The revocation store is down: open keeps answering from the local
  // index (as VerifyToken does); closed denies with 503 UNAVAILABLE.
  bool fail_closed = false;
  // The request's headers (all names and values) over this: 431.
  int64_t max_header_bytes = 32 * 1024;
  // Outbound: the header that carries the minted token, its TTL, and the
  // tokens cached per (tenant, subject).
  std::string outbound_header = "authorization";
  absl::Duration outbound_ttl = absl::Minutes(10);
  int64_t outbound_max_cached =
      1000;  // within renewal.max_subscriptions_per_caller
};

}  // namespace tokend

#endif  // TOKEND_SERVER_CONFIG_EXT_AUTHZ_CONFIG_H_
