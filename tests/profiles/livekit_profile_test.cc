// The livekit profile: config checks, issue/verify of every grant, the
// verifier's rules (HS256 only, iss, exp with 60 s leeway, identity = sub or
// jti, typed grants), renewal, and interop in both directions with
// livekit-server-sdk (AccessToken / TokenVerifier) and with PyJWT.
#include "core/profiles/livekit_profile.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/profiles/twilio_profile.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/profiles/interop_util.h"

namespace tokend {
namespace {

using ::tokend::testing::RunNodeScript;
using ::tokend::testing::RunPythonScript;

constexpr char kApiKey[] = "APIk3yExample";
constexpr char kSecret[] = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tX";
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

LiveKitProfileConfig Config() {
  LiveKitProfileConfig config;
  config.api_key = kApiKey;
  config.api_secret = kSecret;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(
    LiveKitProfileConfig config = Config()) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewLiveKitProfile(std::move(config));
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
                    absl::string_view header = R"({"alg":"HS256","typ":"JWT"})",
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

LiveKitGrants FullGrants() {
  LiveKitGrants grants;
  grants.name = "Alice";
  grants.kind = "agent";
  grants.kind_details = {"cloud_agent"};
  grants.metadata = R"({"tier":"pro"})";
  grants.attributes = {{"team", "blue"}, {"lang", "fr"}};
  LiveKitVideoGrant video;
  video.room_join = true;
  video.room = "daily-standup";
  video.can_publish = true;
  video.can_subscribe = false;
  video.can_publish_sources = {"camera", "microphone"};
  video.can_update_own_metadata = true;
  video.hidden = true;
  video.can_manage_agent_session = false;
  video.destination_room = "overflow";
  grants.video = video;
  grants.sip = LiveKitSipGrant{true, false};
  grants.agent = LiveKitAgentGrant{false, true, false};
  grants.inference = LiveKitInferenceGrant{true};
  grants.observability = LiveKitObservabilityGrant{};
  grants.room_preset = "webinar";
  grants.sha256 = "abc";
  grants.room_config.Set("max_participants", json::Value(10));
  return grants;
}

IssueInput Input(LiveKitGrants grants, std::string identity = "alice") {
  IssueInput input;
  input.subject = std::move(identity);
  input.grants = std::move(grants);
  return input;
}

// --- Configuration -----------------------------------------------------------

TEST(LiveKitConfigTest, RefusesBadConfig) {
  for (const char* key : {"", "API key", "API\x01"}) {
    LiveKitProfileConfig config = Config();
    config.api_key = key;
    ExpectError(NewLiveKitProfile(config).status(), Reason::kInvalidArgument,
                "api_key");
  }
  LiveKitProfileConfig config = Config();
  config.api_secret = "short";
  ExpectError(NewLiveKitProfile(config).status(), Reason::kKeyTooWeak,
              "api_secret");
  config = Config();
  config.leeway = absl::Seconds(61);
  ExpectError(NewLiveKitProfile(config).status(), Reason::kInvalidArgument,
              "leeway");
  config = Config();
  config.ttl = {absl::Hours(6), absl::Hours(1)};
  ExpectError(NewLiveKitProfile(config).status(), Reason::kInvalidArgument,
              "ttl.default_ttl");
}

// --- Issue -------------------------------------------------------------------

TEST(LiveKitIssueTest, DefaultTokenShape) {
  auto profile = MakeProfile();
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "livekit");
  absl::StatusOr<TokenInfo> info = profile->Issue(Input({}), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(json::Serialize(DecodeSegment(info->token, 0)),
            R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(
      json::Serialize(DecodeSegment(info->token, 1)),
      absl::StrCat(R"({"exp":1735711200,"iat":1735689600,)",
                   R"("identity":"alice","iss":"APIk3yExample","jti":")",
                   info->token_id, R"(","nbf":1735689600,"sub":"alice"})"));
  EXPECT_EQ(info->subject, "alice");
  EXPECT_EQ(info->expires_at, kNow + absl::Hours(6));
  EXPECT_EQ(info->session_started, kNow);
}

TEST(LiveKitIssueTest, WritesEveryGrantUnderLiveKitNames) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> info = profile->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  json::Object claims = DecodeSegment(info->token, 1);
  EXPECT_EQ(
      json::Serialize(*claims.Find("video")),
      R"({"canManageAgentSession":false,"canPublish":true,)"
      R"("canPublishSources":["camera","microphone"],"canSubscribe":false,)"
      R"("canUpdateOwnMetadata":true,"destinationRoom":"overflow",)"
      R"("hidden":true,"room":"daily-standup","roomJoin":true})");
  EXPECT_EQ(json::Serialize(*claims.Find("sip")), R"({"admin":true})");
  EXPECT_EQ(json::Serialize(*claims.Find("agent")),
            R"({"simulationAdmin":true})");
  EXPECT_EQ(json::Serialize(*claims.Find("inference")), R"({"perform":true})");
  EXPECT_EQ(json::Serialize(*claims.Find("observability")), "{}");
  EXPECT_EQ(json::Serialize(*claims.Find("attributes")),
            R"({"lang":"fr","team":"blue"})");
  EXPECT_EQ(json::Serialize(*claims.Find("kindDetails")), R"(["cloud_agent"])");
  EXPECT_EQ(claims.Find("kind")->as_string(), "agent");
  EXPECT_EQ(claims.Find("name")->as_string(), "Alice");
  EXPECT_EQ(claims.Find("metadata")->as_string(), R"({"tier":"pro"})");
  EXPECT_EQ(claims.Find("roomPreset")->as_string(), "webinar");
  EXPECT_EQ(claims.Find("sha256")->as_string(), "abc");
  EXPECT_EQ(json::Serialize(*claims.Find("roomConfig")),
            R"({"max_participants":10})");
}

TEST(LiveKitIssueTest, AppLevelIsNoIdentityOrAProjectGrant) {
  auto profile = MakeProfile();
  // A participant's token: identity, room-scoped grants only.
  LiveKitGrants join;
  join.video = LiveKitVideoGrant{};
  join.video->room_join = true;
  join.video->room_admin = true;
  join.video->room = "r";
  EXPECT_FALSE(profile->IsAppLevel(Input(join)));
  // No identity: a server-API token for the whole project.
  LiveKitGrants admin;
  admin.video = LiveKitVideoGrant{};
  admin.video->room_admin = true;
  admin.video->room = "r";
  EXPECT_TRUE(profile->IsAppLevel(Input(admin, "")));
  EXPECT_TRUE(profile->IsAppLevel(IssueInput{}));
  // A project-wide grant, whoever holds it.
  const auto project = [](void (*set)(LiveKitGrants*)) {
    LiveKitGrants g;
    set(&g);
    return g;
  };
  for (const LiveKitGrants& g :
       {project([](LiveKitGrants* g) {
          g->video = LiveKitVideoGrant{};
          g->video->room_create = true;
        }),
        project([](LiveKitGrants* g) {
          g->video = LiveKitVideoGrant{};
          g->video->room_list = true;
        }),
        project([](LiveKitGrants* g) {
          g->video = LiveKitVideoGrant{};
          g->video->room_record = true;
        }),
        project([](LiveKitGrants* g) {
          g->video = LiveKitVideoGrant{};
          g->video->ingress_admin = true;
        }),
        project([](LiveKitGrants* g) {
          g->sip = LiveKitSipGrant{false, true};
        }),
        project([](LiveKitGrants* g) {
          g->agent = LiveKitAgentGrant{true, false, false};
        })}) {
    EXPECT_TRUE(profile->IsAppLevel(Input(g)));
  }
  // Issuing one needs no subject; it still may not join.
  absl::StatusOr<TokenInfo> issued = profile->Issue(Input(admin, ""), kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(DecodeSegment(issued->token, 1).Find("sub"), nullptr);
  ExpectError(profile->Issue(Input(join, ""), kNow).status(),
              Reason::kInvalidArgument, "subject");
}

TEST(LiveKitIssueTest, RefusesBadInput) {
  auto profile = MakeProfile();
  struct Case {
    void (*mutate)(LiveKitGrants*);
    const char* field;
  };
  const Case cases[] = {
      {[](LiveKitGrants* g) { g->video->room.clear(); },
       "grants.livekit.video.room"},
      {[](LiveKitGrants* g) {
         g->video = LiveKitVideoGrant();
         g->video->room_admin = true;
       },
       "grants.livekit.video.room"},
      {[](LiveKitGrants* g) { g->video->can_publish_sources = {"webcam"}; },
       "grants.livekit.video.canPublishSources"},
      {[](LiveKitGrants* g) { g->kind = "robot"; }, "grants.livekit.kind"},
      {[](LiveKitGrants* g) { g->kind = "Agent"; }, "grants.livekit.kind"},
      {[](LiveKitGrants* g) { g->kind_details = {"teleport"}; },
       "grants.livekit.kindDetails"},
      {[](LiveKitGrants* g) {
         g->metadata = std::string(kLiveKitMaxMetadataBytes + 1, 'm');
       },
       "grants.livekit.metadata"},
      {[](LiveKitGrants* g) { g->name = "\xc3"; }, "grants.livekit.name"},
      {[](LiveKitGrants* g) { g->name = std::string(1025, 'n'); },
       "grants.livekit.name"},
      {[](LiveKitGrants* g) { g->attributes[""] = "x"; },
       "grants.livekit.attributes"},
      {[](LiveKitGrants* g) {
         g->attributes["big"] = std::string(kLiveKitMaxAttributesBytes, 'a');
       },
       "grants.livekit.attributes"},
      {[](LiveKitGrants* g) {
         json::Object s3;
         s3.Set("access_key", json::Value("AK"));
         s3.Set("secret", json::Value("SK"));
         json::Object file;
         file.Set("s3", json::Value(s3));
         json::Object room;
         room.Set("file_outputs", json::Value(json::Array{json::Value(file)}));
         json::Object egress;
         egress.Set("room", json::Value(room));
         g->room_config.Set("egress", json::Value(egress));
       },
       "grants.livekit.roomConfig"},
  };
  for (const Case& c : cases) {
    LiveKitGrants grants = FullGrants();
    c.mutate(&grants);
    ExpectError(profile->Issue(Input(grants), kNow).status(),
                Reason::kInvalidArgument, c.field);
  }
  // A join token needs an identity, as AccessToken.toJwt insists.
  ExpectError(profile->Issue(Input(FullGrants(), ""), kNow).status(),
              Reason::kInvalidArgument, "subject");
  ExpectError(profile->Issue(Input({}, std::string(1025, 'i')), kNow).status(),
              Reason::kInvalidArgument, "subject");
  IssueInput input = Input({});
  input.grants = TwilioGrants();
  ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
              "grants");
  input = Input({});
  input.ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
              "ttl");
  input.ttl = absl::Hours(24);
  EXPECT_TRUE(profile->Issue(input, kNow).ok());
}

// --- Verify ------------------------------------------------------------------

TEST(LiveKitVerifyTest, RoundTripAndRenewal) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> first = profile->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  VerifyExpectations expect;
  expect.channel = "daily-standup";
  expect.account = "alice";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, first->token, expect, kNow + absl::Hours(1));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->token_id, first->token_id);
  EXPECT_EQ(verified->issued_at, kNow);
  EXPECT_EQ(verified->expires_at, kNow + absl::Hours(6));
  const auto& grants = std::get<LiveKitGrants>(verified->grants);
  EXPECT_EQ(grants.attributes, FullGrants().attributes);
  ASSERT_TRUE(grants.video.has_value());
  EXPECT_EQ(grants.video->can_subscribe, std::optional<bool>(false));
  EXPECT_EQ(grants.video->can_publish_data, std::nullopt);
  EXPECT_EQ(grants.video->can_publish_sources,
            FullGrants().video->can_publish_sources);
  EXPECT_EQ(grants.room_config, FullGrants().room_config);

  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  absl::StatusOr<TokenInfo> second =
      profile->Issue(renew, kNow + absl::Hours(1));
  ASSERT_TRUE(second.ok()) << second.status();
  json::Object a = DecodeSegment(first->token, 1);
  json::Object b = DecodeSegment(second->token, 1);
  EXPECT_EQ(a.Find("tokend_sst"), nullptr);
  EXPECT_EQ(b.Find("tokend_sst")->as_int(), 1735689600);
  for (const char* name : {"iat", "nbf", "exp", "jti", "tokend_sst"}) {
    a.Erase(name);
    b.Erase(name);
  }
  EXPECT_EQ(json::Serialize(a), json::Serialize(b));
  absl::StatusOr<TokenInfo> again = tokend::testing::VerifyAllWays(
      profile, second->token, {}, kNow + absl::Hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->session_started, kNow);
}

