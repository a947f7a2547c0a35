// RunCheck (server/ext_authz/check.h) and the request readers
// (http_request.h) as plain functions, in process: a ConfigSnapshot built from
// a YAML config, the core with its tenants, no server. The end-to-end behaviour
// through a real tokend is ext_authz_server_test.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/clock.h"
#include "core/token_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/call_gate.h"
#include "server/config/config.h"
#include "server/ext_authz/authorization_service.h"
#include "server/ext_authz/check.h"
#include "server/ext_authz/http_request.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using ::testing::HasSubstr;

constexpr char kConfig[] = R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: "env:EXT_AUTHZ_CHECK_TEST_SECRET"}
ext_authz:
  token_cookie: session
  routes:
    - host: api.test
      path_prefix: /v1/
      tenant: demo
)";

class RunCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("EXT_AUTHZ_CHECK_TEST_SECRET",
           "0123456789abcdef0123456789abcdef-unit", 1);
    absl::StatusOr<Config> config = ParseConfig(kConfig, "/tmp/unit.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *snapshot;
    core_.SetTenants(snapshot_->tenants());
    IssueInput input;
    input.subject = "alice";
    absl::StatusOr<TokenInfo> info = core_.Issue("demo", input);
    ASSERT_TRUE(info.ok()) << info.status();
    token_ = info->token;
  }

  CheckResponse Run(const CheckRequest& request, CheckOutcome* out = nullptr) {
    CallerIdentity caller;
    const CheckEnv env{core_, *snapshot_, caller, true, nullptr};
    CheckResponse response;
    CheckOutcome outcome = RunCheck(env, request, &response);
    if (out != nullptr) *out = outcome;
    return response;
  }

  static CheckRequest Http(const std::string& host, const std::string& path) {
    CheckRequest r;
    auto* http = r.mutable_attributes()->mutable_request()->mutable_http();
    http->set_host(host);
    http->set_path(path);
    return r;
  }

  static void SetHeader(CheckRequest* r, const std::string& name,
                        const std::string& value) {
    auto* h = r->mutable_attributes()
                  ->mutable_request()
                  ->mutable_http()
                  ->add_headers();
    h->set_key(name);
    h->set_value(value);
  }

  RealClock clock_;
  TokenService core_{clock_};
  std::shared_ptr<const ConfigSnapshot> snapshot_;
  std::string token_;
};

TEST_F(RunCheckTest, RouteRuleChoosesTheTenant) {
  CheckRequest r = Http("API.test:8443", "/v1/items?q=1");
  SetHeader(&r, "authorization", "Bearer " + token_);
  CheckOutcome outcome;
  const CheckResponse response = Run(r, &outcome);
  ASSERT_TRUE(response.has_ok_response()) << response.DebugString();
  EXPECT_EQ(outcome.tenant, "demo");
  EXPECT_STREQ(outcome.outcome, "allowed");
  EXPECT_STREQ(outcome.mode, "inbound");
  // Another path: no rule, no tenant.
  r.mutable_attributes()->mutable_request()->mutable_http()->set_path("/v2/x");
  const CheckResponse denied = Run(r, &outcome);
  ASSERT_TRUE(denied.has_denied_response());
  EXPECT_EQ(denied.status().code(), 7);
  EXPECT_EQ(outcome.tenant, "");
}

TEST_F(RunCheckTest, TokenFromCookieWhenNoHeader) {
  CheckRequest r = Http("api.test", "/v1/items");
  SetHeader(&r, "cookie", "theme=dark; session=" + token_ + "; x=1");
  EXPECT_TRUE(Run(r).has_ok_response());
}

TEST_F(RunCheckTest, OutboundWithoutACacheIsRefused) {
  CheckRequest r = Http("api.test", "/v1/items");
  (*r.mutable_attributes()->mutable_context_extensions())["tokend_mode"] =
      "outbound";
  r.mutable_attributes()->mutable_source()->set_principal("spiffe://x/y");
  CheckOutcome outcome;
  const CheckResponse response = Run(r, &outcome);
  ASSERT_TRUE(response.has_denied_response());
  EXPECT_EQ(response.status().code(), 7);
  EXPECT_STREQ(outcome.mode, "outbound");
}

