// Integration tests: the real tokend binary, its listeners, every RPC and
// every error mapping, policy, limits, config validation and reload, mTLS,
// health, reflection, metrics and SIGTERM draining.
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/key_service.grpc.pb.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Creates the test PKI with the openssl CLI: a CA, a server certificate
// for localhost/127.0.0.1, and two client certificates with SPIFFE URI
// SANs ("client" is allowed by the config, "stranger" is not).
void MakeCertificates(const TempDir& dir) {
  const std::string d = dir.path();
  const std::string quiet = " >/dev/null 2>&1";
  ASSERT_EQ(Shell("cd " + d +
                  " && openssl req -x509 -newkey ec -pkeyopt "
                  "ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
                  "-days 2 -subj /CN=tokend-test-ca" +
                  quiet),
            0);
  auto leaf = [&](const std::string& name, const std::string& san) {
    return Shell("cd " + d +
                 " && openssl req -newkey ec -pkeyopt "
                 "ec_paramgen_curve:P-256 -nodes -keyout " +
                 name + ".key -out " + name + ".csr -subj /CN=" + name + quiet +
                 " && printf 'subjectAltName=" + san + "\\n' > " + name +
                 ".ext && openssl x509 -req -in " + name +
                 ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                 "-extfile " +
                 name + ".ext -out " + name + ".pem" + quiet);
  };
  ASSERT_EQ(leaf("server", "DNS:localhost,IP:127.0.0.1"), 0);
  ASSERT_EQ(leaf("client", "URI:spiffe://test.example/client"), 0);
  ASSERT_EQ(leaf("stranger", "URI:spiffe://test.example/stranger"), 0);
}

void MakeEcKey(const TempDir& dir, const std::string& name) {
  ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                  "ec_paramgen_curve:P-256 -out " +
                  dir.File(name) + " 2>/dev/null"),
            0);
}

struct Ports {
  int tcp = FreePort();
  int tls = FreePort();
  int health = FreePort();
  int http = FreePort();
};

// The shared config: the JWT and vendor tenants and three callers.
std::string FullConfig(const TempDir& dir, const Ports& ports,
                       const std::string& extra_limits = "") {
  return absl::StrCat(R"(
listeners:
  unix_socket: )",
                      dir.File("run/tokend.sock"), R"(
  tcp: 127.0.0.1:)",
                      ports.tcp, R"(
  tls:
    address: 127.0.0.1:)",
                      ports.tls, R"(
    cert_file: server.pem
    key_file: server.key
    client_ca_file: ca.pem
  health: 127.0.0.1:)",
                      ports.health, R"(
  http: 127.0.0.1:)",
                      ports.http, R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    audience: [svc]
    algorithm: ES256
    kid: demo-1
    credentials:
      private_key: file:demo.pem
    ttl: {default: 10m, max: 1h}
    session_cap: 2h
    renew_grace: 1m
  - name: hs
    profile: jwt
    issuer: https://hs.test
    algorithm: HS256
    credentials:
      secret: hs.secret
    verify: restricted
  - name: short
    profile: jwt
    issuer: https://short.test
    credentials: {private_key: demo.pem}
    ttl: {default: 1s, max: 2s}
    leeway: 0s
  - name: capped
    profile: jwt
    issuer: https://capped.test
    credentials: {private_key: demo.pem}
    ttl: {default: 1s, max: 1s}
    session_cap: 2s
    renew_grace: 1h
  - name: renew
    profile: jwt
    issuer: https://renew.test
    credentials: {private_key: demo.pem}
    ttl: {default: 3s, max: 3s}
    leeway: 0s
  - name: rtc
    profile: apirtc
    params: {api_key: test-api-key}
    credentials: {secret: hs.secret}
  - name: zoomt
    profile: zoom
    params: {app_key: test-zoom-key}
    credentials: {secret: "file:hs.secret"}
    ttl: {default: 1h, max: 2h}
  - name: tw
    profile: twilio
    params:
      account_sid: AC0123456789abcdef0123456789abcdef
      api_key_sid: SK0123456789abcdef0123456789abcdef
    credentials: {api_key_secret: hs.secret}
  - name: vg
    profile: vonage
    params: {application_id: aaaaaaaa-bbbb-cccc-dddd-0123456789ab}
    credentials: {private_key: vonage.pem}
limits:
  max_message_bytes: 16384
  max_token_bytes: 4096
)",
                      extra_limits, R"(
callers:
  - name: me
    uid: )",
                      getuid(), R"(
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
  - name: local-tcp
    loopback: true
    issue: [demo, short]
  - name: client
    spiffe_id: spiffe://test.example/client
    issue: [demo]
    revoke: [demo]
)");
}

std::string Unix(const TempDir& dir) {
  return "unix:" + dir.File("run/tokend.sock");
}

