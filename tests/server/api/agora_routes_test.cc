// The agora-token-service routes without a socket: each route's parsing
// into Agora grants and its quirks (role names, uid vs userAccount, expiry
// defaults, /rte's two tokens), the exact JSON shapes, Bearer required.
// The exchanger is a fake (see http_test_env.h): DoExchange is being
// written in parallel.
#include "server/api/agora_routes.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "server/api/http_server.h"
#include "tests/server/api/http_test_env.h"

namespace tokend {
namespace {

class AgoraRoutesTest : public HttpRouteTest {
 protected:
  void SetUp() override {
    HttpRouteTest::SetUp();
    token_ = "007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UU";
  }
  HttpReply Get(const std::string& path, const std::string& query = "",
                bool bearer = true) {
    std::map<std::string, std::string> headers;
    if (bearer) headers["Authorization"] = absl::StrCat("Bearer ", kSubjectJwt);
    return RouteHttp(state_, Request("GET", path, headers, "", query), Fake());
  }
  HttpReply PostJson(const std::string& body) {
    return RouteHttp(
        state_,
        Request("POST", "/getToken",
                {{"Authorization", absl::StrCat("Bearer ", kSubjectJwt)},
                 {"Content-Type", "application/json"}},
                body),
        Fake());
  }
  // The one service of call i.
  const AgoraService& Service(size_t call, size_t index = 0) {
    static const AgoraService kNone;
    if (call >= calls_.size()) {
      ADD_FAILURE() << "no call " << call;
      return kNone;
    }
    const AgoraGrants* g = std::get_if<AgoraGrants>(&calls_[call].grants);
    if (g == nullptr || index >= g->services.size()) {
      ADD_FAILURE() << "no service " << index;
      return kNone;
    }
    return g->services[index];
  }
  size_t ServiceCount(size_t call) {
    const AgoraGrants* g = std::get_if<AgoraGrants>(&calls_[call].grants);
    return g == nullptr ? 0 : g->services.size();
  }
  using Privileges = std::map<uint16_t, uint32_t>;
};

TEST_F(AgoraRoutesTest, PingAnswersPongWithoutAuthorization) {
  const HttpReply reply = Get("/ping", "", false);
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body, R"({"message":"pong"})");
  EXPECT_TRUE(absl::StrContains(
      reply.extra_headers,
      "Cache-Control: private, no-cache, no-store, must-revalidate"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(AgoraRoutesTest, RtcUidPublisherIsJoinAndPublishForTheDefaultHour) {
  const HttpReply reply = Get("/rtc/team-a-room/publisher/uid/1234/");
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.body, absl::StrCat(R"({"rtcToken":")", token_, R"("})"));
  EXPECT_TRUE(absl::StrContains(reply.extra_headers, "Expires: -1"));
  EXPECT_TRUE(absl::StrContains(reply.extra_headers, "Pragma: no-cache"));
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].subject_token, kSubjectJwt);
  EXPECT_EQ(calls_[0].subject_token_type, kTokenTypeJwt);
  EXPECT_EQ(calls_[0].via, "agora");
  EXPECT_EQ(calls_[0].ttl, absl::Seconds(3600));
  EXPECT_EQ(methods_[0], "agora/rtc");
  const AgoraService& s = Service(0);
  EXPECT_EQ(s.type, kAgoraRtc);
  EXPECT_EQ(s.channel, "team-a-room");
  EXPECT_EQ(s.uid, std::optional<int64_t>(1234));
  EXPECT_EQ(s.account, "");
  EXPECT_EQ(s.privileges,
            (Privileges{{1, 3600}, {2, 3600}, {3, 3600}, {4, 3600}}));
}

TEST_F(AgoraRoutesTest, AnyRoleButPublisherIsSubscriber) {
  for (const char* role : {"subscriber", "audience", "Publisher", "admin"}) {
    calls_.clear();
    ASSERT_EQ(Get(absl::StrCat("/rtc/room/", role, "/uid/7")).code, 200);
    EXPECT_EQ(Service(0).privileges, (Privileges{{1, 3600}})) << role;
  }
}

TEST_F(AgoraRoutesTest, UserAccountIsAStringAccountAndUidZeroIsAsked) {
  ASSERT_EQ(Get("/rtc/room/publisher/userAccount/alice/").code, 200);
  EXPECT_EQ(Service(0).account, "alice");
  EXPECT_FALSE(Service(0).uid.has_value());
  // "0" as an account is the string "0", not the wildcard.
  ASSERT_EQ(Get("/rtc/room/publisher/userAccount/0").code, 200);
  EXPECT_EQ(Service(1).account, "0");
  EXPECT_FALSE(Service(1).uid.has_value());
  // uid 0 is Agora's "any uid": passed as asked, the policy decides.
  ASSERT_EQ(Get("/rtc/room/publisher/uid/0").code, 200);
  EXPECT_EQ(Service(2).uid, std::optional<int64_t>(0));
  // Over 32 bits: passed whole so the profile refuses it (the service
  // would have truncated 4294967297 to uid 1).
  ASSERT_EQ(Get("/rtc/room/publisher/uid/4294967297").code, 200);
  EXPECT_EQ(Service(3).uid, std::optional<int64_t>(4294967297));
}

TEST_F(AgoraRoutesTest, BadTokenTypeOrUidIsTheServiceParameterError) {
  HttpReply reply = Get("/rtc/room/publisher/account/alice");
  EXPECT_EQ(reply.code, 400);
  EXPECT_EQ(reply.body,
            R"({"message":"Error Generating RTC token: failed to generate RTC )"
            R"(token for Unknown Tokentype: account","status":400})");
  reply = Get("/rtc/room/publisher/uid/-5");
  EXPECT_EQ(reply.code, 400);
  EXPECT_TRUE(absl::StrContains(reply.body, "failed to parse uidStr"))
      << reply.body;
  EXPECT_EQ(Get("/rtc/room/publisher/uid").code, 404);
  EXPECT_EQ(Get("/rtc/room//uid/1").code, 400);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(AgoraRoutesTest, ExpiryIsRelativeSecondsDefault3600) {
  ASSERT_EQ(Get("/rtc/room/publisher/uid/9/", "expiry=600").code, 200);
  EXPECT_EQ(calls_[0].ttl, absl::Seconds(600));
  EXPECT_EQ(Service(0).privileges.at(1), 600u);
  ASSERT_EQ(Get("/rtc/room/publisher/uid/9/", "expiry=0").code, 200);
  EXPECT_EQ(calls_[1].ttl, absl::Seconds(3600));
  for (const char* bad : {"expiry=abc", "expiry=-1", "expiry=+5",
                          "expiry=99999999999", "expiry=1&expiry=2"}) {
    const HttpReply reply = Get("/rtc/room/publisher/uid/9/", bad);
    EXPECT_EQ(reply.code, 400) << bad;
    EXPECT_TRUE(absl::StrContains(reply.body, "Error Generating RTC token: "))
        << reply.body;
  }
  EXPECT_EQ(calls_.size(), 2u);
}

