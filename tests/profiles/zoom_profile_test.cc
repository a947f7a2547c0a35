// The zoom (Video SDK) profile: issue/verify, the TTL window on both sides,
// renewal, every refusal with its reason and field, and interop with
// jsonwebtoken (signing the claim set of Zoom's videosdk-auth-endpoint-sample)
// and Debian's PyJWT in both directions.
#include "core/profiles/zoom_profile.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/json/json.h"
#include "core/profiles/apirtc_profile.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
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

constexpr char kAppKey[] = "AbCdEfGhIjKlMnOpQrStUv";
constexpr char kSecret[] = "zoom-video-sdk-secret-0123456789abcdef";
constexpr char kOtherSecret[] = "zoom-video-sdk-secret-fedcba9876543210";
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

ZoomProfileConfig Config() {
  ZoomProfileConfig config;
  config.app_key = kAppKey;
  config.secret = kSecret;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(ZoomProfileConfig config) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewZoomProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

ZoomGrants Topic(std::string topic, int role_type = 0) {
  ZoomGrants grants;
  grants.topic = std::move(topic);
  grants.role_type = role_type;
  return grants;
}

IssueInput Input(ZoomGrants grants, std::string subject = "user-4711") {
  IssueInput input;
  input.subject = std::move(subject);
  input.grants = std::move(grants);
  return input;
}

void ExpectRefused(const absl::Status& status, Reason reason,
                   const std::string& field) {
  EXPECT_EQ(GetReason(status), reason) << status;
  EXPECT_EQ(GetField(status), field) << status;
}

// The sample's payload, for tokens forged in tests.
json::Object SampleClaims(absl::Time iat, absl::Duration ttl) {
  json::Object claims;
  claims.Set("app_key", json::Value(kAppKey));
  claims.Set("role_type", json::Value(1));
  claims.Set("tpc", json::Value("daily-standup"));
  claims.Set("version", json::Value(1));
  claims.Set("iat", json::Value(absl::ToUnixSeconds(iat)));
  claims.Set("exp", json::Value(absl::ToUnixSeconds(iat + ttl)));
  claims.Set("user_identity", json::Value("user-4711"));
  claims.Set("session_key", json::Value("sk-2025-01-01"));
  return claims;
}

// ---- Configuration ----

TEST(ZoomProfileConfigTest, RefusesBadConfigNamingTheField) {
  ZoomProfileConfig config = Config();
  config.app_key = "";
  ExpectRefused(NewZoomProfile(config).status(), Reason::kInvalidArgument,
                "app_key");
  config = Config();
  config.secret = "";
  ExpectRefused(NewZoomProfile(config).status(), Reason::kInvalidArgument,
                "secret");
  config = Config();
  config.secret = "short-secret";
  ExpectRefused(NewZoomProfile(config).status(), Reason::kKeyTooWeak, "secret");
  config = Config();
  config.ttl.max_ttl = absl::Seconds(172801);
  ExpectRefused(NewZoomProfile(config).status(), Reason::kInvalidArgument,
                "ttl.max_ttl");
  config = Config();
  config.ttl.default_ttl = absl::Seconds(1799);
  ExpectRefused(NewZoomProfile(config).status(), Reason::kInvalidArgument,
                "ttl.default_ttl");
  config = Config();
  config.ttl.default_ttl = absl::Hours(3);
  config.ttl.max_ttl = absl::Hours(2);
  ExpectRefused(NewZoomProfile(config).status(), Reason::kInvalidArgument,
                "ttl.default_ttl");
  config = Config();
  config.ttl = {absl::Seconds(1800), absl::Seconds(172800)};
  EXPECT_TRUE(NewZoomProfile(config).ok());
}

// ---- Issue ----

TEST(ZoomProfileTest, IssuesTheSampleClaimSet) {
  auto profile = MakeProfile(Config());
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "zoom");
  ZoomGrants grants = Topic("daily-standup", 1);
  grants.session_key = "sk-2025-01-01";
  grants.geo_regions = {"US", "DE"};
  grants.cloud_recording_option = 1;
  grants.cloud_recording_election = 0;
  grants.telemetry_tracking_id = "trk-1";
  grants.video_webrtc_mode = 1;
  grants.audio_webrtc_mode = 0;
  absl::StatusOr<TokenInfo> info = profile->Issue(Input(grants), kNow);
  ASSERT_TRUE(info.ok()) << info.status();

  EXPECT_EQ(json::Serialize(DecodeSegment(info->token, 0)),
            R"({"alg":"HS256","typ":"JWT"})");
  json::Object claims = DecodeSegment(info->token, 1);
  ASSERT_NE(claims.Find("jti"), nullptr);
  EXPECT_EQ(claims.Find("jti")->as_string(), info->token_id);
  claims.Erase("jti");
  EXPECT_EQ(json::Serialize(claims),
            R"({"app_key":"AbCdEfGhIjKlMnOpQrStUv","audio_webrtc_mode":0,)"
            R"("cloud_recording_election":0,"cloud_recording_option":1,)"
            R"("exp":1735696800,"geo_regions":"US,DE","iat":1735689600,)"
            R"("role_type":1,"session_key":"sk-2025-01-01",)"
            R"("telemetry_tracking_id":"trk-1","tpc":"daily-standup",)"
            R"("user_key":"user-4711","version":1,"video_webrtc_mode":1})");
  EXPECT_EQ(info->subject, "user-4711");
  // A tenant set to Zoom's former name writes that one instead.
  ZoomProfileConfig former = Config();
  former.user_claim = ZoomUserClaim::kUserIdentity;
  absl::StatusOr<TokenInfo> old_name =
      MakeProfile(former)->Issue(Input(grants), kNow);
  ASSERT_TRUE(old_name.ok()) << old_name.status();
  json::Object old_claims = DecodeSegment(old_name->token, 1);
  EXPECT_EQ(old_claims.Find("user_identity")->as_string(), "user-4711");
  EXPECT_EQ(old_claims.Find("user_key"), nullptr);
  EXPECT_EQ(info->expires_at, kNow + absl::Hours(2));
  EXPECT_EQ(info->session_started, kNow);

  // Minimal: no subject, no optional claims.
  info = profile->Issue(Input(Topic("t"), ""), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  claims = DecodeSegment(info->token, 1);
  claims.Erase("jti");
  EXPECT_EQ(json::Serialize(claims),
            R"({"app_key":"AbCdEfGhIjKlMnOpQrStUv","exp":1735696800,)"
            R"("iat":1735689600,"role_type":0,"tpc":"t","version":1})");
}

TEST(ZoomProfileTest, TtlWindowOnIssue) {
  auto profile = MakeProfile(Config());
  IssueInput input = Input(Topic("standup"));
  input.ttl = absl::Seconds(1799);
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "ttl");
  input.ttl = absl::Seconds(172801);
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
                "ttl");
  input.ttl = absl::Seconds(1800);
  EXPECT_TRUE(profile->Issue(input, kNow).ok());
  input.ttl = absl::Seconds(172800);
  absl::StatusOr<TokenInfo> info = profile->Issue(input, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, info->token, {}, kNow).ok());

  ZoomProfileConfig config = Config();
  config.ttl.max_ttl = absl::Hours(4);
  input.ttl = absl::Hours(5);
  ExpectRefused(MakeProfile(config)->Issue(input, kNow).status(),
                Reason::kLifetimeExceeded, "ttl");
}

