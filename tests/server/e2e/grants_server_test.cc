// Integration tests of the typed Daily, LiveKit and Agora grants, the
// IssueTokenRequest.not_before field and the VerifyToken Agora privilege
// expectations, against the real tokend binary (and tokenctl's vendor
// flags against it).
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;

constexpr char kDailyDomain[] = "0b0e2a2c-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr char kAgoraAppId[] = "0123456789abcdef0123456789abcdef";

class GrantsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                    "ec_paramgen_curve:P-256 -out " +
                    dir_->File("demo.pem") + " 2>/dev/null"),
              0);
    dir_->Write("hs.secret", "0123456789abcdef0123456789abcdef-hs-secret");
    dir_->Write("agora.cert", "fedcba9876543210fedcba9876543210");
    dir_->Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                            dir_->File("tokend.sock"), R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: ES256
    credentials: {private_key: "file:demo.pem"}
    ttl: {default: 10m, max: 3h}
  - name: dly
    profile: daily
    params: {domain_id: )",
                                            kDailyDomain, R"(}
    credentials: {api_key: "file:hs.secret"}
    ttl: {default: 10m, max: 3h}
  - name: lk
    profile: livekit
    params: {api_key: test-livekit-key}
    credentials: {api_secret: "file:hs.secret"}
  - name: ag
    profile: agora
    params: {app_id: )",
                                            kAgoraAppId, R"(}
    credentials: {app_certificate: "file:agora.cert"}
    leeway: 0s