TEST_F(AgoraRoutesTest, TenantQueryNamesTheTenant) {
  ASSERT_EQ(Get("/rtm/alice", "tenant=agora-prod").code, 200);
  EXPECT_EQ(calls_[0].tenant, "agora-prod");
  ASSERT_EQ(Get("/rtm/alice").code, 200);
  EXPECT_EQ(calls_[1].tenant, "");
}

TEST_F(AgoraRoutesTest, RtmIsLoginForTheUser) {
  const HttpReply reply = Get("/rtm/alice/", "expiry=120");
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.body, absl::StrCat(R"({"rtmToken":")", token_, R"("})"));
  ASSERT_EQ(ServiceCount(0), 1u);
  EXPECT_EQ(Service(0).type, kAgoraRtm);
  EXPECT_EQ(Service(0).user_id, "alice");
  EXPECT_EQ(Service(0).privileges, (Privileges{{1, 120}}));
  const HttpReply zero = Get("/rtm/0/");
  EXPECT_EQ(zero.code, 400);
  EXPECT_EQ(zero.body,
            R"({"message":"Error Generating RTM token: invalid RTM User ID: )"
            R"(\"0\"","status":400})");
}

TEST_F(AgoraRoutesTest, RteIsTwoExchangesRtmWithTheStreamChannel) {
  const HttpReply reply = Get("/rte/room/subscriber/uid/42/");
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.body, absl::StrCat(R"({"rtcToken":")", token_,
                                     R"(","rtmToken":")", token_, R"("})"));
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(Service(0).uid, std::optional<int64_t>(42));
  EXPECT_EQ(Service(0).privileges, (Privileges{{1, 3600}}));
  ASSERT_EQ(ServiceCount(1), 2u);
  EXPECT_EQ(Service(1, 0).type, kAgoraRtm);
  EXPECT_EQ(Service(1, 0).user_id, "42");  // rtmuid defaults to the rtcuid
  EXPECT_EQ(Service(1, 1).type, kAgoraRtc);
  EXPECT_EQ(Service(1, 1).channel, "room");
  EXPECT_EQ(Service(1, 1).account, "42");
  EXPECT_EQ(Service(1, 1).privileges, (Privileges{{1, 3600}, {4, 3600}}));
  ASSERT_EQ(Get("/rte/room/publisher/userAccount/bob/bob-rtm").code, 200);
  EXPECT_EQ(Service(3, 0).user_id, "bob-rtm");
  EXPECT_EQ(Get("/rte/room/publisher/uid/0/").code, 400);
}