v1::IssueTokenRequest DemoIssue(const std::string& tenant = "demo",
                                const std::string& subject = "alice") {
  v1::IssueTokenRequest request;
  request.set_tenant(tenant);
  request.mutable_subject()->set_user_id(subject);
  return request;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    ports_ = new Ports;
    MakeCertificates(*dir_);
    MakeEcKey(*dir_, "demo.pem");
    ASSERT_EQ(Shell("openssl genpkey -algorithm RSA -pkeyopt "
                    "rsa_keygen_bits:2048 -out " +
                    dir_->File("vonage.pem") + " 2>/dev/null"),
              0);
    dir_->Write("hs.secret", "0123456789abcdef0123456789abcdef-hs-secret");
    dir_->Write("tokend.yaml", FullConfig(*dir_, *ports_));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Unix(*dir_))) << process_->Log();
  }
  static void TearDownTestSuite() {
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(), 0) << process_->Log();
    delete process_;
    delete ports_;
    delete dir_;
  }

  std::unique_ptr<v1::TokenService::Stub> Tokens(
      const std::string& target = "") {
    return v1::TokenService::NewStub(
        Connect(target.empty() ? Unix(*dir_) : target));
  }
  std::string Tcp() const { return absl::StrCat("127.0.0.1:", ports_->tcp); }

  grpc::Status Issue(const v1::IssueTokenRequest& request,
                     v1::IssueTokenResponse* response,
                     const std::string& target = "") {
    grpc::ClientContext context;
    AddMarker(&context);
    return Tokens(target)->IssueToken(&context, request, response);
  }
  grpc::Status Verify(const std::string& tenant, const std::string& token,
                      v1::VerifyTokenResponse* response,
                      const std::string& target = "") {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    return Tokens(target)->VerifyToken(&context, request, response);
  }
  grpc::Status Renew(const std::string& tenant, const std::string& token,
                     v1::RenewTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RenewTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    return Tokens()->RenewToken(&context, request, response);
  }
  grpc::Status Revoke(const v1::RevokeTokenRequest& request,
                      const std::string& target = "") {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RevokeTokenResponse response;
    return Tokens(target)->RevokeToken(&context, request, &response);
  }

  static void ExpectError(const grpc::Status& status, grpc::StatusCode code,
                          const std::string& reason, const std::string& field) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    const ErrorDetails d = DetailsOf(status);
    EXPECT_TRUE(d.has_error_info);
    EXPECT_EQ(d.domain, "tokend");
    EXPECT_EQ(d.reason, reason) << status.error_message();
    EXPECT_EQ(d.field, field);
    if (code == grpc::StatusCode::INVALID_ARGUMENT) {
      EXPECT_TRUE(d.has_bad_request);
      EXPECT_EQ(d.bad_request_field, field);
    }
  }

  static TempDir* dir_;
  static Ports* ports_;
  static TokendProcess* process_;
};

TempDir* ServerTest::dir_ = nullptr;
Ports* ServerTest::ports_ = nullptr;
TokendProcess* ServerTest::process_ = nullptr;

// --- success paths ---------------------------------------------------------

TEST_F(ServerTest, IssueThenVerifyOK) {
  v1::IssueTokenResponse issued;
  v1::IssueTokenRequest request = DemoIssue();
  request.mutable_ttl()->set_seconds(300);
  (*request.mutable_jwt()->mutable_extra_claims()->mutable_fields())["level"]
      .set_number_value(3);
  ASSERT_TRUE(Issue(request, &issued).ok());
  EXPECT_FALSE(issued.token().empty());
  EXPECT_FALSE(issued.token_id().empty());
  EXPECT_EQ(issued.expires_at().seconds() - issued.issued_at().seconds(), 300);
  EXPECT_EQ(issued.tenant(), "demo");
  EXPECT_EQ(issued.profile(), v1::PROFILE_JWT);
  EXPECT_TRUE(issued.has_session_expires_at());

  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  EXPECT_EQ(verified.reason(), "");
  EXPECT_EQ(verified.subject(), "alice");
  EXPECT_EQ(verified.token_id(), issued.token_id());
  EXPECT_EQ(verified.expires_at().seconds(), issued.expires_at().seconds());
  ASSERT_TRUE(verified.has_jwt());
  EXPECT_EQ(verified.jwt().extra_claims().fields().at("level").number_value(),
            3);
  EXPECT_EQ(verified.claims().fields().at("iss").string_value(),
            "https://issuer.test");
}

TEST_F(ServerTest, HmacTenantIssueVerifyOK) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue("hs"), &issued).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("hs", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid()) << verified.reason();
}

TEST_F(ServerTest, LoopbackTcpIssueOK) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued, Tcp()).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", issued.token(), &verified, Tcp()).ok());
  EXPECT_TRUE(verified.valid());
}

TEST_F(ServerTest, RenewGivesAFreshTokenOK) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued).ok());
  v1::RenewTokenResponse renewed;
  ASSERT_TRUE(Renew("demo", issued.token(), &renewed).ok());
  EXPECT_NE(renewed.token_id(), issued.token_id());
  EXPECT_EQ(renewed.session_expires_at().seconds(),
            issued.session_expires_at().seconds());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", renewed.token(), &verified).ok());
  EXPECT_TRUE(verified.valid());
  EXPECT_EQ(verified.subject(), "alice");
}

