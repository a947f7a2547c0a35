#include "server/api/agora_routes.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "server/api/form_body.h"
#include "server/observability/logging.h"

namespace tokend {
namespace {

constexpr uint32_t kDefaultExpiry = 3600;
constexpr char kNoCache[] =
    "Cache-Control: private, no-cache, no-store, must-revalidate\r\n"
    "Expires: -1\r\nPragma: no-cache\r\n";

absl::Status Invalid(absl::string_view what) {
  return Error(Reason::kInvalidArgument, what);
}

// The status's message without its "REASON: " prefix.
std::string Detail(const absl::Status& status) {
  absl::string_view message = status.message();
  const std::string prefix = absl::StrCat(ReasonName(GetReason(status)), ": ");
  absl::ConsumePrefix(&message, prefix);
  return std::string(message);
}

// A path parameter for an error message: printable, at most 64 bytes.
std::string Quote(absl::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    out.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?');
  }
  return out;
}

// An unsigned decimal (digits only, no sign), as Go's ParseUint(s, 10, 64)
// but kept below 2^63 so that it fits AgoraService::uid; larger values
// are out of Agora's range anyway and the profile refuses them.
std::optional<int64_t> ParseDecimal(absl::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// ?expiry= / "expire": relative seconds; 0 or absent is 3600.
absl::StatusOr<uint32_t> ParseExpiry(const std::optional<std::string>& text) {
  if (!text.has_value() || text->empty()) return kDefaultExpiry;
  const std::optional<int64_t> v = ParseDecimal(*text);
  if (!v.has_value() || *v > UINT32_MAX) {
    return Invalid(absl::StrCat("failed to parse expireTime: ", Quote(*text)));
  }
  return *v == 0 ? kDefaultExpiry : static_cast<uint32_t>(*v);
}

void SetTtl(uint32_t expiry, ExchangeInput* input) {
  input->ttl = absl::Seconds(expiry);
  input->via = "agora";
}

bool IsPublisher(absl::string_view role) { return role == "publisher"; }

// RTC(channel, uid or account) with join, plus publish audio, video and
// data for a publisher: RtcTokenBuilder2's buildTokenWithUid/UserAccount.
AgoraService RtcService(std::string channel, bool publisher, uint32_t expiry) {
  AgoraService s;
  s.type = kAgoraRtc;
  s.channel = std::move(channel);
  s.privileges[1] = expiry;
  if (publisher) s.privileges[2] = s.privileges[3] = s.privileges[4] = expiry;
  return s;
}

// RTM(user) login, plus (with a channel) the stream channel's RTC service
// with join and publish data: go-tokenbuilder's rtmtokenbuilder.BuildToken.
AgoraGrants RtmGrants(const std::string& user, const std::string& channel,
                      uint32_t expiry) {
  AgoraGrants grants;
  AgoraService rtm;
  rtm.type = kAgoraRtm;
  rtm.user_id = user;
  rtm.privileges[1] = expiry;
  grants.services.push_back(std::move(rtm));
  if (!channel.empty()) {
    AgoraService rtc;
    rtc.type = kAgoraRtc;
    rtc.channel = channel;
    rtc.account = user;
    rtc.privileges[1] = expiry;
    rtc.privileges[4] = expiry;
    grants.services.push_back(std::move(rtc));
  }
  return grants;
}

// The RTC grants of a path's :tokentype and :uid.
absl::StatusOr<AgoraGrants> RtcGrants(const std::string& channel,
                                      absl::string_view role,
                                      absl::string_view tokentype,
                                      absl::string_view uid, uint32_t expiry) {
  AgoraService s = RtcService(channel, IsPublisher(role), expiry);
  if (tokentype == "uid") {
    const std::optional<int64_t> n = ParseDecimal(uid);
    if (!n.has_value()) {
      return Invalid(
          absl::StrCat("failed to parse uidStr: ", Quote(uid), ", to uint"));
    }
    s.uid = *n;
  } else if (tokentype == "userAccount") {
    s.account = std::string(uid);
  } else {
    return Invalid(
        absl::StrCat("failed to generate RTC token for Unknown Tokentype: ",
                     Quote(tokentype)));
  }
  AgoraGrants grants;
  grants.services.push_back(std::move(s));
  return grants;
}

AgoraCall Call(std::string member, AgoraGrants grants, uint32_t expiry,
               const std::string& tenant) {
  AgoraCall call;
  call.member = std::move(member);
  call.input.grants = std::move(grants);
  call.input.tenant = tenant;
  SetTtl(expiry, &call.input);
  return call;
}

// Splits "/a/b/c/" into {"a","b","c"} (one trailing slash allowed); an
// empty segment anywhere else is an error (nullopt).
std::optional<std::vector<std::string>> Segments(absl::string_view path) {
  absl::ConsumePrefix(&path, "/");
  absl::ConsumeSuffix(&path, "/");
  std::vector<std::string> out = absl::StrSplit(path, '/');
  for (const std::string& s : out) {
    if (s.empty()) return std::nullopt;
  }
  return out;
}

absl::StatusOr<AgoraRequest> ParseGetSegments(
    const std::vector<std::string>& seg, absl::string_view query) {
  absl::StatusOr<FormBody> params = FormBody::Parse(query);
  if (!params.ok()) return Invalid(Detail(params.status()));
  absl::StatusOr<std::optional<std::string>> expiry_text =
      params->Single("expiry");
  if (!expiry_text.ok()) return Invalid(Detail(expiry_text.status()));
  absl::StatusOr<std::optional<std::string>> tenant_text =
      params->Single("tenant");
  if (!tenant_text.ok()) return Invalid(Detail(tenant_text.status()));
  const std::string tenant = tenant_text->value_or("");
  absl::StatusOr<uint32_t> expiry = ParseExpiry(*expiry_text);
  if (!expiry.ok()) return expiry.status();

  AgoraRequest out;
  const std::string& kind = seg.front();
  if (kind == "rtc" && seg.size() == 5) {
    out.what = "RTC";
    absl::StatusOr<AgoraGrants> grants =
        RtcGrants(seg[1], seg[2], seg[3], seg[4], *expiry);
    if (!grants.ok()) return grants.status();
    out.calls.push_back(Call("rtcToken", *std::move(grants), *expiry, tenant));
    return out;
  }
  if (kind == "rtm" && seg.size() == 2) {
    out.what = "RTM";
    if (seg[1] == "0") return Invalid("invalid RTM User ID: \"0\"");
    out.calls.push_back(
        Call("rtmToken", RtmGrants(seg[1], "", *expiry), *expiry, tenant));
    return out;
  }
  if (kind == "rte" && (seg.size() == 5 || seg.size() == 6)) {
    out.what = "RTC and RTM";
    const std::string rtm_uid = seg.size() == 6 ? seg[5] : seg[4];
    if (rtm_uid == "0") {
      return Invalid("failed to parse rtm user ID. Cannot be empty or \"0\"");
    }
    absl::StatusOr<AgoraGrants> grants =
        RtcGrants(seg[1], seg[2], seg[3], seg[4], *expiry);
    if (!grants.ok()) return grants.status();
    out.calls.push_back(Call("rtcToken", *std::move(grants), *expiry, tenant));
    out.calls.push_back(
        Call("rtmToken", RtmGrants(rtm_uid, seg[1], *expiry), *expiry, tenant));
    return out;
  }
  if (kind == "chat" && seg.size() >= 2) {
    out.what = "Chat";
    AgoraService chat;
    chat.type = kAgoraChat;
    if (seg[1] == "app" && seg.size() == 2) {
      chat.chat_kind = AgoraChatKind::kApp;
      chat.privileges[2] = *expiry;
    } else if ((seg[1] == "account" || seg[1] == "userAccount") &&
               seg.size() == 3) {
      chat.chat_kind = AgoraChatKind::kUser;
      chat.user_id = seg[2];
      chat.privileges[1] = *expiry;
    } else if (seg[1] == "account" || seg[1] == "userAccount") {
      return Invalid("userAccount type requires chat ID");
    } else {
      return Invalid("token type must be \"userAccount\" or \"app\"");
    }
    AgoraGrants grants;
    grants.services.push_back(std::move(chat));
    out.calls.push_back(Call("chatToken", std::move(grants), *expiry, tenant));
    return out;
  }
  return absl::NotFoundError("not found");
}

// The service's error for a refused exchange: its HTTP code.
int AgoraCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return 503;
    default:
      return 500;
  }
}

