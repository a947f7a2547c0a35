// The apirtc profile: issue/verify, renewal, every refusal with its reason
// and field, and interop with jsonwebtoken (the library ApiRTC's own
// AccessToken.js uses) and Debian's PyJWT in both directions.
#include "core/profiles/apirtc_profile.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/json/json.h"
#include "core/profiles/daily_profile.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/vendor_checks.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/zoom_profile.h"
#include "core/reason.h"
#include "core/uuid.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/profiles/hs256_test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::DecodeSegment;
using ::tokend::testing::Hs256Header;
using ::tokend::testing::ParseJsonOrDie;
using ::tokend::testing::RunInterop;
using ::tokend::testing::SignHs256;
using ::tokend::testing::TamperPayload;

constexpr char kApiKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kSecret[] = "apirtc-test-secret-of-at-least-32-bytes!";
constexpr char kOtherSecret[] = "another-apirtc-secret-32-bytes-long!!";
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

ApiRtcProfileConfig Config() {
  ApiRtcProfileConfig config;
  config.api_key = kApiKey;
  config.secret = kSecret;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(ApiRtcProfileConfig config) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewApiRtcProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

IssueInput ForUser(std::string subject) {
  IssueInput input;
  input.subject = std::move(subject);
  input.grants = ApiRtcGrants{};
  return input;
}

// The claims ApiRTC's generator writes, for tokens forged in tests.
json::Object GeneratorClaims(absl::Time iat, absl::Duration ttl) {
  json::Object grants;
  grants.Set("apiRTC_UserAgent_Id", json::Value("user-4711"));
  json::Object claims;
  claims.Set("grants", json::Value(grants));
  claims.Set("iat", json::Value(absl::ToUnixSeconds(iat)));
  claims.Set("exp", json::Value(absl::ToUnixSeconds(iat + ttl)));
  claims.Set("aud", json::Value("apiRTC"));
  claims.Set("sub", json::Value(kApiKey));
  claims.Set("jti", json::Value("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"));
  return claims;
}

void ExpectRefused(const absl::Status& status, Reason reason,
                   const std::string& field) {
  EXPECT_EQ(GetReason(status), reason) << status;
  EXPECT_EQ(GetField(status), field) << status;
}

// ---- Configuration ----

TEST(ApiRtcProfileConfigTest, RefusesBadConfigNamingTheField) {
  ApiRtcProfileConfig config = Config();
  config.api_key = "";
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "api_key");

  config = Config();
  config.api_key = "bad\xff";
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "api_key");

  config = Config();
  config.secret = "";
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "secret");

  // ApiRTC documents no minimum; tokend keeps the core's 32-byte HS256 rule.
  config = Config();
  config.secret = std::string(31, 's');
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kKeyTooWeak,
                "secret");

  config = Config();
  config.ttl.max_ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "ttl.max_ttl");

  config = Config();
  config.ttl.default_ttl = absl::Hours(2);
  config.ttl.max_ttl = absl::Hours(1);
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "ttl.default_ttl");

  config = Config();
  config.leeway = absl::Seconds(-1);
  ExpectRefused(NewApiRtcProfile(config).status(), Reason::kInvalidArgument,
                "leeway");

  config = Config();
  config.secret = std::string(32, 's');
  EXPECT_TRUE(NewApiRtcProfile(config).ok());
}

// ---- Issue ----

