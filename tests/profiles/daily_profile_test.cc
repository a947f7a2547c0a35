// The daily profile: the full long-name → short-claim mapping both ways,
// required r/d/iat/exp, type checks of every claim, renewal, every refusal
// with its reason and field, and interop with jsonwebtoken (signing the
// self-signing guide's payload) and Debian's PyJWT in both directions.
#include "core/profiles/daily_profile.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/json/json.h"
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

constexpr char kApiKey[] =
    "5d9c2e1f8a7b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d";
constexpr char kOtherApiKey[] =
    "0000000000000000000000000000000000000000000000000000000000000001";
constexpr char kDomain[] = "30f866c3-9123-452a-8723-ff58322d09c5";
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

DailyProfileConfig Config() {
  DailyProfileConfig config;
  config.api_key = kApiKey;
  config.domain_id = kDomain;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(DailyProfileConfig config) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewDailyProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

DailyGrants Room(std::string room) {
  DailyGrants grants;
  grants.room_name = std::move(room);
  return grants;
}

IssueInput Input(DailyGrants grants, std::string subject = "user-4711") {
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

// Every property set.
DailyGrants FullGrants() {
  DailyGrants g = Room("standup-room");
  g.user_name = "Alice";
  g.is_owner = false;
  g.knocking = true;
  g.close_tab_on_exit = false;
  g.redirect_on_meeting_exit = "https://example.com/bye";
  g.intercom_join_alert = true;
  g.start_cloud_recording = true;
  json::Object sro;
  sro.Set("layout", json::Value("grid"));
  g.start_cloud_recording_opts = sro;
  g.auto_start_transcription = false;
  g.enable_recording = "cloud";
  g.enable_screenshare = true;
  g.start_video_off = true;
  g.start_audio_off = false;
  g.meeting_join_hook = "https://example.com/hook";
  g.eject_at_token_exp = true;
  g.eject_after_elapsed = 1800;
  g.lang = "pt-BR";
  g.enable_recording_ui = false;
  DailyPermissions p;
  p.has_presence = true;
  p.can_send.items = {"video", "audio", "screenVideo"};
  DailyCanReceive cr;
  cr.base = json::Value(false);
  p.can_receive = cr;
  p.can_admin.items = {"participants", "transcription"};
  g.permissions = p;
  g.include_nbf = true;
  return g;
}

constexpr char kFullClaims[] =
    R"({"ao":false,"ast":false,"ctoe":false,"d":"30f866c3-9123-452a-8723-)"
    R"(ff58322d09c5","eje":1800,"ejt":true,"er":"cloud","erui":false,)"
    R"("exp":1735693200,"iat":1735689600,"ij":true,"k":true,)"
    R"("mjh":"https://example.com/hook","nbf":1735689600,"o":false,)"
    R"("p":{"ca":["participants","transcription"],"cr":{"b":false},)"
    R"("cs":"v,a,sv","hp":true},"r":"standup-room",)"
    R"("rome":"https://example.com/bye","sr":true,"sro":{"layout":"grid"},)"
    R"("ss":true,"u":"Alice","ud":"user-4711","uil":"pt-BR","vo":true})";

// ---- Configuration ----

TEST(DailyProfileConfigTest, RefusesBadConfigNamingTheField) {
  DailyProfileConfig config = Config();
  config.domain_id = "not-a-uuid";
  ExpectRefused(NewDailyProfile(config).status(), Reason::kInvalidArgument,
                "domain_id");
  config = Config();
  config.api_key = "";
  ExpectRefused(NewDailyProfile(config).status(), Reason::kInvalidArgument,
                "api_key");
  config = Config();
  config.api_key = "too-short";
  ExpectRefused(NewDailyProfile(config).status(), Reason::kKeyTooWeak,
                "api_key");
  config = Config();
  config.ttl.max_ttl = absl::ZeroDuration();
  ExpectRefused(NewDailyProfile(config).status(), Reason::kInvalidArgument,
                "ttl.max_ttl");
  config = Config();
  config.ttl.max_ttl = absl::InfiniteDuration();
  ExpectRefused(NewDailyProfile(config).status(), Reason::kInvalidArgument,
                "ttl.max_ttl");
  config = Config();
  config.ttl.default_ttl = absl::Hours(25);
  ExpectRefused(NewDailyProfile(config).status(), Reason::kInvalidArgument,
                "ttl.default_ttl");
  // Daily documents no maximum: a tenant may allow a week.
  config = Config();
  config.ttl.max_ttl = absl::Hours(24 * 7);
  EXPECT_TRUE(NewDailyProfile(config).ok());
}