TEST(ZoomProfileTest, RefusesBadGrants) {
  auto profile = MakeProfile(Config());
  auto refused = [&](ZoomGrants grants, const std::string& field,
                     std::string subject = "user-4711") {
    ExpectRefused(profile->Issue(Input(grants, subject), kNow).status(),
                  Reason::kInvalidArgument, field);
  };
  refused(Topic(""), "grants.zoom.topic");
  refused(Topic(std::string(201, 'a')), "grants.zoom.topic");
  EXPECT_TRUE(profile->Issue(Input(Topic(std::string(200, 'a'))), kNow).ok());
  refused(Topic("a/b"), "grants.zoom.topic");
  refused(Topic("caf\xc3\xa9"), "grants.zoom.topic");
  refused(Topic("quote\"d"), "grants.zoom.topic");
  EXPECT_TRUE(
      profile->Issue(Input(Topic("Aa 09!#$%&()+-:;<=.>?@[]^_{}|~,\\")), kNow)
          .ok());
  refused(Topic("t", 2), "grants.zoom.role_type");
  refused(Topic("t", -1), "grants.zoom.role_type");
  // user_key: at most 36 (Zoom's docs).
  refused(Topic("t"), "subject", std::string(37, 'u'));
  EXPECT_TRUE(
      profile->Issue(Input(Topic("t"), std::string(36, 'u')), kNow).ok());
  // Lengths count UTF-16 code units, as Zoom's JavaScript validator does:
  // 18 emoji are 36 units, 19 are 38.
  std::string emoji_identity;
  for (int i = 0; i < 18; ++i) emoji_identity += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(profile->Issue(Input(Topic("t"), emoji_identity), kNow).ok());
  emoji_identity += "\xf0\x9f\x98\x80";
  refused(Topic("t"), "subject", emoji_identity);
  // user_identity: at most 35 (Zoom's sample).
  ZoomProfileConfig former = Config();
  former.user_claim = ZoomUserClaim::kUserIdentity;
  auto old_name = MakeProfile(former);
  ExpectRefused(
      old_name->Issue(Input(Topic("t"), std::string(36, 'u')), kNow).status(),
      Reason::kInvalidArgument, "subject");
  EXPECT_TRUE(
      old_name->Issue(Input(Topic("t"), std::string(35, 'u')), kNow).ok());

  ZoomGrants g = Topic("t");
  g.session_key = std::string(37, 'k');
  refused(g, "grants.zoom.session_key");
  g = Topic("t");
  g.geo_regions = {"US", "EU"};
  refused(g, "grants.zoom.geo_regions");
  g.geo_regions = {"us"};
  refused(g, "grants.zoom.geo_regions");
  g = Topic("t");
  g.cloud_recording_option = 2;
  refused(g, "grants.zoom.cloud_recording_option");
  g = Topic("t");
  g.cloud_recording_election = -1;
  refused(g, "grants.zoom.cloud_recording_election");
  g = Topic("t");
  g.video_webrtc_mode = 3;
  refused(g, "grants.zoom.video_webrtc_mode");
  g = Topic("t");
  g.audio_webrtc_mode = 3;
  refused(g, "grants.zoom.audio_webrtc_mode");
  g = Topic("t");
  g.telemetry_tracking_id = "bad\xff";
  refused(g, "grants.zoom.telemetry_tracking_id");

  IssueInput input = Input(Topic("t"));
  input.grants = ApiRtcGrants{};
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "grants");
  input.grants = std::monostate{};
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "grants");
}

