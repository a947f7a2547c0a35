// Envoy ext_authz (envoy.service.auth.v3.Authorization/Check) through the
// real tokend binary over its unix socket, with CheckRequests shaped as
// Envoy sends them: allow and deny shapes (headers, WWW-Authenticate,
// google.rpc codes, dynamic metadata), every bad input of issue 16, hostile
// tokens, revocation, audience policy, a reload removing a tenant,
// draining, the revocation store going down (fail-open / fail-closed),
// outbound tokens renewed before expiry, metrics and config errors. Envoy
// itself is not installable here: the test is Envoy's side of the wire
// (the Node conformance test checks the messages against Envoy's own
// protos).
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using envoy::service::auth::v3::Authorization;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-ext-authz";

std::string Config(const TempDir& dir, int health_port, int http_port,
                   const std::string& extra_tenants,
                   const std::string& revocation,
                   const std::string& outbound_ttl, bool claims_metadata) {
  return absl::StrCat(
      R"(
listeners:
  unix_socket: )",
      dir.File("run/tokend.sock"), R"(
  health: 127.0.0.1:)",
      health_port, R"(
  http: 127.0.0.1:)",
      http_port, R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    audience: [api.test, other.test]
    algorithm: HS256
    credentials: {secret: hs.secret}
    ttl: {default: 10m, max: 1h}
  - name: lk
    profile: livekit
    params: {api_key: test-livekit-key}
    credentials: {api_secret: hs.secret}
)",
      extra_tenants, R"(
callers:
  - name: me
    uid: )",
      getuid(), R"(
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
renewal:
  refresh_fraction: 0.5
  jitter: 0
  min_lead: 1s
)",
      revocation.empty() ? "" : absl::StrCat("revocation:\n", revocation),
      R"(
ext_authz:
  claim_headers: {role: x-user-role}
  remove_token: true
)",
      claims_metadata ? "  claims_metadata: true\n" : "", R"(  routes:
    - host: api.test
      tenant: demo
      audience: api.test
    - host: egress.test
      tenant: demo
      mode: outbound
      audience: other.test
    - host: rooms.test
      path_prefix: /rooms/
      tenant: lk
      channel_path_segment: 1
    - host: live.test
      tenant: lk
      channel_header: x-room
  outbound:
    ttl: )",
      outbound_ttl, "\n");
}

constexpr char kOtherTenant[] = R"(  - name: other
    profile: jwt
    issuer: https://other.test
    algorithm: HS256
    credentials: {secret: other.secret}
)";

class Tokend {
 public:
  explicit Tokend(const std::string& revocation = "",
                  const std::string& outbound_ttl = "10m")
      : revocation_(revocation), outbound_ttl_(outbound_ttl) {
    dir_.Write("hs.secret", kSecret);
    dir_.Write("other.secret", "another-secret-0123456789abcdef-0123456789");
    WriteConfig(/*with_other=*/true);
  }
  void WriteConfig(bool with_other) {
    dir_.Write(
        "tokend.yaml",
        Config(dir_, health_port_, http_port_, with_other ? kOtherTenant : "",
               revocation_, outbound_ttl_, claims_metadata_));
  }
  // ext_authz.claims_metadata: true (off by default); before Start().
  void EnableClaimsMetadata() {
    claims_metadata_ = true;
    WriteConfig(/*with_other=*/true);
  }
  ::testing::AssertionResult Start() {
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    if (!WaitServing(Target())) {
      return ::testing::AssertionFailure() << "not serving: " << Log();
    }
    auto channel = Connect(Target());
    tokens_ = v1::TokenService::NewStub(channel);
    authz_ = Authorization::NewStub(channel);
    return ::testing::AssertionSuccess();
  }
  std::string Target() const { return "unix:" + dir_.File("run/tokend.sock"); }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  TokendProcess& process() { return *process_; }
  int http_port() const { return http_port_; }
  const TempDir& dir() const { return dir_; }

