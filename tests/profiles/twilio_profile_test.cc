// The twilio profile: config checks, the Access Token shape (cty, twr, iss,
// sub, jti, grants), every grant, the verifier's rules, renewal, and interop
// in both directions with twilio-node's AccessToken (verified through
// jsonwebtoken, as twilio-node has no verifier) and with PyJWT.
#include "core/profiles/twilio_profile.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/profiles/livekit_profile.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/profiles/interop_util.h"

namespace tokend {
namespace {

using ::tokend::testing::RunNodeScript;
using ::tokend::testing::RunPythonScript;

constexpr char kAccount[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kKeySid[] = "SK0123456789abcdef0123456789abcdef";
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";  // 32 bytes
const std::string kLongSecret(64, 'z');                         // HS512
const absl::Time kNow = absl::FromUnixSeconds(1735689600);
constexpr char kHeader[] =
    R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})";

TwilioProfileConfig Config() {
  TwilioProfileConfig config;
  config.account_sid = kAccount;
  config.api_key_sid = kKeySid;
  config.api_key_secret = kSecret;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(
    TwilioProfileConfig config = Config()) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewTwilioProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

json::Object DecodeSegment(absl::string_view token, int index) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  absl::StatusOr<json::Object> object =
      json::ParseObject(Base64UrlDecode(parts[index]).value());
  EXPECT_TRUE(object.ok()) << object.status();
  return object.ok() ? *object : json::Object();
}

std::string SignRaw(absl::string_view payload,
                    absl::string_view header = kHeader,
                    std::string secret = kSecret,
                    Algorithm alg = Algorithm::kHS256) {
  auto key = Key::FromHmacSecret(alg, std::move(secret)).value();
  std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  return absl::StrCat(input, ".", Base64UrlEncode(key->Sign(input).value()));
}

void ExpectError(const absl::Status& status, Reason reason,
                 absl::string_view field) {
  EXPECT_EQ(GetReason(status), reason) << status;
  EXPECT_EQ(GetField(status), field) << status;
}

TwilioGrants FullGrants() {
  TwilioGrants grants;
  grants.chat = TwilioChatGrant{"IS123", "alice:phone", "RL1", "CR1"};
  grants.video = TwilioVideoGrant{"daily-standup"};
  grants.data_sync = TwilioSyncGrant{"IS456", ""};
  TwilioVoiceGrant voice;
  voice.incoming_allow = true;
  voice.outgoing_application_sid = "AP1";
  voice.outgoing_params.Set("mode", json::Value("conference"));
  voice.push_credential_sid = "CR2";
  grants.voice = voice;
  grants.task_router = TwilioTaskRouterGrant{"WS1", "WK1", "worker"};
  json::Object player;
  player.Set("playerStreamerSid", json::Value("VJ1"));
  grants.player = player;
  grants.region = "ie1";
  return grants;
}

IssueInput Input(TwilioGrants grants, std::string identity = "alice") {
  IssueInput input;
  input.subject = std::move(identity);
  input.grants = std::move(grants);
  return input;
}

// --- Configuration -----------------------------------------------------------

TEST(TwilioConfigTest, RefusesBadConfig) {
  for (const char* sid : {"", "AC0123456789ABCDEF0123456789ABCDEF",
                          "SK0123456789abcdef0123456789abcdef",
                          "AC0123456789abcdef0123456789abcde"}) {
    TwilioProfileConfig config = Config();
    config.account_sid = sid;
    ExpectError(NewTwilioProfile(config).status(), Reason::kInvalidArgument,
                "account_sid");
  }
  TwilioProfileConfig config = Config();
  config.api_key_sid = kAccount;
  ExpectError(NewTwilioProfile(config).status(), Reason::kInvalidArgument,
              "api_key_sid");
  config = Config();
  config.algorithm = Algorithm::kRS256;
  ExpectError(NewTwilioProfile(config).status(), Reason::kInvalidArgument,
              "algorithm");
  config = Config();
  config.ttl.max_ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectError(NewTwilioProfile(config).status(), Reason::kInvalidArgument,
              "ttl.max_ttl");
  config = Config();
  config.api_key_secret = "short";
  ExpectError(NewTwilioProfile(config).status(), Reason::kKeyTooWeak,
              "api_key_secret");
  // A 32-byte secret is too short for HS384 under the core's key rules.
  config = Config();
  config.algorithm = Algorithm::kHS384;
  ExpectError(NewTwilioProfile(config).status(), Reason::kKeyTooWeak,
              "api_key_secret");
}

// --- Issue -------------------------------------------------------------------

TEST(TwilioIssueTest, DefaultTokenShape) {
  auto profile = MakeProfile();
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "twilio");
  absl::StatusOr<TokenInfo> info = profile->Issue(Input({}), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(json::Serialize(DecodeSegment(info->token, 0)),
            R"({"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"})");
  EXPECT_TRUE(absl::StartsWith(info->token_id, absl::StrCat(kKeySid, "-")));
  EXPECT_EQ(info->token_id.size(), 34u + 1 + 22);
  EXPECT_EQ(json::Serialize(DecodeSegment(info->token, 1)),
            absl::StrCat(R"({"exp":1735693200,"grants":{"identity":"alice"},)",
                         R"("iat":1735689600,"iss":")", kKeySid, R"(","jti":")",
                         info->token_id, R"(","sub":")", kAccount, R"("})"));
  EXPECT_EQ(info->subject, "alice");
  EXPECT_EQ(info->expires_at, kNow + absl::Hours(1));
}