TEST(ZoomProfileTest, VerifyRoundTripAndCaseInsensitiveTopic) {
  auto profile = MakeProfile(Config());
  ZoomGrants grants = Topic("Daily-Standup", 1);
  grants.geo_regions = {"US", "DE"};
  grants.cloud_recording_option = 1;
  absl::StatusOr<TokenInfo> issued = profile->Issue(Input(grants), kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();

  VerifyExpectations expect;
  expect.channel = "daily-standup";
  expect.account = "user-4711";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, issued->token, expect, kNow + absl::Minutes(5));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(verified->token_id, issued->token_id);
  const ZoomGrants& back = std::get<ZoomGrants>(verified->grants);
  EXPECT_EQ(back.topic, "Daily-Standup");
  EXPECT_EQ(back.role_type, 1);
  EXPECT_EQ(back.geo_regions, (std::vector<std::string>{"US", "DE"}));
  EXPECT_EQ(back.cloud_recording_option, 1);
  EXPECT_FALSE(back.cloud_recording_election.has_value());

  expect.channel = "DAILY-STANDUP";
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .ok());
  expect.channel = "weekly-standup";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kBadClaim, "tpc");
  expect = {};
  expect.account = "user-0815";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kBadClaim, "user_key");
  expect = {};
  expect.audience = "x";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow)
          .status(),
      Reason::kInvalidArgument, "audience");
}

