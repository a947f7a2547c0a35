// Identity exchange end to end: a real tokend trusts the real local OIDC
// issuer (tests/harness/oidc_issuer.py, tokens minted by PyJWT), and a
// client calls TokenService.ExchangeToken over the unix socket. What a user
// or an attacker would try: a good identity gets the token the rule says
// (and it verifies); a token for another audience, an expired one, one from
// an unconfigured issuer, alg none and a forged signature are refused with
// their reason; a claim the rule needs that is missing, or a template
// injection in a claim value, denies; a key the issuer rotated in is
// picked up by a refetch on the unknown kid, at most once per configured
// interval whatever the burst; the issuer going down keeps the last good
// keys; every outcome is counted by rule and never logs a token. Every
// wait polls an observable outcome with a deadline.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/oidc_issuer_process.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Config(const TempDir& dir, int http_port, int issuer_port) {
  return absl::StrCat(R"(
listeners:
  unix_socket: )",
                      dir.File("run/tokend.sock"), R"(
  http: 127.0.0.1:)",
                      http_port, R"(
state_dir: )",
                      dir.File("state"), R"(
tenants:
  - name: app
    profile: jwt
    issuer: https://tokend.test
    audience: svc
    keys: {generate: true}
  - name: rtc
    profile: agora
    params: {app_id: 970ca35de60c44645bbae8a215061b33}
    credentials: {app_certificate: "file:agora.cert"}
    ttl: {default: 10m, max: 24h}
limits:
  rate_limit: {qps: 0}  # the unknown-kid bursts are many calls at once
callers:
  - {name: test, uid: )",
                      getuid(), R"(, issue: ["*"], verify: ["*"], revoke: ["*"]}
issuers:
  - name: corp
    issuer: http://127.0.0.1:)",
                      issuer_port, R"(
    audiences: [tokend]
    keys:
      discovery: http://127.0.0.1:)",
                      issuer_port, R"(/.well-known/openid-configuration
      allow_http: true
    refresh: {refresh_interval: 1h, unknown_kid_min_interval: 3s,
              backoff_initial: 100ms, backoff_max: 200ms}
exchange:
  rules:
    - name: corp-app
      match:
        issuers: [corp]
        claims:
          - {path: claims.team, one_of: [red, blue]}
      tenant: app
      subject: "user-{{claims.sub}}"
      grants: {jwt: {audiences: [svc]}}
      ttl: {max: 10m}
    - name: corp-rtc
      match: {issuers: [corp]}
      tenant: rtc
      grants:
        agora:
          rtc: {channel: "team-{{claims.team}}-*", uid: "{{claims.agora_uid}}",
                max_role: publisher}
      ttl: {max: 10m}
)");
}

HttpAnswer Get(int port, const std::string& path) {
  return HttpRequest(port, "GET", path);
}

std::optional<double> Metric(int port, const std::string& series) {
  return MetricSample(Get(port, "/metrics").body, series);
}

class ExchangeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(issuer_.ok());
    dir_.Write("agora.cert", "5cfd2fd1755d40ecb72977518be15d3b");
    dir_.Write("tokend.yaml", Config(dir_, http_, issuer_.port()));
    tokend_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config", dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    ASSERT_TRUE(WaitFor([&] {
      const HttpAnswer readyz = Get(http_, "/readyz");
      return readyz.status == 200 &&
             absl::StrContains(readyz.body, "issuer corp: ready");
    })) << tokend_->Log();
    channel_ = Connect("unix:" + dir_.File("run/tokend.sock"));
    stub_ = v1::TokenService::NewStub(channel_);
  }

  grpc::Status Exchange(const v1::ExchangeTokenRequest& request,
                        v1::ExchangeTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    return stub_->ExchangeToken(&context, request, response);
  }
  grpc::Status Exchange(const std::string& subject_token,
                        const std::string& tenant,
                        v1::ExchangeTokenResponse* response) {
    v1::ExchangeTokenRequest request;
    request.set_subject_token(subject_token);
    request.set_tenant(tenant);
    return Exchange(request, response);
  }

  v1::VerifyTokenResponse Verify(const std::string& tenant,
                                 const std::string& token) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    v1::VerifyTokenResponse response;
    EXPECT_TRUE(stub_->VerifyToken(&context, request, &response).ok());
    return response;
  }

  OidcIssuerProcess issuer_;
  TempDir dir_;
  int http_ = FreePort();
  std::unique_ptr<TokendProcess> tokend_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
};