TEST(TwilioIssueTest, WritesEveryGrantAndTheRegion) {
  absl::StatusOr<TokenInfo> info =
      MakeProfile()->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(
      json::Serialize(DecodeSegment(info->token, 0)),
      R"({"alg":"HS256","cty":"twilio-fpa;v=1","twr":"ie1","typ":"JWT"})");
  EXPECT_EQ(
      json::Serialize(*DecodeSegment(info->token, 1).Find("grants")),
      R"({"chat":{"deployment_role_sid":"RL1","endpoint_id":"alice:phone",)"
      R"("push_credential_sid":"CR1","service_sid":"IS123"},)"
      R"("data_sync":{"service_sid":"IS456"},"identity":"alice",)"
      R"("player":{"playerStreamerSid":"VJ1"},)"
      R"("task_router":{"role":"worker","worker_sid":"WK1","workspace_sid":"WS1"},)"
      R"("video":{"room":"daily-standup"},)"
      R"("voice":{"incoming":{"allow":true},"outgoing":{"application_sid":"AP1",)"
      R"("params":{"mode":"conference"}},"push_credential_sid":"CR2"}})");
}

TEST(TwilioIssueTest, RefusesBadInput) {
  auto profile = MakeProfile();
  ExpectError(profile->Issue(Input({}, ""), kNow).status(),
              Reason::kInvalidArgument, "subject");
  ExpectError(profile->Issue(Input({}, std::string(1025, 'a')), kNow).status(),
              Reason::kInvalidArgument, "subject");
  // Voice identities: letters, digits and underscore only.
  ExpectError(profile->Issue(Input(FullGrants(), "alice-1"), kNow).status(),
              Reason::kInvalidArgument, "subject");
  EXPECT_TRUE(profile->Issue(Input(FullGrants(), "alice_1"), kNow).ok());
  TwilioGrants grants = FullGrants();
  grants.voice->outgoing_application_sid.clear();
  ExpectError(profile->Issue(Input(grants), kNow).status(),
              Reason::kInvalidArgument, "grants.twilio.voice.outgoing_params");
  grants = FullGrants();
  grants.region = "IE1";
  ExpectError(profile->Issue(Input(grants), kNow).status(),
              Reason::kInvalidArgument, "grants.twilio.region");
  grants = FullGrants();
  grants.video->room = "\xff";
  ExpectError(profile->Issue(Input(grants), kNow).status(),
              Reason::kInvalidArgument, "grants.twilio.video.room");
  IssueInput input = Input({});
  input.ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
              "ttl");
  input.ttl = absl::Hours(24);
  EXPECT_TRUE(profile->Issue(input, kNow).ok());
  input = Input({});
  input.grants = VonageGrants();
  ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
              "grants");
}