TEST(ZoomProfileTest, RenewalReissuesAnEquivalentToken) {
  auto profile = MakeProfile(Config());
  ZoomGrants grants = Topic("standup", 1);
  grants.session_key = "sk";
  grants.geo_regions = {"JP"};
  grants.cloud_recording_election = 1;
  grants.telemetry_tracking_id = "trk";
  grants.video_webrtc_mode = 0;
  grants.audio_webrtc_mode = 1;
  absl::StatusOr<TokenInfo> first = profile->Issue(Input(grants), kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  const absl::Time later = kNow + absl::Minutes(100);
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, first->token, {}, later);
  ASSERT_TRUE(verified.ok()) << verified.status();

  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  absl::StatusOr<TokenInfo> second = profile->Issue(renew, later);
  ASSERT_TRUE(second.ok()) << second.status();
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

TEST(ZoomProfileTest, RefusesBadTokens) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued =
      profile->Issue(Input(Topic("standup")), kNow);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, TamperPayload(issued->token), {}, kNow)
                          .status()),
            Reason::kBadSignature);
  ZoomProfileConfig other = Config();
  other.secret = kOtherSecret;
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(MakeProfile(other),
                                                     issued->token, {}, kNow)
                          .status()),
            Reason::kBadSignature);
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, issued->token, {},
                          kNow + absl::Hours(2) + absl::Seconds(61))
                          .status()),
            Reason::kTokenExpired);
  other = Config();
  other.app_key = "AnotherVideoSdkKey";
  ExpectRefused(tokend::testing::VerifyAllWays(MakeProfile(other),
                                               issued->token, {}, kNow)
                    .status(),
                Reason::kBadClaim, "app_key");
}