// ---- Issue ----

TEST(DailyProfileTest, MapsEveryPropertyToItsShortClaim) {
  auto profile = MakeProfile(Config());
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "daily");
  absl::StatusOr<TokenInfo> info = profile->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(json::Serialize(DecodeSegment(info->token, 0)),
            R"({"alg":"HS256","typ":"JWT"})");
  json::Object claims = DecodeSegment(info->token, 1);
  EXPECT_EQ(claims.Find("jti")->as_string(), info->token_id);
  claims.Erase("jti");
  EXPECT_EQ(json::Serialize(claims), kFullClaims);
  EXPECT_EQ(info->subject, "user-4711");
  EXPECT_EQ(info->expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(std::get<DailyGrants>(info->grants).domain_id, kDomain);

  // The minimal token: r, d, iat, exp (and jti); no ud without a subject.
  info = profile->Issue(Input(Room("hello"), ""), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  claims = DecodeSegment(info->token, 1);
  claims.Erase("jti");
  EXPECT_EQ(json::Serialize(claims),
            R"({"d":"30f866c3-9123-452a-8723-ff58322d09c5","exp":1735693200,)"
            R"("iat":1735689600,"r":"hello"})");
}

TEST(DailyProfileTest, BoolListPermissionsAndReceiveExtras) {
  auto profile = MakeProfile(Config());
  DailyGrants g = Room("r1");
  DailyPermissions p;
  p.can_send.all = false;
  p.can_admin.all = true;
  DailyCanReceive cr;
  json::Object base;
  base.Set("video", json::Value(false));
  cr.base = json::Value(base);
  json::Object by_user;
  by_user.Set("*", json::Value(true));
  cr.other.Set("byUserId", json::Value(by_user));
  p.can_receive = cr;
  g.permissions = p;
  absl::StatusOr<TokenInfo> info = profile->Issue(Input(g), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(json::Serialize(*DecodeSegment(info->token, 1).Find("p")),
            R"({"ca":true,"cr":{"b":{"video":false},"byUserId":{"*":true}},)"
            R"("cs":false})");
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, info->token, {}, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  const DailyPermissions& back =
      *std::get<DailyGrants>(verified->grants).permissions;
  EXPECT_EQ(back.can_send.all, false);
  EXPECT_EQ(back.can_admin.all, true);
  EXPECT_EQ(json::Serialize(*back.can_receive->base), R"({"video":false})");
  EXPECT_EQ(json::Serialize(back.can_receive->other),
            R"({"byUserId":{"*":true}})");
}

TEST(DailyProfileTest, RefusesBadIssueInput) {
  auto profile = MakeProfile(Config());
  auto refused = [&](const DailyGrants& g, const std::string& field,
                     std::string subject = "user-4711") {
    ExpectRefused(profile->Issue(Input(g, subject), kNow).status(),
                  Reason::kInvalidArgument, field);
  };
  refused(Room(""), "grants.daily.room_name");
  refused(Room("bad\xff"), "grants.daily.room_name");
  // Daily's room names: A-Z a-z 0-9 - _, at most 128.
  refused(Room("stand up"), "grants.daily.room_name");
  refused(Room("room.1"), "grants.daily.room_name");
  refused(Room(std::string(129, 'r')), "grants.daily.room_name");
  EXPECT_TRUE(
      profile->Issue(Input(Room(std::string(126, 'r') + "-_")), kNow).ok());
  refused(Room("r"), "subject", std::string(37, 'u'));
  EXPECT_TRUE(
      profile->Issue(Input(Room("r"), std::string(36, 'u')), kNow).ok());

  DailyGrants g = Room("r");
  g.enable_recording = "youtube";
  refused(g, "grants.daily.enable_recording");
  g = Room("r");
  g.lang = "EN";
  refused(g, "grants.daily.lang");
  g = Room("r");
  g.user_name = "bad\xc0\xaf";  // overlong '/'
  refused(g, "grants.daily.user_name");
  g = Room("r");
  g.eject_after_elapsed = 0;
  refused(g, "grants.daily.eject_after_elapsed");
  g = Room("r");
  g.domain_id = "00000000-0000-4000-8000-000000000000";
  refused(g, "grants.daily.domain_id");
  g.domain_id = "30F866C3-9123-452A-8723-FF58322D09C5";  // same, other case
  EXPECT_TRUE(profile->Issue(Input(g), kNow).ok());

  g = Room("r");
  g.permissions = DailyPermissions();
  refused(g, "grants.daily.permissions");
  g.permissions->can_send.items = {"video", "smell"};
  refused(g, "grants.daily.permissions.can_send");
  g.permissions->can_send.items = {"video", "video"};
  refused(g, "grants.daily.permissions.can_send");
  g.permissions->can_send.all = true;
  g.permissions->can_send.items = {"video"};
  refused(g, "grants.daily.permissions.can_send");
  g.permissions = DailyPermissions();
  g.permissions->can_admin.items = {"everything"};
  refused(g, "grants.daily.permissions.can_admin");
  g.permissions = DailyPermissions();
  g.permissions->can_receive = DailyCanReceive();
  refused(g, "grants.daily.permissions.can_receive");
  g.permissions->can_receive->base = json::Value("all");
  refused(g, "grants.daily.permissions.can_receive.base");
  g.permissions->can_receive->base = json::Value(true);
  g.permissions->can_receive->other.Set("b", json::Value(false));
  refused(g, "grants.daily.permissions.can_receive.other");

  IssueInput input = Input(Room("r"));
  input.ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
                "ttl");
  input.grants = std::monostate{};
  input.ttl = absl::ZeroDuration();
  ExpectRefused(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                "grants");
}

// ---- Verify ----

TEST(DailyProfileTest, VerifyMapsClaimsBackAndRenews) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> first = profile->Issue(Input(FullGrants()), kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  VerifyExpectations expect;
  expect.channel = "standup-room";
  expect.account = "user-4711";
  const absl::Time later = kNow + absl::Minutes(40);
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, first->token, expect, later);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-4711");
  EXPECT_EQ(verified->token_id, first->token_id);
  EXPECT_EQ(verified->session_started, kNow);
  const DailyGrants& g = std::get<DailyGrants>(verified->grants);
  EXPECT_EQ(g.room_name, "standup-room");
  EXPECT_EQ(g.user_name, "Alice");
  EXPECT_EQ(g.is_owner, false);
  EXPECT_EQ(g.knocking, true);
  EXPECT_EQ(g.redirect_on_meeting_exit, "https://example.com/bye");
  EXPECT_EQ(g.enable_recording, "cloud");
  EXPECT_EQ(g.eject_after_elapsed, 1800);
  EXPECT_EQ(g.lang, "pt-BR");
  EXPECT_EQ(g.domain_id, kDomain);
  EXPECT_TRUE(g.include_nbf);
  EXPECT_EQ(g.permissions->can_send.items,
            (std::vector<std::string>{"video", "audio", "screenVideo"}));
  EXPECT_EQ(g.permissions->can_admin.items,
            (std::vector<std::string>{"participants", "transcription"}));

  // Renewal from the verified grants gives the same claims.
  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  absl::StatusOr<TokenInfo> second = profile->Issue(renew, later);
  ASSERT_TRUE(second.ok()) << second.status();
  json::Object a = DecodeSegment(first->token, 1);
  json::Object b = DecodeSegment(second->token, 1);
  EXPECT_EQ(b.Find(kSessionStartClaim)->as_int(), absl::ToUnixSeconds(kNow));
  for (const char* name : {"iat", "nbf", "exp", "jti", kSessionStartClaim}) {
    a.Erase(name);
    b.Erase(name);
  }
  EXPECT_EQ(json::Serialize(a), json::Serialize(b));
  absl::StatusOr<TokenInfo> reverified =
      tokend::testing::VerifyAllWays(profile, second->token, {}, later);
  ASSERT_TRUE(reverified.ok()) << reverified.status();
  EXPECT_EQ(reverified->session_started, kNow);

  expect.channel = "other-room";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, first->token, expect, later)
          .status(),
      Reason::kBadClaim, "r");
  expect.channel = "standup-room";
  expect.account = "user-0815";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, first->token, expect, later)
          .status(),
      Reason::kBadClaim, "ud");
  expect = {};
  expect.audience = "x";
  ExpectRefused(
      tokend::testing::VerifyAllWays(profile, first->token, expect, later)
          .status(),
      Reason::kInvalidArgument, "audience");
}