  v1::IssueTokenResponse Issue(const std::string& tenant,
                               const std::string& subject,
                               const std::string& role = "",
                               const std::string& audience = "") {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant(tenant);
    request.mutable_subject()->set_user_id(subject);
    if (!role.empty()) {
      (*request.mutable_jwt()->mutable_extra_claims()->mutable_fields())["role"]
          .set_string_value(role);
    }
    if (!audience.empty()) request.mutable_jwt()->add_audience(audience);
    v1::IssueTokenResponse response;
    const grpc::Status s = tokens_->IssueToken(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }
  v1::VerifyTokenResponse Verify(const std::string& tenant,
                                 const std::string& token) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    v1::VerifyTokenResponse response;
    const grpc::Status s = tokens_->VerifyToken(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }
  grpc::Status Revoke(const std::string& token_id) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RevokeTokenRequest request;
    request.set_tenant("demo");
    request.set_token_id(token_id);
    v1::RevokeTokenResponse response;
    return tokens_->RevokeToken(&context, request, &response);
  }
  // Check as Envoy calls it: no tokend marker header.
  grpc::Status Check(const CheckRequest& request, CheckResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return authz_->Check(&context, request, response);
  }
  CheckResponse MustCheck(const CheckRequest& request) {
    CheckResponse response;
    const grpc::Status s = Check(request, &response);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return response;
  }

 private:
  TempDir dir_;
  const std::string revocation_;
  const std::string outbound_ttl_;
  bool claims_metadata_ = false;
  const int health_port_ = FreePort();
  const int http_port_ = FreePort();
  std::unique_ptr<TokendProcess> process_;
  std::unique_ptr<v1::TokenService::Stub> tokens_;
  std::unique_ptr<Authorization::Stub> authz_;
};

// Sets a header as Envoy's `headers` map would hold it (one entry per
// name; tokend's proto reads the map as a list of entries).
void SetHeader(envoy::service::auth::v3::AttributeContext::HttpRequest* http,
               const std::string& name, const std::string& value) {
  for (auto& h : *http->mutable_headers()) {
    if (h.key() == name) {
      h.set_value(value);
      return;
    }
  }
  auto* h = http->add_headers();
  h->set_key(name);
  h->set_value(value);
}

void SetHeader(CheckRequest* r, const std::string& name,
               const std::string& value) {
  SetHeader(r->mutable_attributes()->mutable_request()->mutable_http(), name,
            value);
}

// A request as Envoy's HTTP ext_authz filter builds it.
CheckRequest Request(const std::string& tenant, const std::string& auth,
                     const std::string& host = "app.test",
                     const std::string& path = "/v1/things") {
  CheckRequest r;
  auto* attrs = r.mutable_attributes();
  if (!tenant.empty())
    (*attrs->mutable_context_extensions())["tokend_tenant"] = tenant;
  auto* http = attrs->mutable_request()->mutable_http();
  http->set_id("req-1");
  http->set_method("GET");
  http->set_host(host);
  http->set_path(path);
  http->set_scheme("https");
  http->set_protocol("HTTP/1.1");
  SetHeader(http, ":authority", host);
  SetHeader(http, ":path", path);
  if (!auth.empty()) SetHeader(http, "authorization", auth);
  return r;
}

std::string Header(const google::protobuf::RepeatedPtrField<
                       envoy::config::core::v3::HeaderValueOption>& headers,
                   const std::string& name) {
  for (const auto& h : headers) {
    if (h.header().key() == name) return h.header().value();
  }
  return "<absent>";
}

// The deny shape: status code, HTTP status, reason in WWW-Authenticate (for
// 401) and x-tokend-reason, and never the token anywhere.
void ExpectDenied(const CheckResponse& r, int grpc_code, int http,
                  const std::string& reason, const std::string& token = "") {
  ASSERT_TRUE(r.has_denied_response()) << r.DebugString();
  EXPECT_EQ(r.status().code(), grpc_code) << r.DebugString();
  EXPECT_EQ(static_cast<int>(r.denied_response().status().code()), http);
  EXPECT_EQ(Header(r.denied_response().headers(), "x-tokend-reason"), reason)
      << r.DebugString();
  if (http == 401 && reason != "INVALID_ARGUMENT") {
    EXPECT_EQ(Header(r.denied_response().headers(), "www-authenticate"),
              absl::StrCat("Bearer error=\"invalid_token\", "
                           "error_description=\"",
                           reason, "\""));
  }
  if (!token.empty()) {
    EXPECT_THAT(r.DebugString(), Not(HasSubstr(token)));
    EXPECT_THAT(r.denied_response().body(), Not(HasSubstr(token)));
  }
}

