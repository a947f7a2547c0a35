// The Agora profile end to end, against the real tokend binary and Agora's
// own library (agora-token 2.0.6 through tests/interop/agora.mjs, plus
// Python's zlib through tests/interop/agora_reencode.py), both ways:
//  - defaults never widen a request: a Chat service for a subject is a user
//    token exactly as ChatTokenBuilder.buildUserToken writes it, an app token
//    is only ever written when asked for, and callers[].issue_app_level
//    gates it per caller and tenant;
//  - a verdict for a token whose signature was good carries its id and
//    times, even when invalid;
//  - Agora's documented lengths, character sets and lifetime caps hold on
//    issue and on verify, and unknown service types are reported;
//  - a token id names the signed content, so no re-encoding of a revoked
//    token verifies again;
//  - every expectation is checked against every token shape or refused.
#include <unistd.h>

#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/json/json.h"
#include "gtest/gtest.h"
#include "tests/profiles/interop_util.h"
#include "tests/server/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

constexpr char kAppId[] = "970CA35de60c44645bbae8a215061b33";
constexpr char kCert[] = "5CFd2fd1755d40ecb72977518be15d3b";
constexpr char kOtherCert[] = "0123456789abcdef0123456789ABCDEF";

json::Object Obj(std::initializer_list<std::pair<const char*, json::Value>> m) {
  json::Object o;
  for (const auto& [k, v] : m) o.Set(k, v);
  return o;
}

json::Object ParseJson(const std::string& text) {
  json::ParseLimits limits;
  limits.max_bytes = 1 << 20;
  absl::StatusOr<json::Object> v = json::ParseObject(text, limits);
  EXPECT_TRUE(v.ok()) << v.status() << text;
  return v.ok() ? *std::move(v) : json::Object();
}

// Runs a command of tests/interop/agora.mjs (agora-token 2.0.6).
json::Object RunAgora(const std::string& command, const json::Object& in) {
  absl::StatusOr<ProcessResult> r =
      RunNodeScript("agora.mjs", {command}, json::Serialize(in));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ(r->exit_code, 0) << r->err;
  return ParseJson(r->out);
}

std::string StringOf(const json::Object& o, const char* key) {
  const json::Value* v = o.Find(key);
  EXPECT_NE(v, nullptr) << key;
  return v == nullptr ? std::string() : v->as_string();
}

// A token from one of agora-token's public builders.
std::string AgoraBuilder(json::Object args) {
  args.Set("app_id", kAppId);
  args.Set("certificate", kCert);
  return StringOf(RunAgora("builder", args), "token");
}

// agora-token's parse + verifySignature with the tenant's certificate.
json::Object AgoraParse(const std::string& token) {
  return RunAgora("parse", Obj({{"token", token}, {"certificate", kCert}}));
}

class AgoraServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    tcp_port_ = FreePort();
    dir_->Write("agora.cert", kCert);
    // Two tenants of the same Agora project. "admin" (this uid, on the unix
    // socket) may issue app-level tokens for ag only; "web" (loopback TCP)
    // may issue for both but app-level tokens for neither.
    dir_->Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                            dir_->File("tokend.sock"), R"(
  tcp: 127.0.0.1:)",
                                            tcp_port_, R"(
tenants:
  - name: ag
    profile: agora
    params: {app_id: )",
                                            kAppId, R"(}
    credentials: {app_certificate: "file:agora.cert"}
    ttl: {default: 10m, max: 24h}
    leeway: 0s
  - name: ag_users
    profile: agora
    params: {app_id: )",
                                            kAppId, R"(}
    credentials: {app_certificate: "file:agora.cert"}
    leeway: 0s