// --- Verify ------------------------------------------------------------------

TEST(TwilioVerifyTest, RoundTripAndRenewal) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> first = profile->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(first.ok());
  VerifyExpectations expect;
  expect.channel = "daily-standup";
  expect.account = "alice";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, first->token, expect, kNow + absl::Minutes(30));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->token_id, first->token_id);
  EXPECT_EQ(verified->issued_at, kNow);
  const auto& grants = std::get<TwilioGrants>(verified->grants);
  EXPECT_EQ(grants.region, "ie1");
  EXPECT_EQ(grants.chat->endpoint_id, "alice:phone");
  EXPECT_TRUE(grants.voice->incoming_allow);
  EXPECT_EQ(grants.voice->outgoing_params, FullGrants().voice->outgoing_params);
  EXPECT_EQ(grants.task_router->role, "worker");
  EXPECT_EQ(*grants.player, *FullGrants().player);

  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  absl::StatusOr<TokenInfo> second =
      profile->Issue(renew, kNow + absl::Minutes(30));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(DecodeSegment(first->token, 0), DecodeSegment(second->token, 0));
  json::Object a = DecodeSegment(first->token, 1);
  json::Object b = DecodeSegment(second->token, 1);
  EXPECT_EQ(a.Find("tokend_sst"), nullptr);
  EXPECT_EQ(b.Find("tokend_sst")->as_int(), 1735689600);
  EXPECT_EQ(*a.Find("grants"), *b.Find("grants"));
  absl::StatusOr<TokenInfo> again = tokend::testing::VerifyAllWays(
      profile, second->token, {}, kNow + absl::Minutes(30));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->session_started, kNow);
}

std::string Payload(absl::string_view grants = R"({"identity":"alice"})",
                    absl::string_view extra = R"(,"iat":1735689600)",
                    int64_t exp = 1735693200) {
  return absl::StrCat(R"({"jti":"j","iss":")", kKeySid, R"(","sub":")",
                      kAccount, R"(","exp":)", exp, R"(,"grants":)", grants,
                      extra, "}");
}

absl::Status VerifyRaw(const std::string& token,
                       const VerifyExpectations& expect = {}) {
  return tokend::testing::VerifyAllWays(MakeProfile(), token, expect, kNow)
      .status();
}

TEST(TwilioVerifyTest, HeaderRules) {
  EXPECT_TRUE(VerifyRaw(SignRaw(Payload())).ok());
  // The docs' member order is as good as the SDK's.
  EXPECT_TRUE(
      VerifyRaw(
          SignRaw(Payload(),
                  R"({"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"})"))
          .ok());
  ExpectError(VerifyRaw(SignRaw(Payload(), R"({"alg":"HS256","typ":"JWT"})")),
              Reason::kBadHeader, "cty");
  ExpectError(VerifyRaw(SignRaw(Payload(),
                                R"({"alg":"HS256","cty":"twilio-fpa;v=2"})")),
              Reason::kBadHeader, "cty");
  ExpectError(VerifyRaw(SignRaw(Payload(),
                                R"({"alg":"HS256","cty":"TWILIO-FPA;v=1"})")),
              Reason::kBadHeader, "cty");
  ExpectError(
      VerifyRaw(SignRaw(Payload(),
                        R"({"alg":"HS256","cty":"twilio-fpa;v=1","twr":1})")),
      Reason::kBadHeader, "twr");
  // twr is found under any JSON spelling of its name.
  absl::StatusOr<TokenInfo> escaped = tokend::testing::VerifyAllWays(
      MakeProfile(),
      SignRaw(Payload(),
              R"({"alg":"HS256","cty":"twilio-fpa;v=1","\u0074wr":"de1"})"),
      {}, kNow);
  ASSERT_TRUE(escaped.ok()) << escaped.status();
  EXPECT_EQ(std::get<TwilioGrants>(escaped->grants).region, "de1");
  EXPECT_EQ(GetReason(VerifyRaw(
                SignRaw(Payload(), R"({"alg":"HS384","cty":"twilio-fpa;v=1"})",
                        std::string(48, 'k'), Algorithm::kHS384))),
            Reason::kAlgNotAllowed);
  EXPECT_EQ(
      GetReason(VerifyRaw(SignRaw(Payload(), kHeader, std::string(32, 'w')))),
      Reason::kBadSignature);
}