TEST(ApiRtcProfileTest, IssuesTheGeneratorsClaimSet) {
  auto profile = MakeProfile(Config());
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "apirtc");
  absl::StatusOr<TokenInfo> info = profile->Issue(ForUser("user-4711"), kNow);
  ASSERT_TRUE(info.ok()) << info.status();

  json::Object header = DecodeSegment(info->token, 0);
  EXPECT_EQ(json::Serialize(header), R"({"alg":"HS256","typ":"JWT"})");
  json::Object claims = DecodeSegment(info->token, 1);
  const int64_t iat = absl::ToUnixSeconds(kNow);
  EXPECT_EQ(claims.size(), 6u) << json::Serialize(claims);
  EXPECT_EQ(json::Serialize(*claims.Find("grants")),
            R"({"apiRTC_UserAgent_Id":"user-4711"})");
  EXPECT_EQ(claims.Find("iat")->as_int(), iat);
  EXPECT_EQ(claims.Find("exp")->as_int(), iat + 3600);
  EXPECT_EQ(claims.Find("aud")->as_string(), "apiRTC");
  EXPECT_EQ(claims.Find("sub")->as_string(), kApiKey);
  const std::string& jti = claims.Find("jti")->as_string();
  EXPECT_TRUE(IsUuid(jti)) << jti;
  EXPECT_EQ(jti[14], '4');  // version 4
  EXPECT_NE(std::string("89ab").find(jti[19]), std::string::npos);
  EXPECT_EQ(claims.Find(kSessionStartClaim), nullptr);

  EXPECT_EQ(info->token_id, jti);
  EXPECT_EQ(info->subject, "user-4711");
  EXPECT_EQ(info->issued_at, kNow);
  EXPECT_EQ(info->expires_at, kNow + absl::Seconds(3600));
  EXPECT_EQ(info->session_started, kNow);
  ASSERT_TRUE(std::holds_alternative<ApiRtcGrants>(info->grants));
  EXPECT_FALSE(std::get<ApiRtcGrants>(info->grants).all_users);
}

TEST(ApiRtcProfileTest, IssuedTokensVerify) {
  auto profile = MakeProfile(Config());
  IssueInput input = ForUser("user-4711");
  input.ttl = absl::Seconds(600);
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  VerifyExpectations expect;
  expect.account = "user-4711";
  expect.audience = "apiRTC";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, issued->token, expect, kNow + absl::Seconds(30));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(verified->token_id, issued->token_id);
  EXPECT_EQ(verified->issued_at, kNow);
  EXPECT_EQ(verified->expires_at, kNow + absl::Seconds(600));
  EXPECT_EQ(verified->session_started, kNow);
  EXPECT_FALSE(std::get<ApiRtcGrants>(verified->grants).all_users);
  EXPECT_EQ(verified->claims.Find("sub")->as_string(), kApiKey);
}

TEST(ApiRtcProfileTest, RefusesBadIssueInput) {
  ApiRtcProfileConfig config = Config();
  auto profile = MakeProfile(config);

  IssueInput input = ForUser("user-4711");
  input.ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
                "ttl");
  input.ttl = absl::Seconds(-5);
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "ttl");
  input.ttl = absl::Hours(24);
  EXPECT_TRUE(profile->Issue(input, kNow).ok());

  ExpectRefused(profile->Issue(ForUser(""), kNow).status(),
                Reason::kInvalidArgument, "subject");
  ExpectRefused(profile->Issue(ForUser("ApiKey_Token"), kNow).status(),
                Reason::kInvalidArgument, "subject");
  ExpectRefused(profile->Issue(ForUser("bad\xc3"), kNow).status(),
                Reason::kInvalidArgument, "subject");
  ExpectRefused(profile->Issue(ForUser(std::string(257, 'u')), kNow).status(),
                Reason::kInvalidArgument, "subject");

  input = ForUser("user-4711");
  input.grants = ZoomGrants{};
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "grants");
  // No grants at all: the defaults (a token for the subject).
  input.grants = std::monostate{};
  EXPECT_TRUE(profile->Issue(input, kNow).ok());

  // The wildcard needs the tenant's permission.
  IssueInput wildcard;
  wildcard.grants = ApiRtcGrants{.all_users = true};
  ExpectRefused(profile->Issue(wildcard, kNow).status(),
                Reason::kPermissionDenied, "grants.apirtc.all_users");
}