TEST(ExtAuthz, AllowsAValidTokenWithHeadersAndMetadata) {
  Tokend t;
  t.EnableClaimsMetadata();
  ASSERT_TRUE(t.Start());
  const v1::IssueTokenResponse issued = t.Issue("demo", "alice", "admin");
  CheckRequest request = Request("demo", "Bearer " + issued.token());
  // The client tries to pass its own identity headers upstream.
  SetHeader(&request, "x-tokend-subject", "mallory");
  const CheckResponse r = t.MustCheck(request);
  ASSERT_TRUE(r.has_ok_response()) << r.DebugString();
  EXPECT_EQ(r.status().code(), 0);
  const auto& ok = r.ok_response();
  EXPECT_EQ(Header(ok.headers(), "x-tokend-subject"), "alice");
  EXPECT_EQ(Header(ok.headers(), "x-tokend-tenant"), "demo");
  EXPECT_EQ(Header(ok.headers(), "x-tokend-token-id"), issued.token_id());
  EXPECT_EQ(Header(ok.headers(), "x-user-role"), "admin");
  for (const auto& h : ok.headers()) {
    // Overwrite, so the client's copy never reaches the upstream.
    EXPECT_EQ(
        h.append_action(),
        envoy::config::core::v3::HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
  }
  EXPECT_THAT(ok.headers_to_remove(), ::testing::Contains("authorization"));
  const auto& md = r.dynamic_metadata().fields();
  EXPECT_EQ(md.at("subject").string_value(), "alice");
  EXPECT_EQ(md.at("tenant").string_value(), "demo");
  EXPECT_EQ(md.at("token_id").string_value(), issued.token_id());
  EXPECT_EQ(md.at("claims").struct_value().fields().at("role").string_value(),
            "admin");
  EXPECT_THAT(r.DebugString(), Not(HasSubstr(issued.token())));

  // A token without the role claim: the client's x-user-role is removed.
  const v1::IssueTokenResponse plain = t.Issue("demo", "bob");
  const CheckResponse r2 =
      t.MustCheck(Request("demo", "Bearer " + plain.token()));
  ASSERT_TRUE(r2.has_ok_response());
  EXPECT_EQ(Header(r2.ok_response().headers(), "x-user-role"), "<absent>");
  EXPECT_THAT(r2.ok_response().headers_to_remove(),
              ::testing::Contains("x-user-role"));
}

// The claims reach every later filter and access log as dynamic_metadata
// only when the operator asks for it.
TEST(ExtAuthz, ClaimsMetadataIsOffByDefault) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const v1::IssueTokenResponse issued = t.Issue("demo", "alice", "admin");
  const CheckResponse r =
      t.MustCheck(Request("demo", "Bearer " + issued.token()));
  ASSERT_TRUE(r.has_ok_response()) << r.DebugString();
  EXPECT_EQ(r.status().code(), 0);
  EXPECT_EQ(Header(r.ok_response().headers(), "x-tokend-subject"), "alice");
  EXPECT_FALSE(r.has_dynamic_metadata()) << r.DebugString();
  EXPECT_FALSE(r.ok_response().has_dynamic_metadata()) << r.DebugString();
}

// HTTP allows header values that are not UTF-8 (obs-text); one such header
// must not fail the whole CheckRequest (Envoy would then apply its
// failure_mode_allow), and a token with such bytes is still refused.
TEST(ExtAuthz, NonUtf8HeaderValuesAreRead) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const v1::IssueTokenResponse issued = t.Issue("demo", "alice");
  CheckRequest request = Request("demo", "Bearer " + issued.token());
  SetHeader(&request, "user-agent", "caf\xe9 \xff\xfe");
  CheckResponse r = t.MustCheck(request);
  EXPECT_TRUE(r.has_ok_response()) << r.DebugString();
  EXPECT_EQ(r.status().code(), 0);
  r = t.MustCheck(Request("demo", "Bearer " + issued.token() + "\xff"));
  ExpectDenied(r, 3, 400, "INVALID_ARGUMENT", issued.token());
}

