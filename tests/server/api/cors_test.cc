// CORS on the exchange routes (RouteHttp without a socket): preflights
// from allowed and other origins, simple requests, requests without
// Origin; and the config's listeners.http_cors checks.
#include "server/api/cors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "server/api/http_server.h"
#include "server/api/oauth2_token_route.h"
#include "tests/server/api/http_test_env.h"

namespace tokend {
namespace {

class CorsTest : public HttpRouteTest {
 protected:
  HttpReply Preflight(const std::string& path, const std::string& origin,
                      const std::string& method) {
    return RouteHttp(
        state_,
        Request("OPTIONS", path,
                {{"Origin", origin},
                 {"Access-Control-Request-Method", method},
                 {"Access-Control-Request-Headers", "authorization"}}),
        Fake());
  }
};

TEST_F(CorsTest, PreflightFromAnAllowedOriginGetsEveryHeader) {
  const HttpReply reply =
      Preflight("/rtc/room/publisher/uid/1/", "https://app.example.com", "GET");
  EXPECT_EQ(reply.code, 204);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(reply.extra_headers,
            "Access-Control-Allow-Origin: https://app.example.com\r\n"
            "Vary: Origin\r\n"
            "Access-Control-Allow-Methods: GET, OPTIONS\r\n"
            "Access-Control-Allow-Headers: Authorization, Content-Type, "
            "X-Request-Id\r\n"
            "Access-Control-Max-Age: 600\r\n");
  const HttpReply post =
      Preflight(kOAuth2TokenPath, "http://localhost:3000", "POST");
  EXPECT_EQ(post.code, 204);
  EXPECT_TRUE(absl::StrContains(post.extra_headers,
                                "Access-Control-Allow-Methods: POST, OPTIONS"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(CorsTest, PreflightFromAnotherOriginGetsNoCorsHeaders) {
  for (const char* origin :
       {"https://evil.example.com", "https://app.example.com.evil.test",
        "http://app.example.com", "null", "https://APP.example.com"}) {
    const HttpReply reply = Preflight("/getToken", origin, "POST");
    EXPECT_EQ(reply.code, 403) << origin;
    EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Access-Control"))
        << origin;
    EXPECT_TRUE(absl::StrContains(reply.extra_headers, "Vary: Origin"));
  }
  // An allowed origin, a method the route does not serve.
  const HttpReply reply =
      Preflight("/getToken", "https://app.example.com", "DELETE");
  EXPECT_EQ(reply.code, 403);
  EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Access-Control"));
}

TEST_F(CorsTest, OptionsWithoutOriginIsNotAPreflight) {
  const HttpReply reply =
      RouteHttp(state_, Request("OPTIONS", kOAuth2TokenPath), Fake());
  EXPECT_EQ(reply.code, 204);
  EXPECT_EQ(reply.extra_headers, "Allow: POST, OPTIONS\r\n");
}

TEST_F(CorsTest, ActualRequestFromAnAllowedOriginCarriesAllowOrigin) {
  const HttpReply reply = RouteHttp(
      state_,
      Request("GET", "/rtm/alice/",
              {{"Origin", "https://app.example.com"},
               {"Authorization", absl::StrCat("Bearer ", kSubjectJwt)}}),
      Fake());
  EXPECT_EQ(reply.code, 200) << reply.body;
  EXPECT_TRUE(absl::StrContains(
      reply.extra_headers,
      "Access-Control-Allow-Origin: https://app.example.com\r\nVary: Origin"));
  EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Allow-Credentials"));
}

TEST_F(CorsTest, ActualRequestFromAnotherOriginIsRefusedUnserved) {
  HttpReply reply = RouteHttp(
      state_,
      Request("GET", "/rtm/alice/",
              {{"Origin", "https://evil.example.com"},
               {"Authorization", absl::StrCat("Bearer ", kSubjectJwt)}}),
      Fake());
  EXPECT_EQ(reply.code, 403);
  EXPECT_EQ(reply.body, R"({"error":"Origin not allowed"})");
  EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Access-Control"));
  // A form POST from a web page needs no preflight: refused all the same.
  reply =
      RouteHttp(state_,
                Request("POST", kOAuth2TokenPath,
                        {{"Origin", "https://evil.example.com"},
                         {"Content-Type", "application/x-www-form-urlencoded"}},
                        "grant_type=x"),
                Fake());
  EXPECT_EQ(reply.code, 403);
  EXPECT_TRUE(absl::StrContains(reply.body, R"("error":"invalid_request")"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(CorsTest, RequestWithoutOriginHasNoCorsHeaders) {
  const HttpReply reply = RouteHttp(state_, Request("GET", "/ping"), Fake());
  EXPECT_EQ(reply.code, 200);
  EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Access-Control"));
  EXPECT_FALSE(absl::StrContains(reply.extra_headers, "Vary"));
}

TEST_F(CorsTest, ProbesAreUntouched) {
  const HttpReply reply = RouteHttp(
      state_,
      Request("GET", "/healthz", {{"Origin", "https://evil.example.com"}}),
      Fake());
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body, "ok\n");
  EXPECT_EQ(RouteHttp(state_, Request("POST", "/healthz"), Fake()).code, 405);
}

absl::Status ParseCors(const std::string& origins) {
  return ParseConfig(absl::StrCat("listeners:\n  http_cors:\n    "
                                  "allowed_origins: ",
                                  origins, "\n"),
                     "/tmp/cors.yaml")
      .status();
}

TEST(CorsConfigTest, OnlyExactOriginsAreAccepted) {
  EXPECT_TRUE(
      ParseCors(R"(["https://a.example.com", "http://localhost:8080"])").ok());
  for (const char* bad :
       {R"(["*"])", R"(["https://a.example.com/"])", R"(["a.example.com"])",
        R"(["https://*.example.com"])", R"(["https://a.example.com/app"])",
        R"(["ftp://a.example.com"])", R"(["null"])", R"(["https://"])"}) {
    const absl::Status s = ParseCors(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(
        absl::StartsWith(GetField(s), "listeners.http_cors.allowed_origins[0]"))
        << bad << " " << s;
  }
  EXPECT_EQ(GetField(ParseConfig("listeners:\n  http_cors: {origins: []}\n",
                                 "/tmp/cors.yaml")
                         .status()),
            "listeners.http_cors.origins");
}

}  // namespace
}  // namespace tokend
