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
#include "tests/server/e2e/tokend_process.h"
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

// --- item 1: defaults never widen a request ---------------------------------

// The payload agora-token's public builder writes for the same call, with
// its clock and salt pinned to the issued token's.
std::string BuilderPayloadLike(json::Object args,
                               const v1::IssueTokenResponse& issued,
                               uint32_t salt) {
  args.Set("issue_ts", issued.issued_at().seconds());
  args.Set("salt", int64_t{salt});
  return StringOf(AgoraParse(AgoraBuilder(std::move(args))), "payload_hex");
}

TEST_F(AgoraServerTest, ChatForASubjectIsTheUserTokenAgorasBuilderWrites) {
  for (const v1::AgoraChatKind kind :
       {v1::AGORA_CHAT_KIND_UNSPECIFIED, v1::AGORA_CHAT_KIND_USER}) {
    SCOPED_TRACE(v1::AgoraChatKind_Name(kind));
    v1::IssueTokenRequest request = Request("alice");
    request.mutable_agora()->add_services()->mutable_chat()->set_kind(kind);
    const v1::IssueTokenResponse issued = IssueOk(request);

    // Agora's library reads a Chat user token for alice, privilege 1 = ttl.
    const json::Object parsed = AgoraParse(issued.token());
    ASSERT_TRUE(parsed.Find("verified")->as_bool());
    const json::Array& services = parsed.Find("services")->as_array();
    ASSERT_EQ(services.size(), 1u);
    const json::Object& chat = services[0].as_object();
    EXPECT_EQ(chat.Find("type")->as_int(), 5);
    EXPECT_EQ(StringOf(chat, "user_id"), "alice");
    EXPECT_EQ(json::Serialize(chat.Find("privileges")->as_object()),
              R"({"1":600})");

    // Byte for byte what ChatTokenBuilder.buildUserToken writes.
    const v1::VerifyTokenResponse verified = Verify(issued.token());
    ASSERT_TRUE(verified.valid()) << verified.detail();
    EXPECT_EQ(
        StringOf(parsed, "payload_hex"),
        BuilderPayloadLike(
            Obj({{"name", "chat_user"}, {"user_id", "alice"}, {"expire", 600}}),
            issued, verified.agora().salt()));

    // And tokend reads it back as a typed user token.
    EXPECT_EQ(verified.subject(), "alice");
    const v1::AgoraChatService& got = verified.agora().services(0).chat();
    EXPECT_EQ(got.kind(), v1::AGORA_CHAT_KIND_USER);
    EXPECT_EQ(got.user_id(), "alice");
    EXPECT_EQ(got.privileges().user().seconds(), 600);
    EXPECT_FALSE(got.privileges().has_app());
  }
}

TEST_F(AgoraServerTest, ChatAppTokenOnlyWhenAskedFor) {
  // No user id anywhere: refused, not silently an app token.
  v1::IssueTokenRequest request = Request("");
  request.mutable_agora()->add_services()->mutable_chat();
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.agora.services[0].user_id", "kind APP");

  // Asked for: exactly ChatTokenBuilder.buildAppToken.
  request.mutable_agora()->mutable_services(0)->mutable_chat()->set_kind(
      v1::AGORA_CHAT_KIND_APP);
  issued = IssueOk(request);
  const v1::VerifyTokenResponse verified = Verify(issued.token());
  ASSERT_TRUE(verified.valid()) << verified.detail();
  EXPECT_EQ(StringOf(AgoraParse(issued.token()), "payload_hex"),
            BuilderPayloadLike(Obj({{"name", "chat_app"}, {"expire", 600}}),
                               issued, verified.agora().salt()));
  EXPECT_EQ(verified.agora().services(0).chat().kind(),
            v1::AGORA_CHAT_KIND_APP);

  // A kind and privileges that contradict each other are refused.
  v1::AgoraChatService* chat =
      request.mutable_agora()->mutable_services(0)->mutable_chat();
  chat->set_kind(v1::AGORA_CHAT_KIND_USER);
  chat->mutable_privileges()->mutable_app()->set_seconds(600);
  request.mutable_subject()->set_user_id("alice");
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.agora.services[0].privileges");
}