TEST_F(AgoraRoutesTest, ChatAppAndAccount) {
  HttpReply reply = Get("/chat/app/");
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.body, absl::StrCat(R"({"chatToken":")", token_, R"("})"));
  EXPECT_EQ(Service(0).type, kAgoraChat);
  EXPECT_EQ(Service(0).chat_kind, AgoraChatKind::kApp);
  EXPECT_EQ(Service(0).privileges, (Privileges{{2, 3600}}));
  ASSERT_EQ(Get("/chat/account/carol/").code, 200);
  EXPECT_EQ(Service(1).chat_kind, AgoraChatKind::kUser);
  EXPECT_EQ(Service(1).user_id, "carol");
  EXPECT_EQ(Service(1).privileges, (Privileges{{1, 3600}}));
  ASSERT_EQ(Get("/chat/userAccount/dave").code, 200);
  EXPECT_EQ(Service(2).user_id, "dave");
  reply = Get("/chat/account/");
  EXPECT_EQ(reply.code, 400);
  EXPECT_TRUE(
      absl::StrContains(reply.body, "userAccount type requires chat ID"));
  EXPECT_EQ(Get("/chat/user/x").code, 400);
}

TEST_F(AgoraRoutesTest, PostGetTokenShapesAndUidRules) {
  HttpReply reply = PostJson(
      R"({"tokenType":"rtc","channel":"room","role":"publisher","uid":"007",)"
      R"("expire":900})");
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.body, absl::StrCat(R"({"token":")", token_, R"("})"));
  EXPECT_EQ(Service(0).uid, std::optional<int64_t>(7));  // "007" is uid 7
  EXPECT_EQ(calls_[0].ttl, absl::Seconds(900));
  ASSERT_EQ(
      PostJson(R"({"tokenType":"rtc","channel":"room","uid":"alice"})").code,
      200);
  EXPECT_EQ(Service(1).account, "alice");
  EXPECT_EQ(Service(1).privileges, (Privileges{{1, 3600}}));  // no role
  ASSERT_EQ(PostJson(R"({"tokenType":"rtm","uid":"alice","channel":"s"})").code,
            200);
  ASSERT_EQ(ServiceCount(2), 2u);
  EXPECT_EQ(Service(2, 1).channel, "s");
  ASSERT_EQ(PostJson(R"({"tokenType":"chat","expire":0})").code, 200);
  EXPECT_EQ(Service(3).chat_kind, AgoraChatKind::kApp);
  EXPECT_EQ(methods_[3], "agora/getToken");
  EXPECT_EQ(calls_[3].ttl, absl::Seconds(3600));

  reply = PostJson(R"({"tokenType":"voice"})");
  EXPECT_EQ(reply.code, 400);
  EXPECT_EQ(reply.body, R"({"error":"Unsupported tokenType"})");
  EXPECT_EQ(PostJson(R"({"tokenType":"rtc","uid":"1"})").body,
            R"({"error":"invalid: missing channel name"})");
  EXPECT_EQ(PostJson(R"({"tokenType":"rtc","channel":"c","uid":"1",)"
                     R"("expire":"60"})")
                .code,
            400);
  EXPECT_EQ(PostJson("not json").code, 400);
  EXPECT_EQ(PostJson(R"({"tokenType":"rtc","tokenType":"rtm"})").code, 400);
  EXPECT_EQ(calls_.size(), 4u);
}