TEST(TwilioVerifyTest, ClaimRules) {
  ExpectError(VerifyRaw(SignRaw(
                  absl::StrCat(R"({"iss":")", kKeySid, R"(","sub":")", kAccount,
                               R"(","grants":{"identity":"a"}})"))),
              Reason::kExpMissing, "exp");
  ExpectError(
      VerifyRaw(SignRaw(absl::StrCat(
          R"({"iss":"SK0000000000000000000000000000000f","sub":")", kAccount,
          R"(","exp":1735693200,"grants":{"identity":"a"}})"))),
      Reason::kIssuerMismatch, "iss");
  ExpectError(VerifyRaw(SignRaw(absl::StrCat(
                  R"({"iss":")", kKeySid,
                  R"(","sub":"AC0000000000000000000000000000000f",)",
                  R"("exp":1735693200,"grants":{"identity":"a"}})"))),
              Reason::kBadClaim, "sub");
  // exp − (iat, else nbf, else now) ≤ 24 h.
  EXPECT_TRUE(
      VerifyRaw(SignRaw(Payload(R"({"identity":"a"})", R"(,"iat":1735689600)",
                                1735689600 + 86400)))
          .ok());
  ExpectError(
      VerifyRaw(SignRaw(Payload(R"({"identity":"a"})", R"(,"iat":1735689600)",
                                1735689600 + 86401))),
      Reason::kLifetimeExceeded, "exp");
  ExpectError(
      VerifyRaw(SignRaw(Payload(R"({"identity":"a"})", R"(,"nbf":1735689500)",
                                1735689500 + 86401))),
      Reason::kLifetimeExceeded, "exp");
  ExpectError(VerifyRaw(SignRaw(
                  Payload(R"({"identity":"a"})", "", 1735689600 + 86401))),
              Reason::kLifetimeExceeded, "exp");
  EXPECT_TRUE(
      VerifyRaw(SignRaw(Payload(R"({"identity":"a"})", "", 1735689600 + 86400)))
          .ok());

  struct Case {
    const char* grants;
    const char* field;
  };
  const Case cases[] = {
      {"[]", "grants"},
      {"{}", "grants.identity"},
      {R"({"identity":""})", "grants.identity"},
      {R"({"identity":7})", "grants.identity"},
      {R"({"identity":"a","video":"r"})", "grants.video"},
      {R"({"identity":"a","video":{"room":1}})", "grants.video.room"},
      {R"({"identity":"a","chat":{"service_sid":5}})",
       "grants.chat.service_sid"},
      {R"({"identity":"a","voice":{"incoming":{"allow":"yes"}}})",
       "grants.voice.incoming"},
      {R"({"identity":"a","voice":{"outgoing":{"params":[]}}})",
       "grants.voice.outgoing"},
      {R"({"identity":"a","player":true})", "grants.player"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.grants);
    ExpectError(VerifyRaw(SignRaw(Payload(c.grants))), Reason::kBadClaim,
                c.field);
  }
  // No grants claim at all.
  ExpectError(VerifyRaw(SignRaw(absl::StrCat(R"({"jti":"j","iss":")", kKeySid,
                                             R"(","sub":")", kAccount,
                                             R"(","exp":1735693200})"))),
              Reason::kBadClaim, "grants");
  // No jti: twilio-node always writes one, and revocation by id needs it.
  ExpectError(VerifyRaw(SignRaw(absl::StrCat(
                  R"({"iss":")", kKeySid, R"(","sub":")", kAccount,
                  R"(","exp":1735693200,"grants":{"identity":"a"}})"))),
              Reason::kBadClaim, "jti");
  // Unknown grants (older ip_messaging, newer ones) are ignored.
  absl::StatusOr<TokenInfo> info = tokend::testing::VerifyAllWays(
      MakeProfile(),
      SignRaw(
          Payload(R"({"identity":"a","ip_messaging":{"service_sid":"IS1"}})")),
      {}, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(std::get<TwilioGrants>(info->grants).chat.has_value());
}