callers:
  - name: me
    uid: )",
                                            getuid(), R"(
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
)"));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Addr())) << process_->Log();
  }
  static void TearDownTestSuite() {
    delete process_;
    delete dir_;
  }

  static std::string Addr() { return "unix:" + dir_->File("tokend.sock"); }

  static std::unique_ptr<v1::TokenService::Stub> Tokens() {
    return v1::TokenService::NewStub(Connect(Addr()));
  }

  static v1::IssueTokenRequest Request(const std::string& tenant,
                                       const std::string& subject = "alice") {
    v1::IssueTokenRequest request;
    request.set_tenant(tenant);
    request.mutable_subject()->set_user_id(subject);
    return request;
  }

  static grpc::Status Issue(const v1::IssueTokenRequest& request,
                            v1::IssueTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    return Tokens()->IssueToken(&context, request, response);
  }

  static grpc::Status Verify(const v1::VerifyTokenRequest& request,
                             v1::VerifyTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    return Tokens()->VerifyToken(&context, request, response);
  }

  // Verifies `token` for `tenant`; fails the test when the RPC fails.
  static v1::VerifyTokenResponse VerifyOk(const std::string& tenant,
                                          const std::string& token) {
    v1::VerifyTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    v1::VerifyTokenResponse response;
    const grpc::Status status = Verify(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static void ExpectInvalidArgument(const grpc::Status& status,
                                    const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    const ErrorDetails d = DetailsOf(status);
    EXPECT_TRUE(d.has_error_info);
    EXPECT_EQ(d.domain, "tokend");
    EXPECT_EQ(d.reason, "INVALID_ARGUMENT") << status.error_message();
    EXPECT_EQ(d.field, field);
    EXPECT_TRUE(d.has_bad_request);
    EXPECT_EQ(d.bad_request_field, field);
  }

  static void ExpectEqualProto(const google::protobuf::Message& actual,
                               const google::protobuf::Message& expected) {
    EXPECT_TRUE(MessageDifferencer::Equals(actual, expected))
        << "actual:\n"
        << actual.DebugString() << "expected:\n"
        << expected.DebugString();
  }

  struct CtlResult {
    int code = -1;
    std::string out;
    std::string err;
  };
  static CtlResult Ctl(const std::string& args) {
    CtlResult run;
    run.code = Shell(absl::StrCat(TOKENCTL_BINARY, " --addr='", Addr(), "' ",
                                  args, " > ", dir_->File("ctl.out"), " 2> ",
                                  dir_->File("ctl.err"), " < /dev/null"));
    run.out = std::string(
        absl::StripTrailingAsciiWhitespace(ReadFile(dir_->File("ctl.out"))));
    run.err = ReadFile(dir_->File("ctl.err"));
    return run;
  }

  static TempDir* dir_;
  static TokendProcess* process_;
};

TempDir* GrantsServerTest::dir_ = nullptr;
TokendProcess* GrantsServerTest::process_ = nullptr;

v1::DailyGrants SampleDailyGrants() {
  v1::DailyGrants g;
  g.set_room_name("standup");
  g.set_user_name("Alice");
  g.set_is_owner(true);
  g.set_start_video_off(false);
  g.set_enable_recording(v1::DAILY_RECORDING_CLOUD);
  g.set_lang("en");
  g.mutable_eject_after_elapsed()->set_seconds(3600);
  v1::DailyPermissions* p = g.mutable_permissions();
  p->set_has_presence(true);
  p->mutable_can_send()->mutable_media()->add_media(v1::DAILY_MEDIA_VIDEO);
  p->mutable_can_send()->mutable_media()->add_media(v1::DAILY_MEDIA_AUDIO);
  p->mutable_can_receive()->set_base_all(true);
  p->mutable_can_admin()->mutable_areas()->add_areas(
      v1::DAILY_ADMIN_AREA_PARTICIPANTS);
  return g;
}

v1::LiveKitGrants SampleLiveKitGrants() {
  v1::LiveKitGrants g;
  g.set_name("Alice");
  g.set_kind(v1::LIVE_KIT_PARTICIPANT_KIND_STANDARD);
  v1::LiveKitVideoGrant* v = g.mutable_video();
  v->set_room_join(true);
  v->set_room("standup");
  v->set_can_publish(false);
  v->set_can_subscribe(true);
  v->add_can_publish_sources(v1::LIVE_KIT_TRACK_SOURCE_CAMERA);
  v->add_can_publish_sources(v1::LIVE_KIT_TRACK_SOURCE_MICROPHONE);
  g.set_metadata("{\"team\":\"a\"}");
  (*g.mutable_attributes())["desk"] = "12";
  return g;
}

// An RTC service for channel "standup" and account "alice" with explicit
// join and publish-audio privileges, and an RTM login.
v1::AgoraGrants SampleAgoraGrants() {
  v1::AgoraGrants g;
  g.set_version(v1::AGORA_TOKEN_VERSION_007);
  v1::AgoraRtcService* rtc = g.add_services()->mutable_rtc();
  rtc->set_channel_name("standup");
  rtc->set_user_account("alice");
  rtc->mutable_explicit_privileges()->mutable_join_channel()->set_seconds(3600);
  rtc->mutable_explicit_privileges()
      ->mutable_publish_audio_stream()
      ->set_seconds(1800);
  v1::AgoraRtmService* rtm = g.add_services()->mutable_rtm();
  rtm->set_user_id("alice");
  rtm->mutable_privileges()->mutable_login()->set_seconds(0);
  return g;
}

// --- round trips -------------------------------------------------------------

TEST_F(GrantsServerTest, DailyGrantsRoundTripThroughVerifyAndRenewOK) {
  v1::IssueTokenRequest request = Request("dly");
  *request.mutable_daily() = SampleDailyGrants();
  v1::IssueTokenResponse issued;
  const grpc::Status status = Issue(request, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.profile(), v1::PROFILE_DAILY);

  v1::VerifyTokenResponse verified = VerifyOk("dly", issued.token());
  ASSERT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_TRUE(verified.has_daily());
  v1::DailyGrants expected = SampleDailyGrants();
  expected.set_domain_id(kDailyDomain);
  ExpectEqualProto(verified.daily(), expected);

  grpc::ClientContext context;
  AddMarker(&context);
  v1::RenewTokenRequest renew;
  renew.set_tenant("dly");
  renew.set_token(issued.token());
  v1::RenewTokenResponse renewed;
  ASSERT_TRUE(Tokens()->RenewToken(&context, renew, &renewed).ok());
  v1::VerifyTokenResponse again = VerifyOk("dly", renewed.token());
  ASSERT_TRUE(again.valid()) << again.reason();
  ExpectEqualProto(again.daily(), expected);
}

TEST_F(GrantsServerTest, LiveKitGrantsRoundTripOK) {
  v1::IssueTokenRequest request = Request("lk");
  *request.mutable_livekit() = SampleLiveKitGrants();
  v1::IssueTokenResponse issued;
  const grpc::Status status = Issue(request, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.profile(), v1::PROFILE_LIVEKIT);

  v1::VerifyTokenResponse verified = VerifyOk("lk", issued.token());
  ASSERT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  EXPECT_EQ(verified.subject(), "alice");
  ASSERT_TRUE(verified.has_livekit());
  ExpectEqualProto(verified.livekit(), SampleLiveKitGrants());
}

TEST_F(GrantsServerTest, AgoraGrantsRoundTripOK) {
  v1::IssueTokenRequest request = Request("ag");
  *request.mutable_agora() = SampleAgoraGrants();
  v1::IssueTokenResponse issued;
  const grpc::Status status = Issue(request, &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.profile(), v1::PROFILE_AGORA);
  EXPECT_EQ(issued.token().substr(0, 3), "007");

  v1::VerifyTokenResponse verified = VerifyOk("ag", issued.token());
  ASSERT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_TRUE(verified.has_agora());
  v1::AgoraGrants expected = SampleAgoraGrants();
  expected.set_app_id(kAgoraAppId);
  expected.set_salt(verified.agora().salt());
  ExpectEqualProto(verified.agora(), expected);
}

TEST_F(GrantsServerTest, AgoraPublisherRoleWritesJoinAndThePublishPrivileges) {
  v1::IssueTokenRequest request = Request("ag");
  v1::AgoraRtcService* rtc =
      request.mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name("standup");
  rtc->set_uid(0);
  rtc->set_role(v1::AGORA_RTC_ROLE_PUBLISHER);
  rtc->mutable_role_privilege_expire()->set_seconds(600);
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(request, &issued).ok());

  v1::VerifyTokenResponse verified = VerifyOk("ag", issued.token());
  ASSERT_TRUE(verified.valid()) << verified.reason();
  ASSERT_EQ(verified.agora().services_size(), 1);
  const v1::AgoraRtcService& got = verified.agora().services(0).rtc();
  EXPECT_EQ(got.user_case(), v1::AgoraRtcService::kUid);
  EXPECT_EQ(got.uid(), 0u);
  const v1::AgoraRtcPrivileges& e = got.explicit_privileges();
  EXPECT_EQ(e.join_channel().seconds(), 600);
  EXPECT_EQ(e.publish_audio_stream().seconds(), 600);
  EXPECT_EQ(e.publish_video_stream().seconds(), 600);
  EXPECT_EQ(e.publish_data_stream().seconds(), 600);
  EXPECT_FALSE(e.has_administrate_channel());
}