TEST_F(RunCheckTest, StoreDownWithFailClosedConfigured) {
  absl::StatusOr<Config> config =
      ParseConfig(absl::StrCat(kConfig, "  on_store_unavailable: closed\n"),
                  "/tmp/unit.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  auto snapshot = ConfigSnapshot::Build(*config);
  ASSERT_TRUE(snapshot.ok());
  CheckRequest r = Http("api.test", "/v1/items");
  SetHeader(&r, "authorization", "Bearer " + token_);
  CallerIdentity caller;
  CheckResponse response;
  RunCheck(CheckEnv{core_, **snapshot, caller, false, nullptr}, r, &response);
  EXPECT_EQ(response.status().code(), 14);
  EXPECT_EQ(static_cast<int>(response.denied_response().status().code()), 503);
}

// DoCheck (authorization_service.h): the admitted call's snapshot and
// caller, the store's health asked only when it matters, the decision
// always in the response with an OK status.
class DoCheckTest : public RunCheckTest {
 protected:
  absl::Status Check(const std::string& extra_config, bool store_up,
                     const CheckRequest& request, CheckResponse* response) {
    absl::StatusOr<Config> config =
        ParseConfig(absl::StrCat(kConfig, extra_config), "/tmp/unit.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return snapshot.status();
    CallContext call;
    call.method = "Check";
    call.snapshot = *snapshot;
    call.start = absl::Now();
    return DoCheck(
        core_,
        [&] {
          ++health_asked_;
          return store_up;
        },
        nullptr, call, request, response);
  }

  CheckRequest WithToken(const std::string& token) {
    CheckRequest r = Http("api.test", "/v1/items");
    SetHeader(&r, "authorization", "Bearer " + token);
    return r;
  }

  int health_asked_ = 0;
};

TEST_F(DoCheckTest, StoreDownFailOpenAllowsWithoutAskingTheStore) {
  CheckResponse response;
  ASSERT_TRUE(Check("", false, WithToken(token_), &response).ok());
  EXPECT_TRUE(response.has_ok_response()) << response.DebugString();
  EXPECT_EQ(response.status().code(), 0);
  EXPECT_EQ(health_asked_, 0);
}

TEST_F(DoCheckTest, StoreDownFailClosedDeniesWith503) {
  CheckResponse response;
  ASSERT_TRUE(Check("  on_store_unavailable: closed\n", false,
                    WithToken(token_), &response)
                  .ok());
  EXPECT_EQ(health_asked_, 1);
  ASSERT_TRUE(response.has_denied_response());
  EXPECT_EQ(response.status().code(), 14);  // UNAVAILABLE
  EXPECT_EQ(static_cast<int>(response.denied_response().status().code()), 503);
}

TEST_F(DoCheckTest, StoreUpFailClosedAllows) {
  CheckResponse response;
  ASSERT_TRUE(Check("  on_store_unavailable: closed\n", true, WithToken(token_),
                    &response)
                  .ok());
  EXPECT_EQ(health_asked_, 1);
  EXPECT_TRUE(response.has_ok_response());
}

TEST_F(DoCheckTest, ForgedTokenIsADenialNotAnRpcError) {
  std::string forged = token_;
  char& c = forged[forged.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  CheckResponse response;
  // The call itself succeeds: a gRPC error would hand the decision to
  // Envoy's failure_mode_allow.
  ASSERT_TRUE(Check("", true, WithToken(forged), &response).ok());
  ASSERT_TRUE(response.has_denied_response());
  EXPECT_EQ(response.status().code(), 16);  // UNAUTHENTICATED
  EXPECT_EQ(static_cast<int>(response.denied_response().status().code()), 401);
}

TEST(HttpRequest, BearerTokenCases) {
  ExtAuthzConfig config;
  auto http_with = [](const std::string& auth) {
    EnvoyHttpRequest http;
    auto* h = http.add_headers();
    h->set_key("authorization");
    h->set_value(auth);
    return http;
  };
  EXPECT_EQ(*BearerToken(http_with("Bearer abc.def.ghi"), config),
            "abc.def.ghi");
  EXPECT_EQ(*BearerToken(http_with("bearer   abc "), config), "abc");
  EXPECT_EQ(BearerToken(http_with("Token abc"), config).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken(http_with("Bearer a b"), config).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken(http_with("Bearer a,Bearer b"), config).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken(EnvoyHttpRequest(), config).status().code(),
            absl::StatusCode::kUnauthenticated);
  // A custom header carries the bare token.
  config.token_header = "x-token";
  EnvoyHttpRequest custom;
  auto* custom_header = custom.add_headers();
  custom_header->set_key("x-token");
  custom_header->set_value("abc");
  EXPECT_EQ(*BearerToken(custom, config), "abc");
  // The query: refused unless allowed.
  EnvoyHttpRequest query;
  query.set_path("/x?a=1&access_token=abc");
  config.token_header = "authorization";
  const auto refused = BearerToken(query, config);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("query"));
  EXPECT_THAT(refused.status().message(), ::testing::Not(HasSubstr("abc")));
  config.allow_query_token = true;
  EXPECT_EQ(*BearerToken(query, config), "abc");
}

TEST(HttpRequest, HostPathAndHeaderMap) {
  EXPECT_EQ(HostWithoutPort("Example.COM:443"), "example.com");
  EXPECT_EQ(HostWithoutPort("[::1]:8080"), "[::1]");
  EXPECT_EQ(PathSegment("/rooms/standup/join?x=1", 1), "standup");
  EXPECT_EQ(PathSegment("/rooms//", 1), "");
  EXPECT_EQ(PathSegment("/a", -1), "");
  EnvoyHttpRequest http;
  auto* h = http.mutable_header_map()->add_headers();
  h->set_key("Authorization");
  h->set_raw_value("Bearer x");
  int count = 0;
  EXPECT_EQ(FindHeader(http, "authorization", &count).value_or(""), "Bearer x");
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace tokend