TEST_F(ServerTest, RevokeByTokenIdThenVerifyIsRevoked) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue("demo", "bob"), &issued).ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_tenant("demo");
  revoke.set_token_id(issued.token_id());
  revoke.set_reason("test");
  ASSERT_TRUE(Revoke(revoke).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", issued.token(), &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "REVOKED");
  v1::RenewTokenResponse renewed;
  ExpectError(Renew("demo", issued.token(), &renewed),
              grpc::StatusCode::PERMISSION_DENIED, "REVOKED", "");
}

TEST_F(ServerTest, RevokeBySubjectAndByTokenOK) {
  v1::IssueTokenResponse a, b;
  ASSERT_TRUE(Issue(DemoIssue("demo", "carol"), &a).ok());
  ASSERT_TRUE(Issue(DemoIssue("demo", "dave"), &b).ok());
  v1::RevokeTokenRequest by_subject;
  by_subject.set_tenant("demo");
  by_subject.set_subject("carol");
  ASSERT_TRUE(Revoke(by_subject).ok());
  v1::RevokeTokenRequest by_token;
  by_token.set_tenant("demo");
  by_token.set_token(b.token());
  ASSERT_TRUE(Revoke(by_token).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", a.token(), &verified).ok());
  EXPECT_EQ(verified.reason(), "REVOKED");
  ASSERT_TRUE(Verify("demo", b.token(), &verified).ok());
  EXPECT_EQ(verified.reason(), "REVOKED");
}

TEST_F(ServerTest, SubscribeSendsInitialEventOK) {
  grpc::ClientContext context;
  AddMarker(&context);
  v1::SubscribeTokenRequest request;
  request.set_tenant("demo");
  *request.mutable_spec() = DemoIssue();
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.sequence(), 1u);
  EXPECT_EQ(event.reason(), v1::EVENT_REASON_INITIAL);
  EXPECT_FALSE(event.token().empty());
  EXPECT_GT(event.next_refresh_at().seconds(), event.issued_at().seconds());
  EXPECT_LT(event.next_refresh_at().seconds(), event.expires_at().seconds());
  context.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerTest, SubscribeResumesCurrentTokenOK) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued).ok());
  grpc::ClientContext context;
  AddMarker(&context);
  v1::SubscribeTokenRequest request;
  request.set_tenant("demo");
  request.set_current_token(issued.token());
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.reason(), v1::EVENT_REASON_RESUMED);
  EXPECT_EQ(event.token_id(), issued.token_id());
  context.TryCancel();
  stream->Finish();
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

TEST_F(ServerTest, SubscriptionRenewsBeforeEachTokenExpiresOK) {
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::SubscribeTokenRequest request;
  request.set_tenant("renew");
  *request.mutable_spec() = DemoIssue("renew", "renewer");
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent previous;
  ASSERT_TRUE(stream->Read(&previous));
  EXPECT_EQ(previous.sequence(), 1u);
  EXPECT_EQ(previous.reason(), v1::EVENT_REASON_INITIAL);
  EXPECT_EQ(TimeOf(previous.expires_at()) - TimeOf(previous.issued_at()),
            absl::Seconds(3));
  for (int i = 0; i < 3; ++i) {
    v1::TokenEvent event;
    ASSERT_TRUE(stream->Read(&event)) << "renewal " << i;
    // Received while the previous token was still valid.
    EXPECT_LT(absl::Now(), TimeOf(previous.expires_at()));
    EXPECT_EQ(event.sequence(), previous.sequence() + 1);
    EXPECT_EQ(event.reason(), v1::EVENT_REASON_SCHEDULED);
    EXPECT_NE(event.token_id(), previous.token_id());
    EXPECT_LT(TimeOf(event.issued_at()), TimeOf(previous.expires_at()));
    EXPECT_LT(TimeOf(event.next_refresh_at()), TimeOf(event.expires_at()));
    v1::VerifyTokenResponse verified;
    ASSERT_TRUE(Verify("renew", event.token(), &verified).ok());
    EXPECT_TRUE(verified.valid()) << verified.reason();
    EXPECT_EQ(verified.subject(), "renewer");
    previous = event;
  }
  context.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerTest, ReconnectWithCurrentTokenResumesOK) {
  v1::TokenEvent first;
  {
    grpc::ClientContext context;
    AddMarker(&context);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::SubscribeTokenRequest request;
    request.set_tenant("demo");
    *request.mutable_spec() = DemoIssue("demo", "reconnecter");
    auto stream = Tokens()->SubscribeToken(&context, request);
    ASSERT_TRUE(stream->Read(&first));
    context.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::SubscribeTokenRequest request;
  request.set_tenant("demo");
  request.set_current_token(first.token());
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent resumed;
  ASSERT_TRUE(stream->Read(&resumed));
  EXPECT_EQ(resumed.sequence(), 1u);
  EXPECT_EQ(resumed.reason(), v1::EVENT_REASON_RESUMED);
  EXPECT_EQ(resumed.token_id(), first.token_id());
  EXPECT_EQ(resumed.token(), first.token());
  EXPECT_EQ(TimeOf(resumed.expires_at()), TimeOf(first.expires_at()));
  context.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerTest, RevokingTheSubjectEndsTheStreamRevoked) {
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::SubscribeTokenRequest request;
  request.set_tenant("demo");
  *request.mutable_spec() = DemoIssue("demo", "revoked-subscriber");
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent event;
  ASSERT_TRUE(stream->Read(&event));
  v1::RevokeTokenRequest revoke;
  revoke.set_tenant("demo");
  revoke.set_subject("revoked-subscriber");
  ASSERT_TRUE(Revoke(revoke).ok());
  // The stream ends at once, not at the next renewal (10 minutes away).
  EXPECT_FALSE(stream->Read(&event));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "REVOKED");
}

