// What the in-process HTTP route tests (oauth2_token_route_test,
// agora_routes_test, cors_test) share: a real ServerState with a snapshot
// built from a YAML config (CORS origins set), requests built without a
// socket, and a fake exchanger. The fake stands in for DoExchange, which
// is being written in parallel (exchange_token.cc): it records what the
// route asked for and answers what the test says. The e2e tests over a
// real tokend use the real one.
#ifndef TOKEND_TESTS_SERVER_API_HTTP_TEST_ENV_H_
#define TOKEND_TESTS_SERVER_API_HTTP_TEST_ENV_H_

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/clock.h"
#include "core/json/json.h"
#include "gtest/gtest.h"
#include "server/api/http_request.h"
#include "server/api/server_state.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {

inline constexpr char kHttpTestConfig[] = R"(
listeners:
  http: 127.0.0.1:0
  http_cors:
    allowed_origins: ["https://app.example.com", "http://localhost:3000"]
tenants:
  - name: demo
    profile: jwt
    issuer: https://demo.test
    algorithm: HS256
    credentials: {secret: "env:HTTP_ROUTE_TEST_SECRET"}
)";

// A JWT-shaped subject token (never verified here: the exchanger is fake).
inline constexpr char kSubjectJwt[] =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXN0YW5kLWlu";

// Test thread only.
class HttpRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("HTTP_ROUTE_TEST_SECRET", "0123456789abcdef0123456789abcdef-http",
           1);
    absl::StatusOr<Config> config =
        ParseConfig(ConfigYaml(), "/tmp/http-route-test.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    state_.SetSnapshot(*snapshot);
  }

  // The config the state is built from.
  virtual std::string ConfigYaml() const { return kHttpTestConfig; }

  // A request with `headers` (names matched case-insensitively).
  HttpRequest Request(std::string method, std::string path,
                      std::map<std::string, std::string> headers = {},
                      std::string body = "", std::string query = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.body = std::move(body);
    r.content_length = static_cast<int64_t>(r.body.size());
    r.remote_addr = "192.0.2.7";
    auto stored = std::make_shared<std::map<std::string, std::string>>(
        std::move(headers));
    r.header = [stored](const char* name) -> const char* {
      for (const auto& [k, v] : *stored) {
        if (absl::EqualsIgnoreCase(k, name)) return v.c_str();
      }
      return nullptr;
    };
    return r;
  }

  // The fake exchanger: records every input, answers `next_`.
  Exchanger Fake() {
    return
        [this](const CallContext& call,
               const ExchangeInput& input) -> absl::StatusOr<ExchangeResult> {
          calls_.push_back(input);
          methods_.push_back(call.method);
          if (!next_.ok()) return next_;
          ExchangeResult result;
          result.info.token = token_;
          result.info.token_id = "tid-1";
          result.info.expires_at = absl::Now() + absl::Seconds(300);
          result.tenant = "demo";
          result.profile = "jwt";
          result.rule = "rule-1";
          return result;
        };
  }

  static json::Object Body(const HttpReply& reply) {
    absl::StatusOr<json::Object> doc = json::ParseObject(reply.body);
    EXPECT_TRUE(doc.ok()) << reply.body;
    return doc.ok() ? *doc : json::Object();
  }
  static std::string Str(const json::Object& o, absl::string_view name) {
    const json::Value* v = o.Find(name);
    return v != nullptr && v->is_string() ? v->as_string() : "<absent>";
  }

  ServerState state_{RealClock::Get()};
  std::vector<ExchangeInput> calls_;
  std::vector<std::string> methods_;
  absl::Status next_ = absl::OkStatus();
  std::string token_ = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.aXNzdWVk";
};

}  // namespace tokend

#endif  // TOKEND_TESTS_SERVER_API_HTTP_TEST_ENV_H_