TEST_F(AgoraServerTest, AgoraTokenChatBuildersVerifyAsTypedGrants) {
  v1::VerifyTokenResponse user = Verify(AgoraBuilder(
      Obj({{"name", "chat_user"}, {"user_id", "dan"}, {"expire", 600}})));
  ASSERT_TRUE(user.valid()) << user.detail();
  EXPECT_EQ(user.subject(), "dan");
  ASSERT_EQ(user.agora().services_size(), 1);
  EXPECT_EQ(user.agora().services(0).chat().kind(), v1::AGORA_CHAT_KIND_USER);
  EXPECT_EQ(user.agora().services(0).chat().user_id(), "dan");
  EXPECT_EQ(user.agora().services(0).chat().privileges().user().seconds(), 600);

  v1::VerifyTokenResponse app =
      Verify(AgoraBuilder(Obj({{"name", "chat_app"}, {"expire", 600}})));
  ASSERT_TRUE(app.valid()) << app.detail();
  EXPECT_EQ(app.subject(), "");
  EXPECT_EQ(app.agora().services(0).chat().kind(), v1::AGORA_CHAT_KIND_APP);
  EXPECT_EQ(app.agora().services(0).chat().user_id(), "");
  EXPECT_EQ(app.agora().services(0).chat().privileges().app().seconds(), 600);
}

TEST_F(AgoraServerTest, NoServiceWidensToAnyUserByDefault) {
  // RTC without a user and without a subject: refused, not "any uid".
  v1::IssueTokenRequest request = Request("");
  request.mutable_agora()->add_services()->mutable_rtc()->set_channel_name(
      "room");
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.agora.services[0].account", "uid 0");
  // Asked for with uid 0: any uid, as buildTokenWithUid(..., 0, ...).
  request.mutable_agora()->mutable_services(0)->mutable_rtc()->set_uid(0);
  issued = IssueOk(request);
  const json::Object parsed = AgoraParse(issued.token());
  EXPECT_EQ(
      StringOf(parsed.Find("services")->as_array()[0].as_object(), "account"),
      "");

  // Streaming and FCDN likewise.
  for (const bool fcdn : {false, true}) {
    SCOPED_TRACE(fcdn ? "fcdn" : "streaming");
    v1::IssueTokenRequest r = Request("");
    v1::AgoraService* s = r.mutable_agora()->add_services();
    if (fcdn) {
      s->mutable_fcdn()->set_channel_name("live");
    } else {
      s->mutable_streaming()->set_channel_name("live");
    }
    ExpectInvalidArgument(Issue(r, &issued),
                          "grants.agora.services[0].account");
  }

  // RTM, RTM2 and APaaS user tokens need their user; an APaaS kind whose
  // privileges are another kind's is refused (a USER kind must not smuggle
  // the app privilege).
  v1::IssueTokenRequest rtm = Request("");
  rtm.mutable_agora()->add_services()->mutable_rtm();
  ExpectInvalidArgument(Issue(rtm, &issued),
                        "grants.agora.services[0].user_id");
  v1::IssueTokenRequest apaas = Request("alice");
  v1::AgoraApaasService* a =
      apaas.mutable_agora()->add_services()->mutable_apaas();
  a->set_kind(v1::AGORA_APAAS_KIND_USER);
  a->mutable_privileges()->mutable_app()->set_seconds(600);
  ExpectInvalidArgument(Issue(apaas, &issued),
                        "grants.agora.services[0].privileges");
}

