#include "server/ext_authz/http_request.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/reason.h"

namespace tokend {
namespace {

absl::Status BadRequest(absl::string_view field, absl::string_view detail) {
  return Error(Reason::kInvalidArgument, detail, field);
}

// The value of `name` in a query string ("a=1&b=2"), if present.
std::optional<std::string> QueryParam(absl::string_view query,
                                      absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    const size_t eq = pair.find('=');
    const absl::string_view key = pair.substr(0, eq);
    if (key == name) {
      return std::string(eq == absl::string_view::npos ? ""
                                                       : pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

absl::string_view QueryOf(const EnvoyHttpRequest& http) {
  if (!http.query().empty()) return http.query();
  absl::string_view path = http.path();
  const size_t q = path.find('?');
  if (q == absl::string_view::npos) return "";
  absl::string_view query = path.substr(q + 1);
  const size_t hash = query.find('#');
  return query.substr(0, hash);
}

}  // namespace

std::optional<std::string> FindHeader(const EnvoyHttpRequest& http,
                                      absl::string_view name, int* count) {
  if (count != nullptr) *count = 0;
  if (http.has_header_map()) {
    std::optional<std::string> joined;
    for (const auto& h : http.header_map().headers()) {
      if (!absl::EqualsIgnoreCase(h.key(), name)) continue;
      const std::string& v = h.raw_value().empty() ? h.value() : h.raw_value();
      if (joined.has_value()) {
        absl::StrAppend(&*joined, ",", v);
      } else {
        joined = v;
      }
      if (count != nullptr) ++*count;
    }
    if (joined.has_value()) return joined;
  }
  // Envoy sends each name once (lower-case, values joined with ","); a name
  // repeated on the wire counts as several headers, joined the same way.
  std::optional<std::string> joined;
  for (const auto& h : http.headers()) {
    if (h.key() != name) continue;
    if (joined.has_value()) {
      absl::StrAppend(&*joined, ",", h.value());
    } else {
      joined = h.value();
    }
    if (count != nullptr) ++*count;
  }
  return joined;
}

size_t HeaderBytes(const EnvoyHttpRequest& http) {
  size_t total = 0;
  for (const auto& h : http.headers())
    total += h.key().size() + h.value().size();
  for (const auto& h : http.header_map().headers()) {
    total += h.key().size() + h.value().size() + h.raw_value().size();
  }
  return total;
}

absl::StatusOr<std::string> BearerToken(const EnvoyHttpRequest& http,
                                        const ExtAuthzConfig& config) {
  const absl::string_view query = QueryOf(http);
  const std::optional<std::string> in_query =
      query.empty() ? std::nullopt : QueryParam(query, "access_token");
  if (in_query.has_value() && !config.allow_query_token) {
    return BadRequest("query",
                      "a token in the query (access_token) is not allowed; "
                      "send it in the Authorization header");
  }
  int count = 0;
  const std::optional<std::string> header =
      FindHeader(http, config.token_header, &count);
  if (header.has_value()) {
    // Envoy joins repeated headers with ","; no token format tokend knows
    // contains one.
    if (count > 1 || absl::StrContains(*header, ',')) {
      return BadRequest(config.token_header,
                        absl::StrCat("several ", config.token_header,
                                     " headers; send exactly one"));
    }
    if (in_query.has_value()) {
      return BadRequest("query",
                        "a token in both the query and a header; send one");
    }
    absl::string_view value = absl::StripAsciiWhitespace(*header);
    if (config.token_header == "authorization") {
      if (!absl::ConsumePrefix(&value, "Bearer ") &&
          !absl::ConsumePrefix(&value, "bearer ") &&
          !absl::ConsumePrefix(&value, "BEARER ")) {
        return BadRequest("authorization",
                          "the authorization header must be 'Bearer <token>'");
      }
      value = absl::StripLeadingAsciiWhitespace(value);
    }
    if (value.empty()) {
      return BadRequest(config.token_header,
                        absl::StrCat("the ", config.token_header,
                                     " header carries no token"));
    }
    for (char c : value) {
      if (static_cast<unsigned char>(c) <= 0x20 ||
          static_cast<unsigned char>(c) >= 0x7f) {
        return BadRequest(config.token_header,
                          "the token contains a space or a non-ASCII byte");
      }
    }
    return std::string(value);
  }
  if (!config.token_cookie.empty()) {
    if (std::optional<std::string> cookies = FindHeader(http, "cookie")) {
      for (absl::string_view c :
           absl::StrSplit(*cookies, absl::ByAnyChar(";,"))) {
        c = absl::StripAsciiWhitespace(c);
        const size_t eq = c.find('=');
        if (eq != absl::string_view::npos &&
            c.substr(0, eq) == config.token_cookie) {
          const absl::string_view token = c.substr(eq + 1);
          if (token.empty()) break;
          return std::string(token);
        }
      }
    }
  }
  if (in_query.has_value() && !in_query->empty()) return *in_query;
  return ErrorWithCode(absl::StatusCode::kUnauthenticated,
                       Reason::kInvalidArgument,
                       "no bearer token in the request", config.token_header);
}

std::string HostWithoutPort(absl::string_view host) {
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    return absl::AsciiStrToLower(host.substr(0, close + 1));
  }
  const size_t colon = host.rfind(':');
  if (colon != absl::string_view::npos) host = host.substr(0, colon);
  return absl::AsciiStrToLower(host);
}

absl::string_view PathOnly(absl::string_view path) {
  return path.substr(0, path.find_first_of("?#"));
}

std::string PathSegment(absl::string_view path, int64_t index) {
  if (index < 0) return "";
  int64_t i = 0;
  for (absl::string_view s :
       absl::StrSplit(PathOnly(path), '/', absl::SkipEmpty())) {
    if (i++ == index) return std::string(s);
  }
  return "";
}

}  // namespace tokend