TEST(TwilioVerifyTest, Expectations) {
  const std::string room =
      SignRaw(Payload(R"({"identity":"a","video":{"room":"r"}})"));
  const std::string any = SignRaw(Payload(R"({"identity":"a","video":{}})"));
  const std::string none = SignRaw(Payload(R"({"identity":"a"})"));
  VerifyExpectations expect;
  expect.channel = "r";
  EXPECT_TRUE(VerifyRaw(room, expect).ok());
  EXPECT_TRUE(VerifyRaw(any, expect).ok());
  ExpectError(VerifyRaw(none, expect), Reason::kBadClaim, "grants.video");
  expect.channel = "s";
  ExpectError(VerifyRaw(room, expect), Reason::kBadClaim, "grants.video.room");
  expect = {};
  expect.account = "b";
  ExpectError(VerifyRaw(room, expect), Reason::kBadClaim, "grants.identity");
  expect = {};
  expect.audience = "x";
  ExpectError(VerifyRaw(room, expect), Reason::kAudienceMismatch, "aud");
}

TEST(TwilioVerifyTest, LiveKitTokenWithTheSameSecretIsRefused) {
  LiveKitProfileConfig livekit;
  livekit.api_key = kKeySid;
  livekit.api_secret = kSecret;
  auto livekit_profile = NewLiveKitProfile(livekit);
  ASSERT_TRUE(livekit_profile.ok());
  IssueInput input;
  input.subject = kAccount;  // even with sub = the Account SID
  auto token = (*livekit_profile)->Issue(input, kNow);
  ASSERT_TRUE(token.ok());
  ExpectError(
      tokend::testing::VerifyAllWays(MakeProfile(), token->token, {}, kNow)
          .status(),
      Reason::kBadHeader, "cty");
}

TEST(TwilioVerifyTest, ConfiguredHs512OnlyAcceptsHs512) {
  TwilioProfileConfig config = Config();
  config.algorithm = Algorithm::kHS512;
  config.api_key_secret = kLongSecret;
  auto profile = MakeProfile(config);
  absl::StatusOr<TokenInfo> info = profile->Issue(Input({}), kNow);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(DecodeSegment(info->token, 0).Find("alg")->as_string(), "HS512");
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, info->token, {}, kNow).ok());
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(
                    profile, SignRaw(Payload(), kHeader, kLongSecret), {}, kNow)
                    .status()),
      Reason::kAlgNotAllowed);
}

// --- Interop: twilio-node and PyJWT
// --------------------------------------------

