#include "server/api/oauth2_token_route.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "server/api/form_body.h"
#include "server/observability/logging.h"

namespace tokend {
namespace {

constexpr char kNoStore[] = "Cache-Control: no-store\r\nPragma: no-cache\r\n";

OAuth2Error Bad(std::string error, std::string description) {
  return OAuth2Error{400, std::move(error), std::move(description)};
}

// A form error's message without its "INVALID_ARGUMENT: " prefix.
std::string Detail(const absl::Status& status) {
  absl::string_view message = status.message();
  absl::ConsumePrefix(&message,
                      absl::StrCat(ReasonName(GetReason(status)), ": "));
  return std::string(message);
}

// True for a JWS compact serialization's shape: three dot-separated parts.
bool LooksLikeJwt(absl::string_view token) {
  size_t dots = 0;
  for (char c : token) dots += c == '.';
  return dots == 2;
}

// The media type of a Content-Type header is the form type, with no
// charset or utf-8.
bool IsFormContentType(const char* header) {
  if (header == nullptr) return false;
  absl::string_view value(header);
  const size_t semi = value.find(';');
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(value.substr(0, semi)),
                              "application/x-www-form-urlencoded")) {
    return false;
  }
  if (semi == absl::string_view::npos) return true;
  absl::string_view params = value.substr(semi + 1);
  params = absl::StripAsciiWhitespace(params);
  if (params.empty()) return true;
  const std::string lower = absl::AsciiStrToLower(params);
  return lower == "charset=utf-8" || lower == "charset=\"utf-8\"";
}

// The parsed request: what DoExchange needs, plus what the reply needs.
struct TokenRequest {
  ExchangeInput input;
  std::string requested_token_type;
};

// Reads one parameter that may appear at most once.
absl::Status ReadSingle(const FormBody& form, absl::string_view name,
                        std::string* out) {
  absl::StatusOr<std::optional<std::string>> value = form.Single(name);
  if (!value.ok()) return value.status();
  if (value->has_value()) *out = **value;
  return absl::OkStatus();
}

// The form → TokenRequest, or the RFC 6749 error.
std::optional<OAuth2Error> ParseTokenRequest(const FormBody& form,
                                             TokenRequest* out) {
  std::string grant_type, scope;
  ExchangeInput& in = out->input;
  for (auto [name, dst] : std::vector<std::pair<const char*, std::string*>>{
           {"grant_type", &grant_type},
           {"subject_token", &in.subject_token},
           {"subject_token_type", &in.subject_token_type},
           {"actor_token", &in.actor_token},
           {"actor_token_type", &in.actor_token_type},
           {"scope", &scope},
           {"requested_token_type", &out->requested_token_type}}) {
    if (absl::Status s = ReadSingle(form, name, dst); !s.ok()) {
      return Bad("invalid_request", Detail(s));
    }
  }
  if (grant_type.empty()) {
    return Bad("invalid_request", "grant_type is required");
  }
  if (grant_type != kGrantTypeTokenExchange) {
    return Bad("unsupported_grant_type",
               absl::StrCat("grant_type must be ", kGrantTypeTokenExchange));
  }
  // JWTs hold no whitespace; a token file's trailing newline is not part of
  // the token.
  in.subject_token = std::string(absl::StripAsciiWhitespace(in.subject_token));
  in.actor_token = std::string(absl::StripAsciiWhitespace(in.actor_token));
  if (in.subject_token.empty()) {
    return Bad("invalid_request", "subject_token is required");
  }
  if (in.subject_token_type.empty()) {
    return Bad("invalid_request", "subject_token_type is required");
  }
  if (in.actor_token.empty() && !in.actor_token_type.empty()) {
    return Bad("invalid_request",
               "actor_token_type must not be given without actor_token");
  }
  if (!in.actor_token.empty() && in.actor_token_type.empty()) {
    return Bad("invalid_request",
               "actor_token_type is required with actor_token");
  }
  if (!form.All("resource").empty()) {
    return Bad("invalid_target",
               "resource is not supported: name the tenant with audience");
  }
  const std::vector<std::string> audiences = form.All("audience");
  if (audiences.size() > 1) {
    return Bad("invalid_target", "at most one audience (the tenant's name)");
  }
  if (!audiences.empty()) {
    if (audiences.front().empty()) {
      return Bad("invalid_target", "audience is empty");
    }
    in.tenant = audiences.front();
  }
  if (!scope.empty()) {
    return Bad("invalid_scope",
               "scope is not supported: the exchange rule decides what the "
               "token grants");
  }
  const std::string& wanted = out->requested_token_type;
  if (!wanted.empty() && wanted != kTokenTypeJwt &&
      wanted != kTokenTypeAccessToken) {
    return Bad("invalid_request",
               absl::StrCat("requested_token_type must be ", kTokenTypeJwt,
                            " or ", kTokenTypeAccessToken));
  }
  in.via = "oauth2";
  return std::nullopt;
}