TEST(DailyProfileTest, RefusesBadTokens) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued = profile->Issue(Input(Room("r")), kNow);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, TamperPayload(issued->token), {}, kNow)
                          .status()),
            Reason::kBadSignature);
  DailyProfileConfig other = Config();
  other.api_key = kOtherApiKey;
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(MakeProfile(other),
                                                     issued->token, {}, kNow)
                          .status()),
            Reason::kBadSignature);
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(profile, issued->token, {},
                                                     kNow + absl::Seconds(3661))
                          .status()),
            Reason::kTokenExpired);
  // Another domain's tenant with the same API key.
  other = Config();
  other.domain_id = "00000000-0000-4000-8000-000000000000";
  ExpectRefused(tokend::testing::VerifyAllWays(MakeProfile(other),
                                               issued->token, {}, kNow)
                    .status(),
                Reason::kBadClaim, "d");
}

TEST(DailyProfileTest, TypeChecksEveryClaim) {
  auto profile = MakeProfile(Config());
  auto verify = [&](const json::Object& claims) {
    return tokend::testing::VerifyAllWays(
               profile, SignHs256(kApiKey, Hs256Header(), claims), {}, kNow)
        .status();
  };
  json::Object good;
  good.Set("r", json::Value("standup"));
  good.Set("d", json::Value(kDomain));
  good.Set("iat", json::Value(absl::ToUnixSeconds(kNow)));
  good.Set("exp", json::Value(absl::ToUnixSeconds(kNow + absl::Hours(1))));
  EXPECT_TRUE(verify(good).ok()) << verify(good);

  json::Object c = good;
  c.Erase("exp");  // Daily allows it; tokend does not
  EXPECT_EQ(GetReason(verify(c)), Reason::kExpMissing);
  c = good;
  c.Set("exp", json::Value(absl::ToUnixSeconds(kNow + absl::Hours(24)) + 1));
  EXPECT_EQ(GetReason(verify(c)), Reason::kLifetimeExceeded);
  c = good;
  c.Erase("iat");
  ExpectRefused(verify(c), Reason::kBadClaim, "iat");

  struct Case {
    const char* claim;
    json::Value value;  // null: remove the claim
    const char* field;
  };
  json::Object p_unknown;
  p_unknown.Set("xx", json::Value(true));
  json::Object p_cs;
  p_cs.Set("cs", json::Value("v,x"));
  json::Object p_cs_array;
  p_cs_array.Set("cs", json::Value(json::Array{json::Value("video")}));
  json::Object p_ca;
  p_ca.Set("ca", json::Value(json::Array{json::Value("streaming"),
                                         json::Value("streaming")}));
  json::Object p_ca_empty;
  p_ca_empty.Set("ca", json::Value(json::Array{}));
  json::Object p_cr;
  json::Object cr_bad;
  cr_bad.Set("b", json::Value(1));
  p_cr.Set("cr", json::Value(cr_bad));
  json::Object p_hp;
  p_hp.Set("hp", json::Value("yes"));
  const Case cases[] = {
      {"r", json::Value(), "r"},
      {"r", json::Value(""), "r"},
      {"r", json::Value(1), "r"},
      {"d", json::Value(), "d"},
      {"d", json::Value("00000000-0000-4000-8000-000000000000"), "d"},
      {"d", json::Value(1), "d"},
      {"ud", json::Value(std::string(37, 'u')), "ud"},
      {"ud", json::Value(4711), "ud"},
      {"u", json::Value(true), "u"},
      {"o", json::Value("true"), "o"},
      {"k", json::Value(1), "k"},
      {"ctoe", json::Value("no"), "ctoe"},
      {"rome", json::Value(1), "rome"},
      {"ij", json::Value(0), "ij"},
      {"sr", json::Value("cloud"), "sr"},
      {"sro", json::Value("layout"), "sro"},
      {"ast", json::Value(json::Object()), "ast"},
      {"er", json::Value("youtube"), "er"},
      {"er", json::Value(true), "er"},
      {"ss", json::Value(1), "ss"},
      {"vo", json::Value(nullptr), "vo"},
      {"ao", json::Value("false"), "ao"},
      {"mjh", json::Value(false), "mjh"},
      {"ejt", json::Value(1), "ejt"},
      {"eje", json::Value("60"), "eje"},
      {"eje", json::Value(0), "eje"},
      {"eje", json::Value(1.5), "eje"},
      {"uil", json::Value("klingon"), "uil"},
      {"erui", json::Value("x"), "erui"},
      {"p", json::Value(true), "p"},
      {"p", json::Value(p_unknown), "p.xx"},
      {"p", json::Value(p_cs), "p.cs"},
      {"p", json::Value(p_cs_array), "p.cs"},
      {"p", json::Value(p_ca), "p.ca"},
      {"p", json::Value(p_ca_empty), "p.ca"},
      {"p", json::Value(p_cr), "p.cr.b"},
      {"p", json::Value(p_hp), "p.hp"},
  };
  for (const Case& k : cases) {
    c = good;
    // json::Value() and nullptr both make null; "vo": null is a wrong type,
    // so only the first entries (r, d) use null to mean "remove".
    if (k.value.is_null() &&
        (std::string(k.claim) == "r" || std::string(k.claim) == "d")) {
      c.Erase(k.claim);
    } else {
      c.Set(k.claim, k.value);
    }
    ExpectRefused(verify(c), Reason::kBadClaim, k.field);
  }

  // Unknown top-level claims are ignored (and not carried into grants).
  c = good;
  c.Set("enable_prejoin_ui", json::Value(true));
  EXPECT_TRUE(verify(c).ok());
  // Only HS256.
  json::Object header = Hs256Header();
  header.Set("alg", json::Value("RS256"));
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, SignHs256(kApiKey, header, good), {}, kNow)
                          .status()),
            Reason::kAlgNotAllowed);
}