callers:
  - name: admin
    uid: )",
                                            getuid(), R"(
    issue: ["*"]
    issue_app_level: [ag]
    revoke: ["*"]
    verify: ["*"]
  - name: web
    loopback: true
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
)"));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Admin())) << process_->Log();
    ASSERT_TRUE(WaitServing(Web())) << process_->Log();
  }
  static void TearDownTestSuite() {
    delete process_;
    delete dir_;
  }

  static std::string Admin() { return "unix:" + dir_->File("tokend.sock"); }
  static std::string Web() { return absl::StrCat("127.0.0.1:", tcp_port_); }

  static std::unique_ptr<v1::TokenService::Stub> Tokens(
      const std::string& target = Admin()) {
    return v1::TokenService::NewStub(Connect(target));
  }

  // A request for tenant ag with `subject` as its user id ("" = none).
  static v1::IssueTokenRequest Request(const std::string& subject = "alice",
                                       const std::string& tenant = "ag") {
    v1::IssueTokenRequest request;
    request.set_tenant(tenant);
    if (!subject.empty()) request.mutable_subject()->set_user_id(subject);
    request.mutable_ttl()->set_seconds(600);
    return request;
  }

  static grpc::Status Issue(const v1::IssueTokenRequest& request,
                            v1::IssueTokenResponse* response,
                            const std::string& target = Admin()) {
    grpc::ClientContext context;
    AddMarker(&context);
    return Tokens(target)->IssueToken(&context, request, response);
  }

  static v1::IssueTokenResponse IssueOk(const v1::IssueTokenRequest& request) {
    v1::IssueTokenResponse response;
    const grpc::Status status = Issue(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static grpc::Status Renew(const std::string& token,
                            v1::RenewTokenResponse* response,
                            const std::string& target = Admin()) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RenewTokenRequest request;
    request.set_tenant("ag");
    request.set_token(token);
    return Tokens(target)->RenewToken(&context, request, response);
  }

  static grpc::Status Revoke(const v1::RevokeTokenRequest& request) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RevokeTokenResponse response;
    return Tokens()->RevokeToken(&context, request, &response);
  }

  // The verdict for `token` on tenant ag; fails the test when the RPC does.
  static v1::VerifyTokenResponse Verify(
      const std::string& token,
      const v1::VerifyExpectations& expect = v1::VerifyExpectations()) {
    v1::VerifyTokenRequest request;
    request.set_tenant("ag");
    request.set_token(token);
    *request.mutable_expectations() = expect;
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenResponse response;
    const grpc::Status status =
        Tokens()->VerifyToken(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static v1::VerifyExpectations Expect(const std::string& channel,
                                       const std::string& subject) {
    v1::VerifyExpectations e;
    e.set_channel(channel);
    if (!subject.empty()) e.mutable_subject()->set_user_id(subject);
    return e;
  }

  static void ExpectInvalid(const v1::VerifyTokenResponse& verdict,
                            const std::string& reason,
                            const std::string& detail_part = "") {
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason(), reason) << verdict.detail();
    EXPECT_TRUE(absl::StrContains(verdict.detail(), detail_part))
        << verdict.detail() << " lacks " << detail_part;
  }

  static void ExpectInvalidArgument(const grpc::Status& status,
                                    const std::string& field,
                                    const std::string& message_part = "") {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_EQ(DetailsOf(status).field, field) << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), message_part))
        << status.error_message() << " lacks " << message_part;
  }

  static TempDir* dir_;
  static TokendProcess* process_;
  static int tcp_port_;
};

TempDir* AgoraServerTest::dir_ = nullptr;
TokendProcess* AgoraServerTest::process_ = nullptr;
int AgoraServerTest::tcp_port_ = 0;

// --- item 7: re-encoding does not undo a revocation ------------------------

// Every re-encoding of `token` anyone can make: Node's zlib at levels 0, 1
// and 9, Python's at 0, 1, 6 and 9, and Python's with an extra empty
// (sync-flush) block.
std::vector<std::string> ReEncodings(const std::string& token) {
  std::vector<std::string> out;
  for (int level : {0, 1, 9}) {
    out.push_back(StringOf(
        RunAgora("reencode", Obj({{"token", token}, {"level", level}})),
        "token"));
  }
  for (const auto& [level, mode] :
       std::vector<std::pair<int, const char*>>{{0, "plain"},
                                                {1, "plain"},
                                                {6, "plain"},
                                                {9, "plain"},
                                                {6, "sync_flush"}}) {
    absl::StatusOr<ProcessResult> r = RunPythonScript(
        "agora_reencode.py", {},
        json::Serialize(
            Obj({{"token", token}, {"level", level}, {"mode", mode}})));
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : "");
    if (r.ok()) out.push_back(StringOf(ParseJson(r->out), "token"));
  }
  return out;
}

TEST_F(AgoraServerTest, RevocationHoldsForEveryEncodingOfAToken) {
  v1::IssueTokenRequest request = Request("alice");
  request.mutable_agora()->add_services()->mutable_rtc()->set_channel_name(
      "room");
  const std::string by_token = IssueOk(request).token();
  const v1::IssueTokenResponse by_id = IssueOk(request);
  // One Agora's library built, revoked by token too.
  const std::string theirs = AgoraBuilder(Obj({{"name", "rtc_account"},
                                               {"channel", "room"},
                                               {"account", "bob"},
                                               {"role", 1},
                                               {"expire", 600}}));
  const std::string theirs_id = Verify(theirs).token_id();
  ASSERT_FALSE(theirs_id.empty());

  v1::RevokeTokenRequest revoke;
  revoke.set_tenant("ag");
  revoke.set_token(by_token);
  ASSERT_TRUE(Revoke(revoke).ok());
  revoke.set_token(theirs);
  ASSERT_TRUE(Revoke(revoke).ok());
  revoke.set_token_id(by_id.token_id());
  ASSERT_TRUE(Revoke(revoke).ok());

  int checked = 0;
  for (const std::string& original : {by_token, by_id.token(), theirs}) {
    const std::string id = Verify(original).token_id();
    ExpectInvalid(Verify(original), "REVOKED");
    std::set<std::string> distinct = {original};
    for (const std::string& again : ReEncodings(original)) {
      distinct.insert(again);
      // Each one is a genuine token to Agora's own library...
      const json::Object parsed = AgoraParse(again);
      EXPECT_TRUE(parsed.Find("verified")->as_bool());
      // ...with the same id in tokend, and still revoked.
      const v1::VerifyTokenResponse verdict = Verify(again);
      ExpectInvalid(verdict, "REVOKED");
      EXPECT_EQ(verdict.token_id(), id);
      ++checked;
    }
    // The encodings really differ as strings.
    EXPECT_GE(distinct.size(), 6u);
  }
  EXPECT_EQ(checked, 3 * 8);
}

}  // namespace
}  // namespace tokend::testing