// --- bad fields --------------------------------------------------------------

TEST_F(GrantsServerTest, DailyCanSendWithoutValueIsInvalidArgument) {
  v1::IssueTokenRequest request = Request("dly");
  request.mutable_daily()->set_room_name("standup");
  request.mutable_daily()->mutable_permissions()->mutable_can_send();
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.daily.permissions.can_send");
}

TEST_F(GrantsServerTest, LiveKitUnspecifiedTrackSourceIsInvalidArgument) {
  v1::IssueTokenRequest request = Request("lk");
  *request.mutable_livekit() = SampleLiveKitGrants();
  request.mutable_livekit()->mutable_video()->add_can_publish_sources(
      v1::LIVE_KIT_TRACK_SOURCE_UNSPECIFIED);
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.livekit.video.can_publish_sources[2]");
}

TEST_F(GrantsServerTest, AgoraFractionalPrivilegeExpiryIsInvalidArgument) {
  v1::IssueTokenRequest request = Request("ag");
  *request.mutable_agora() = SampleAgoraGrants();
  request.mutable_agora()
      ->mutable_services(0)
      ->mutable_rtc()
      ->mutable_explicit_privileges()
      ->mutable_join_channel()
      ->set_nanos(500);
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(
      Issue(request, &issued),
      "grants.agora.services[0].rtc.explicit_privileges.join_channel");
}

TEST_F(GrantsServerTest, AgoraAdminRoleOn007IsInvalidArgument) {
  v1::IssueTokenRequest request = Request("ag");
  v1::AgoraRtcService* rtc =
      request.mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name("standup");
  rtc->set_role(v1::AGORA_RTC_ROLE_ADMIN);
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued),
                        "grants.agora.services[0].rtc.role");
}