TEST(ApiRtcProfileTest, WildcardOnlyWhenTheTenantAllowsIt) {
  ApiRtcProfileConfig config = Config();
  config.allow_wildcard = true;
  auto open = MakeProfile(config);
  auto closed = MakeProfile(Config());

  IssueInput wildcard;
  wildcard.grants = ApiRtcGrants{.all_users = true};
  wildcard.subject = "user-4711";
  ExpectRefused(open->Issue(wildcard, kNow).status(), Reason::kInvalidArgument,
                "subject");
  wildcard.subject = "";
  absl::StatusOr<TokenInfo> issued = open->Issue(wildcard, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(json::Serialize(*DecodeSegment(issued->token, 1).Find("grants")),
            R"({"apiRTC_UserAgent_Id":"ApiKey_Token"})");
  EXPECT_EQ(issued->subject, "");

  VerifyExpectations expect;
  expect.account = "anyone";  // the wildcard is for every user
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(open, issued->token, expect, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(std::get<ApiRtcGrants>(verified->grants).all_users);
  EXPECT_EQ(verified->subject, "");
  // Valid for every user of the apiKey: app-level, issued and verified.
  EXPECT_TRUE(open->IsAppLevel(wildcard));
  IssueInput back;
  back.subject = verified->subject;
  back.grants = verified->grants;
  EXPECT_TRUE(open->IsAppLevel(back));
  EXPECT_FALSE(open->IsAppLevel(ForUser("user-4711")));

  // Same secret and apiKey, but this tenant does not allow wildcards.
  ExpectRefused(
      tokend::testing::VerifyAllWays(closed, issued->token, {}, kNow).status(),
      Reason::kBadClaim, "grants.apiRTC_UserAgent_Id");
}

// Renewal: the verified grants and subject re-issue an equivalent token, and
// the session start travels in tokend_sst.
TEST(ApiRtcProfileTest, RenewalKeepsClaimsAndSessionStart) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> first = profile->Issue(ForUser("user-4711"), kNow);
  ASSERT_TRUE(first.ok());
  const absl::Time later = kNow + absl::Minutes(50);
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, first->token, {}, later);
  ASSERT_TRUE(verified.ok()) << verified.status();

  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  absl::StatusOr<TokenInfo> second = profile->Issue(renew, later);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->session_started, kNow);
  EXPECT_NE(second->token_id, first->token_id);

  json::Object a = DecodeSegment(first->token, 1);
  json::Object b = DecodeSegment(second->token, 1);
  EXPECT_EQ(b.Find(kSessionStartClaim)->as_int(), absl::ToUnixSeconds(kNow));
  for (const char* name : {"iat", "exp", "jti", kSessionStartClaim}) {
    a.Erase(name);
    b.Erase(name);
  }
  EXPECT_EQ(json::Serialize(a), json::Serialize(b));

  absl::StatusOr<TokenInfo> reverified =
      tokend::testing::VerifyAllWays(profile, second->token, {}, later);
  ASSERT_TRUE(reverified.ok()) << reverified.status();
  EXPECT_EQ(reverified->session_started, kNow);
}

// ---- Verify refusals ----

TEST(ApiRtcProfileTest, RefusesBadTokens) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued = profile->Issue(ForUser("user-4711"), kNow);
  ASSERT_TRUE(issued.ok());

  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, TamperPayload(issued->token), {}, kNow)
                          .status()),
            Reason::kBadSignature);
  ApiRtcProfileConfig other = Config();
  other.secret = kOtherSecret;
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(MakeProfile(other),
                                                     issued->token, {}, kNow)
                          .status()),
            Reason::kBadSignature);
  // Expired: past exp plus the 60 s leeway.
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(profile, issued->token, {},
                                                     kNow + absl::Seconds(3661))
                          .status()),
            Reason::kTokenExpired);
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, issued->token, {},
                                             kNow + absl::Seconds(3659))
                  .ok());
  // Another apiKey's tenant with the same secret.
  other = Config();
  other.api_key = "fedcba9876543210fedcba9876543210";
  ExpectRefused(tokend::testing::VerifyAllWays(MakeProfile(other),
                                               issued->token, {}, kNow)
                    .status(),
                Reason::kBadClaim, "sub");

  VerifyExpectations expect;
  expect.audience = "someone-else";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kAudienceMismatch, "aud");
  expect = {};
  expect.account = "user-0815";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kBadClaim, "grants.apiRTC_UserAgent_Id");
  expect = {};
  expect.channel = "room";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kInvalidArgument, "channel");
}