TEST(ZoomProfileTest, EnforcesTheVerifierRules) {
  auto profile = MakeProfile(Config());
  auto verify = [&](const json::Object& claims) {
    return tokend::testing::VerifyAllWays(
               profile, SignHs256(kSecret, Hs256Header(), claims), {}, kNow)
        .status();
  };
  const json::Object good = SampleClaims(kNow, absl::Hours(2));
  EXPECT_TRUE(verify(good).ok()) << verify(good);

  // The lifetime window on verify too.
  json::Object c = SampleClaims(kNow, absl::Seconds(1799));
  ExpectRefused(verify(c), Reason::kBadClaim, "exp");
  c = SampleClaims(kNow, absl::Seconds(1800));
  EXPECT_TRUE(verify(c).ok());
  c = SampleClaims(kNow, absl::Seconds(172801));
  EXPECT_EQ(GetReason(verify(c)), Reason::kLifetimeExceeded);
  c = SampleClaims(kNow, absl::Seconds(172800));
  EXPECT_TRUE(verify(c).ok());
  // iat may not be in the future (beyond the leeway).
  c = SampleClaims(kNow + absl::Seconds(61), absl::Hours(2));
  EXPECT_EQ(GetReason(verify(c)), Reason::kIatInFuture);
  c = SampleClaims(kNow + absl::Seconds(59), absl::Hours(2));
  EXPECT_TRUE(verify(c).ok());
  c = good;
  c.Erase("iat");
  ExpectRefused(verify(c), Reason::kBadClaim, "iat");
  c = good;
  c.Erase("exp");
  EXPECT_EQ(GetReason(verify(c)), Reason::kExpMissing);

  struct Case {
    const char* claim;
    json::Value value;  // null: remove the claim
    const char* field;
  };
  const Case cases[] = {
      {"app_key", json::Value(), "app_key"},
      {"app_key", json::Value(7), "app_key"},
      {"role_type", json::Value(), "role_type"},
      {"role_type", json::Value("1"), "role_type"},  // string-typed number
      {"role_type", json::Value(2), "role_type"},
      {"role_type", json::Value(0.5), "role_type"},
      {"role_type", json::Value(true), "role_type"},
      {"tpc", json::Value(), "tpc"},
      {"tpc", json::Value(""), "tpc"},
      {"tpc", json::Value(std::string(201, 't')), "tpc"},
      {"tpc", json::Value("a*b"), "tpc"},
      {"version", json::Value(), "version"},
      {"version", json::Value(2), "version"},
      {"version", json::Value("1"), "version"},
      {"user_identity", json::Value(std::string(36, 'u')), "user_identity"},
      {"user_identity", json::Value(35), "user_identity"},
      {"user_key", json::Value(std::string(37, 'u')), "user_key"},
      {"user_key", json::Value(36), "user_key"},
      // The two names must name one user.
      {"user_key", json::Value("someone-else"), "user_key"},
      {"session_key", json::Value(std::string(37, 'k')), "session_key"},
      {"geo_regions", json::Value("US,XX"), "geo_regions"},
      {"geo_regions", json::Value("US, DE"), "geo_regions"},
      {"geo_regions", json::Value(""), "geo_regions"},
      {"geo_regions", json::Value(json::Array{json::Value("US")}),
       "geo_regions"},
      {"cloud_recording_option", json::Value("1"), "cloud_recording_option"},
      {"cloud_recording_election", json::Value(2), "cloud_recording_election"},
      {"video_webrtc_mode", json::Value(-1), "video_webrtc_mode"},
      {"audio_webrtc_mode", json::Value(false), "audio_webrtc_mode"},
      {"audio_compatible_mode", json::Value(9), "audio_compatible_mode"},
      {"telemetry_tracking_id", json::Value(1), "telemetry_tracking_id"},
  };
  for (const Case& k : cases) {
    c = good;
    if (k.value.is_null()) {
      c.Erase(k.claim);
    } else {
      c.Set(k.claim, k.value);
    }
    ExpectRefused(verify(c), Reason::kBadClaim, k.field);
  }

  // JSON numbers in any spelling JavaScript accepts: 1.0 is 1.
  c = good;
  c.Set("role_type", json::Value(1.0));
  c.Set("version", json::Value(1.0));
  EXPECT_TRUE(verify(c).ok()) << verify(c);
  // The deprecated audio_compatible_mode maps onto audio_webrtc_mode.
  c = good;
  c.Set("audio_compatible_mode", json::Value(1));
  absl::StatusOr<TokenInfo> info = tokend::testing::VerifyAllWays(
      profile, SignHs256(kSecret, Hs256Header(), c), {}, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(std::get<ZoomGrants>(info->grants).audio_webrtc_mode, 1);

  json::Object header = Hs256Header();
  header.Set("alg", json::Value("HS384"));
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, SignHs256(kSecret, header, good), {}, kNow)
                          .status()),
            Reason::kAlgNotAllowed);
}