// --- not_before --------------------------------------------------------------

TEST_F(GrantsServerTest, FutureNotBeforeVerifiesAsNotYetValid) {
  for (const char* tenant : {"demo", "dly"}) {
    SCOPED_TRACE(tenant);
    v1::IssueTokenRequest request = Request(tenant);
    if (std::string(tenant) == "dly") {
      request.mutable_daily()->set_room_name("standup");
    }
    request.mutable_ttl()->set_seconds(7200);
    request.mutable_not_before()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    v1::IssueTokenResponse issued;
    const grpc::Status status = Issue(request, &issued);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::VerifyTokenResponse verified = VerifyOk(tenant, issued.token());
    EXPECT_FALSE(verified.valid());
    EXPECT_EQ(verified.reason(), "TOKEN_NOT_YET_VALID") << verified.detail();
  }
}

TEST_F(GrantsServerTest, PastNotBeforeVerifiesOK) {
  v1::IssueTokenRequest request = Request("demo");
  request.mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(absl::Now() - absl::Minutes(5)));
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(request, &issued).ok());
  v1::VerifyTokenResponse verified = VerifyOk("demo", issued.token());
  EXPECT_TRUE(verified.valid()) << verified.reason();
}

TEST_F(GrantsServerTest, NotBeforeAtOrAfterExpiryIsInvalidArgument) {
  v1::IssueTokenRequest request = Request("demo");
  request.mutable_ttl()->set_seconds(600);
  request.mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued), "not_before");
}

TEST_F(GrantsServerTest, NotBeforeForAgoraIsInvalidArgument) {
  v1::IssueTokenRequest request = Request("ag");
  *request.mutable_agora() = SampleAgoraGrants();
  request.mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Minutes(1)));
  v1::IssueTokenResponse issued;
  ExpectInvalidArgument(Issue(request, &issued), "not_before");
}

// --- agora_privileges --------------------------------------------------------

TEST_F(GrantsServerTest, AgoraExpectedPrivilegesPresentVerifyOK) {
  v1::IssueTokenRequest request = Request("ag");
  *request.mutable_agora() = SampleAgoraGrants();
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(request, &issued).ok());
  v1::VerifyTokenRequest verify;
  verify.set_tenant("ag");
  verify.set_token(issued.token());
  verify.mutable_expectations()->set_channel("standup");
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL);
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_PUBLISH_AUDIO_STREAM);
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTM_LOGIN);
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify(verify, &verified).ok());
  EXPECT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
}

TEST_F(GrantsServerTest, AgoraExpectedPrivilegeMissingIsBadClaim) {
  v1::IssueTokenRequest request = Request("ag");
  *request.mutable_agora() = SampleAgoraGrants();
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(request, &issued).ok());
  v1::VerifyTokenRequest verify;
  verify.set_tenant("ag");
  verify.set_token(issued.token());
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_PUBLISH_VIDEO_STREAM);
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify(verify, &verified).ok());
  EXPECT_FALSE(verified.valid());
  EXPECT_EQ(verified.reason(), "BAD_CLAIM") << verified.detail();
}

TEST_F(GrantsServerTest, AgoraExpiredPrivilegeIsTokenExpired) {
  v1::IssueTokenRequest request = Request("ag");
  v1::AgoraRtcService* rtc =
      request.mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name("standup");
  v1::AgoraRtcPrivileges* e = rtc->mutable_explicit_privileges();
  e->mutable_join_channel()->set_seconds(3600);
  e->mutable_publish_video_stream()->set_seconds(1);
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(request, &issued).ok());
  v1::VerifyTokenRequest verify;
  verify.set_tenant("ag");
  verify.set_token(issued.token());
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_PUBLISH_VIDEO_STREAM);
  // The privilege lapses one second after the issue time (the tenant has no
  // leeway); the token itself stays valid.
  v1::VerifyTokenResponse verified;
  EXPECT_TRUE(WaitFor([&] {
    verified.Clear();
    return Verify(verify, &verified).ok() && !verified.valid();
  }));
  EXPECT_EQ(verified.reason(), "TOKEN_EXPIRED") << verified.detail();
  verify.mutable_expectations()->clear_agora_privileges();
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL);
  v1::VerifyTokenResponse joined;
  ASSERT_TRUE(Verify(verify, &joined).ok());
  EXPECT_TRUE(joined.valid()) << joined.reason();
}