TEST_F(ServerTest, RevokingTheTokenIdEndsTheStreamRevoked) {
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::SubscribeTokenRequest request;
  request.set_tenant("demo");
  *request.mutable_spec() = DemoIssue("demo", "token-id-subscriber");
  auto stream = Tokens()->SubscribeToken(&context, request);
  v1::TokenEvent event;
  ASSERT_TRUE(stream->Read(&event));
  v1::RevokeTokenRequest revoke;
  revoke.set_tenant("demo");
  revoke.set_token_id(event.token_id());
  ASSERT_TRUE(Revoke(revoke).ok());
  EXPECT_FALSE(stream->Read(&event));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "REVOKED");
}

TEST_F(ServerTest, GetJwksPublishesPublicKeysOK) {
  auto stub = v1::KeyService::NewStub(Connect(Unix(*dir_)));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::GetJwksRequest request;
  v1::GetJwksResponse response;
  ASSERT_TRUE(stub->GetJwks(&context, request, &response).ok());
  EXPECT_THAT(response.jwks_json(), HasSubstr("\"kid\":\"demo-1\""));
  EXPECT_THAT(response.jwks_json(), Not(HasSubstr("\"d\":")));
  EXPECT_THAT(response.jwks_json(), Not(HasSubstr("\"k\":")));  // no HMAC
  EXPECT_FALSE(response.etag().empty());
  bool found = false;
  for (const auto& k : response.keys()) {
    found = found || (k.kid() == "demo-1" && k.alg() == "ES256" &&
                      k.tenant() == "demo" && k.kty() == "EC");
  }
  EXPECT_TRUE(found);

  const std::string http = HttpGet(ports_->http, "/.well-known/jwks.json");
  EXPECT_THAT(http, HasSubstr("200 OK"));
  EXPECT_THAT(http, HasSubstr(response.etag()));
  EXPECT_THAT(http, HasSubstr("\"kid\":\"demo-1\""));
}

TEST_F(ServerTest, WatchJwksSendsTheSetOK) {
  auto stub = v1::KeyService::NewStub(Connect(Unix(*dir_)));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::WatchJwksRequest request;
  request.set_tenant("demo");
  auto stream = stub->WatchJwks(&context, request);
  v1::WatchJwksResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.sequence(), 1u);
  EXPECT_THAT(response.jwks_json(), HasSubstr("demo-1"));
  context.TryCancel();
  stream->Finish();
}

