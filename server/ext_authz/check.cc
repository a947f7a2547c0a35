#include "server/ext_authz/check.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "server/config/config.h"
#include "server/ext_authz/http_request.h"
#include "server/ext_authz/outbound_tokens.h"
#include "server/ext_authz/responses.h"
#include "server/wire/struct_json.h"

namespace tokend {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using envoy::service::auth::v3::OkHttpResponse;

// The route's settings: from context_extensions, else the first matching
// host/path rule.
struct Route {
  std::string tenant;
  bool outbound = false;
  std::string audience;
  std::string channel;
  bool channel_missing = false;  // configured but absent from the request
};

std::string Extension(const CheckRequest& request, const std::string& key) {
  const auto& ext = request.attributes().context_extensions();
  auto it = ext.find(key);
  return it == ext.end() ? "" : it->second;
}

const ExtAuthzRoute* MatchRoute(const ExtAuthzConfig& config,
                                const EnvoyHttpRequest& http) {
  const std::string host = HostWithoutPort(http.host());
  const absl::string_view path = PathOnly(http.path());
  for (const ExtAuthzRoute& r : config.routes) {
    if (!r.host.empty() && r.host != host) continue;
    if (!r.path_prefix.empty() && !absl::StartsWith(path, r.path_prefix)) {
      continue;
    }
    return &r;
  }
  return nullptr;
}

Route RouteOf(const ExtAuthzConfig& config, const CheckRequest& request) {
  const EnvoyHttpRequest& http = request.attributes().request().http();
  Route route;
  const ExtAuthzRoute* rule =
      config.routes.empty() ? nullptr : MatchRoute(config, http);
  route.tenant = Extension(request, config.tenant_key);
  if (route.tenant.empty() && rule != nullptr) route.tenant = rule->tenant;
  // A rule's expectations apply only to the tenant it names.
  if (rule != nullptr && rule->tenant != route.tenant) rule = nullptr;
  const std::string mode = Extension(request, config.mode_key);
  route.outbound = mode.empty() ? (rule != nullptr && rule->mode == "outbound")
                                : mode == "outbound";
  route.audience = Extension(request, config.audience_key);
  if (route.audience.empty() && rule != nullptr)
    route.audience = rule->audience;
  if (rule != nullptr && !rule->channel_header.empty()) {
    route.channel = FindHeader(http, rule->channel_header).value_or("");
    route.channel_missing = route.channel.empty();
  } else if (rule != nullptr && rule->channel_path_segment >= 0) {
    route.channel = PathSegment(http.path(), rule->channel_path_segment);
    route.channel_missing = route.channel.empty();
  }
  return route;
}

CheckOutcome Refuse(CheckOutcome outcome, Denial denial, const char* result,
                    absl::string_view reason, absl::string_view detail,
                    CheckResponse* response) {
  outcome.outcome = result;
  outcome.reason = std::string(reason);
  Deny(denial, reason, detail, response);
  return outcome;
}

CheckOutcome RefuseStatus(CheckOutcome outcome, Denial denial,
                          const char* result, const absl::Status& status,
                          CheckResponse* response) {
  return Refuse(std::move(outcome), denial, result,
                ReasonName(GetReason(status)), StatusDetail(status), response);
}

// Header values Envoy would refuse (control characters) are not sent.
bool SafeHeaderValue(absl::string_view v) {
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

void SetOrRemove(absl::string_view name,
                 const std::optional<std::string>& value, OkHttpResponse* ok) {
  if (name.empty()) return;
  if (value.has_value() && SafeHeaderValue(*value)) {
    AddUpstreamHeader(name, *value, ok);
  } else {
    // Never let the client's own copy of the header through.
    ok->add_headers_to_remove(std::string(name));
  }
}

std::optional<std::string> ClaimText(const json::Object& claims,
                                     absl::string_view name) {
  const json::Value* v = claims.Find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return v->as_string();
  return json::Serialize(*v);
}

// Denials for a verification failure: expectations the token does not meet
// are a policy refusal (403), everything else an invalid token (401).
Denial DenialFor(const absl::Status& status) {
  const Reason reason = GetReason(status);
  if (reason == Reason::kUnavailable) return Denial::kUnavailable;
  if (reason == Reason::kAudienceMismatch) return Denial::kForbidden;
  if (reason == Reason::kBadClaim) {
    const std::string field = GetField(status);
    // Agora's channel, LiveKit's room: the token is for another one.
    if (field == "channel" || field == "video.room" ||
        field == "video.roomJoin") {
      return Denial::kForbidden;
    }
  }
  return Denial::kInvalidToken;
}

CheckOutcome Inbound(const CheckEnv& env, const Route& route,
                     const CheckRequest& request, CheckOutcome outcome,
                     CheckResponse* response) {
  const ExtAuthzConfig& config = env.snapshot.config().ext_authz;
  const EnvoyHttpRequest& http = request.attributes().request().http();
  absl::StatusOr<std::string> token = BearerToken(http, config);
  if (!token.ok()) {
    const bool none =
        token.status().code() == absl::StatusCode::kUnauthenticated;
    return Refuse(std::move(outcome),
                  none ? Denial::kNoToken : Denial::kBadRequest,
                  none ? "denied" : "invalid",
                  none ? "MISSING_TOKEN" : "INVALID_ARGUMENT",
                  StatusDetail(token.status()), response);
  }
  const int64_t max = env.snapshot.config().limits.max_token_bytes;
  if (static_cast<int64_t>(token->size()) > max) {
    return Refuse(std::move(outcome), Denial::kInvalidToken, "denied",
                  ReasonName(Reason::kTokenTooLarge),
                  absl::StrCat("the token is ", token->size(),
                               " bytes; the limit is ", max),
                  response);
  }
  if (route.channel_missing) {
    return Refuse(std::move(outcome), Denial::kBadRequest, "invalid",
                  ReasonName(Reason::kInvalidArgument),
                  "the route's channel (header or path segment) is missing",
                  response);
  }
  VerifyExpectations expect;
  if (!route.audience.empty()) expect.audience = route.audience;
  if (!route.channel.empty()) expect.channel = route.channel;
  // The tenant from the call's one snapshot, as the route was.
  absl::StatusOr<const Tenant*> tenant =
      TokenService::FindTenant(*env.snapshot.tenants(), outcome.tenant);
  absl::StatusOr<TokenInfo> info =
      tenant.ok() ? env.core.Verify(**tenant, *token, expect)
                  : absl::StatusOr<TokenInfo>(tenant.status());
  if (!info.ok()) {
    const Denial denial = DenialFor(info.status());
    return RefuseStatus(
        std::move(outcome), denial,
        denial == Denial::kUnavailable ? "unavailable" : "denied",
        info.status(), response);
  }
  outcome.outcome = "allowed";
  outcome.token_id = info->token_id;
  OkHttpResponse* ok = Allow(response);
  SetOrRemove(config.subject_header, info->subject, ok);
  SetOrRemove(config.tenant_header, outcome.tenant, ok);
  SetOrRemove(config.token_id_header, info->token_id, ok);
  for (const auto& [claim, header] : config.claim_headers) {
    SetOrRemove(header, ClaimText(info->claims, claim), ok);
  }
  if (config.remove_token) ok->add_headers_to_remove(config.token_header);
  if (config.claims_metadata) {
    auto& fields = *response->mutable_dynamic_metadata()->mutable_fields();
    fields["tenant"].set_string_value(outcome.tenant);
    fields["subject"].set_string_value(info->subject);
    fields["token_id"].set_string_value(info->token_id);
    if (info->expires_at != absl::InfiniteFuture()) {
      fields["expires_at"].set_number_value(
          static_cast<double>(absl::ToUnixSeconds(info->expires_at)));
    }
    if (!info->claims.empty()) {
      JsonToStruct(info->claims, fields["claims"].mutable_struct_value());
    }
  }
  return outcome;
}

CheckOutcome Outbound(const CheckEnv& env, const Route& route,
                      const CheckRequest& request, CheckOutcome outcome,
                      CheckResponse* response) {
  const ExtAuthzConfig& config = env.snapshot.config().ext_authz;
  if (env.outbound == nullptr) {
    return Refuse(std::move(outcome), Denial::kForbidden, "denied",
                  ReasonName(Reason::kPermissionDenied),
                  "outbound mode is not available", response);
  }
  std::string subject = Extension(request, config.subject_key);
  if (subject.empty()) subject = request.attributes().source().principal();
  if (subject.empty()) {
    return Refuse(std::move(outcome), Denial::kForbidden, "denied",
                  ReasonName(Reason::kPermissionDenied),
                  absl::StrCat("no workload identity: neither the source "
                               "principal nor context extension ",
                               config.subject_key, " is set"),
                  response);
  }
  if (absl::Status s = env.snapshot.policy().Authorize(
          env.caller, Action::kIssue, outcome.tenant);
      !s.ok()) {
    return RefuseStatus(std::move(outcome), Denial::kForbidden, "denied", s,
                        response);
  }
  absl::StatusOr<OutboundToken> token =
      env.outbound->Get(env.snapshot, outcome.tenant, subject, route.audience);
  if (!token.ok()) {
    const bool unavailable = GetReason(token.status()) == Reason::kUnavailable;
    return RefuseStatus(std::move(outcome),
                        unavailable ? Denial::kUnavailable : Denial::kForbidden,
                        unavailable ? "unavailable" : "denied", token.status(),
                        response);
  }
  outcome.outcome = "allowed";
  outcome.token_id = token->token_id;
  OkHttpResponse* ok = Allow(response);
  AddUpstreamHeader(config.outbound_header,
                    config.outbound_header == "authorization"
                        ? absl::StrCat("Bearer ", token->token)
                        : token->token,
                    ok);
  return outcome;
}

}  // namespace

CheckOutcome RunCheck(const CheckEnv& env, const CheckRequest& request,
                      CheckResponse* response) {
  CheckOutcome outcome;
  const ExtAuthzConfig& config = env.snapshot.config().ext_authz;
  if (!request.has_attributes() || !request.attributes().has_request() ||
      !request.attributes().request().has_http()) {
    return Refuse(std::move(outcome), Denial::kBadRequest, "invalid",
                  ReasonName(Reason::kInvalidArgument),
                  "attributes.request.http is required", response);
  }
  const EnvoyHttpRequest& http = request.attributes().request().http();
  if (static_cast<int64_t>(HeaderBytes(http)) > config.max_header_bytes) {
    return Refuse(std::move(outcome), Denial::kTooLarge, "invalid",
                  ReasonName(Reason::kInvalidArgument),
                  absl::StrCat("the request headers are over ",
                               config.max_header_bytes, " bytes"),
                  response);
  }
  const Route route = RouteOf(config, request);
  outcome.mode = route.outbound ? "outbound" : "inbound";
  if (route.tenant.empty()) {
    return Refuse(
        std::move(outcome), Denial::kForbidden, "denied",
        ReasonName(Reason::kInvalidArgument),
        absl::StrCat("no tenant: set context extension ", config.tenant_key,
                     " on the route or an ext_authz.routes rule"),
        response);
  }
  if (env.snapshot.ProfileOf(route.tenant).empty()) {
    return Refuse(std::move(outcome), Denial::kForbidden, "denied",
                  ReasonName(Reason::kInvalidArgument),
                  absl::StrCat("unknown tenant '", route.tenant, "'"),
                  response);
  }
  outcome.tenant = route.tenant;
  if (config.fail_closed && !env.store_healthy) {
    return Refuse(std::move(outcome), Denial::kUnavailable, "unavailable",
                  ReasonName(Reason::kUnavailable),
                  "the revocation store is unavailable and "
                  "ext_authz.on_store_unavailable is closed",
                  response);
  }
  if (route.outbound) return Outbound(env, route, request, outcome, response);
  if (absl::Status s = env.snapshot.policy().Authorize(
          env.caller, Action::kVerify, route.tenant);
      !s.ok()) {
    return RefuseStatus(std::move(outcome), Denial::kForbidden, "denied", s,
                        response);
  }
  return Inbound(env, route, request, std::move(outcome), response);
}

}  // namespace tokend