TEST(ExtAuthz, DeniesHostileTokens) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const std::string good = t.Issue("demo", "alice").token();
  // One signature character changed (not the last, whose low bits are
  // padding and make a strict base64 error instead).
  std::string tampered = good;
  char& c = tampered[tampered.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  const std::string header_b64 =
      absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  const std::string payload_b64 = absl::WebSafeBase64Escape(
      R"({"iss":"https://issuer.test","sub":"root","exp":9999999999})");
  const std::string alg_none = header_b64 + "." + payload_b64 + ".";
  const std::string foreign = t.Issue("other", "alice").token();
  const struct {
    std::string token;
    std::string reason;
  } cases[] = {
      {"not-a-token", "MALFORMED"},
      {tampered, "BAD_SIGNATURE"},
      {alg_none, "MALFORMED"},  // an empty signature segment
      {foreign, "UNKNOWN_KID"},
      {header_b64 + "." + payload_b64 + ".AAAA", "ALG_NOT_ALLOWED"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    const CheckResponse r = t.MustCheck(Request("demo", "Bearer " + c.token));
    ExpectDenied(r, /*UNAUTHENTICATED*/ 16, 401,
                 t.Verify("demo", c.token).reason(), c.token);
    EXPECT_EQ(Header(r.denied_response().headers(), "x-tokend-reason"),
              c.reason);
  }
}

TEST(ExtAuthz, BadInputGetsAClearDenial) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const std::string token = t.Issue("demo", "alice").token();

  // No token: 401 with a bare challenge (RFC 6750 §3.1).
  CheckResponse r = t.MustCheck(Request("demo", ""));
  ASSERT_TRUE(r.has_denied_response());
  EXPECT_EQ(r.status().code(), 16);
  EXPECT_EQ(static_cast<int>(r.denied_response().status().code()), 401);
  EXPECT_EQ(Header(r.denied_response().headers(), "www-authenticate"),
            "Bearer");

  // Not a Bearer header.
  r = t.MustCheck(Request("demo", "Basic YWxpY2U6c2VjcmV0"));
  ExpectDenied(r, /*INVALID_ARGUMENT*/ 3, 400, "INVALID_ARGUMENT");
  EXPECT_THAT(r.denied_response().body(), HasSubstr("Bearer <token>"));
  r = t.MustCheck(Request("demo", "Bearer "));
  ExpectDenied(r, 3, 400, "INVALID_ARGUMENT");

  // Several Authorization headers: joined by Envoy, or as raw header_map.
  r = t.MustCheck(Request("demo", "Bearer " + token + ",Bearer " + token));
  ExpectDenied(r, 3, 400, "INVALID_ARGUMENT", token);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("several"));
  {
    CheckRequest raw = Request("demo", "");
    auto* map = raw.mutable_attributes()
                    ->mutable_request()
                    ->mutable_http()
                    ->mutable_header_map();
    for (int i = 0; i < 2; ++i) {
      auto* h = map->add_headers();
      h->set_key("authorization");
      h->set_raw_value("Bearer " + token);
    }
    r = t.MustCheck(raw);
    ExpectDenied(r, 3, 400, "INVALID_ARGUMENT", token);
    // One raw header is fine.
    map->mutable_headers()->RemoveLast();
    r = t.MustCheck(raw);
    EXPECT_TRUE(r.has_ok_response()) << r.DebugString();
  }
  {
    // The `headers` map with the key twice on the wire (a map parser keeps
    // the last; tokend reads every entry): several headers, denied.
    CheckRequest dup = Request("demo", "Bearer " + token);
    auto* h = dup.mutable_attributes()
                  ->mutable_request()
                  ->mutable_http()
                  ->add_headers();
    h->set_key("authorization");
    h->set_value("Bearer " + token);
    r = t.MustCheck(dup);
    ExpectDenied(r, 3, 400, "INVALID_ARGUMENT", token);
    EXPECT_THAT(r.denied_response().body(), HasSubstr("several"));
  }

  // A token in the query when not allowed (with or without a header).
  r = t.MustCheck(
      Request("demo", "", "app.test", "/v1/things?access_token=" + token));
  ExpectDenied(r, 3, 400, "INVALID_ARGUMENT", token);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("query"));

  // An unknown tenant in context_extensions, and no tenant at all.
  r = t.MustCheck(Request("nope", "Bearer " + token));
  ExpectDenied(r, /*PERMISSION_DENIED*/ 7, 403, "INVALID_ARGUMENT", token);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("unknown tenant 'nope'"));
  r = t.MustCheck(Request("", "Bearer " + token));
  ExpectDenied(r, 7, 403, "INVALID_ARGUMENT", token);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("tokend_tenant"));

  // Oversized: the headers over ext_authz.max_header_bytes, a token over
  // limits.max_token_bytes, a CheckRequest over limits.max_message_bytes.
  {
    CheckRequest big = Request("demo", "Bearer " + token);
    SetHeader(&big, "x-padding", std::string(40 * 1024, 'a'));
    r = t.MustCheck(big);
    ExpectDenied(r, 3, 431, "INVALID_ARGUMENT", token);
  }
  r = t.MustCheck(Request("demo", "Bearer " + std::string(9000, 'a')));
  ExpectDenied(r, 16, 401, "TOKEN_TOO_LARGE");
  {
    CheckRequest huge = Request("demo", "Bearer " + token);
    huge.mutable_attributes()->mutable_request()->mutable_http()->set_body(
        std::string(100 * 1024, 'b'));
    CheckResponse ignored;
    EXPECT_EQ(t.Check(huge, &ignored).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  // A CheckRequest without attributes (or without the HTTP request).
  r = t.MustCheck(CheckRequest());
  ExpectDenied(r, 3, 400, "INVALID_ARGUMENT");
  EXPECT_THAT(r.denied_response().body(),
              HasSubstr("attributes.request.http is required"));

  // The process is still fine and still allows a good request.
  EXPECT_TRUE(
      t.MustCheck(Request("demo", "Bearer " + token)).has_ok_response());
}

TEST(ExtAuthz, RevokedTokenAndAudiencePolicy) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const v1::IssueTokenResponse a = t.Issue("demo", "alice");
  ASSERT_TRUE(
      t.MustCheck(Request("demo", "Bearer " + a.token())).has_ok_response());
  ASSERT_TRUE(t.Revoke(a.token_id()).ok());
  ExpectDenied(t.MustCheck(Request("demo", "Bearer " + a.token())), 16, 401,
               "REVOKED", a.token());

  // The api.test route expects aud api.test: a token for other.test is a
  // policy refusal (403), one for api.test passes.
  const v1::IssueTokenResponse other =
      t.Issue("demo", "carol", "", "other.test");
  ExpectDenied(
      t.MustCheck(Request("", "Bearer " + other.token(), "api.test:443")),
      /*PERMISSION_DENIED*/ 7, 403, "AUDIENCE_MISMATCH", other.token());
  const v1::IssueTokenResponse api = t.Issue("demo", "carol", "", "api.test");
  const CheckResponse ok =
      t.MustCheck(Request("", "Bearer " + api.token(), "API.test"));
  ASSERT_TRUE(ok.has_ok_response()) << ok.DebugString();
  EXPECT_EQ(Header(ok.ok_response().headers(), "x-tokend-tenant"), "demo");
}