json::Object NodeVerify(const std::string& token, const std::string& secret,
                        const char* alg) {
  json::Object in;
  in.Set("token", json::Value(token));
  in.Set("secret", json::Value(secret));
  in.Set("api_key_sid", json::Value(kKeySid));
  in.Set("account_sid", json::Value(kAccount));
  in.Set("alg", json::Value(alg));
  auto result = RunNodeScript("twilio.mjs", {"verify"}, json::Serialize(in));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return {};
  EXPECT_EQ(result->exit_code, 0) << result->err;
  absl::StatusOr<json::Object> out = json::ParseObject(result->out);
  EXPECT_TRUE(out.ok()) << result->out;
  return out.ok() ? *out : json::Object();
}

TEST(TwilioInteropTest, JsonwebtokenAcceptsTokendTokens) {
  absl::StatusOr<TokenInfo> info =
      MakeProfile()->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(info.ok());
  json::Object out = NodeVerify(info->token, kSecret, "HS256");
  ASSERT_NE(out.Find("claims"), nullptr);
  EXPECT_EQ(out.Find("header")->as_object().Find("twr")->as_string(), "ie1");
  const json::Object& claims = out.Find("claims")->as_object();
  EXPECT_EQ(*claims.Find("grants"),
            *DecodeSegment(info->token, 1).Find("grants"));
  EXPECT_EQ(claims.Find("jti")->as_string(), info->token_id);

  TwilioProfileConfig config = Config();
  config.algorithm = Algorithm::kHS512;
  config.api_key_secret = kLongSecret;
  info = MakeProfile(config)->Issue(Input({}), absl::Now());
  ASSERT_TRUE(info.ok());
  out = NodeVerify(info->token, kLongSecret, "HS512");
  ASSERT_NE(out.Find("claims"), nullptr);
  EXPECT_EQ(out.Find("claims")
                ->as_object()
                .Find("grants")
                ->as_object()
                .Find("identity")
                ->as_string(),
            "alice");
}

std::string NodeGenerate(const std::string& secret, const char* alg,
                         json::Object grants, const char* region) {
  json::Object in;
  in.Set("account_sid", json::Value(kAccount));
  in.Set("api_key_sid", json::Value(kKeySid));
  in.Set("secret", json::Value(secret));
  in.Set("identity", json::Value("bob_1"));
  in.Set("ttl", json::Value(7200));
  in.Set("alg", json::Value(alg));
  if (region[0] != '\0') in.Set("region", json::Value(region));
  in.Set("grants", json::Value(std::move(grants)));
  auto result = RunNodeScript("twilio.mjs", {"generate"}, json::Serialize(in));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return "";
  EXPECT_EQ(result->exit_code, 0) << result->err;
  return std::string(absl::StripAsciiWhitespace(result->out));
}

