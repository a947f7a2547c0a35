// POST /oauth2/token without a socket: the exact bodies StsCredentials and
// Go's credentials/sts send, every RFC 6749 error shape and the mapping of
// the exchange's statuses, the success body. The exchanger is a fake (see
// http_test_env.h): DoExchange is being written in parallel.
#include "server/api/oauth2_token_route.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "server/api/http_server.h"
#include "tests/server/api/http_test_env.h"

namespace tokend {
namespace {

constexpr char kForm[] = "application/x-www-form-urlencoded";

class OAuth2TokenRouteTest : public HttpRouteTest {
 protected:
  HttpReply Post(const std::string& body, const char* content_type = kForm,
                 std::string query = "") {
    std::map<std::string, std::string> headers;
    if (content_type != nullptr) headers["Content-Type"] = content_type;
    return RouteHttp(state_,
                     Request("POST", kOAuth2TokenPath, headers, body, query),
                     Fake());
  }
  static std::string Minimal(const std::string& extra = "") {
    return absl::StrCat(
        "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
        "&subject_token=",
        kSubjectJwt, "&subject_token_type=urn:ietf:params:oauth:token-type:jwt",
        extra);
  }
  // Asserts an RFC 6749 error reply and returns its description.
  std::string ExpectError(const HttpReply& reply, int code,
                          const std::string& error) {
    EXPECT_EQ(reply.code, code) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json");
    EXPECT_TRUE(
        absl::StrContains(reply.extra_headers, "Cache-Control: no-store"));
    const json::Object body = Body(reply);
    EXPECT_EQ(Str(body, "error"), error) << reply.body;
    return Str(body, "error_description");
  }
};

TEST_F(OAuth2TokenRouteTest, SuccessIsTheRfc8693BodyStsCredentialsParses) {
  const HttpReply reply = Post(Minimal("&audience=demo"));
  ASSERT_EQ(reply.code, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_TRUE(
      absl::StrContains(reply.extra_headers, "Cache-Control: no-store"));
  const json::Object body = Body(reply);
  EXPECT_EQ(Str(body, "access_token"), token_);
  EXPECT_EQ(Str(body, "issued_token_type"), kTokenTypeJwt);
  EXPECT_EQ(Str(body, "token_type"), "Bearer");
  const json::Value* expires_in = body.Find("expires_in");
  ASSERT_NE(expires_in, nullptr);
  ASSERT_TRUE(expires_in->is_int());  // StsCredentials wants a JSON number
  EXPECT_GE(expires_in->as_int(), 298);
  EXPECT_LE(expires_in->as_int(), 300);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].subject_token, kSubjectJwt);
  EXPECT_EQ(calls_[0].subject_token_type, kTokenTypeJwt);
  EXPECT_EQ(calls_[0].tenant, "demo");
  EXPECT_EQ(calls_[0].via, "oauth2");
  EXPECT_TRUE(calls_[0].actor_token.empty());
  EXPECT_EQ(methods_[0], "/oauth2/token");
}

TEST_F(OAuth2TokenRouteTest, NonJwtTokenIsAnAccessTokenOfTypeNA) {
  token_ = "007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UU";
  const HttpReply reply = Post(Minimal());
  ASSERT_EQ(reply.code, 200) << reply.body;
  const json::Object body = Body(reply);
  EXPECT_EQ(Str(body, "issued_token_type"), kTokenTypeAccessToken);
  EXPECT_EQ(Str(body, "token_type"), "N_A");
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].tenant, "");  // no audience: the policy decides
}

TEST_F(OAuth2TokenRouteTest, GrpcStsCredentialsRawBodyIsAccepted) {
  // grpc's FillBody: printf'd, not URL-encoded, token file read raw (a
  // trailing newline included), every option it has set.
  const std::string body = absl::StrCat(
      "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
      "&subject_token=",
      kSubjectJwt,
      "\n&subject_token_type=urn:ietf:params:oauth:token-type:jwt"
      "&audience=demo"
      "&requested_token_type=urn:ietf:params:oauth:token-type:access_token"
      "&actor_token=",
      kSubjectJwt, "\n&actor_token_type=urn:ietf:params:oauth:token-type:jwt");
  const HttpReply reply = Post(body);
  ASSERT_EQ(reply.code, 200) << reply.body;
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].subject_token, kSubjectJwt);
  EXPECT_EQ(calls_[0].actor_token, kSubjectJwt);
  EXPECT_EQ(calls_[0].actor_token_type, kTokenTypeJwt);
}