// The room a LiveKit token must be for comes from a path segment or a
// header, as the route says.
TEST(ExtAuthz, ChannelFromPathSegmentOrHeader) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  std::string token;
  {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant("lk");
    request.mutable_subject()->set_user_id("alice");
    request.mutable_livekit()->mutable_video()->set_room_join(true);
    request.mutable_livekit()->mutable_video()->set_room("standup");
    v1::IssueTokenResponse response;
    auto stub = v1::TokenService::NewStub(Connect(t.Target()));
    ASSERT_TRUE(stub->IssueToken(&context, request, &response).ok());
    token = response.token();
  }
  const std::string bearer = "Bearer " + token;
  CheckResponse r =
      t.MustCheck(Request("", bearer, "rooms.test", "/rooms/standup/join?x=1"));
  ASSERT_TRUE(r.has_ok_response()) << r.DebugString();
  EXPECT_EQ(Header(r.ok_response().headers(), "x-tokend-tenant"), "lk");
  ExpectDenied(
      t.MustCheck(Request("", bearer, "rooms.test", "/rooms/other/join")),
      /*PERMISSION_DENIED*/ 7, 403, "BAD_CLAIM", token);
  ExpectDenied(t.MustCheck(Request("", bearer, "rooms.test", "/rooms/")), 3,
               400, "INVALID_ARGUMENT", token);

  CheckRequest with_header = Request("", bearer, "live.test", "/");
  SetHeader(&with_header, "x-room", "standup");
  EXPECT_TRUE(t.MustCheck(with_header).has_ok_response());
  SetHeader(&with_header, "x-room", "other");
  ExpectDenied(t.MustCheck(with_header), 7, 403, "BAD_CLAIM", token);
  ExpectDenied(t.MustCheck(Request("", bearer, "live.test", "/")), 3, 400,
               "INVALID_ARGUMENT", token);
}