// ---- Interop (wall clock) ----

std::string Request(
    std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Object request;
  for (const auto& [name, value] : members) request.Set(name, value);
  return json::Serialize(request);
}

TEST(DailyInteropTest, JsonwebtokenVerifiesTokendTokens) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued =
      profile->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out = RunInterop(true, "daily.mjs", {"verify"},
                               Request({{"token", json::Value(issued->token)},
                                        {"apiKey", json::Value(kApiKey)}}));
  json::Object claims = ParseJsonOrDie(out);
  EXPECT_EQ(json::Serialize(claims),
            json::Serialize(DecodeSegment(issued->token, 1)));
  EXPECT_EQ(claims.Find("r")->as_string(), "standup-room");
  EXPECT_EQ(claims.Find("d")->as_string(), kDomain);
  EXPECT_EQ(claims.Find("ud")->as_string(), "user-4711");
  EXPECT_EQ(json::Serialize(*claims.Find("p")),
            R"({"ca":["participants","transcription"],"cr":{"b":false},)"
            R"("cs":"v,a,sv","hp":true})");
}

TEST(DailyInteropTest, TokendVerifiesSelfSignedGuideTokens) {
  auto profile = MakeProfile(Config());
  // The guide's example payload (formats doc §3), signed by jsonwebtoken.
  json::Object claims = ParseJsonOrDie(
      R"({"r":"standup-room","d":"30f866c3-9123-452a-8723-ff58322d09c5",)"
      R"("u":"Alice","ud":"user-4711","o":false,"ejt":true,)"
      R"("p":{"hp":true,"cs":"v,a"}})");
  std::string token = RunInterop(true, "daily.mjs", {"sign"},
                                 Request({{"apiKey", json::Value(kApiKey)},
                                          {"claims", json::Value(claims)},
                                          {"ttl", json::Value(3600)},
                                          {"nbf", json::Value(true)}}));
  VerifyExpectations expect;
  expect.channel = "standup-room";
  expect.account = "user-4711";
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  const DailyGrants& g = std::get<DailyGrants>(verified->grants);
  EXPECT_EQ(g.room_name, "standup-room");
  EXPECT_EQ(g.user_name, "Alice");
  EXPECT_EQ(g.is_owner, false);
  EXPECT_EQ(g.eject_at_token_exp, true);
  EXPECT_TRUE(g.include_nbf);
  EXPECT_EQ(g.permissions->has_presence, true);
  EXPECT_EQ(g.permissions->can_send.items,
            (std::vector<std::string>{"video", "audio"}));
  EXPECT_EQ(verified->token_id, "");  // the guide writes no jti

  // Without exp (valid forever for Daily) tokend refuses it.
  token = RunInterop(true, "daily.mjs", {"sign"},
                     Request({{"apiKey", json::Value(kApiKey)},
                              {"claims", json::Value(claims)}}));
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile, token, {}, absl::Now())
                    .status()),
      Reason::kExpMissing);
}