TEST(ZoomProfileTest, RefusesAnApiRtcTokenWithTheSameSecret) {
  ApiRtcProfileConfig apirtc_config;
  apirtc_config.api_key = kAppKey;
  apirtc_config.secret = kSecret;
  auto apirtc = NewApiRtcProfile(apirtc_config);
  ASSERT_TRUE(apirtc.ok()) << apirtc.status();
  IssueInput input;
  input.subject = "user-4711";
  input.grants = ApiRtcGrants{};
  absl::StatusOr<TokenInfo> token = (*apirtc)->Issue(input, kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  ExpectRefused(MakeProfile(Config())->Verify(token->token, {}, kNow).status(),
                Reason::kBadClaim, "app_key");
}

// ---- Interop (wall clock) ----

std::string Request(
    std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Object request;
  for (const auto& [name, value] : members) request.Set(name, value);
  return json::Serialize(request);
}

TEST(ZoomInteropTest, JsonwebtokenVerifiesTokendTokens) {
  auto profile = MakeProfile(Config());
  ZoomGrants grants = Topic("daily-standup", 1);
  grants.session_key = "sk-1";
  grants.geo_regions = {"US", "DE"};
  grants.cloud_recording_option = 0;
  absl::StatusOr<TokenInfo> issued = profile->Issue(Input(grants), absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out = RunInterop(true, "zoom.mjs", {"verify"},
                               Request({{"token", json::Value(issued->token)},
                                        {"secret", json::Value(kSecret)}}));
  json::Object claims = ParseJsonOrDie(out);
  EXPECT_EQ(json::Serialize(claims),
            json::Serialize(DecodeSegment(issued->token, 1)));
  EXPECT_EQ(claims.Find("app_key")->as_string(), kAppKey);
  EXPECT_EQ(claims.Find("role_type")->as_int(), 1);
  EXPECT_EQ(claims.Find("tpc")->as_string(), "daily-standup");
  EXPECT_EQ(claims.Find("geo_regions")->as_string(), "US,DE");
  EXPECT_EQ(claims.Find("user_key")->as_string(), "user-4711");
  EXPECT_EQ(claims.Find("user_identity"), nullptr);
}

TEST(ZoomInteropTest, TokendVerifiesTheSamplesTokens) {
  auto profile = MakeProfile(Config());
  std::string token = RunInterop(
      true, "zoom.mjs", {"sign"},
      Request({{"secret", json::Value(kSecret)},
               {"appKey", json::Value(kAppKey)},
               {"role", json::Value(1)},
               {"sessionName", json::Value("Daily Standup")},
               {"expirationSeconds", json::Value(3600)},
               {"userIdentity", json::Value("user-4711")},
               {"sessionKey", json::Value("sk-2025-01-01")},
               {"geoRegions",
                json::Value(json::Array{json::Value("AU"), json::Value("SG")})},
               {"cloudRecordingOption", json::Value(1)},
               {"cloudRecordingElection", json::Value(0)}}));
  EXPECT_EQ(json::Serialize(DecodeSegment(token, 0)),
            R"({"alg":"HS256","typ":"JWT"})");
  VerifyExpectations expect;
  expect.channel = "daily standup";
  expect.account = "user-4711";
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  const ZoomGrants& g = std::get<ZoomGrants>(verified->grants);
  EXPECT_EQ(g.topic, "Daily Standup");
  EXPECT_EQ(g.role_type, 1);
  EXPECT_EQ(g.session_key, "sk-2025-01-01");
  EXPECT_EQ(g.geo_regions, (std::vector<std::string>{"AU", "SG"}));
  EXPECT_EQ(g.cloud_recording_option, 1);
  EXPECT_EQ(g.cloud_recording_election, 0);
  EXPECT_EQ(verified->expires_at - verified->issued_at, absl::Hours(1));
  // The sample writes no jti.
  EXPECT_EQ(verified->token_id, "");

  // The sample's default lifetime (2 h) verifies; a 10-minute token, which
  // the sample itself would refuse to mint, does not.
  token = RunInterop(true, "zoom.mjs", {"sign"},
                     Request({{"secret", json::Value(kSecret)},
                              {"appKey", json::Value(kAppKey)},
                              {"role", json::Value(0)},
                              {"sessionName", json::Value("s")}}));
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now()).ok());
  token = RunInterop(true, "zoom.mjs", {"sign"},
                     Request({{"secret", json::Value(kSecret)},
                              {"appKey", json::Value(kAppKey)},
                              {"role", json::Value(0)},
                              {"sessionName", json::Value("s")},
                              {"expirationSeconds", json::Value(600)}}));
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now()).status(),
      Reason::kBadClaim, "exp");
}

TEST(ZoomInteropTest, PyJwtBothWays) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued =
      profile->Issue(Input(Topic("standup", 1)), absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out =
      RunInterop(false, "pyjwt_tool.py",
                 {"verify", "--alg", "HS256", "--require", "exp,iat"},
                 Request({{"token", json::Value(issued->token)},
                          {"key", json::Value(kSecret)}}));
  EXPECT_EQ(out, json::Serialize(DecodeSegment(issued->token, 1)));

  json::Object claims = SampleClaims(absl::Now(), absl::Hours(2));
  std::string token =
      RunInterop(false, "pyjwt_tool.py", {"sign", "--alg", "HS256"},
                 Request({{"claims", json::Value(claims)},
                          {"key", json::Value(kSecret)}}));
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(std::get<ZoomGrants>(verified->grants).topic, "daily-standup");
}

}  // namespace
}  // namespace tokend