TEST_F(GrantsServerTest, AgoraPrivilegesForAnotherProfileAreInvalidArgument) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(Request("demo"), &issued).ok());
  v1::VerifyTokenRequest verify;
  verify.set_tenant("demo");
  verify.set_token(issued.token());
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL);
  v1::VerifyTokenResponse verified;
  ExpectInvalidArgument(Verify(verify, &verified),
                        "expectations.agora_privileges");
}

TEST_F(GrantsServerTest, UnspecifiedAgoraPrivilegeIsInvalidArgument) {
  v1::VerifyTokenRequest verify;
  verify.set_tenant("ag");
  verify.set_token("007x");
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_JOIN_CHANNEL);
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_UNSPECIFIED);
  v1::VerifyTokenResponse verified;
  ExpectInvalidArgument(Verify(verify, &verified),
                        "expectations.agora_privileges[1]");
}

// --- tokenctl ----------------------------------------------------------------

TEST_F(GrantsServerTest, TokenctlIssuesDailyGrants) {
  CtlResult run =
      Ctl("issue --tenant=dly --sub=alice --daily_room=standup "
          "--daily_user_name=Alice --daily_is_owner=true");
  ASSERT_EQ(run.code, 0) << run.err;
  v1::VerifyTokenResponse verified = VerifyOk("dly", run.out);
  ASSERT_TRUE(verified.valid()) << verified.reason();
  EXPECT_EQ(verified.daily().room_name(), "standup");
  EXPECT_EQ(verified.daily().user_name(), "Alice");
  ASSERT_TRUE(verified.daily().has_is_owner());
  EXPECT_TRUE(verified.daily().is_owner());
}

TEST_F(GrantsServerTest, TokenctlIssuesLiveKitGrants) {
  CtlResult run =
      Ctl("issue --tenant=lk --sub=alice --livekit_room=standup "
          "--livekit_room_join --livekit_can_publish=false "
          "--livekit_can_subscribe=true --livekit_name=Alice");
  ASSERT_EQ(run.code, 0) << run.err;
  v1::VerifyTokenResponse verified = VerifyOk("lk", run.out);
  ASSERT_TRUE(verified.valid()) << verified.reason();
  const v1::LiveKitGrants& g = verified.livekit();
  EXPECT_EQ(g.name(), "Alice");
  EXPECT_TRUE(g.video().room_join());
  EXPECT_EQ(g.video().room(), "standup");
  ASSERT_TRUE(g.video().has_can_publish());
  EXPECT_FALSE(g.video().can_publish());
  ASSERT_TRUE(g.video().has_can_subscribe());
  EXPECT_TRUE(g.video().can_subscribe());
}

TEST_F(GrantsServerTest, TokenctlIssuesAgoraGrants) {
  CtlResult run =
      Ctl("issue --tenant=ag --agora_channel=standup --agora_uid=42 "
          "--agora_role=publisher --agora_privilege_expire=10m");
  ASSERT_EQ(run.code, 0) << run.err;
  v1::VerifyTokenRequest verify;
  verify.set_tenant("ag");
  verify.set_token(run.out);
  verify.mutable_expectations()->set_channel("standup");
  verify.mutable_expectations()->mutable_subject()->set_uid(42);
  verify.mutable_expectations()->add_agora_privileges(
      v1::AGORA_PRIVILEGE_RTC_PUBLISH_VIDEO_STREAM);
  v1::VerifyTokenResponse verified;
  ASSERT_TRUE(Verify(verify, &verified).ok());
  ASSERT_TRUE(verified.valid())
      << verified.reason() << " " << verified.detail();
  ASSERT_EQ(verified.agora().services_size(), 1);
  EXPECT_EQ(verified.agora()
                .services(0)
                .rtc()
                .explicit_privileges()
                .publish_video_stream()
                .seconds(),
            600);
}

TEST_F(GrantsServerTest, TokenctlRefusesGrantsOfTwoProfiles) {
  CtlResult run =
      Ctl("issue --tenant=dly --sub=a --daily_room=r --livekit_room=r");
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, ::testing::HasSubstr("one profile"));
}

}  // namespace
}  // namespace tokend::testing