std::string Payload(absl::string_view extra = "", int64_t exp = 1735693200) {
  return absl::StrCat(R"({"iss":"APIk3yExample","sub":"alice","nbf":0,"exp":)",
                      exp, extra, "}");
}

absl::Status VerifyRaw(const std::string& token,
                       const VerifyExpectations& expect = {},
                       absl::Time now = kNow) {
  return tokend::testing::VerifyAllWays(MakeProfile(), token, expect, now)
      .status();
}

TEST(LiveKitVerifyTest, RegisteredClaimRules) {
  // The Node SDK's shape: nbf 0, no iat, no jti.
  absl::StatusOr<TokenInfo> info = tokend::testing::VerifyAllWays(
      MakeProfile(), SignRaw(Payload()), {}, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  // No iat: the issue time is unknown (so revocations cover the token); the
  // session counts from now.
  EXPECT_EQ(info->issued_at, absl::InfinitePast());
  EXPECT_EQ(info->session_started, kNow);
  EXPECT_EQ(info->token_id, "");

  ExpectError(VerifyRaw(SignRaw(R"({"iss":"APIk3yExample","sub":"a"})")),
              Reason::kExpMissing, "exp");
  ExpectError(VerifyRaw(SignRaw(R"({"sub":"a","exp":1735693200})")),
              Reason::kIssuerMismatch, "iss");
  ExpectError(
      VerifyRaw(SignRaw(R"({"iss":"APIotherKey","sub":"a","exp":1735693200})")),
      Reason::kIssuerMismatch, "iss");
  // Leeway: 60 s past exp is expired, 59 s is not.
  EXPECT_TRUE(VerifyRaw(SignRaw(Payload("", 1735689600 - 59))).ok());
  ExpectError(VerifyRaw(SignRaw(Payload("", 1735689600 - 60))),
              Reason::kTokenExpired, "exp");
  // Lifetime beyond the tenant's 24 h maximum.
  ExpectError(VerifyRaw(SignRaw(absl::StrCat(
                  R"({"iss":"APIk3yExample","sub":"a","iat":1735689600,)",
                  R"("exp":)", 1735689600 + 86401, "}"))),
              Reason::kLifetimeExceeded, "exp");
}

TEST(LiveKitVerifyTest, IdentityIsSubOrJtiToJoin) {
  auto profile = MakeProfile();
  constexpr char kJoin[] = R"("video":{"roomJoin":true,"room":"r"},)";
  auto jti_only = tokend::testing::VerifyAllWays(
      profile,
      SignRaw(absl::StrCat(R"({"iss":"APIk3yExample",)", kJoin,
                           R"("jti":"bob","exp":1735693200})")),
      {}, kNow);
  ASSERT_TRUE(jti_only.ok()) << jti_only.status();
  EXPECT_EQ(jti_only->subject, "bob");
  ExpectError(VerifyRaw(SignRaw(absl::StrCat(R"({"iss":"APIk3yExample",)",
                                             kJoin, R"("exp":1735693200})"))),
              Reason::kBadClaim, "sub");
  ExpectError(
      VerifyRaw(SignRaw(absl::StrCat(R"({"iss":"APIk3yExample",)", kJoin,
                                     R"("sub":"","exp":1735693200})"))),
      Reason::kBadClaim, "sub");
  // A token that joins no room needs no identity, and a jti does not become
  // one (a renewal would otherwise turn the id into an identity).
  for (
      const char* claims :
      {R"({"iss":"APIk3yExample","exp":1735693200})",
       R"({"iss":"APIk3yExample","jti":"id1","exp":1735693200})",
       R"({"iss":"APIk3yExample","video":{"roomList":true},"exp":1735693200})"}) {
    SCOPED_TRACE(claims);
    auto service =
        tokend::testing::VerifyAllWays(profile, SignRaw(claims), {}, kNow);
    ASSERT_TRUE(service.ok()) << service.status();
    EXPECT_EQ(service->subject, "");
    IssueInput input;
    input.grants = service->grants;
    EXPECT_TRUE(profile->IsAppLevel(input));
  }
  ExpectError(VerifyRaw(SignRaw(Payload(R"(,"identity":5)"))),
              Reason::kBadClaim, "identity");
}

TEST(LiveKitVerifyTest, GrantTypeRules) {
  struct Case {
    const char* extra;
    const char* field;
  };
  const Case cases[] = {
      {R"(,"video":true)", "video"},
      {R"(,"video":{"canPublish":"yes"})", "video.canPublish"},
      {R"(,"video":{"roomJoin":1,"room":"r"})", "video.roomJoin"},
      {R"(,"video":{"roomJoin":true})", "video.room"},
      {R"(,"video":{"room":7})", "video.room"},
      {R"(,"video":{"canPublishSources":["webcam"]})",
       "video.canPublishSources"},
      {R"(,"video":{"canPublishSources":"camera"})", "video.canPublishSources"},
      {R"(,"attributes":{"a":1})", "attributes"},
      {R"(,"attributes":[])", "attributes"},
      {R"(,"kind":"robot")", "kind"},
      {R"(,"kindDetails":["x"])", "kindDetails"},
      {R"(,"sip":{"admin":"true"})", "sip.admin"},
      {R"(,"agent":[])", "agent"},
      {R"(,"metadata":{})", "metadata"},
      {R"(,"roomConfig":"x")", "roomConfig"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.extra);
    ExpectError(VerifyRaw(SignRaw(Payload(c.extra))), Reason::kBadClaim,
                c.field);
  }
  // Unknown members of a grant (newer LiveKit fields) are ignored.
  EXPECT_TRUE(
      VerifyRaw(SignRaw(Payload(
                    R"(,"video":{"roomJoin":true,"room":"r","newThing":1})")))
          .ok());
}

TEST(LiveKitVerifyTest, ExpectationsAndForeignTokens) {
  const std::string token = SignRaw(Payload(R"(,"video":{"room":"r"})"));
  VerifyExpectations expect;
  expect.channel = "r";
  ExpectError(VerifyRaw(token, expect), Reason::kBadClaim, "video.roomJoin");
  const std::string join =
      SignRaw(Payload(R"(,"video":{"roomJoin":true,"room":"r"})"));
  EXPECT_TRUE(VerifyRaw(join, expect).ok());
  expect.channel = "other";
  ExpectError(VerifyRaw(join, expect), Reason::kBadClaim, "video.room");
  expect = {};
  expect.account = "bob";
  ExpectError(VerifyRaw(join, expect), Reason::kBadClaim, "sub");
  expect = {};
  expect.audience = "x";
  ExpectError(VerifyRaw(join, expect), Reason::kAudienceMismatch, "aud");

  EXPECT_EQ(GetReason(VerifyRaw(SignRaw(Payload(), R"({"alg":"HS256"})",
                                        std::string(32, 'w')))),
            Reason::kBadSignature);
  EXPECT_EQ(
      GetReason(VerifyRaw(SignRaw(Payload(), R"({"alg":"HS384"})",
                                  std::string(48, 's'), Algorithm::kHS384))),
      Reason::kAlgNotAllowed);
  // A Twilio-style header is refused even under the right secret.
  ExpectError(
      VerifyRaw(SignRaw(
          Payload(), R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})")),
      Reason::kUnsupportedHeader, "cty");
  // A tampered payload under the original signature.
  std::vector<std::string> parts = absl::StrSplit(join, '.');
  const std::string tampered = absl::StrCat(
      parts[0], ".",
      Base64UrlEncode(Payload(R"(,"video":{"roomJoin":true,"room":"s"})")), ".",
      parts[2]);
  EXPECT_EQ(GetReason(VerifyRaw(tampered)), Reason::kBadSignature);
}

TEST(LiveKitVerifyTest, TwilioTokenWithTheSameSecretIsRefused) {
  TwilioProfileConfig twilio;
  twilio.account_sid = "AC0123456789abcdef0123456789abcdef";
  twilio.api_key_sid = "SK0123456789abcdef0123456789abcdef";
  twilio.api_key_secret = kSecret;
  auto twilio_profile = NewTwilioProfile(twilio);
  ASSERT_TRUE(twilio_profile.ok()) << twilio_profile.status();
  IssueInput input;
  input.subject = "alice";
  auto token = (*twilio_profile)->Issue(input, kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  LiveKitProfileConfig config = Config();
  config.api_key = twilio.api_key_sid;
  ExpectError(tokend::testing::VerifyAllWays(MakeProfile(config), token->token,
                                             {}, kNow)
                  .status(),
              Reason::kUnsupportedHeader, "cty");
}

// --- Interop: livekit-server-sdk and PyJWT
// ------------------------------------

TEST(LiveKitInteropTest, TokenVerifierAcceptsTokendTokens) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> info =
      profile->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(info.ok());
  json::Object in;
  in.Set("token", json::Value(info->token));
  in.Set("api_key", json::Value(kApiKey));
  in.Set("api_secret", json::Value(kSecret));
  auto result = RunNodeScript("livekit.mjs", {"verify"}, json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->err;
  json::Object claims = json::ParseObject(result->out).value();
  EXPECT_EQ(claims.Find("sub")->as_string(), "alice");
  EXPECT_EQ(claims.Find("iss")->as_string(), kApiKey);
  EXPECT_EQ(claims.Find("name")->as_string(), "Alice");
  EXPECT_EQ(claims.Find("metadata")->as_string(), R"({"tier":"pro"})");
  EXPECT_EQ(*claims.Find("video"),
            *DecodeSegment(info->token, 1).Find("video"));
  EXPECT_EQ(json::Serialize(*claims.Find("attributes")),
            R"({"lang":"fr","team":"blue"})");

  // The SDK's verifier refuses the token under another API key.
  in.Set("api_key", json::Value("APIother"));
  result = RunNodeScript("livekit.mjs", {"verify"}, json::Serialize(in));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 1) << result->out;
}

TEST(LiveKitInteropTest, TokendVerifiesAccessTokenTokens) {
  json::Object in;
  in.Set("api_key", json::Value(kApiKey));
  in.Set("api_secret", json::Value(kSecret));
  in.Set("identity", json::Value("bob"));
  in.Set("ttl", json::Value(1800));
  in.Set("name", json::Value("Bob"));
  in.Set("metadata", json::Value(R"({"tier":"free"})"));
  json::Object attributes;
  attributes.Set("team", json::Value("red"));
  in.Set("attributes", json::Value(attributes));
  in.Set("kind", json::Value("sip"));
  in.Set("roomPreset", json::Value("webinar"));
  json::Object video;
  video.Set("roomJoin", json::Value(true));
  video.Set("room", json::Value("standup"));
  video.Set("canPublish", json::Value(true));
  video.Set("canSubscribe", json::Value(false));
  video.Set("canPublishSources",
            json::Value(json::Array{json::Value("screen_share"),
                                    json::Value("microphone")}));
  in.Set("video", json::Value(video));
  json::Object sip;
  sip.Set("call", json::Value(true));
  in.Set("sip", json::Value(sip));
  auto result = RunNodeScript("livekit.mjs", {"generate"}, json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->err;
  const std::string token(absl::StripAsciiWhitespace(result->out));

  VerifyExpectations expect;
  expect.channel = "standup";
  expect.account = "bob";
  const absl::Time verified_at = absl::Now();
  absl::StatusOr<TokenInfo> info =
      tokend::testing::VerifyAllWays(MakeProfile(), token, expect, verified_at);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->subject, "bob");
  // The SDK writes exp = now + ttl and no iat: no known issue time, and a
  // session that starts now.
  EXPECT_EQ(info->issued_at, absl::InfinitePast());
  EXPECT_EQ(info->session_started, verified_at);
  EXPECT_LE(
      absl::AbsDuration(info->expires_at - (verified_at + absl::Minutes(30))),
      absl::Seconds(10));
  const auto& grants = std::get<LiveKitGrants>(info->grants);
  EXPECT_EQ(grants.name, "Bob");
  EXPECT_EQ(grants.metadata, R"({"tier":"free"})");
  EXPECT_EQ(grants.kind, "sip");
  EXPECT_EQ(grants.room_preset, "webinar");
  EXPECT_EQ(grants.attributes.at("team"), "red");
  ASSERT_TRUE(grants.video.has_value());
  EXPECT_TRUE(grants.video->room_join);
  EXPECT_EQ(grants.video->room, "standup");
  EXPECT_EQ(grants.video->can_publish, std::optional<bool>(true));
  EXPECT_EQ(grants.video->can_subscribe, std::optional<bool>(false));
  EXPECT_EQ(grants.video->can_publish_sources,
            (std::vector<std::string>{"screen_share", "microphone"}));
  ASSERT_TRUE(grants.sip.has_value());
  EXPECT_TRUE(grants.sip->call);
  EXPECT_FALSE(grants.sip->admin);

  // Renewing the SDK's token through tokend keeps its grants.
  IssueInput renew;
  renew.subject = info->subject;
  renew.grants = info->grants;
  auto renewed = MakeProfile()->Issue(renew, absl::Now());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  json::Object sdk_claims = DecodeSegment(token, 1);
  json::Object our_claims = DecodeSegment(renewed->token, 1);
  for (const char* name : {"video", "sip", "name", "metadata", "attributes",
                           "kind", "roomPreset", "sub", "iss"}) {
    EXPECT_EQ(json::Serialize(*sdk_claims.Find(name)),
              json::Serialize(*our_claims.Find(name)))
        << name;
  }

  // An API-only token without identity (what RoomServiceClient mints)
  // verifies with no subject: LiveKit's verifier accepts it too.
  in.Erase("identity");
  video = json::Object();
  video.Set("roomCreate", json::Value(true));
  in.Set("video", json::Value(video));
  result = RunNodeScript("livekit.mjs", {"generate"}, json::Serialize(in));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->exit_code, 0) << result->err;
  absl::StatusOr<TokenInfo> service = tokend::testing::VerifyAllWays(
      MakeProfile(), absl::StripAsciiWhitespace(result->out), {}, absl::Now());
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->subject, "");
  EXPECT_TRUE(std::get<LiveKitGrants>(service->grants).video->room_create);
}

