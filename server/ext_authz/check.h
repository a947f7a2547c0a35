// Envoy ext_authz's Check as a plain function: one CheckRequest and one
// configuration snapshot in, one CheckResponse out (the gRPC service in
// authorization_service.h only admits the call and finishes it).
//
// Inbound (the default mode): the bearer token of the request is verified
// for the route's tenant exactly as VerifyToken does (signature, claims,
// revocation, audience and channel expectations). Outbound (context
// extension `tokend_mode: outbound` or a route with `mode: outbound`): a
// token for the calling workload is attached from outbound_tokens.h's cache.
// Runs on gRPC callback threads; never blocks on I/O (an outbound cache miss
// signs, in memory).
#ifndef TOKEND_SERVER_EXT_AUTHZ_CHECK_H_
#define TOKEND_SERVER_EXT_AUTHZ_CHECK_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/token_service.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "server/runtime/config_snapshot.h"
#include "server/transport/caller.h"

namespace tokend {

class OutboundTokens;

struct CheckEnv {
  const TokenService& core;
  const ConfigSnapshot& snapshot;  // one snapshot for the whole call
  const CallerIdentity& caller;
  bool store_healthy = true;           // the revocation store
  OutboundTokens* outbound = nullptr;  // null: outbound mode refused
};

// What happened, for metrics and logs. Labels are bounded: `tenant` is a
// configured tenant or "" (none or unknown).
struct CheckOutcome {
  std::string tenant;
  const char* mode = "inbound";    // inbound | outbound
  const char* outcome = "denied";  // allowed | denied | invalid | unavailable
  std::string reason = "OK";       // catalogue name (core/reason.h)
  std::string token_id;            // for the log line, never the token
};

CheckOutcome RunCheck(const CheckEnv& env,
                      const envoy::service::auth::v3::CheckRequest& request,
                      envoy::service::auth::v3::CheckResponse* response);

}  // namespace tokend

#endif  // TOKEND_SERVER_EXT_AUTHZ_CHECK_H_