TEST_F(OAuth2TokenRouteTest, GoStsUrlEncodedBodyIsAccepted) {
  // url.Values.Encode(): keys sorted, ':' as %3A.
  const std::string body = absl::StrCat(
      "audience=demo&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%"
      "3Atoken-exchange&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%"
      "3Atoken-type%3Ajwt&subject_token=",
      kSubjectJwt,
      "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt");
  const HttpReply reply =
      Post(body, "application/x-www-form-urlencoded; charset=UTF-8");
  ASSERT_EQ(reply.code, 200) << reply.body;
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].tenant, "demo");
}

TEST_F(OAuth2TokenRouteTest, RepeatedParameterIsInvalidRequest) {
  const std::string d =
      ExpectError(Post(Minimal(absl::StrCat("&subject_token=", kSubjectJwt))),
                  400, "invalid_request");
  EXPECT_TRUE(absl::StrContains(d, "subject_token: repeated")) << d;
  EXPECT_FALSE(absl::StrContains(d, kSubjectJwt));
  ExpectError(Post(Minimal("&grant_type=x")), 400, "invalid_request");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(OAuth2TokenRouteTest, GrantTypeMustBeTokenExchange) {
  ExpectError(Post("grant_type=client_credentials&subject_token=a&"
                   "subject_token_type=b"),
              400, "unsupported_grant_type");
  const std::string d = ExpectError(
      Post("subject_token=a&subject_token_type=b"), 400, "invalid_request");
  EXPECT_EQ(d, "grant_type is required");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(OAuth2TokenRouteTest, RequiredParametersAreNamed) {
  EXPECT_EQ(ExpectError(Post("grant_type=urn:ietf:params:oauth:grant-type:"
                             "token-exchange&subject_token_type=x"),
                        400, "invalid_request"),
            "subject_token is required");
  EXPECT_EQ(ExpectError(Post(absl::StrCat("grant_type=urn:ietf:params:oauth:"
                                          "grant-type:token-exchange&"
                                          "subject_token=",
                                          kSubjectJwt)),
                        400, "invalid_request"),
            "subject_token_type is required");
  EXPECT_EQ(ExpectError(Post(Minimal("&actor_token=abcdefgh")), 400,
                        "invalid_request"),
            "actor_token_type is required with actor_token");
  EXPECT_EQ(
      ExpectError(Post(Minimal("&actor_token_type=x")), 400, "invalid_request"),
      "actor_token_type must not be given without actor_token");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(OAuth2TokenRouteTest, TargetScopeAndRequestedTypeRules) {
  ExpectError(Post(Minimal("&resource=https://api.example.com")), 400,
              "invalid_target");
  ExpectError(Post(Minimal("&audience=demo&audience=other")), 400,
              "invalid_target");
  ExpectError(Post(Minimal("&audience=")), 400, "invalid_target");
  ExpectError(Post(Minimal("&scope=read")), 400, "invalid_scope");
  ExpectError(Post(Minimal("&requested_token_type=urn:ietf:params:oauth:"
                           "token-type:saml2")),
              400, "invalid_request");
  EXPECT_TRUE(calls_.empty());
  // An empty scope asks for nothing: accepted.
  EXPECT_EQ(Post(Minimal("&scope=")).code, 200);
  // A JWT asked for, an Agora token issued: refused, token not returned.
  token_ = "007eJxTYBBbsMMnKq7p9Hf";
  const HttpReply reply = Post(
      Minimal("&requested_token_type=urn:ietf:params:oauth:token-type:jwt"));
  ExpectError(reply, 400, "invalid_target");
  EXPECT_FALSE(absl::StrContains(reply.body, token_));
}

TEST_F(OAuth2TokenRouteTest, BadPercentEncodingIsInvalidRequest) {
  const std::string d =
      ExpectError(Post(Minimal("&audience=de%ZZmo")), 400, "invalid_request");
  EXPECT_TRUE(absl::StrContains(d, "audience: bad percent-encoding")) << d;
}

TEST_F(OAuth2TokenRouteTest, ContentTypeMustBeForm) {
  ExpectError(Post(Minimal(), "application/json"), 400, "invalid_request");
  ExpectError(Post(Minimal(), nullptr), 400, "invalid_request");
  ExpectError(
      Post(Minimal(), "application/x-www-form-urlencoded; charset=latin1"), 400,
      "invalid_request");
  EXPECT_EQ(Post(Minimal(), "Application/X-WWW-Form-Urlencoded").code, 200);
}

TEST_F(OAuth2TokenRouteTest, HugeOrUnsizedBodyIsRefusedUnread) {
  HttpRequest r = Request("POST", kOAuth2TokenPath, {{"Content-Type", kForm}});
  r.content_length = 10 << 20;
  r.body_unread = true;
  EXPECT_EQ(ExpectError(RouteHttp(state_, r, Fake()), 400, "invalid_request"),
            "the body is over 65536 bytes");
  r.content_length = -1;
  EXPECT_EQ(ExpectError(RouteHttp(state_, r, Fake()), 400, "invalid_request"),
            "the body needs a Content-Length");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(OAuth2TokenRouteTest, QueryParametersAndOtherMethodsAreRefused) {
  ExpectError(Post(Minimal(), kForm, "subject_token=abc"), 400,
              "invalid_request");
  const HttpReply get =
      RouteHttp(state_, Request("GET", kOAuth2TokenPath), Fake());
  ExpectError(get, 405, "invalid_request");
  EXPECT_TRUE(absl::StrContains(get.extra_headers, "Allow: POST, OPTIONS"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(OAuth2TokenRouteTest, ExchangeStatusesMapToRfc6749Errors) {
  struct Case {
    absl::Status status;
    int code;
    const char* error;
  };
  const Case cases[] = {
      {Error(Reason::kInvalidArgument, "subject_token: too large",
             "subject_token"),
       400, "invalid_request"},
      {Error(Reason::kTokenExpired, "the subject token expired",
             "subject_token"),
       400, "invalid_grant"},
      {Error(Reason::kBadSignature, "bad signature", "actor_token"), 400,
       "invalid_grant"},
      {ErrorWithCode(absl::StatusCode::kPermissionDenied,
                     Reason::kPermissionDenied,
                     "target_not_allowed: rule r: tenant other", "tenant"),
       400, "invalid_target"},
      {ErrorWithCode(absl::StatusCode::kPermissionDenied,
                     Reason::kPermissionDenied, "no_matching_rule: claim team",
                     "match.claims[0]"),
       400, "unauthorized_client"},
      {ErrorWithCode(absl::StatusCode::kFailedPrecondition,
                     Reason::kInvalidArgument, "no issuers configured"),
       400, "unsupported_grant_type"},
      {absl::UnimplementedError("not built"), 400, "unsupported_grant_type"},
      {Error(Reason::kUnavailable, "store down"), 503,
       "temporarily_unavailable"},
      {Error(Reason::kInternal, "boom"), 500, "server_error"},
  };
  for (const Case& c : cases) {
    next_ = c.status;
    const HttpReply reply = Post(Minimal());
    SCOPED_TRACE(c.status.ToString());
    ExpectError(reply, c.code, c.error);
    if (c.code == 503) {
      EXPECT_TRUE(absl::StrContains(reply.extra_headers, "Retry-After: 1"));
    }
  }
}

TEST_F(OAuth2TokenRouteTest, ADescriptionNeverEchoesAToken) {
  // Whatever a lower layer wrote, the token does not come back.
  next_ = Error(Reason::kMalformed, absl::StrCat("cannot parse ", kSubjectJwt),
                "subject_token");
  const HttpReply reply = Post(Minimal());
  const std::string d = ExpectError(reply, 400, "invalid_grant");
  EXPECT_FALSE(absl::StrContains(reply.body, kSubjectJwt)) << reply.body;
  EXPECT_TRUE(absl::StrContains(d, "[token]")) << d;
}

// limits.rate_qps applies per peer address, as gRPC's per caller.
class OAuth2RateLimitTest : public OAuth2TokenRouteTest {
 protected:
  std::string ConfigYaml() const override {
    return absl::StrCat(kHttpTestConfig,
                        "limits: {rate_limit: {qps: 0.001, burst: 2}}\n");
  }
};

TEST_F(OAuth2RateLimitTest, APeerOverTheLimitGets429WithRetryAfter) {
  EXPECT_EQ(Post(Minimal()).code, 200);
  EXPECT_EQ(Post(Minimal()).code, 200);
  const HttpReply reply = Post(Minimal());
  ExpectError(reply, 429, "temporarily_unavailable");
  EXPECT_TRUE(absl::StrContains(reply.extra_headers, "Retry-After: "));
  EXPECT_EQ(calls_.size(), 2u);
  // Another address has its own bucket.
  HttpRequest other =
      Request("POST", kOAuth2TokenPath, {{"Content-Type", kForm}}, Minimal());
  other.remote_addr = "198.51.100.9";
  EXPECT_EQ(RouteHttp(state_, other, Fake()).code, 200);
  // /ping is never limited.
  EXPECT_EQ(RouteHttp(state_, Request("GET", "/ping"), Fake()).code, 200);
}

}  // namespace
}  // namespace tokend