TEST(ExtAuthz, ReloadRemovingATenantDeniesItsRequests) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const std::string token = t.Issue("other", "alice").token();
  ASSERT_TRUE(
      t.MustCheck(Request("other", "Bearer " + token)).has_ok_response());
  t.WriteConfig(/*with_other=*/false);
  t.process().Signal(SIGHUP);
  CheckResponse r;
  ASSERT_TRUE(WaitFor([&] {
    r = t.MustCheck(Request("other", "Bearer " + token));
    return r.has_denied_response();
  })) << t.Log();
  ExpectDenied(r, 7, 403, "INVALID_ARGUMENT", token);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("unknown tenant 'other'"));
}

TEST(ExtAuthz, DrainingAnswersUnavailable) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const std::string token = t.Issue("demo", "alice").token();
  ASSERT_TRUE(
      t.MustCheck(Request("demo", "Bearer " + token)).has_ok_response());
  t.process().Signal(SIGTERM);
  // Envoy sees a gRPC error (never an allow): with failure_mode_allow off
  // (the default) it answers the client 403, or status_on_error.
  CheckResponse r;
  grpc::Status s;
  ASSERT_TRUE(WaitFor([&] {
    r.Clear();
    s = t.Check(Request("demo", "Bearer " + token), &r);
    return !s.ok();
  })) << t.Log();
  // UNAVAILABLE from the drain; a call caught by the server's final stop
  // ends CANCELLED. Either is an error to Envoy, never a decision.
  EXPECT_THAT(s.error_code(), ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE,
                                               grpc::StatusCode::CANCELLED))
      << s.error_message();
  EXPECT_FALSE(r.has_ok_response());
  EXPECT_EQ(t.process().WaitExit(), 0);
}

TEST(ExtAuthz, StoreDownFailsOpenOrClosedAsConfigured) {
  absl::StatusOr<std::unique_ptr<RedisServer>> redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string store = absl::StrCat("  store: ", (*redis)->Url(), "\n",
                                         "  resync_interval: 1s\n");
  Tokend open(store);
  Tokend closed(store);
  // The closed one answers 503 while the store is down.
  closed.dir().Write("tokend.yaml",
                     absl::StrCat(ReadFile(closed.dir().File("tokend.yaml")),
                                  "  on_store_unavailable: closed\n"));
  ASSERT_TRUE(open.Start());
  ASSERT_TRUE(closed.Start());
  const std::string token = open.Issue("demo", "alice").token();
  ASSERT_TRUE(
      closed.MustCheck(Request("demo", "Bearer " + token)).has_ok_response());
  (*redis)->Kill();
  CheckResponse r;
  ASSERT_TRUE(WaitFor([&] {
    r = closed.MustCheck(Request("demo", "Bearer " + token));
    return r.has_denied_response();
  })) << closed.Log();
  ExpectDenied(r, /*UNAVAILABLE*/ 14, 503, "UNAVAILABLE", token);
  // Open keeps answering from the local index, as VerifyToken does.
  EXPECT_TRUE(
      open.MustCheck(Request("demo", "Bearer " + token)).has_ok_response());
  // And the closed one recovers by itself when the store returns.
  ASSERT_TRUE((*redis)->Restart().ok());
  ASSERT_TRUE(WaitFor([&] {
    return closed.MustCheck(Request("demo", "Bearer " + token))
        .has_ok_response();
  })) << closed.Log();
}