HttpReply Json(int code, const json::Object& body,
               absl::string_view extra = "") {
  return HttpReply{code, "application/json; charset=utf-8",
                   json::Serialize(body), absl::StrCat(kNoCache, extra)};
}

// {"status": code, <key>: message}, or for POST {"error": message}.
HttpReply ErrorReply(bool post, int code, absl::string_view key,
                     const std::string& message, absl::string_view extra = "") {
  json::Object body;
  if (post) {
    body.Set("error", message);
  } else {
    body.Set(std::string(key), message);
    body.Set("status", code);
  }
  return Json(code, body, extra);
}

// "agora/<first path segment>": the call's method in logs and audit.
std::string RouteName(absl::string_view path) {
  absl::string_view first = path.substr(1);
  first = first.substr(0, first.find('/'));
  return absl::StrCat("agora/", first);
}

// The token a GET path asks for, as the service's messages name it.
absl::string_view WhatOf(absl::string_view path) {
  if (absl::StartsWith(path, "/rtc")) return "RTC";
  if (absl::StartsWith(path, "/rtm")) return "RTM";
  if (absl::StartsWith(path, "/rte")) return "RTC and RTM";
  return "Chat";
}

}  // namespace

bool IsAgoraPath(absl::string_view path) {
  for (absl::string_view route :
       {"/ping", "/rtc", "/rtm", "/rte", "/chat", "/getToken"}) {
    if (absl::StartsWith(path, route) &&
        (path.size() == route.size() || path[route.size()] == '/')) {
      return true;
    }
  }
  return false;
}