TEST_F(ExchangeServerTest, AnIdentityTokenBecomesTheTokenTheRuleSays) {
  const std::string identity =
      issuer_.Mint(R"({"sub": "alice", "aud": "tokend", "team": "red"})");
  ASSERT_FALSE(identity.empty());
  v1::ExchangeTokenResponse response;
  const grpc::Status status = Exchange(identity, "app", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.rule(), "corp-app");
  EXPECT_EQ(response.tenant(), "app");
  EXPECT_EQ(response.subject(), "user-alice");
  // The issued token is app's own, for its audience, and verifies.
  const v1::VerifyTokenResponse verdict = Verify("app", response.token());
  EXPECT_TRUE(verdict.valid()) << verdict.reason();
  EXPECT_EQ(verdict.subject(), "user-alice");
  // At most the rule's 10 minutes, and no longer than the identity (600 s).
  const int64_t ttl =
      response.expires_at().seconds() - response.issued_at().seconds();
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 600);
  EXPECT_EQ(
      Metric(
          http_,
          R"(tokend_exchange_total{outcome="allowed",rule="corp-app",via="grpc"})"),
      1);
  // The audit line names the token id, never a token.
  const std::string log = tokend_->Log();
  EXPECT_THAT(log, HasSubstr(response.token_id()));
  EXPECT_THAT(log, Not(HasSubstr(response.token())));
  EXPECT_THAT(log, Not(HasSubstr(identity)));
}