TEST_F(ServerTest, VendorProfilesIssueAndVerifyOK) {
  v1::IssueTokenRequest rtc = DemoIssue("rtc", "agent-7");
  rtc.mutable_apirtc();
  v1::IssueTokenResponse issued;
  grpc::Status status = Issue(rtc, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.profile(), v1::PROFILE_APIRTC);
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("rtc", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  EXPECT_EQ(verified.subject(), "agent-7");
  EXPECT_TRUE(verified.has_apirtc());

  v1::IssueTokenRequest zoom = DemoIssue("zoomt", "zed");
  zoom.mutable_zoom()->set_topic("room-1");
  zoom.mutable_zoom()->set_role_type(v1::ZOOM_ROLE_TYPE_HOST);
  status = Issue(zoom, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(Verify("zoomt", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_TRUE(verified.has_zoom());
  EXPECT_EQ(verified.zoom().topic(), "room-1");
  EXPECT_EQ(verified.zoom().role_type(), v1::ZOOM_ROLE_TYPE_HOST);

  v1::IssueTokenRequest tw = DemoIssue("tw", "tina");
  tw.mutable_twilio()->mutable_video()->set_room("room-2");
  status = Issue(tw, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(Verify("tw", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_TRUE(verified.has_twilio());
  EXPECT_EQ(verified.twilio().video().room(), "room-2");

  v1::IssueTokenRequest vg = DemoIssue("vg", "victor");
  auto& path = (*vg.mutable_vonage()
                     ->mutable_application()
                     ->mutable_acl()
                     ->mutable_paths())["/*/users/**"];
  path.add_methods("GET");
  status = Issue(vg, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(Verify("vg", issued.token(), &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_TRUE(verified.has_vonage());
  EXPECT_EQ(verified.vonage()
                .application()
                .acl()
                .paths()
                .at("/*/users/**")
                .methods(0),
            "GET");

  // A vendor whose grants are required refuses a request without them.
  ExpectError(Issue(DemoIssue("zoomt"), &issued),
              grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT", "grants");
}

// --- verification verdicts ------------------------------------------------

TEST_F(ServerTest, VerifyTamperedTokenIsAnAnswerNotAnError) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued).ok());
  // Flip a character inside the signature (the last one may carry padding
  // bits, which strict base64url would refuse as BAD_BASE64 instead).
  std::string token = issued.token();
  char& c = token[token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", token, &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "BAD_SIGNATURE");
  EXPECT_THAT(verified.detail(), Not(HasSubstr(token.substr(0, 20))));

  ASSERT_TRUE(Verify("demo", "not-a-token", &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "MALFORMED");
}

TEST_F(ServerTest, VerifyOversizedTokenIsTokenTooLarge) {
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", std::string(5000, 'a'), &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "TOKEN_TOO_LARGE");
}

TEST_F(ServerTest, VerifyOtherTenantsTokenFails) {
  // Same key file, but "short" knows it under its thumbprint, not "demo-1".
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("short", issued.token(), &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "UNKNOWN_KID");
  EXPECT_EQ(verified.tenant(), "short");
}

// --- error mappings ---------------------------------------------------------

TEST_F(ServerTest, MissingTenantIsInvalidArgument) {
  v1::IssueTokenResponse issued;
  ExpectError(Issue(DemoIssue(""), &issued), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "tenant");
}

TEST_F(ServerTest, UnknownTenantIsInvalidArgument) {
  v1::IssueTokenResponse issued;
  ExpectError(Issue(DemoIssue("nope"), &issued),
              grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT", "tenant");
  v1::VerifyTokenResponse verified;
  ExpectError(Verify("nope", "x.y.z", &verified),
              grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT", "tenant");
}

TEST_F(ServerTest, TtlOverMaximumIsInvalidArgument) {
  v1::IssueTokenRequest request = DemoIssue();
  request.mutable_ttl()->set_seconds(7200);
  v1::IssueTokenResponse issued;
  ExpectError(Issue(request, &issued), grpc::StatusCode::INVALID_ARGUMENT,
              "LIFETIME_EXCEEDED", "ttl");
  request.mutable_ttl()->set_seconds(10);
  request.mutable_ttl()->set_nanos(5);
  ExpectError(Issue(request, &issued), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "ttl");
}

TEST_F(ServerTest, GrantsOfAnotherProfileAreInvalidArgument) {
  v1::IssueTokenRequest request = DemoIssue();
  request.mutable_daily()->set_room_name("r");
  v1::IssueTokenResponse issued;
  ExpectError(Issue(request, &issued), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "grants");
}

TEST_F(ServerTest, RenewGarbageIsInvalidArgumentOnToken) {
  v1::RenewTokenResponse renewed;
  ExpectError(Renew("demo", "garbage", &renewed),
              grpc::StatusCode::INVALID_ARGUMENT, "MALFORMED", "token");
  ExpectError(Renew("demo", "", &renewed), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "token");
  ExpectError(Renew("demo", std::string(5000, 'a'), &renewed),
              grpc::StatusCode::INVALID_ARGUMENT, "TOKEN_TOO_LARGE", "token");
}

TEST_F(ServerTest, RenewExpiredTokenIsFailedPrecondition) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue("short"), &issued).ok());
  grpc::Status last;
  ASSERT_TRUE(WaitFor([&] {
    v1::RenewTokenResponse renewed;
    last = Renew("short", issued.token(), &renewed);
    return !last.ok();
  }));
  ExpectError(last, grpc::StatusCode::FAILED_PRECONDITION, "TOKEN_EXPIRED",
              "token");
}

TEST_F(ServerTest, RenewPastSessionCapIsFailedPrecondition) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue("capped"), &issued).ok());
  grpc::Status last;
  ASSERT_TRUE(WaitFor([&] {
    v1::RenewTokenResponse renewed;
    last = Renew("capped", issued.token(), &renewed);
    return !last.ok();
  }));
  ExpectError(last, grpc::StatusCode::FAILED_PRECONDITION, "SESSION_LIMIT", "");
}

TEST_F(ServerTest, RevokeWithoutTargetIsInvalidArgument) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  ExpectError(Revoke(request), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "target");
  request.set_whole_tenant(false);
  ExpectError(Revoke(request), grpc::StatusCode::INVALID_ARGUMENT,
              "INVALID_ARGUMENT", "whole_tenant");
}

TEST_F(ServerTest, MissingMarkerHeaderIsInvalidArgument) {
  grpc::ClientContext context;  // no marker
  v1::IssueTokenResponse issued;
  ExpectError(Tokens()->IssueToken(&context, DemoIssue(), &issued),
              grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT",
              "tokend-request");
  auto keys = v1::KeyService::NewStub(Connect(Unix(*dir_)));
  grpc::ClientContext context2;
  v1::GetJwksResponse jwks;
  ExpectError(keys->GetJwks(&context2, v1::GetJwksRequest(), &jwks),
              grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT",
              "tokend-request");
}

TEST_F(ServerTest, CallerWithoutRightIsPermissionDenied) {
  // Loopback TCP may issue for demo only, and revoke nothing.
  v1::IssueTokenResponse issued;
  ExpectError(Issue(DemoIssue("capped"), &issued, Tcp()),
              grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED", "");
  v1::RevokeTokenRequest revoke;
  revoke.set_tenant("demo");
  revoke.set_subject("x");
  ExpectError(Revoke(revoke, Tcp()), grpc::StatusCode::PERMISSION_DENIED,
              "PERMISSION_DENIED", "");
  // "hs" restricts verify to the callers that list it.
  v1::VerifyTokenResponse verified;
  ExpectError(Verify("hs", "x.y.z", &verified, Tcp()),
              grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED", "");
}

TEST_F(ServerTest, OversizedRequestIsResourceExhausted) {
  v1::VerifyTokenResponse verified;
  const grpc::Status status =
      Verify("demo", std::string(20000, 'a'), &verified);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
}

// --- mTLS -----------------------------------------------------------------

std::shared_ptr<grpc::Channel> TlsChannel(const TempDir& dir, int port,
                                          const std::string& client) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFile(dir.File("ca.pem"));
  if (!client.empty()) {
    options.pem_private_key = ReadFile(dir.File(client + ".key"));
    options.pem_cert_chain = ReadFile(dir.File(client + ".pem"));
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::SslCredentials(options), args);
}

TEST_F(ServerTest, MtlsClientBySpiffeIdOK) {
  auto stub =
      v1::TokenService::NewStub(TlsChannel(*dir_, ports_->tls, "client"));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenResponse issued;
  const grpc::Status status = stub->IssueToken(&context, DemoIssue(), &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(issued.token().empty());
}

TEST_F(ServerTest, MtlsUnknownClientIsPermissionDenied) {
  auto stub =
      v1::TokenService::NewStub(TlsChannel(*dir_, ports_->tls, "stranger"));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenResponse issued;
  ExpectError(stub->IssueToken(&context, DemoIssue(), &issued),
              grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED", "");
}

TEST_F(ServerTest, TlsWithoutClientCertificateFails) {
  auto stub = v1::TokenService::NewStub(TlsChannel(*dir_, ports_->tls, ""));
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::IssueTokenResponse issued;
  EXPECT_EQ(stub->IssueToken(&context, DemoIssue(), &issued).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// --- health, reflection, metrics ---------------------------------------------

TEST_F(ServerTest, HealthOnEveryListenerOK) {
  EXPECT_EQ(HealthCheck(Connect(Unix(*dir_)), ""), 1);
  EXPECT_EQ(HealthCheck(Connect(Tcp()), "tokend.v1.TokenService"), 1);
  EXPECT_EQ(
      HealthCheck(Connect(absl::StrCat("127.0.0.1:", ports_->health)), ""), 1);
  // Health needs no marker header; an unknown service is NOT_FOUND.
  grpc::Status error;
  EXPECT_EQ(HealthCheck(Connect(Tcp()), "no.such.Service", &error), -1);
  EXPECT_EQ(error.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(HttpGet(ports_->http, "/healthz"), HasSubstr("200 OK"));
  EXPECT_THAT(HttpGet(ports_->http, "/readyz"), HasSubstr("200 OK"));
}

TEST_F(ServerTest, ReflectionListsTheServicesOK) {
  std::vector<std::string> services;
  const grpc::Status status = ListServices(Connect(Unix(*dir_)), &services);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(services, Contains("tokend.v1.TokenService"));
  EXPECT_THAT(services, Contains("tokend.v1.KeyService"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
}

TEST_F(ServerTest, HealthPortServesOnlyHealth) {
  std::vector<std::string> services;
  const grpc::Status status = ListServices(
      Connect(absl::StrCat("127.0.0.1:", ports_->health)), &services);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  auto stub = v1::TokenService::NewStub(
      Connect(absl::StrCat("127.0.0.1:", ports_->health)));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenResponse issued;
  EXPECT_EQ(stub->IssueToken(&context, DemoIssue(), &issued).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerTest, MetricsTextOverHttpOK) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue(), &issued).ok());
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify("demo", issued.token(), &verified).ok());
  const std::string text = HttpGet(ports_->http, "/metrics");
  EXPECT_THAT(text, HasSubstr("200 OK"));
  EXPECT_THAT(text, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(text, HasSubstr("tokend_rpc_handled_total{"));
  EXPECT_THAT(text, HasSubstr("method=\"IssueToken\""));
  EXPECT_THAT(text, HasSubstr("tokend_verifications_total{"));
  EXPECT_THAT(text, HasSubstr("reason=\"OK\""));
  EXPECT_THAT(text, HasSubstr("tokend_rpc_duration_seconds_bucket"));
  EXPECT_THAT(text, HasSubstr("tokend_config_reloads_total"));
  // Never a token in the metrics.
  EXPECT_THAT(text, Not(HasSubstr(issued.token())));
}

TEST_F(ServerTest, LogsCarryAuditLinesButNeverTokens) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(DemoIssue("demo", "erin"), &issued).ok());
  std::string log;
  ASSERT_TRUE(WaitFor([&] {
    log = process_->Log();
    return absl::StrContains(log, issued.token_id());
  }));
  EXPECT_THAT(log, HasSubstr("\"level\":\"audit\",\"msg\":\"issue\""));
  EXPECT_THAT(log, HasSubstr("\"subject\":\"erin\""));
  EXPECT_THAT(log, Not(HasSubstr(issued.token())));
  EXPECT_THAT(log, Not(HasSubstr("PRIVATE KEY")));
}

// --- separate processes
// -------------------------------------------------------

TEST(ServerProcessTest, UnauthorisedUnixCallerIsPermissionDenied) {
  TempDir dir;
  MakeEcKey(dir, "demo.pem");
  dir.Write("tokend.yaml",
            absl::StrCat(R"(
listeners: {unix_socket: )",
                         dir.File("s.sock"), R"(}
tenants:
  - {name: demo, profile: jwt, issuer: i, credentials: {private_key: demo.pem}}
callers:
  - {uid: )",
                         getuid() + 1, R"(, issue: ["*"], revoke: ["*"]}
)"));
  TokendProcess p({"--config=" + dir.File("tokend.yaml")}, dir.File("log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("s.sock"))) << p.Log();
  auto channel = Connect("unix:" + dir.File("s.sock"));
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenResponse issued;
  const grpc::Status status = v1::TokenService::NewStub(channel)->IssueToken(
      &context, DemoIssue(), &issued);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(DetailsOf(status).reason, "PERMISSION_DENIED");
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("uid:", getuid())));
  p.Signal(SIGTERM);
  EXPECT_EQ(p.WaitExit(), 0);
}

TEST(ServerProcessTest, RateLimitIsResourceExhaustedWithRetryInfo) {
  TempDir dir;
  MakeEcKey(dir, "demo.pem");
  dir.Write("tokend.yaml", absl::StrCat(R"(
listeners: {unix_socket: )",
                                        dir.File("s.sock"), R"(}
tenants:
  - {name: demo, profile: jwt, issuer: i, credentials: {private_key: demo.pem}}
limits: {rate_limit: {qps: 0.01, burst: 2}}
callers:
  - {uid: )",
                                        getuid(), R"(, issue: ["*"]}
)"));
  TokendProcess p({"--config=" + dir.File("tokend.yaml")}, dir.File("log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("s.sock"))) << p.Log();
  auto channel = Connect("unix:" + dir.File("s.sock"));
  auto stub = v1::TokenService::NewStub(channel);
  grpc::Status last;
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenResponse issued;
    last = stub->IssueToken(&context, DemoIssue(), &issued);
    if (i < 2) {
      EXPECT_TRUE(last.ok()) << last.error_message();
    }
  }
  EXPECT_EQ(last.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const ErrorDetails d = DetailsOf(last);
  EXPECT_EQ(d.reason, "RESOURCE_EXHAUSTED");
  EXPECT_GT(d.retry_delay_ms, 0);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.WaitExit(), 0);
}

TEST(ServerProcessTest, BadConfigAtStartExitsNonZeroNamingFileAndField) {
  TempDir dir;
  MakeEcKey(dir, "demo.pem");
  dir.Write("bad.yaml", absl::StrCat(R"(
listeners: {unix_socket: )",
                                     dir.File("s.sock"), R"(}
tenants:
  - {name: a, profile: jwt, issuer: i, credentials: {private_key: demo.pem}}
  - name: b
    profile: jwt
    issuer: i
    credentials: {private_key: demo.pem}
    ttl: {default: 1h, max: 10m}
)"));
  TokendProcess p({"--config=" + dir.File("bad.yaml")}, dir.File("log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_THAT(p.Log(), HasSubstr(dir.File("bad.yaml")));
  EXPECT_THAT(p.Log(), HasSubstr("tenants[1].ttl.max"));
}

TEST(ServerProcessTest, BadCredentialAtStartNamesTheField) {
  TempDir dir;
  dir.Write("bad.yaml", absl::StrCat(R"(
listeners: {unix_socket: )",
                                     dir.File("s.sock"), R"(}
tenants:
  - {name: a, profile: jwt, issuer: i, credentials: {private_key: "env:TOKEND_TEST_UNSET_VAR"}}
)"));
  TokendProcess p({"--config=" + dir.File("bad.yaml")}, dir.File("log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_THAT(p.Log(), HasSubstr("tenants[0].credentials.private_key"));
  EXPECT_THAT(p.Log(), HasSubstr("TOKEND_TEST_UNSET_VAR"));
}

TEST(ServerProcessTest, UnknownFieldAtStartIsRefused) {
  TempDir dir;
  dir.Write("bad.yaml", "listeners: {unix_sockett: /tmp/x}\n");
  TokendProcess p({"--config=" + dir.File("bad.yaml")}, dir.File("log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_THAT(p.Log(), HasSubstr("listeners.unix_sockett: unknown field"));
}

std::string ReloadConfig(const TempDir& dir, int http, bool with_second) {
  std::string tenants = R"(
  - {name: first, profile: jwt, issuer: i1, credentials: {private_key: demo.pem}}
)";
  if (with_second) {
    tenants += R"(
  - {name: second, profile: jwt, issuer: i2, credentials: {private_key: demo.pem}}
)";
  }
  return absl::StrCat(R"(
listeners: {unix_socket: )",
                      dir.File("s.sock"), R"(, http: 127.0.0.1:)", http,
                      R"(}
tenants:)",
                      tenants, R"(
callers:
  - {uid: )",
                      getuid(), R"(, issue: ["*"]}
)");
}

// The value of tokend_config_reloads_total{result="<result>"}.
int ReloadCount(int http, const std::string& result) {
  const std::string text = HttpGet(http, "/metrics");
  const std::string key =
      absl::StrCat("tokend_config_reloads_total{result=\"", result, "\"} ");
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::atoi(text.c_str() + at + key.size());
}

TEST(ServerProcessTest, BadReloadKeepsOldConfigThenGoodReloadApplies) {
  TempDir dir;
  MakeEcKey(dir, "demo.pem");
  const int http = FreePort();
  dir.Write("tokend.yaml", ReloadConfig(dir, http, false));
  TokendProcess p({"--config=" + dir.File("tokend.yaml")}, dir.File("log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("s.sock"))) << p.Log();
  auto channel = Connect("unix:" + dir.File("s.sock"));
  auto stub = v1::TokenService::NewStub(channel);
  auto issue = [&](const std::string& tenant) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenResponse issued;
    return stub->IssueToken(&context, DemoIssue(tenant), &issued);
  };
  ASSERT_TRUE(issue("first").ok());
  EXPECT_EQ(ReloadCount(http, "failed"), 0);

  dir.Write("tokend.yaml", "tenants: [ {name: first, profile: nosuch} ]\n");
  p.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return ReloadCount(http, "failed") >= 1; }))
      << p.Log();
  EXPECT_THAT(p.Log(), HasSubstr("tenants[0].profile"));
  EXPECT_TRUE(issue("first").ok());  // the old config stays in force

  // A good change, seen by the file watcher (no signal needed).
  dir.Write("tokend.yaml", ReloadConfig(dir, http, true));
  ASSERT_TRUE(WaitFor([&] { return issue("second").ok(); })) << p.Log();
  EXPECT_GE(ReloadCount(http, "ok"), 1);
  EXPECT_TRUE(issue("first").ok());
  p.Signal(SIGTERM);
  EXPECT_EQ(p.WaitExit(), 0);
}

TEST(ServerProcessTest, SigtermEndsStreamsUnavailableAndExitsZero) {
  TempDir dir;
  MakeEcKey(dir, "demo.pem");
  const int http = FreePort();
  dir.Write("tokend.yaml", ReloadConfig(dir, http, false));
  TokendProcess p({"--config=" + dir.File("tokend.yaml"), "--drain_timeout=5s"},
                  dir.File("log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("s.sock"))) << p.Log();
  auto channel = Connect("unix:" + dir.File("s.sock"));
  auto stub = v1::TokenService::NewStub(channel);
  grpc::ClientContext context;
  AddMarker(&context);
  v1::SubscribeTokenRequest request;
  request.set_tenant("first");
  *request.mutable_spec() = DemoIssue("first");
  auto stream = stub->SubscribeToken(&context, request);
  v1::TokenEvent event;
  ASSERT_TRUE(stream->Read(&event));
  p.Signal(SIGTERM);
  EXPECT_FALSE(stream->Read(&event));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "UNAVAILABLE");
  EXPECT_EQ(p.WaitExit(), 0) << p.Log();
}

TEST(ServerProcessTest, EmbeddedDevelopmentDefaultServesOK) {
  TempDir dir;
  const int tcp = FreePort();
  TokendProcess p({"--state_dir=" + dir.File("state"),
                   absl::StrCat("--listen=127.0.0.1:", tcp)},
                  dir.File("log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("state/tokend.sock"))) << p.Log();
  auto channel = Connect("unix:" + dir.File("state/tokend.sock"));
  EXPECT_THAT(p.Log(), HasSubstr("DEVELOPMENT MODE"));
  EXPECT_THAT(p.Log(), HasSubstr("tokenctl"));
  struct stat st {};
  ASSERT_EQ(stat(dir.File("state/keys/dev-jwt-es256.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir.File("state/tokend.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenResponse issued;
  v1::IssueTokenRequest request = DemoIssue("dev-jwt");
  const grpc::Status status = v1::TokenService::NewStub(channel)->IssueToken(
      &context, request, &issued);
  EXPECT_TRUE(status.ok()) << status.error_message() << p.Log();
  // Loopback TCP works too.
  EXPECT_EQ(HealthCheck(Connect(absl::StrCat("127.0.0.1:", tcp)), ""), 1);
  p.Signal(SIGINT);
  EXPECT_EQ(p.WaitExit(), 0);
}

}  // namespace
}  // namespace tokend::testing