std::string BearerToken(const char* authorization) {
  if (authorization == nullptr) return "";
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  if (value.size() < 7 ||
      !absl::EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(value.substr(7)));
}

absl::StatusOr<AgoraRequest> ParseAgoraGet(absl::string_view path,
                                           absl::string_view query) {
  std::optional<std::vector<std::string>> seg = Segments(path);
  if (!seg.has_value() || seg->empty()) {
    return Invalid("an empty path parameter");
  }
  return ParseGetSegments(*seg, query);
}

absl::StatusOr<AgoraRequest> ParseAgoraPost(absl::string_view body) {
  absl::StatusOr<json::Object> doc = json::ParseObject(body);
  if (!doc.ok()) return Invalid(Detail(doc.status()));
  auto string_member = [&doc](absl::string_view name,
                              std::string* out) -> absl::Status {
    const json::Value* v = doc->Find(name);
    if (v == nullptr || v->is_null()) return absl::OkStatus();
    if (!v->is_string()) {
      return Invalid(absl::StrCat(name, " must be a string"));
    }
    *out = v->as_string();
    return absl::OkStatus();
  };
  std::string token_type, channel, role, uid, tenant;
  for (auto [name, dst] :
       {std::pair{"tokenType", &token_type}, std::pair{"channel", &channel},
        std::pair{"role", &role}, std::pair{"uid", &uid},
        std::pair{"tenant", &tenant}}) {
    if (absl::Status s = string_member(name, dst); !s.ok()) return s;
  }
  uint32_t expiry = kDefaultExpiry;
  if (const json::Value* v = doc->Find("expire");
      v != nullptr && !v->is_null()) {
    if (!v->is_int() || v->as_int() < 0 || v->as_int() > UINT32_MAX) {
      return Invalid("expire must be a number of seconds");
    }
    if (v->as_int() != 0) expiry = static_cast<uint32_t>(v->as_int());
  }
  AgoraRequest out;
  if (token_type == "rtc") {
    out.what = "RTC";
    if (channel.empty()) return Invalid("invalid: missing channel name");
    if (uid.empty()) return Invalid("invalid: missing user ID or account");
    const std::optional<int64_t> n = ParseDecimal(uid);
    absl::StatusOr<AgoraGrants> grants = RtcGrants(
        channel, role, n.has_value() ? "uid" : "userAccount", uid, expiry);
    if (!grants.ok()) return grants.status();
    out.calls.push_back(Call("token", *std::move(grants), expiry, tenant));
  } else if (token_type == "rtm") {
    out.what = "RTM";
    if (uid.empty() || uid == "0") {
      return Invalid("invalid: missing user ID or account");
    }
    out.calls.push_back(
        Call("token", RtmGrants(uid, channel, expiry), expiry, tenant));
  } else if (token_type == "chat") {
    out.what = "Chat";
    AgoraService chat;
    chat.type = kAgoraChat;
    if (uid.empty()) {
      chat.chat_kind = AgoraChatKind::kApp;
      chat.privileges[2] = expiry;
    } else {
      chat.chat_kind = AgoraChatKind::kUser;
      chat.user_id = uid;
      chat.privileges[1] = expiry;
    }
    AgoraGrants grants;
    grants.services.push_back(std::move(chat));
    out.calls.push_back(Call("token", std::move(grants), expiry, tenant));
  } else {
    return Invalid("Unsupported tokenType");
  }
  return out;
}