TEST(DailyInteropTest, PyJwtBothWays) {
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> issued =
      profile->Issue(Input(FullGrants()), absl::Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::string out =
      RunInterop(false, "pyjwt_tool.py",
                 {"verify", "--alg", "HS256", "--require", "exp,iat"},
                 Request({{"token", json::Value(issued->token)},
                          {"key", json::Value(kApiKey)}}));
  EXPECT_EQ(out, json::Serialize(DecodeSegment(issued->token, 1)));

  json::Object claims;
  claims.Set("r", json::Value("hello"));
  claims.Set("o", json::Value(true));
  claims.Set("ss", json::Value(true));
  claims.Set("er", json::Value("local"));
  claims.Set("d", json::Value(kDomain));
  claims.Set("iat", json::Value(absl::ToUnixSeconds(absl::Now())));
  claims.Set("exp",
             json::Value(absl::ToUnixSeconds(absl::Now() + absl::Hours(1))));
  std::string token =
      RunInterop(false, "pyjwt_tool.py", {"sign", "--alg", "HS256"},
                 Request({{"claims", json::Value(claims)},
                          {"key", json::Value(kApiKey)}}));
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  const DailyGrants& g = std::get<DailyGrants>(verified->grants);
  EXPECT_EQ(g.room_name, "hello");
  EXPECT_EQ(g.is_owner, true);
  EXPECT_EQ(g.enable_screenshare, true);
  EXPECT_EQ(g.enable_recording, "local");
  EXPECT_EQ(verified->subject, "");
}

}  // namespace
}  // namespace tokend