TEST(ApiRtcProfileTest, EnforcesTheVerifierRules) {
  auto profile = MakeProfile(Config());
  auto verify = [&](const json::Object& claims) {
    return tokend::testing::VerifyAllWays(
               profile, SignHs256(kSecret, Hs256Header(), claims), {}, kNow)
        .status();
  };
  const json::Object good = GeneratorClaims(kNow, absl::Hours(1));
  EXPECT_TRUE(verify(good).ok()) << verify(good);

  json::Object c = good;
  c.Set("aud", json::Value(json::Array{json::Value("apiRTC")}));
  ExpectRefused(verify(c), Reason::kAudienceMismatch, "aud");
  c.Set("aud", json::Value("apirtc"));
  ExpectRefused(verify(c), Reason::kAudienceMismatch, "aud");
  c.Erase("aud");
  ExpectRefused(verify(c), Reason::kAudienceMismatch, "aud");

  c = good;
  c.Erase("sub");
  ExpectRefused(verify(c), Reason::kBadClaim, "sub");
  c = good;
  c.Erase("exp");
  EXPECT_EQ(GetReason(verify(c)), Reason::kExpMissing);
  c = good;
  c.Erase("iat");
  ExpectRefused(verify(c), Reason::kBadClaim, "iat");
  c = good;
  c.Set("exp", json::Value(absl::ToUnixSeconds(kNow) + 86401));
  EXPECT_EQ(GetReason(verify(c)), Reason::kLifetimeExceeded);
  c.Set("exp", json::Value(absl::ToUnixSeconds(kNow) + 86400));
  EXPECT_TRUE(verify(c).ok());
  c = good;
  c.Set("jti", json::Value("not-a-uuid"));
  ExpectRefused(verify(c), Reason::kBadClaim, "jti");
  c.Erase("jti");
  ExpectRefused(verify(c), Reason::kBadClaim, "jti");
  c = good;
  c.Set("grants", json::Value(json::Object()));
  ExpectRefused(verify(c), Reason::kBadClaim, "grants.apiRTC_UserAgent_Id");
  c.Erase("grants");
  ExpectRefused(verify(c), Reason::kBadClaim, "grants");
  c.Set("grants", json::Value("user-4711"));
  ExpectRefused(verify(c), Reason::kBadClaim, "grants");
  json::Object grants;
  grants.Set("apiRTC_UserAgent_Id", json::Value(""));
  c.Set("grants", json::Value(grants));
  ExpectRefused(verify(c), Reason::kBadClaim, "grants.apiRTC_UserAgent_Id");
  grants.Set("apiRTC_UserAgent_Id", json::Value(4711));
  c.Set("grants", json::Value(grants));
  ExpectRefused(verify(c), Reason::kBadClaim, "grants.apiRTC_UserAgent_Id");

  // Only HS256: the header's alg must be the key's.
  json::Object header = Hs256Header();
  header.Set("alg", json::Value("HS512"));
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, SignHs256(kSecret, header, good), {}, kNow)
                          .status()),
            Reason::kAlgNotAllowed);
  header.Set("alg", json::Value("none"));
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, SignHs256(kSecret, header, good), {}, kNow)
                          .status()),
            Reason::kAlgNotAllowed);
}

// A token of another vendor's tenant is refused even with the same secret.
TEST(ApiRtcProfileTest, RefusesOtherVendorsTokensWithTheSameSecret) {
  auto profile = MakeProfile(Config());

  ZoomProfileConfig zoom_config;
  zoom_config.app_key = kApiKey;
  zoom_config.secret = kSecret;
  auto zoom = NewZoomProfile(zoom_config);
  ASSERT_TRUE(zoom.ok()) << zoom.status();
  IssueInput zoom_input;
  zoom_input.subject = "user-4711";
  ZoomGrants zoom_grants;
  zoom_grants.topic = "standup";
  zoom_input.grants = zoom_grants;
  absl::StatusOr<TokenInfo> zoom_token = (*zoom)->Issue(zoom_input, kNow);
  ASSERT_TRUE(zoom_token.ok()) << zoom_token.status();
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(profile, zoom_token->token,
                                                     {}, kNow)
                          .status()),
            Reason::kAudienceMismatch);

  DailyProfileConfig daily_config;
  daily_config.api_key = kSecret;
  daily_config.domain_id = "30f866c3-9123-452a-8723-ff58322d09c5";
  auto daily = NewDailyProfile(daily_config);
  ASSERT_TRUE(daily.ok()) << daily.status();
  IssueInput daily_input;
  daily_input.subject = "user-4711";
  DailyGrants daily_grants;
  daily_grants.room_name = "standup";
  daily_input.grants = daily_grants;
  absl::StatusOr<TokenInfo> daily_token = (*daily)->Issue(daily_input, kNow);
  ASSERT_TRUE(daily_token.ok()) << daily_token.status();
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, daily_token->token, {}, kNow)
                          .status()),
            Reason::kAudienceMismatch);

  absl::StatusOr<TokenInfo> ours = profile->Issue(ForUser("user-4711"), kNow);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays((*zoom), ours->token, {}, kNow)
                    .status()),
      Reason::kBadClaim);
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays((*daily), ours->token, {}, kNow)
                    .status()),
      Reason::kBadClaim);
}