TEST_F(AgoraRoutesTest, PostNeedsJsonAndABoundedBody) {
  HttpRequest r =
      Request("POST", "/getToken",
              {{"Authorization", "Bearer x"}, {"Content-Type", "text/plain"}},
              R"({"tokenType":"chat"})");
  EXPECT_EQ(RouteHttp(state_, r, Fake()).code, 400);
  r = Request(
      "POST", "/getToken",
      {{"Authorization", "Bearer x"}, {"Content-Type", "application/json"}});
  r.content_length = 1 << 20;
  r.body_unread = true;
  const HttpReply reply = RouteHttp(state_, r, Fake());
  EXPECT_EQ(reply.code, 400);
  EXPECT_EQ(reply.body, R"({"error":"the body is over 65536 bytes"})");
  EXPECT_EQ(RouteHttp(state_, Request("GET", "/getToken"), Fake()).code, 405);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(AgoraRoutesTest, BearerIsRequired) {
  HttpReply reply = Get("/rtc/room/publisher/uid/1/", "", false);
  EXPECT_EQ(reply.code, 401);
  EXPECT_EQ(reply.body,
            R"({"error":"Authorization: Bearer <identity token> is required",)"
            R"("status":401})");
  EXPECT_TRUE(absl::StrContains(reply.extra_headers,
                                "WWW-Authenticate: Bearer realm=\"tokend\""));
  for (const char* auth :
       {"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer ", "Bearer", "bearerabc"}) {
    reply = RouteHttp(state_,
                      Request("GET", "/rtm/alice", {{"Authorization", auth}}),
                      Fake());
    EXPECT_EQ(reply.code, 401) << auth;
  }
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(BearerToken("bearer  abc "),
            "abc");  // the scheme is case-insensitive
}

TEST_F(AgoraRoutesTest, RefusedExchangeKeepsTheServiceShapeAndHidesTheToken) {
  next_ = ErrorWithCode(absl::StatusCode::kPermissionDenied,
                        Reason::kPermissionDenied,
                        "grant_not_allowed: rule r: channel", "grants");
  HttpReply reply = Get("/rtc/other-room/publisher/uid/1/");
  EXPECT_EQ(reply.code, 403);
  EXPECT_EQ(reply.body,
            R"({"error":"Error Generating RTC token - grant_not_allowed: rule )"
            R"(r: channel","status":403})");
  next_ = Error(Reason::kTokenExpired, absl::StrCat("expired ", kSubjectJwt),
                "subject_token");
  reply = Get("/rtc/room/publisher/uid/1/");
  EXPECT_EQ(reply.code, 401);
  EXPECT_FALSE(absl::StrContains(reply.body, kSubjectJwt)) << reply.body;
  EXPECT_TRUE(absl::StrContains(reply.extra_headers, "invalid_token"));
  next_ = absl::UnimplementedError("not built");
  EXPECT_EQ(PostJson(R"({"tokenType":"chat"})").code, 501);
}

}  // namespace
}  // namespace tokend
