// The agora-token-service routes (AgoraIO-Community/agora-token-service;
// see docs/formats/agora.md §6) on the HTTP port: same paths, parameters
// and JSON shapes, so that an app written against Agora's token-server
// guide works by changing only its base URL. Unlike that service, every
// route but /ping needs `Authorization: Bearer <identity token>` and passes
// the exchange policy (the identity token is the subject token, type
// ...:token-type:jwt).
//
//   GET  /ping                                   {"message":"pong"}
//   GET  /rtc/:channel/:role/:tokentype/:uid/    {"rtcToken":"007..."}
//   GET  /rtm/:uid/                              {"rtmToken":"007..."}
//   GET  /rte/:channel/:role/:tokentype/:rtcuid/[:rtmuid/]
//                                                {"rtcToken", "rtmToken"}
//   GET  /chat/app/                              {"chatToken":"007..."}
//   GET  /chat/account/:chatid/ (or userAccount) {"chatToken":"007..."}
//   POST /getToken  {"tokenType":"rtc"|"rtm"|"chat", "channel", "role",
//                    "uid", "expire"}            {"token":"007..."}
// The trailing slash is optional (agora-token-service redirects to it).
// Quirks kept from agora-token-service:
//   - role "publisher" is a publisher (join + publish audio, video, data);
//     any other role is a subscriber (join only): the narrower grant;
//   - tokentype "uid" is a decimal uid (0: any uid, which the policy only
//     allows when its rule says so), "userAccount" a string account;
//     anything else is an error;
//   - ?expiry= (GET) / "expire" (POST) are relative seconds, default 3600,
//     for both the token and its privileges; 0 is the default too (as
//     POST /getToken does);
//   - /rte's rtmuid defaults to the rtcuid, and its RTM token also carries
//     an RTC service for the channel (join + publish data), as
//     go-tokenbuilder's stream-channel RTM token does; two exchanges;
//   - POST /getToken's uid that is an unsigned decimal is a numeric uid
//     ("007" is uid 7, "0" any uid), anything else an account; "rtm" with
//     a channel adds the stream-channel RTC service; "chat" without uid is
//     an app token.
// Deliberate differences: a uid over 2^32-1 is refused, not truncated to
// 32 bits; an RTM uid "" or "0" is refused for POST as for GET; an optional
// ?tenant= (GET) / "tenant" (POST) names the tenant (else the first rule
// that allows decides).
// Errors keep the service's shapes: a parameter error is
// 400 {"message":"Error Generating RTC token: ...","status":400}; a refused
// exchange is {"status":N,"error":"Error Generating RTC token - ..."} with
// N 400 (bad request), 401 (identity token does not verify), 403 (policy
// denies), 501 (exchange not configured), 503 or 500; POST errors are
// {"error":"..."}; no Bearer token: 401 {"status":401,"error":...} with
// WWW-Authenticate: Bearer. Every reply has Cache-Control: private,
// no-cache, no-store, must-revalidate, Expires: -1 and Pragma: no-cache.
//
// Runs on civetweb's worker threads; the exchanger must not block.
#ifndef TOKEND_SERVER_API_AGORA_ROUTES_H_
#define TOKEND_SERVER_API_AGORA_ROUTES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/api/exchange_token.h"
#include "server/api/http_request.h"
#include "server/api/server_state.h"

namespace tokend {

// One exchange a route makes and the JSON member its token goes in.
struct AgoraCall {
  std::string member;   // "rtcToken", "rtmToken", "chatToken", "token"
  ExchangeInput input;  // grants, ttl, tenant, via "agora"; no token yet
};

// What a route asks for, parsed from its path and query (GET) or body
// (POST /getToken); the calls' subject tokens are still empty.
struct AgoraRequest {
  std::string what;  // "RTC", "RTM", "RTC and RTM", "Chat", "" for POST
  std::vector<AgoraCall> calls;
};

// True for a path the agora routes serve (GET or POST).
bool IsAgoraPath(absl::string_view path);

// Parses GET /rtc, /rtm, /rte, /chat. kInvalidArgument with a message for
// the service's error shape, or kNotFound for another path.
absl::StatusOr<AgoraRequest> ParseAgoraGet(absl::string_view path,
                                           absl::string_view query);

// Parses POST /getToken's JSON body. kInvalidArgument.
absl::StatusOr<AgoraRequest> ParseAgoraPost(absl::string_view body);

// The bearer token of an Authorization header, or "" when there is none.
std::string BearerToken(const char* authorization);

// Serves an agora path (IsAgoraPath).
HttpReply RouteAgora(ServerState& state, const HttpRequest& request,
                     const Exchanger& exchange);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_AGORA_ROUTES_H_