// ---- Interop (wall clock: the libraries check exp against it) ----

std::string Request(
    std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Object request;
  for (const auto& [name, value] : members) request.Set(name, value);
  return json::Serialize(request);
}

TEST(ApiRtcInteropTest, JsonwebtokenVerifiesTokendTokens) {
  auto profile = MakeProfile(Config());
  IssueInput input = ForUser("user-4711");
  input.ttl = absl::Seconds(900);
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out = RunInterop(true, "apirtc.mjs", {"verify"},
                               Request({{"token", json::Value(issued->token)},
                                        {"secret", json::Value(kSecret)},
                                        {"apiKey", json::Value(kApiKey)}}));
  json::Object claims = ParseJsonOrDie(out);
  EXPECT_EQ(json::Serialize(*claims.Find("grants")),
            R"({"apiRTC_UserAgent_Id":"user-4711"})");
  EXPECT_EQ(claims.Find("sub")->as_string(), kApiKey);
  EXPECT_EQ(claims.Find("aud")->as_string(), "apiRTC");
  EXPECT_EQ(claims.Find("jti")->as_string(), issued->token_id);
  EXPECT_EQ(claims.Find("exp")->as_int() - claims.Find("iat")->as_int(), 900);

  // And a wrong secret is refused by the library too.
  out = RunInterop(true, "apirtc.mjs", {"verify"},
                   Request({{"token", json::Value(issued->token)},
                            {"secret", json::Value(kOtherSecret)},
                            {"apiKey", json::Value(kApiKey)}}),
                   /*expect_failure=*/true);
  EXPECT_EQ(out, "error: JsonWebTokenError: invalid signature");
}

TEST(ApiRtcInteropTest, TokendVerifiesAccessTokenJsTokens) {
  auto profile = MakeProfile(Config());
  std::string token =
      RunInterop(true, "apirtc.mjs", {"sign"},
                 Request({{"secret", json::Value(kSecret)},
                          {"apiKey", json::Value(kApiKey)},
                          {"userAgentId", json::Value("user-4711")},
                          {"ttl", json::Value(7200)}}));
  VerifyExpectations expect;
  expect.account = "user-4711";
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(verified->expires_at - verified->issued_at, absl::Hours(2));
  EXPECT_TRUE(IsUuid(verified->token_id));
  EXPECT_EQ(json::Serialize(DecodeSegment(token, 0)),
            R"({"alg":"HS256","typ":"JWT"})");
}

TEST(ApiRtcInteropTest, PyJwtVerifiesTokendTokens) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued =
      profile->Issue(ForUser("user-4711"), absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out = RunInterop(false, "pyjwt_tool.py",
                               {"verify", "--alg", "HS256", "--aud", "apiRTC",
                                "--require", "exp,iat,sub,jti"},
                               Request({{"token", json::Value(issued->token)},
                                        {"key", json::Value(kSecret)}}));
  json::Object claims = ParseJsonOrDie(out);
  EXPECT_EQ(json::Serialize(claims),
            json::Serialize(DecodeSegment(issued->token, 1)));
}

TEST(ApiRtcInteropTest, TokendVerifiesPyJwtTokens) {
  auto profile = MakeProfile(Config());
  json::Object claims = GeneratorClaims(absl::Now(), absl::Hours(1));
  std::string token =
      RunInterop(false, "pyjwt_tool.py", {"sign", "--alg", "HS256"},
                 Request({{"claims", json::Value(claims)},
                          {"key", json::Value(kSecret)}}));
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(verified->token_id, "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
}

}  // namespace
}  // namespace tokend