// `text` with every occurrence of the request's tokens replaced: a
// description must never echo one, whatever a lower layer wrote.
std::string WithoutTokens(std::string text, const ExchangeInput& input) {
  for (const std::string* token : {&input.subject_token, &input.actor_token}) {
    if (token->size() >= 8) {
      text = absl::StrReplaceAll(text, {{*token, "[token]"}});
    }
  }
  return text;
}

HttpReply Success(const ExchangeResult& result, absl::Time now) {
  const bool jwt = LooksLikeJwt(result.info.token);
  json::Object body;
  body.Set("access_token", result.info.token);
  body.Set("issued_token_type", jwt ? kTokenTypeJwt : kTokenTypeAccessToken);
  body.Set("token_type", jwt ? "Bearer" : "N_A");
  body.Set(
      "expires_in",
      std::max<int64_t>(0, absl::ToInt64Seconds(result.info.expires_at - now)));
  return HttpReply{200, "application/json", json::Serialize(body), kNoStore};
}

}  // namespace

OAuth2Error OAuth2ErrorOf(const absl::Status& status) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return Bad("invalid_request", message);
    case absl::StatusCode::kUnauthenticated:
      return Bad("invalid_grant", message);
    case absl::StatusCode::kPermissionDenied:
      // The policy's target_not_allowed denial names the tenant.
      if (GetField(status) == "tenant" ||
          absl::StrContains(message, "target_not_allowed")) {
        return Bad("invalid_target", message);
      }
      return Bad("unauthorized_client", message);
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
      return Bad(
          "unsupported_grant_type",
          absl::StrCat("token exchange is not available here: ", message));
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return OAuth2Error{503, "temporarily_unavailable", message};
    default:
      return OAuth2Error{500, "server_error", "the exchange failed"};
  }
}

HttpReply OAuth2ErrorReply(const OAuth2Error& error) {
  json::Object body;
  body.Set("error", error.error);
  if (!error.description.empty()) {
    body.Set("error_description", error.description);
  }
  std::string headers = kNoStore;
  if (error.code == 405) absl::StrAppend(&headers, "Allow: POST, OPTIONS\r\n");
  if (error.code == 503) absl::StrAppend(&headers, "Retry-After: 1\r\n");
  return HttpReply{error.code, "application/json", json::Serialize(body),
                   std::move(headers)};
}

HttpReply RouteOAuth2Token(ServerState& state, const HttpRequest& request,
                           const Exchanger& exchange) {
  if (request.method != "POST") {
    return OAuth2ErrorReply(
        OAuth2Error{405, "invalid_request", "use POST for /oauth2/token"});
  }
  if (request.body_unread) {
    return OAuth2ErrorReply(
        Bad("invalid_request",
            request.content_length < 0
                ? std::string("the body needs a Content-Length")
                : absl::StrCat("the body is over ", kMaxHttpBody, " bytes")));
  }
  if (!IsFormContentType(request.header("Content-Type"))) {
    return OAuth2ErrorReply(
        Bad("invalid_request",
            "Content-Type must be application/x-www-form-urlencoded"));
  }
  if (!request.query.empty()) {
    return OAuth2ErrorReply(
        Bad("invalid_request",
            "parameters belong in the body, not in the URL's query"));
  }
  absl::StatusOr<FormBody> form = FormBody::Parse(request.body);
  if (!form.ok()) {
    return OAuth2ErrorReply(Bad("invalid_request", Detail(form.status())));
  }
  TokenRequest parsed;
  if (std::optional<OAuth2Error> error = ParseTokenRequest(*form, &parsed)) {
    return OAuth2ErrorReply(*error);
  }
  const CallContext call = HttpCallContext(state, request, kOAuth2TokenPath);
  absl::StatusOr<ExchangeResult> result = exchange(call, parsed.input);
  if (!result.ok()) {
    OAuth2Error error = OAuth2ErrorOf(result.status());
    error.description = WithoutTokens(error.description, parsed.input);
    log::Info("http exchange refused",
              {{"request_id", call.request_id},
               {"route", kOAuth2TokenPath},
               {"error", error.error},
               {"reason", ReasonName(GetReason(result.status()))},
               {"field", GetField(result.status())}});
    return OAuth2ErrorReply(error);
  }
  if (parsed.requested_token_type == kTokenTypeJwt &&
      !LooksLikeJwt(result->info.token)) {
    return OAuth2ErrorReply(
        Bad("invalid_target",
            absl::StrCat("tenant ", result->tenant, " (profile ",
                         result->profile, ") does not issue JWTs")));
  }
  return Success(*result, absl::Now());
}

}  // namespace tokend