TEST(LiveKitInteropTest, PyJwtBothWays) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> info =
      profile->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(info.ok());
  json::Object in;
  in.Set("token", json::Value(info->token));
  in.Set("key", json::Value(kSecret));
  auto result = RunPythonScript("pyjwt_tool.py",
                                {"verify", "--alg", "HS256", "--iss", kApiKey,
                                 "--require", "exp,iat,nbf,sub,iss"},
                                json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  json::Object claims = json::ParseObject(result->out).value();
  EXPECT_EQ(claims.Find("identity")->as_string(), "alice");
  EXPECT_EQ(*claims.Find("video"),
            *DecodeSegment(info->token, 1).Find("video"));

  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json::Object signed_claims;
  signed_claims.Set("iss", json::Value(kApiKey));
  signed_claims.Set("sub", json::Value("carol"));
  signed_claims.Set("nbf", json::Value(now));
  signed_claims.Set("exp", json::Value(now + 600));
  json::Object video;
  video.Set("roomJoin", json::Value(true));
  video.Set("room", json::Value("r1"));
  signed_claims.Set("video", json::Value(video));
  json::Object sign_in;
  sign_in.Set("claims", json::Value(signed_claims));
  sign_in.Set("key", json::Value(kSecret));
  result = RunPythonScript("pyjwt_tool.py", {"sign", "--alg", "HS256"},
                           json::Serialize(sign_in));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  VerifyExpectations expect;
  expect.channel = "r1";
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, absl::StripAsciiWhitespace(result->out), expect, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "carol");
}

}  // namespace
}  // namespace tokend