TEST_F(ExchangeServerTest, AgoraChannelIsBoundedByTheCallersTeam) {
  const std::string identity = issuer_.Mint(
      R"({"sub": "bob", "aud": "tokend", "team": "blue", "agora_uid": "42"})");
  v1::ExchangeTokenRequest request;
  request.set_subject_token(identity);
  request.set_tenant("rtc");
  auto* rtc = request.mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name("team-blue-standup");
  rtc->set_uid(42);
  v1::ExchangeTokenResponse response;
  grpc::Status status = Exchange(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.rule(), "corp-rtc");
  EXPECT_TRUE(absl::StartsWith(response.token(), "007"));

  // Another team's channel: the rule's bound refuses it.
  rtc->set_channel_name("team-red-standup");
  status = Exchange(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(DetailsOf(status).field, "grants.agora.services[0].channel");

  // Someone else's uid in the caller's own channel: the uid is the one
  // the rule maps from the caller's identity, nothing else.
  rtc->set_channel_name("team-blue-standup");
  rtc->set_uid(43);
  status = Exchange(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(DetailsOf(status).field, "grants.agora.services[0].uid");
  EXPECT_THAT(status.error_message(), Not(HasSubstr(identity)));
}

TEST_F(ExchangeServerTest, HostileIdentityTokensAreRefusedWithTheirReason) {
  struct Case {
    std::string name;
    std::string token;
    grpc::StatusCode code;
  };
  const std::string good =
      issuer_.Mint(R"({"sub": "alice", "aud": "tokend", "team": "red"})");
  const std::vector<std::string> parts = absl::StrSplit(good, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string forged = good;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  const std::vector<Case> cases = {
      // A token for another service (audience confusion).
      {"other audience",
       issuer_.Mint(R"({"sub": "alice", "aud": "billing", "team": "red"})"),
       grpc::StatusCode::UNAUTHENTICATED},
      {"expired",
       issuer_.Mint(R"({"sub": "alice", "aud": "tokend", "team": "red",
                        "iat": 1000000000, "exp": 1000000600})"),
       grpc::StatusCode::UNAUTHENTICATED},
      {"forged signature", forged, grpc::StatusCode::UNAUTHENTICATED},
      // alg none: header {"alg":"none","typ":"JWT"}, claims of `good`.
      {"alg none",
       absl::StrCat("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.", parts[1], "."),
       grpc::StatusCode::UNAUTHENTICATED},
      // Unconfigured issuer: never contacted.
      {"unknown issuer",
       issuer_.Mint(R"({"iss": "https://evil.test", "sub": "alice",
                        "aud": "tokend", "team": "red"})"),
       grpc::StatusCode::UNAUTHENTICATED},
      {"garbage", "not-a-token", grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_FALSE(c.token.empty());
    v1::ExchangeTokenResponse response;
    const grpc::Status status = Exchange(c.token, "app", &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_FALSE(DetailsOf(status).reason.empty());
    EXPECT_TRUE(response.token().empty());
  }
  const std::string log = tokend_->Log();
  EXPECT_THAT(log, Not(HasSubstr(good)));
  EXPECT_THAT(log, Not(HasSubstr(forged)));
}

TEST_F(ExchangeServerTest, MissingClaimAndTemplateInjectionDeny) {
  // No team claim: corp-app's matcher fails, and corp-rtc's channel
  // template has nothing to fill in: no rule allows (never an empty team).
  v1::ExchangeTokenResponse response;
  grpc::Status status = Exchange(
      issuer_.Mint(R"({"sub": "alice", "aud": "tokend"})"), "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A claim value that looks like a template is data: "{{claims.sub}}" is
  // not a team, and a channel bound built from it matches only itself.
  const std::string injected = issuer_.Mint(
      R"({"sub": "mallory", "aud": "tokend", "team": "*", "agora_uid": "7"})");
  v1::ExchangeTokenRequest request;
  request.set_subject_token(injected);
  request.set_tenant("rtc");
  auto* rtc = request.mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name("team-red-standup");
  rtc->set_uid(7);
  status = Exchange(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << "a '*' team must not widen team-{{claims.team}}-* to every channel";
}

// A token signed by the issuer's newest key but naming `kid` in its header.
std::string MintWithKid(const OidcIssuerProcess& issuer,
                        const std::string& kid) {
  const HttpAnswer answer = HttpRequest(
      issuer.port(), "POST", "/control/mint",
      absl::StrCat(R"({"claims": {"sub": "carol", "aud": "tokend", )",
                   R"("team": "red"}, "headers": {"kid": ")", kid, R"("}})"));
  const std::string key = R"("token": ")";
  const size_t at = answer.body.find(key);
  if (answer.status != 200 || at == std::string::npos) return "";
  const size_t start = at + key.size();
  return answer.body.substr(start, answer.body.find('"', start) - start);
}

TEST_F(ExchangeServerTest,
       AnUnknownKidRefetchesOncePerIntervalWhateverTheBurst) {
  const int before = issuer_.Count("/jwks");
  ASSERT_GE(before, 1);
  ASSERT_FALSE(issuer_.Rotate(/*keep_old=*/true).empty());
  const std::string identity =
      issuer_.Mint(R"({"sub": "carol", "aud": "tokend", "team": "red"})");
  // The new kid is unknown until the refetch its first use plans (at most
  // once per unknown_kid_min_interval, 3 s here); every call of the burst
  // meanwhile joins that one fetch.
  bool exchanged = false;
  ASSERT_TRUE(WaitFor([&] {
    for (int i = 0; i < 20 && !exchanged; ++i) {
      v1::ExchangeTokenResponse response;
      const grpc::Status status = Exchange(identity, "app", &response);
      if (status.ok()) {
        exchanged = true;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      }
    }
    return exchanged;
  })) << tokend_->Log();
  EXPECT_EQ(issuer_.Count("/jwks"), before + 1);

  // A kid the issuer never published: refused; the burst plans one fetch,
  // which does not find it, and from then on the kid is negatively cached:
  // no fetch however often it is tried.
  const std::string unpublished = MintWithKid(issuer_, "never-published");
  ASSERT_FALSE(unpublished.empty());
  for (int i = 0; i < 50; ++i) {
    v1::ExchangeTokenResponse response;
    EXPECT_EQ(Exchange(unpublished, "app", &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  ASSERT_TRUE(WaitFor([&] { return issuer_.Count("/jwks") == before + 2; }))
      << issuer_.Count("/jwks");
  for (int i = 0; i < 50; ++i) {
    v1::ExchangeTokenResponse response;
    EXPECT_EQ(Exchange(unpublished, "app", &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(issuer_.Count("/jwks"), before + 2);
}

TEST_F(ExchangeServerTest, TheIssuerGoingDownKeepsTheLastGoodKeys) {
  ASSERT_TRUE(issuer_.SetMode("jwks", "fail", R"("status": 503)"));
  ASSERT_TRUE(issuer_.SetMode("discovery", "fail", R"("status": 503)"));
  const std::string identity =
      issuer_.Mint(R"({"sub": "dave", "aud": "tokend", "team": "blue"})");
  v1::ExchangeTokenResponse response;
  const grpc::Status status = Exchange(identity, "app", &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Get(http_, "/readyz").status, 200);
}

// A backend of the caller's own: records the authorization metadata of the
// call it gets. Runs on gRPC's threads; the test reads after the call.
class Backend final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    absl::MutexLock lock(&mu_);
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    if (it != metadata.end()) {
      authorization_.assign(it->second.data(), it->second.size());
    }
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

// gRPC's own RFC 8693 client, unchanged (Debian's libgrpc++
// grpc::experimental::StsCredentials), pointed at tokend's POST
// /oauth2/token: it exchanges a PyJWT identity token from a file (as a
// kubelet-projected token is read) and calls a backend with the token
// tokend minted, which verifies as the rule's.
TEST_F(ExchangeServerTest, GrpcStsCredentialsCallsABackendWithATokendToken) {
  const std::string identity =
      issuer_.Mint(R"({"sub": "erin", "aud": "tokend", "team": "blue"})");
  dir_.Write("identity.jwt", identity + "\n");
  const std::string socket = "unix:" + dir_.File("backend.sock");
  Backend backend;
  grpc::ServerBuilder builder;
  // Call credentials travel only over a secure channel: local credentials
  // on a unix socket are one.
  builder.AddListeningPort(socket,
                           grpc::experimental::LocalServerCredentials(UDS));
  builder.RegisterService(&backend);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  grpc::experimental::StsCredentialsOptions options;
  options.token_exchange_service_uri =
      absl::StrCat("http://127.0.0.1:", http_, "/oauth2/token");
  options.subject_token_path = dir_.File("identity.jwt");
  options.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
  options.audience = "app";
  auto channel = grpc::CreateChannel(
      socket, grpc::CompositeChannelCredentials(
                  grpc::experimental::LocalCredentials(UDS),
                  grpc::experimental::StsCredentials(options)));
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status =
      stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << tokend_->Log();
  server->Shutdown();

  const std::string authorization = backend.authorization();
  ASSERT_TRUE(absl::StartsWith(authorization, "Bearer ")) << authorization;
  const std::string token = authorization.substr(7);
  const v1::VerifyTokenResponse verdict = Verify("app", token);
  EXPECT_TRUE(verdict.valid()) << verdict.reason();
  EXPECT_EQ(verdict.subject(), "user-erin");
  EXPECT_EQ(
      Metric(
          http_,
          R"(tokend_exchange_total{outcome="allowed",rule="corp-app",via="oauth2"})"),
      1);
  EXPECT_THAT(tokend_->Log(), Not(HasSubstr(identity)));
}

}  // namespace
}  // namespace tokend::testing
