// libFuzzer target for the HTTP listener's routes (server/api/http_server.h's
// RouteHttpGet), called in process without a socket.
//
// The input's first line is the request path; every later line is a header
// "Name: value" (header names match case-insensitively, as civetweb's do).
// The server state is a real one: a jwt tenant with generated keys and a
// SQLite revocation store in a temporary directory.
//
// Every reply must be one of the codes the routes answer (200, 304, 404,
// 503); a JWKS reply carries its ETag; and a discovery document whose
// jwks_uri comes from the Host header (no listeners.http_public_url) must
// never be cacheable by others.
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
#include "server/api/http_server.h"
#include "server/api/server_state.h"
#include "server/config/config.h"
#include "server/runtime/revocations.h"
#include "server/runtime/config_snapshot.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tokend::ServerState& state = GetState();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  const absl::string_view path = lines.front();
  std::vector<std::pair<std::string, std::string>> headers;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    headers.emplace_back(std::string(lines[i].substr(0, colon)),
                         std::string(absl::StripLeadingAsciiWhitespace(
                             lines[i].substr(colon + 1))));
  }
  const tokend::HttpHeaders header =
      [&headers](const char* name) -> const char* {
    for (const auto& [n, v] : headers) {
      if (absl::EqualsIgnoreCase(n, name)) return v.c_str();
    }
    return nullptr;
  };
  const tokend::HttpReply reply = tokend::RouteHttpGet(state, path, header);
  if (reply.code != 200 && reply.code != 304 && reply.code != 404 &&
      reply.code != 503) {
    Fail("an unexpected status code");
  }
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
  return 0;
}