TEST_F(AgoraServerTest, AppLevelTokensNeedIssueAppLevel) {
  v1::IssueTokenRequest chat_app = Request("");
  chat_app.mutable_agora()->add_services()->mutable_chat()->set_kind(
      v1::AGORA_CHAT_KIND_APP);
  v1::IssueTokenRequest chat_app_explicit = Request("");
  chat_app_explicit.mutable_agora()
      ->add_services()
      ->mutable_chat()
      ->mutable_privileges()
      ->mutable_app()
      ->set_seconds(0);
  v1::IssueTokenRequest apaas_app = Request("");
  apaas_app.mutable_agora()->add_services()->mutable_apaas()->set_kind(
      v1::AGORA_APAAS_KIND_APP);
  v1::IssueTokenRequest chat_user = Request("alice");
  chat_user.mutable_agora()->add_services()->mutable_chat();
  v1::IssueTokenRequest apaas_user = Request("alice");
  apaas_user.mutable_agora()->add_services()->mutable_apaas()->set_kind(
      v1::AGORA_APAAS_KIND_USER);
  v1::IssueTokenRequest rtc = Request("alice");
  rtc.mutable_agora()->add_services()->mutable_rtc()->set_channel_name("room");

  v1::IssueTokenResponse issued;
  for (const v1::IssueTokenRequest* app :
       {&chat_app, &chat_app_explicit, &apaas_app}) {
    SCOPED_TRACE(app->ShortDebugString());
    // "web" may issue for ag, but not app-level tokens.
    grpc::Status status = Issue(*app, &issued, Web());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << status.error_message();
    EXPECT_EQ(DetailsOf(status).reason, "PERMISSION_DENIED");
    // "admin" may for ag, and not for ag_users.
    status = Issue(*app, &issued, Admin());
    EXPECT_TRUE(status.ok()) << status.error_message();
    v1::IssueTokenRequest other = *app;
    other.set_tenant("ag_users");
    EXPECT_EQ(Issue(other, &issued, Admin()).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  for (const v1::IssueTokenRequest* user : {&chat_user, &apaas_user, &rtc}) {
    SCOPED_TRACE(user->ShortDebugString());
    const grpc::Status status = Issue(*user, &issued, Web());
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  // Renewing an app token (here one from Agora's own builder) needs the
  // right as well: the new token acts for the whole app too.
  const std::string app_token =
      AgoraBuilder(Obj({{"name", "apaas_app"}, {"expire", 600}}));
  ASSERT_TRUE(Verify(app_token).valid());
  v1::RenewTokenResponse renewed;
  grpc::Status status = Renew(app_token, &renewed, Web());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  status = Renew(app_token, &renewed, Admin());
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::VerifyTokenResponse again = Verify(renewed.token());
  ASSERT_TRUE(again.valid()) << again.detail();
  EXPECT_EQ(again.agora().services(0).apaas().kind(), v1::AGORA_APAAS_KIND_APP);
  // A user token renews for "web".
  const std::string user_token = AgoraBuilder(
      Obj({{"name", "chat_user"}, {"user_id", "erin"}, {"expire", 600}}));
  EXPECT_TRUE(Renew(user_token, &renewed, Web()).ok());
}

// --- item 5: invalid verdicts carry what the signature vouches for ----------

TEST_F(AgoraServerTest, InvalidVerdictCarriesTheTokensIdAndTimes) {
  v1::IssueTokenRequest request = Request("alice");
  request.mutable_ttl()->set_seconds(1);
  request.mutable_agora()->add_services()->mutable_rtc()->set_channel_name(
      "room");
  const v1::IssueTokenResponse t007 = IssueOk(request);
  request.mutable_agora()->set_version(v1::AGORA_TOKEN_VERSION_006);
  const v1::IssueTokenResponse t006 = IssueOk(request);
  const v1::VerifyExpectations room = Expect("room", "alice");

  // A good signature with a failed check (the channel) carries them.
  v1::IssueTokenRequest fresh = Request("alice");
  fresh.mutable_agora()->add_services()->mutable_rtc()->set_channel_name(
      "room");
  const v1::IssueTokenResponse good = IssueOk(fresh);
  v1::VerifyTokenResponse verdict = Verify(good.token(), Expect("hall", ""));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_EQ(verdict.token_id(), good.token_id());
  EXPECT_EQ(verdict.issued_at().seconds(), good.issued_at().seconds());
  EXPECT_EQ(verdict.expires_at().seconds(), good.expires_at().seconds());

  // Expired, 007 and 006 (which has no issue time: the verdict reports its
  // expiry there, as a valid 006 verdict reports the verification time
  // capped at the expiry).
  ASSERT_TRUE(WaitFor([&] { return !Verify(t007.token(), room).valid(); }));
  ASSERT_TRUE(WaitFor([&] { return !Verify(t006.token(), room).valid(); }));
  verdict = Verify(t007.token(), room);
  ExpectInvalid(verdict, "TOKEN_EXPIRED");
  EXPECT_EQ(verdict.token_id(), t007.token_id());
  EXPECT_EQ(verdict.issued_at().seconds(), t007.issued_at().seconds());
  EXPECT_EQ(verdict.expires_at().seconds(), t007.expires_at().seconds());
  verdict = Verify(t006.token(), room);
  ExpectInvalid(verdict, "TOKEN_EXPIRED");
  EXPECT_EQ(verdict.token_id(), t006.token_id());
  EXPECT_EQ(verdict.expires_at().seconds(), t006.expires_at().seconds());
  EXPECT_EQ(verdict.issued_at().seconds(), t006.expires_at().seconds());

  // A bad signature carries none.
  json::Object rebuilt = RunAgora("builder", Obj({{"name", "rtc_account"},
                                                  {"app_id", kAppId},
                                                  {"certificate", kOtherCert},
                                                  {"channel", "room"},
                                                  {"account", "alice"},
                                                  {"role", 1},
                                                  {"expire", 600}}));
  verdict = Verify(StringOf(rebuilt, "token"));
  ExpectInvalid(verdict, "BAD_SIGNATURE");
  EXPECT_EQ(verdict.token_id(), "");
  EXPECT_FALSE(verdict.has_issued_at());
  EXPECT_FALSE(verdict.has_expires_at());
  EXPECT_TRUE(Verify(good.token()).valid());
}

// --- item 6: Agora's documented limits -----------------------------------

TEST_F(AgoraServerTest, AgoraLimitsHoldOnIssue) {
  const auto rtc = [](const std::string& channel, const std::string& account) {
    v1::IssueTokenRequest r = Request("alice");
    v1::AgoraRtcService* s = r.mutable_agora()->add_services()->mutable_rtc();
    s->set_channel_name(channel);
    if (!account.empty()) s->set_user_account(account);
    return r;
  };
  v1::IssueTokenResponse issued;
  EXPECT_TRUE(Issue(rtc(std::string(64, 'c'), ""), &issued).ok());
  ExpectInvalidArgument(Issue(rtc(std::string(65, 'c'), ""), &issued),
                        "grants.agora.services[0].channel", "64 bytes");
  ExpectInvalidArgument(Issue(rtc("room/1", ""), &issued),
                        "grants.agora.services[0].channel", "character");
  ExpectInvalidArgument(Issue(rtc("", ""), &issued),
                        "grants.agora.services[0].channel");
  EXPECT_TRUE(Issue(rtc("!#$%&()+-:;<=.>?@[]^_{}|~, az", ""), &issued).ok());
  EXPECT_TRUE(Issue(rtc("room", std::string(255, 'u')), &issued).ok());
  ExpectInvalidArgument(Issue(rtc("room", std::string(256, 'u')), &issued),
                        "grants.agora.services[0].account", "255 bytes");
  ExpectInvalidArgument(Issue(rtc("room",
                                  "al\xC3\xAF"
                                  "ce"),
                              &issued),
                        "grants.agora.services[0].account", "character");

  v1::IssueTokenRequest rtm = Request(std::string(65, 'r'));
  rtm.mutable_agora()->add_services()->mutable_rtm();
  ExpectInvalidArgument(Issue(rtm, &issued), "grants.agora.services[0].user_id",
                        "64 bytes");
  v1::IssueTokenRequest chat = Request("alice smith");
  chat.mutable_agora()->add_services()->mutable_chat();
  ExpectInvalidArgument(Issue(chat, &issued),
                        "grants.agora.services[0].user_id", "character");
}

TEST_F(AgoraServerTest, AgoraLimitsHoldOnVerify) {
  // agora-token writes whatever it is given; tokend refuses, naming the
  // vendor's limit.
  std::string token = AgoraBuilder(Obj({{"name", "rtc_account"},
                                        {"channel", std::string(65, 'c')},
                                        {"account", "alice"},
                                        {"role", 1},
                                        {"expire", 600}}));
  ASSERT_TRUE(AgoraParse(token).Find("verified")->as_bool());
  ExpectInvalid(Verify(token), "BAD_CLAIM", "64 bytes");
  token = AgoraBuilder(
      Obj({{"name", "rtm"}, {"user_id", "bad/user"}, {"expire", 600}}));
  ExpectInvalid(Verify(token), "BAD_CLAIM", "character");
}

TEST_F(AgoraServerTest, UnknownServiceTypesAreReported) {
  // ConvoAITokenBuilder (agora-token 2.0.6) adds a type-9 service.
  const std::string token = AgoraBuilder(Obj({{"name", "convoai"},
                                              {"channel", "room"},
                                              {"account", "alice"},
                                              {"role", 1},
                                              {"expire", 600},
                                              {"join", 600},
                                              {"audio", 600},
                                              {"video", 600},
                                              {"data", 600},
                                              {"user_id", "alice"}}));
  const v1::VerifyTokenResponse verified = Verify(token);
  ASSERT_TRUE(verified.valid()) << verified.detail();
  ASSERT_EQ(verified.agora().services_size(), 3);
  EXPECT_TRUE(verified.agora().services(0).has_rtc());
  EXPECT_TRUE(verified.agora().services(1).has_rtm());
  const v1::AgoraUnknownService& unknown =
      verified.agora().services(2).unknown();
  EXPECT_EQ(unknown.type(), 9u);
  // Its empty privilege map, as ServiceConvoAI packs it.
  EXPECT_EQ(unknown.body(), std::string("\0\0", 2));
  // tokend does not sign what it cannot read: renewal says so.
  v1::RenewTokenResponse renewed;
  const grpc::Status status = Renew(token, &renewed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "service type 9"))
      << status.error_message();
}

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

// --- item 8: an expectation the token cannot meet fails --------------------

TEST_F(AgoraServerTest, ExpectationsATokenCannotMeetFail) {
  // A 006 RTM token names no channel.
  v1::IssueTokenRequest request = Request("alice");
  request.mutable_agora()->set_version(v1::AGORA_TOKEN_VERSION_006);
  request.mutable_agora()->add_services()->mutable_rtm();
  const std::string rtm006 = IssueOk(request).token();
  ExpectInvalid(Verify(rtm006, Expect("any-room", "alice")), "BAD_CLAIM",
                "channel");
  EXPECT_TRUE(Verify(rtm006, Expect("", "alice")).valid());

  // An FPA token names no user; an app token is nobody's user token.
  for (const char* name : {"fpa", "chat_app", "apaas_app"}) {
    SCOPED_TRACE(name);
    const std::string token =
        AgoraBuilder(Obj({{"name", name}, {"expire", 600}}));
    EXPECT_TRUE(Verify(token).valid());
    ExpectInvalid(Verify(token, Expect("", "alice")), "BAD_CLAIM", "account");
  }

  // Agora tokens carry no audience, in either format.
  v1::VerifyExpectations audience = Expect("", "alice");
  audience.set_audience("svc");
  ExpectInvalid(Verify(rtm006, audience), "AUDIENCE_MISMATCH");
  request.mutable_agora()->set_version(v1::AGORA_TOKEN_VERSION_007);
  ExpectInvalid(Verify(IssueOk(request).token(), audience),
                "AUDIENCE_MISMATCH");

  // A wildcard-channel token (channel "*", one user) is good for any channel
  // but only for its user.
  const std::string wildcard = AgoraBuilder(Obj({{"name", "rtc_account"},
                                                 {"channel", "*"},
                                                 {"account", "alice"},
                                                 {"role", 1},
                                                 {"expire", 600}}));
  EXPECT_TRUE(Verify(wildcard, Expect("any-room", "alice")).valid());
  ExpectInvalid(Verify(wildcard, Expect("any-room", "bob")), "BAD_CLAIM");
}

// --- item 9: lifetime caps on verify ----------------------------------------

TEST_F(AgoraServerTest, LifetimeCapsHoldOnVerify) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const auto build006 = [&](int64_t ts, int64_t join) {
    return StringOf(
        RunAgora("build006", Obj({{"app_id", kAppId},
                                  {"certificate", kCert},
                                  {"channel", "room"},
                                  {"uid", "alice"},
                                  {"ts", ts},
                                  {"privileges", Obj({{"1", join}})}})),
        "token");
  };
  v1::VerifyExpectations e = Expect("room", "alice");
  e.add_agora_privileges(v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL);
  // A 006 token valid until 2106.
  ExpectInvalid(Verify(build006(4294967295, now + 600), e), "LIFETIME_EXCEEDED",
                "24 h");
  // A 006 privilege lasts at most as long as its token (ts): a far one is
  // capped by it, as Agora's own 006 vectors expect, and reported so.
  const v1::VerifyTokenResponse capped =
      Verify(build006(now + 600, 4294967295), e);
  ASSERT_TRUE(capped.valid()) << capped.detail();
  EXPECT_EQ(capped.expires_at().seconds(), now + 600);
  EXPECT_EQ(capped.agora()
                .services(0)
                .rtc()
                .explicit_privileges()
                .join_channel()
                .seconds(),
            0);
  // A 007 token whose privilege is a timestamp (a common mistake) instead of
  // seconds from the issue time.
  json::Array services;
  services.push_back(
      json::Value(Obj({{"type", 1},
                       {"channel", "room"},
                       {"uid", "alice"},
                       {"privileges", Obj({{"1", now + 600}})}})));
  const std::string token =
      StringOf(RunAgora("build", Obj({{"app_id", kAppId},
                                      {"certificate", kCert},
                                      {"issue_ts", now},
                                      {"expire", 600},
                                      {"services", services}})),
               "token");
  ExpectInvalid(Verify(token), "LIFETIME_EXCEEDED", "24 h");
}

}  // namespace
}  // namespace tokend::testing