HttpReply RouteAgora(ServerState& state, const HttpRequest& request,
                     const Exchanger& exchange) {
  const absl::string_view path = request.path;
  const bool post = absl::StartsWith(path, "/getToken");
  if (absl::StartsWith(path, "/ping")) {
    if (request.method != "GET") {
      return ErrorReply(false, 405, "error", "use GET",
                        "Allow: GET, OPTIONS\r\n");
    }
    json::Object pong;
    pong.Set("message", "pong");
    return Json(200, pong);
  }
  if (post != (request.method == "POST")) {
    return ErrorReply(
        post, 405, "error", post ? "use POST for /getToken" : "use GET",
        post ? "Allow: POST, OPTIONS\r\n" : "Allow: GET, OPTIONS\r\n");
  }
  if (post && request.body_unread) {
    return ErrorReply(
        true, 400, "error",
        request.content_length < 0
            ? std::string("the body needs a Content-Length")
            : absl::StrCat("the body is over ", kMaxHttpBody, " bytes"));
  }
  if (post) {
    const char* type = request.header("Content-Type");
    if (type == nullptr ||
        !absl::EqualsIgnoreCase(
            absl::StripAsciiWhitespace(absl::string_view(type).substr(
                0, absl::string_view(type).find(';'))),
            "application/json")) {
      return ErrorReply(true, 400, "error",
                        "Content-Type must be application/json");
    }
  }
  absl::StatusOr<AgoraRequest> parsed =
      post ? ParseAgoraPost(request.body)
           : ParseAgoraGet(request.path, request.query);
  if (!parsed.ok()) {
    if (parsed.status().code() == absl::StatusCode::kNotFound) {
      return ErrorReply(false, 404, "error", "not found");
    }
    return ErrorReply(post, 400, "message",
                      post ? Detail(parsed.status())
                           : absl::StrCat("Error Generating ", WhatOf(path),
                                          " token: ", Detail(parsed.status())));
  }
  const std::string subject_token =
      BearerToken(request.header("Authorization"));
  if (subject_token.empty()) {
    return ErrorReply(post, 401, "error",
                      "Authorization: Bearer <identity token> is required",
                      "WWW-Authenticate: Bearer realm=\"tokend\"\r\n");
  }
  json::Object body;
  for (AgoraCall& call : parsed->calls) {
    call.input.subject_token = subject_token;
    call.input.subject_token_type = kTokenTypeJwt;
    const CallContext context =
        HttpCallContext(state, request, RouteName(path));
    absl::StatusOr<ExchangeResult> result = exchange(context, call.input);
    if (!result.ok()) {
      log::Info("http exchange refused",
                {{"request_id", context.request_id},
                 {"route", context.method},
                 {"reason", ReasonName(GetReason(result.status()))},
                 {"field", GetField(result.status())}});
      std::string message = Detail(result.status());
      if (absl::StrContains(message, subject_token)) message = "refused";
      const int code = AgoraCode(result.status());
      return ErrorReply(post, code, "error",
                        post ? message
                             : absl::StrCat("Error Generating ", parsed->what,
                                            " token - ", message),
                        code == 401
                            ? "WWW-Authenticate: Bearer realm=\"tokend\", "
                              "error=\"invalid_token\"\r\n"
                            : "");
    }
    body.Set(call.member, result->info.token);
  }
  return Json(200, body);
}

}  // namespace tokend