TEST(TwilioInteropTest, TokendVerifiesAccessTokenTokens) {
  auto options =
      [](std::initializer_list<std::pair<const char*, json::Value>> members) {
        json::Object o;
        for (const auto& [name, value] : members) o.Set(name, value);
        return json::Value(std::move(o));
      };
  json::Object params;
  params.Set("to", json::Value("+15550100"));
  json::Object player;
  player.Set("playerStreamerSid", json::Value("VJ9"));
  json::Object grants;
  grants.Set("chat", options({{"serviceSid", json::Value("IS1")},
                              {"endpointId", json::Value("bob:web")}}));
  grants.Set("video", options({{"room", json::Value("standup")}}));
  grants.Set("data_sync", options({{"serviceSid", json::Value("IS2")}}));
  grants.Set("voice",
             options({{"incomingAllow", json::Value(true)},
                      {"outgoingApplicationSid", json::Value("AP9")},
                      {"outgoingApplicationParams", json::Value(params)},
                      {"endpointId", json::Value("e1")}}));
  grants.Set("task_router", options({{"workspaceSid", json::Value("WS9")},
                                     {"workerSid", json::Value("WK9")},
                                     {"role", json::Value("supervisor")}}));
  grants.Set("player", options({{"grant", json::Value(player)}}));
  const std::string token = NodeGenerate(kSecret, "HS256", grants, "au1");
  ASSERT_FALSE(token.empty());

  VerifyExpectations expect;
  expect.channel = "standup";
  expect.account = "bob_1";
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> info =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->subject, "bob_1");
  EXPECT_EQ(info->expires_at - info->issued_at, absl::Hours(2));
  EXPECT_TRUE(absl::StartsWith(info->token_id, absl::StrCat(kKeySid, "-")));
  const auto& got = std::get<TwilioGrants>(info->grants);
  EXPECT_EQ(got.region, "au1");
  EXPECT_EQ(got.chat->service_sid, "IS1");
  EXPECT_EQ(got.chat->endpoint_id, "bob:web");
  EXPECT_EQ(got.video->room, "standup");
  EXPECT_EQ(got.data_sync->service_sid, "IS2");
  EXPECT_TRUE(got.voice->incoming_allow);
  EXPECT_EQ(got.voice->outgoing_application_sid, "AP9");
  EXPECT_EQ(got.voice->outgoing_params, params);
  EXPECT_EQ(got.voice->endpoint_id, "e1");
  EXPECT_EQ(got.task_router->role, "supervisor");
  EXPECT_EQ(*got.player, player);

  // Renewed through tokend, the grants and header are the SDK's.
  IssueInput renew;
  renew.subject = info->subject;
  renew.grants = info->grants;
  absl::StatusOr<TokenInfo> renewed = profile->Issue(renew, absl::Now());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(*DecodeSegment(token, 1).Find("grants"),
            *DecodeSegment(renewed->token, 1).Find("grants"));
  EXPECT_EQ(DecodeSegment(token, 0), DecodeSegment(renewed->token, 0));

  // HS512 from the SDK, to an HS512 tenant.
  TwilioProfileConfig config = Config();
  config.algorithm = Algorithm::kHS512;
  config.api_key_secret = kLongSecret;
  const std::string hs512 = NodeGenerate(kLongSecret, "HS512", {}, "");
  EXPECT_TRUE(tokend::testing::VerifyAllWays(MakeProfile(config), hs512, {},
                                             absl::Now())
                  .ok());
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile, hs512, {}, absl::Now())
                    .status()),
      Reason::kAlgNotAllowed);
}

TEST(TwilioInteropTest, PyJwtBothWays) {
  absl::StatusOr<TokenInfo> info =
      MakeProfile()->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(info.ok());
  json::Object in;
  in.Set("token", json::Value(info->token));
  in.Set("key", json::Value(kSecret));
  auto result =
      RunPythonScript("pyjwt_tool.py",
                      {"verify", "--alg", "HS256", "--iss", kKeySid,
                       "--require", "exp,iat,jti,sub", "--with-header"},
                      json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  json::Object out = json::ParseObject(result->out).value();
  EXPECT_EQ(out.Find("header")->as_object().Find("cty")->as_string(),
            kTwilioContentType);
  EXPECT_EQ(*out.Find("claims")->as_object().Find("grants"),
            *DecodeSegment(info->token, 1).Find("grants"));

  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json::Object claims =
      json::ParseObject(Payload(R"({"identity":"carol","video":{"room":"r"}})",
                                absl::StrCat(R"(,"iat":)", now), now + 600))
          .value();
  json::Object headers;
  headers.Set("cty", json::Value(kTwilioContentType));
  json::Object sign_in;
  sign_in.Set("claims", json::Value(claims));
  sign_in.Set("key", json::Value(kSecret));
  sign_in.Set("headers", json::Value(headers));
  result = RunPythonScript("pyjwt_tool.py", {"sign", "--alg", "HS256"},
                           json::Serialize(sign_in));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  VerifyExpectations expect;
  expect.channel = "r";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      MakeProfile(), absl::StripAsciiWhitespace(result->out), expect,
      absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "carol");
}

}  // namespace
}  // namespace tokend
