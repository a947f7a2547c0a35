// libFuzzer target for the HTTP listener's routes (server/api/http_server.h's
// RouteHttp: the GET routes, POST /oauth2/token, the agora-token-service
// routes and CORS), called in process without a socket.
//
// The input's first line is the request: a path (a GET), or
// "METHOD path[?query]"; every later line up to an empty one is a header
// "Name: value" (header names match case-insensitively, as civetweb's do);
// what follows the empty line is the body. The server state is a real one:
// a jwt tenant with generated keys, one CORS origin and a SQLite revocation
// store in a temporary directory. The exchanger is a fake (DoExchange's
// verification is fuzzed by fuzz_token): it issues a fixed token, or
// fails with a status chosen by the subject token's length, so that every
// error mapping is reached.
//
// Every reply must be one of the codes the routes answer; a JWKS reply
// carries its ETag; a discovery document whose jwks_uri comes from the
// Host header (no listeners.http_public_url) must never be cacheable by
// others; an exchange reply is JSON that is never cached and never echoes
// the subject token unless it is the issued token; CORS headers go only to
// the configured origin.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/clock.h"
#include "core/reason.h"
#include "server/api/http_server.h"
#include "server/api/server_state.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"
#include "server/runtime/revocations.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_http: %s\n", what);
  std::abort();
}

tokend::ServerState& GetState() {
  static tokend::ServerState* state = [] {
    char dir[] = "/tmp/fuzz_http.XXXXXX";
    if (mkdtemp(dir) == nullptr) Fail("mkdtemp failed");
    static const std::string* const kDir = new std::string(dir);
    std::atexit([] { std::filesystem::remove_all(*kDir); });
    const std::string yaml = absl::StrCat(R"(
state_dir: )",
                                          dir, R"(
listeners:
  http: 127.0.0.1:9090
  http_cors: {allowed_origins: ["https://app.example"]}
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.fuzz
    audience: [fuzz]
    keys: {generate: true}
)");
    absl::StatusOr<tokend::Config> config =
        tokend::ParseConfig(yaml, absl::StrCat(dir, "/tokend.yaml"));
    if (!config.ok()) Fail(config.status().ToString().c_str());
    auto snapshot = tokend::ConfigSnapshot::Build(*config);
    if (!snapshot.ok()) Fail(snapshot.status().ToString().c_str());
    auto* s = new tokend::ServerState(tokend::RealClock::Get());
    s->SetSnapshot(*snapshot);
    auto revocations = tokend::OpenRevocations(*config, s->clock());
    if (!revocations.ok()) Fail(revocations.status().ToString().c_str());
    s->SetRevocations(*std::move(revocations));
    if (!tokend::StartRevocations(s->revocations(), *config).ok()) {
      Fail("revocations did not start");
    }
    return s;
  }();
  return *state;
}

// The fake exchanger's issued token (never equal to a fuzzed input's).
constexpr char kIssued[] = "eyJhbGciOiJub25lIn0.eyJmdXp6IjoxfQ.issued";

absl::StatusOr<tokend::ExchangeResult> FakeExchange(
    const tokend::CallContext&, const tokend::ExchangeInput& input) {
  using tokend::Reason;
  switch (input.subject_token.size() % 8) {
    case 1:
      return tokend::Error(Reason::kBadSignature, "bad", "subject_token");
    case 2:
      return tokend::ErrorWithCode(absl::StatusCode::kPermissionDenied,
                                   Reason::kPermissionDenied,
                                   "target_not_allowed: x", "tenant");
    case 3:
      return tokend::ErrorWithCode(absl::StatusCode::kPermissionDenied,
                                   Reason::kPermissionDenied,
                                   "no_matching_rule: x", "match.issuers");
    case 4:
      return tokend::Error(Reason::kInvalidArgument, "bad", "subject_token");
    case 5:
      return absl::UnimplementedError("not built");
    case 6:
      return tokend::Error(Reason::kUnavailable, "down");
    default:
      break;
  }
  tokend::ExchangeResult result;
  result.info.token = kIssued;
  result.info.expires_at = absl::Now() + absl::Minutes(5);
  result.tenant = "demo";
  result.profile = "jwt";
  return result;
}

bool AllowedCode(int code) {
  for (int c : {200, 204, 304, 400, 401, 403, 404, 405, 429, 500, 501, 503}) {
    if (code == c) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tokend::ServerState& state = GetState();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t blank = input.find("\n\n");
  const absl::string_view head = input.substr(0, blank);
  const absl::string_view body = blank == absl::string_view::npos
                                     ? absl::string_view()
                                     : input.substr(blank + 2);
  std::vector<absl::string_view> lines = absl::StrSplit(head, '\n');
  tokend::HttpRequest request;
  absl::string_view target = lines.front();
  if (absl::StartsWith(target, "/")) {
    request.method = "GET";
  } else {
    const size_t space = target.find(' ');
    request.method = std::string(target.substr(0, space));
    target = space == absl::string_view::npos ? absl::string_view()
                                              : target.substr(space + 1);
  }
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != absl::string_view::npos) {
    request.query = std::string(target.substr(question + 1));
  }
  request.body = std::string(body);
  request.content_length = static_cast<int64_t>(body.size());
  request.body_unread = request.content_length > tokend::kMaxHttpBody;
  if (request.body_unread) request.body.clear();
  std::vector<std::pair<std::string, std::string>> headers;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    headers.emplace_back(std::string(lines[i].substr(0, colon)),
                         std::string(absl::StripLeadingAsciiWhitespace(
                             lines[i].substr(colon + 1))));
  }
  request.header = [&headers](const char* name) -> const char* {
    for (const auto& [n, v] : headers) {
      if (absl::EqualsIgnoreCase(n, name)) return v.c_str();
    }
    return nullptr;
  };
  const tokend::HttpReply reply =
      tokend::RouteHttp(state, request, FakeExchange);
  if (!AllowedCode(reply.code)) Fail("an unexpected status code");
  if (reply.content_type == "application/jwk-set+json" &&
      !absl::StrContains(reply.extra_headers, "ETag: \"")) {
    Fail("a JWKS reply without its ETag");
  }
  if (reply.content_type == "application/json" &&
      absl::StrContains(reply.body, "\"jwks_uri\"") &&
      !absl::StrContains(reply.extra_headers, "no-store")) {
    Fail("a Host-derived jwks_uri that a shared cache may keep");
  }
  if (reply.code == 304 && !reply.body.empty()) Fail("a 304 with a body");
  if (tokend::IsExchangePath(request.path)) {
    if (request.method != "OPTIONS" && reply.code != 404 &&
        !absl::StrContains(reply.extra_headers, "no-store")) {
      Fail("an exchange reply that may be cached");
    }
    if (absl::StrContains(reply.extra_headers, "Access-Control-Allow-Origin") &&
        !absl::StrContains(
            reply.extra_headers,
            "Access-Control-Allow-Origin: https://app.example\r\n")) {
      Fail("CORS headers for an origin that is not configured");
    }
    // A token longer than a few bytes must not come back in an error
    // (the issued token is the only one a reply may carry).
    if (reply.code != 200) {
      for (absl::string_view part : absl::StrSplit(
               absl::StrCat(request.body, "&", request.query), '&')) {
        absl::string_view value = part.substr(part.find('=') + 1);
        if (absl::StartsWith(part, "subject_token=") && value.size() >= 16 &&
            value.find_first_of("%+\" \\") == absl::string_view::npos &&
            absl::StrContains(reply.body, value)) {
          Fail("an error reply echoes the subject token");
        }
      }
    }
  }
  return 0;
}