TEST(ExtAuthz, OutboundAttachesACachedTokenRenewedBeforeExpiry) {
  Tokend t("", "3s");
  ASSERT_TRUE(t.Start());
  CheckRequest request = Request("", "", "egress.test", "/call");
  request.mutable_attributes()->mutable_source()->set_principal(
      "spiffe://cluster.local/ns/a/sa/svc-a");
  const CheckResponse first = t.MustCheck(request);
  ASSERT_TRUE(first.has_ok_response()) << first.DebugString();
  const std::string bearer =
      Header(first.ok_response().headers(), "authorization");
  ASSERT_TRUE(absl::StartsWith(bearer, "Bearer ")) << bearer;
  const std::string token = bearer.substr(7);
  const v1::VerifyTokenResponse v = t.Verify("demo", token);
  ASSERT_TRUE(v.valid()) << v.reason();
  EXPECT_EQ(v.subject(), "spiffe://cluster.local/ns/a/sa/svc-a");
  EXPECT_EQ(v.jwt().audience(0), "other.test");
  const absl::Time expires = absl::FromUnixSeconds(v.expires_at().seconds());

  // The next call gets the cached token (no new signature).
  EXPECT_EQ(
      Header(t.MustCheck(request).ok_response().headers(), "authorization"),
      bearer);
  // context_extensions name another workload: another token.
  CheckRequest other = request;
  (*other.mutable_attributes()
        ->mutable_context_extensions())["tokend_subject"] = "svc-b";
  EXPECT_EQ(t.Verify("demo", Header(t.MustCheck(other).ok_response().headers(),
                                    "authorization")
                                 .substr(7))
                .subject(),
            "svc-b");

  // The renewal scheduler replaces it before it expires (refresh at half
  // the 3 s lifetime): observed while the first one is still valid.
  std::string renewed;
  ASSERT_TRUE(WaitFor(
      [&] {
        renewed = Header(t.MustCheck(request).ok_response().headers(),
                         "authorization");
        return renewed != bearer;
      },
      absl::Seconds(10)));
  EXPECT_LT(absl::Now(), expires + absl::Seconds(1))
      << "the replacement came only after the first token expired";
  const v1::VerifyTokenResponse v2 = t.Verify("demo", renewed.substr(7));
  EXPECT_TRUE(v2.valid()) << v2.reason();
  EXPECT_EQ(v2.subject(), "spiffe://cluster.local/ns/a/sa/svc-a");
  EXPECT_GT(v2.expires_at().seconds(), v.expires_at().seconds());

  // No workload identity: refused, nothing minted.
  CheckRequest anonymous = Request("", "", "egress.test", "/call");
  ExpectDenied(t.MustCheck(anonymous), 7, 403, "PERMISSION_DENIED");
}

TEST(ExtAuthz, MetricsCountChecksByTenantModeAndOutcome) {
  Tokend t;
  ASSERT_TRUE(t.Start());
  const std::string token = t.Issue("demo", "alice").token();
  ASSERT_TRUE(
      t.MustCheck(Request("demo", "Bearer " + token)).has_ok_response());
  ASSERT_TRUE(
      t.MustCheck(Request("demo", "Bearer x.y.z")).has_denied_response());
  const std::string metrics = HttpGet(t.http_port(), "/metrics");
  EXPECT_THAT(
      metrics,
      HasSubstr("tokend_ext_authz_checks_total{mode=\"inbound\","
                "outcome=\"allowed\",reason=\"OK\",tenant=\"demo\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("outcome=\"denied\",reason=\"BAD_BASE64\""));
  EXPECT_THAT(metrics,
              HasSubstr("tokend_ext_authz_check_duration_seconds_count{"
                        "mode=\"inbound\"} 2"));
  EXPECT_THAT(metrics, Not(HasSubstr(token)));
}

TEST(ExtAuthz, ConfigErrorsNameTheFileAndField) {
  const struct {
    std::string section;
    std::string field;
  } cases[] = {
      {"ext_authz:\n  tokn_header: x\n", "ext_authz.tokn_header"},
      {"ext_authz:\n  routes:\n    - host: a.test\n      tenant: nope\n",
       "ext_authz.routes[0].tenant: unknown tenant 'nope'"},
      {"ext_authz:\n  routes:\n    - tenant: demo\n      mode: sideways\n",
       "ext_authz.routes[0].mode"},
      {"ext_authz:\n  token_header: Authorization\n", "ext_authz.token_header"},
      {"ext_authz:\n  on_store_unavailable: maybe\n",
       "ext_authz.on_store_unavailable"},
      {"ext_authz:\n  outbound: {ttl: 1s}\n", "ext_authz.outbound.ttl"},
      {"ext_authz:\n  routes:\n    - tenant: demo\n      channel_header: "
       "x-room\n",
       "ext_authz.routes[0]: tenant 'demo' (profile jwt) has no channel or "
       "room"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    TempDir dir;
    dir.Write("hs.secret", kSecret);
    dir.Write("tokend.yaml", absl::StrCat(R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: hs.secret}
)",
                                          c.section));
    const int code = Shell(absl::StrCat(
        TokendBinary(), " --check-config --config=", dir.File("tokend.yaml"),
        " 2>", dir.File("err")));
    EXPECT_NE(code, 0);
    const std::string err = ReadFile(dir.File("err"));
    EXPECT_THAT(
        err, HasSubstr(absl::StrCat(dir.File("tokend.yaml"), ": ", c.field)));
  }
}

}  // namespace
}  // namespace tokend::testing
