// The Agora profile: the official vectors (byte for byte with stock zlib),
// issue/verify round trips for every service, refusals, hostile tokens, the
// legacy 006 format, and interop with Agora's own npm library (agora-token
// 2.0.6, tests/interop/agora.mjs) in both directions.
#include "core/profiles/agora/agora_profile.h"

#include <zlib.h>

#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/profiles/agora/agora_legacy.h"
#include "core/profiles/agora/agora_packer.h"
#include "core/reason.h"
#include "core/token_facts.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/profiles/interop_util.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::HexDecode;
using ::tokend::testing::HexEncode;
using ::tokend::testing::ReadJsonFileOrDie;
using ::tokend::testing::RunNodeScript;
using ::tokend::testing::SharedTestdataPath;

constexpr char kAppId[] = "970CA35de60c44645bbae8a215061b33";
constexpr char kCert[] = "5CFd2fd1755d40ecb72977518be15d3b";
constexpr char kOtherCert[] = "0123456789abcdef0123456789ABCDEF";
constexpr char kChannel[] = "7d72365eb983485397e3e3f9d460bdda";
const absl::Time kNow = absl::FromUnixSeconds(1700000000);

std::shared_ptr<const Profile> MakeProfile(absl::string_view app_id = kAppId,
                                           absl::string_view cert = kCert) {
  AgoraProfileConfig config;
  config.app_id = std::string(app_id);
  config.app_certificate = std::string(cert);
  config.ttl.default_ttl = absl::Hours(1);
  config.ttl.max_ttl = absl::Hours(24);
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewAgoraProfile(config);
  EXPECT_TRUE(profile.ok()) << profile.status();
  return *profile;
}

AgoraService Rtc(std::string channel, int64_t uid,
                 std::map<uint16_t, uint32_t> privileges = {}) {
  AgoraService s;
  s.type = kAgoraRtc;
  s.channel = std::move(channel);
  s.uid = uid;
  s.privileges = std::move(privileges);
  return s;
}

AgoraService RtcAccount(std::string channel, std::string account,
                        std::map<uint16_t, uint32_t> privileges = {}) {
  AgoraService s;
  s.type = kAgoraRtc;
  s.channel = std::move(channel);
  s.account = std::move(account);
  s.privileges = std::move(privileges);
  return s;
}

AgoraService User(uint16_t type, std::string user_id,
                  std::map<uint16_t, uint32_t> privileges = {}) {
  AgoraService s;
  s.type = type;
  s.user_id = std::move(user_id);
  s.privileges = std::move(privileges);
  return s;
}

IssueInput Input(std::vector<AgoraService> services,
                 absl::Duration ttl = absl::Seconds(600),
                 std::string subject = "") {
  IssueInput input;
  input.subject = std::move(subject);
  input.ttl = ttl;
  AgoraGrants grants;
  grants.services = std::move(services);
  input.grants = std::move(grants);
  return input;
}

const AgoraGrants& GrantsOf(const TokenInfo& info) {
  return std::get<AgoraGrants>(info.grants);
}

// Inflated payload of a 007 token (test helper: copies).
std::string Payload(absl::string_view token) {
  absl::StatusOr<absl::string_view> p =
      agora::DecodeAccessToken2(token, 1 << 20, 1 << 20);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::string(*p) : std::string();
}

// "007" + base64(zlib(content)) for a hand-made payload.
std::string Encode007(absl::string_view content) {
  std::string compressed;
  EXPECT_TRUE(agora::ZlibDeflate(content, &compressed).ok());
  return absl::StrCat("007", Base64StdEncode(compressed));
}

// A payload re-signed after its signing_info was changed.
std::string Resign(absl::string_view signing_info, uint32_t issue_ts,
                   uint32_t salt, absl::string_view cert = kCert) {
  agora::Sha256Digest sig =
      agora::AccessToken2Signature(cert, issue_ts, salt, signing_info);
  std::string content;
  agora::PackWriter w(&content);
  w.PutString(
      absl::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
  content.append(signing_info.data(), signing_info.size());
  return content;
}

void ExpectError(const absl::Status& status, Reason reason,
                 absl::string_view field) {
  EXPECT_EQ(GetReason(status), reason) << status;
  EXPECT_EQ(GetField(status), field) << status;
}

// ---------------------------------------------------------------------------
// Official vectors.

std::map<uint16_t, uint32_t> PrivilegesFrom(const json::Object& o) {
  std::map<uint16_t, uint32_t> out;
  for (const auto& [k, v] : o.members()) {
    uint32_t id;
    EXPECT_TRUE(absl::SimpleAtoi(k, &id));
    out[static_cast<uint16_t>(id)] = static_cast<uint32_t>(v.as_int());
  }
  return out;
}

AgoraService ServiceFrom(const json::Object& o) {
  AgoraService s;
  // 006 entries carry no type id: they are RTC tokens.
  const json::Value* type = o.Find("type_id");
  s.type = type == nullptr ? uint16_t{kAgoraRtc}
                           : static_cast<uint16_t>(type->as_int());
  s.privileges = PrivilegesFrom(o.Find("privileges")->as_object());
  if (const json::Value* v = o.Find("channel")) s.channel = v->as_string();
  if (const json::Value* v = o.Find("uid_input")) {
    if (v->is_int()) {
      s.uid = v->as_int();
    } else {
      s.account = v->as_string();
    }
  }
  if (const json::Value* v = o.Find("user_id")) s.user_id = v->as_string();
  if (const json::Value* v = o.Find("room_uuid")) s.room_uuid = v->as_string();
  if (const json::Value* v = o.Find("user_uuid")) s.user_uuid = v->as_string();
  if (const json::Value* v = o.Find("role")) {
    s.apaas_role = static_cast<int16_t>(v->as_int());
  }
  if (const json::Value* v = o.Find("permissions")) {
    for (const auto& [rt, by_perm] : v->as_object().members()) {
      for (const auto& [perm, names] : by_perm.as_object().members()) {
        uint32_t rt_id, perm_id;
        EXPECT_TRUE(absl::SimpleAtoi(rt, &rt_id));
        EXPECT_TRUE(absl::SimpleAtoi(perm, &perm_id));
        auto& list = s.rtm2_permissions[static_cast<uint16_t>(rt_id)]
                                       [static_cast<uint16_t>(perm_id)];
        for (const json::Value& n : names.as_array()) {
          list.push_back(n.as_string());
        }
      }
    }
  }
  return s;
}

TEST(AgoraVectorsTest, EveryOfficialVector) {
  const json::Object root =
      ReadJsonFileOrDie(SharedTestdataPath("agora/vectors.json"));
  int total = 0, marked_exact = 0, exact007 = 0, payload007 = 0, exact006 = 0,
      verified = 0, wrong_cert_refused = 0;
  for (const json::Value& entry : root.Find("vectors")->as_array()) {
    const json::Object& v = entry.as_object();
    const std::string id = v.Find("id")->as_string();
    SCOPED_TRACE(id);
    ++total;
    const json::Object& in = v.Find("inputs")->as_object();
    const std::string app_id = in.Find("app_id")->as_string();
    const std::string cert = in.Find("app_certificate")->as_string();
    const auto issue_ts = static_cast<uint32_t>(in.Find("issue_ts")->as_int());
    const auto salt = static_cast<uint32_t>(in.Find("salt")->as_int());
    const auto expire = static_cast<uint32_t>(in.Find("expire")->as_int());
    std::vector<AgoraService> services;
    for (const json::Value& s : in.Find("services")->as_array()) {
      services.push_back(ServiceFrom(s.as_object()));
    }
    const std::string expected = v.Find("expected_token")->as_string();
    auto profile = MakeProfile(app_id, cert);
    auto wrong = MakeProfile(app_id, kOtherCert);

    if (v.Find("format")->as_string() == "007") {
      absl::StatusOr<std::string> token = agora::BuildAccessToken2(
          app_id, cert, issue_ts, expire, salt, services);
      ASSERT_TRUE(token.ok()) << token.status();
      const std::string want_payload =
          HexDecode(v.Find("decompressed_hex")->as_string());
      if (v.Find("byte_exact_with_stock_zlib")->as_bool()) {
        ++marked_exact;
        EXPECT_EQ(*token, expected);
        if (*token == expected) ++exact007;
      }
      EXPECT_EQ(HexEncode(Payload(*token)), HexEncode(want_payload));
      EXPECT_EQ(HexEncode(Payload(expected)), HexEncode(want_payload));
      if (Payload(*token) == want_payload) ++payload007;

      const absl::Time now = absl::FromUnixSeconds(issue_ts + 1);
      absl::StatusOr<TokenInfo> info =
          tokend::testing::VerifyAllWays(profile, expected, {}, now);
      ASSERT_TRUE(info.ok()) << info.status();
      ++verified;
      EXPECT_EQ(info->issued_at, absl::FromUnixSeconds(issue_ts));
      EXPECT_EQ(info->expires_at, absl::FromUnixSeconds(issue_ts + expire));
      EXPECT_EQ(GrantsOf(*info).salt, salt);
      EXPECT_EQ(GrantsOf(*info).services.size(), services.size());
      // Re-issuing the verified grants with the same time and salt gives
      // the same payload (what renewal relies on).
      absl::StatusOr<std::string> again = agora::BuildAccessToken2(
          app_id, cert, issue_ts, expire, salt, GrantsOf(*info).services);
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(Payload(*again), want_payload);

      absl::StatusOr<TokenInfo> bad =
          tokend::testing::VerifyAllWays(wrong, expected, {}, now);
      EXPECT_EQ(GetReason(bad.status()), Reason::kBadSignature);
      if (GetReason(bad.status()) == Reason::kBadSignature) {
        ++wrong_cert_refused;
      }
    } else {
      ASSERT_EQ(services.size(), 1u);
      const AgoraService& s = services[0];
      absl::StatusOr<std::string> uid = agora::ResolveServiceAccount(s, 0);
      ASSERT_TRUE(uid.ok());
      absl::StatusOr<std::string> token = agora::BuildAccessToken006(
          app_id, cert, s.channel, *uid, salt, issue_ts, s.privileges);
      ASSERT_TRUE(token.ok()) << token.status();
      EXPECT_EQ(*token, expected);
      if (*token == expected) ++exact006;

      VerifyExpectations expect;
      expect.channel = s.channel;
      if (!uid->empty()) expect.account = *uid;
      expect.privileges = {{kAgoraRtc, 1}};
      // ts (1111111) is the token's own expiry.
      const absl::Time now = absl::FromUnixSeconds(issue_ts - 100);
      absl::StatusOr<TokenInfo> info =
          tokend::testing::VerifyAllWays(profile, expected, expect, now);
      ASSERT_TRUE(info.ok()) << info.status();
      ++verified;
      EXPECT_TRUE(GrantsOf(*info).legacy_006);
      EXPECT_EQ(info->subject, *uid);
      absl::StatusOr<TokenInfo> bad =
          tokend::testing::VerifyAllWays(wrong, expected, expect, now);
      EXPECT_EQ(GetReason(bad.status()), Reason::kBadSignature);
      if (GetReason(bad.status()) == Reason::kBadSignature) {
        ++wrong_cert_refused;
      }
    }
  }
  std::printf(
      "agora vectors: %d total; 007 byte-exact %d of %d marked, 007 "
      "payload-equal %d, 006 exact %d, verified %d, wrong certificate "
      "refused %d\n",
      total, exact007, marked_exact, payload007, exact006, verified,
      wrong_cert_refused);
  EXPECT_EQ(total, 32);
  EXPECT_EQ(marked_exact, 16);
  EXPECT_EQ(exact007, marked_exact);
  EXPECT_EQ(payload007, 26);
  EXPECT_EQ(exact006, 6);
  EXPECT_EQ(verified, 32);
  EXPECT_EQ(wrong_cert_refused, 32);
}

TEST(AgoraPackerTest, SigningKeyChainMatchesTheDoc) {
  // agora.md §1.4 intermediate values.
  char ts[4] = {0x47, static_cast<char>(0xf4), 0x10, 0x00};
  char salt[4] = {1, 0, 0, 0};
  agora::Sha256Digest k1 = agora::HmacSha256(absl::string_view(ts, 4), kCert);
  EXPECT_EQ(HexEncode(absl::string_view(
                reinterpret_cast<const char*>(k1.data()), 32)),
            "e0f6141e54329d72102500478ec18e0020a5eeef53bbcccc442c6c2f7f178251");
  agora::Sha256Digest k2 = agora::HmacSha256(
      absl::string_view(salt, 4),
      absl::string_view(reinterpret_cast<const char*>(k1.data()), 32));
  EXPECT_EQ(HexEncode(absl::string_view(
                reinterpret_cast<const char*>(k2.data()), 32)),
            "cee2fa8dcbe868c30ca8c959d97fad4a5049c634da48449f1b8f59c14fa61073");
  EXPECT_EQ(agora::Md5Hex("2882341273"), "6063383428a36fba3fb6030becf8094e");
}

// ---------------------------------------------------------------------------
// Round trips.

struct RoundTripCase {
  const char* name;
  std::vector<AgoraService> services;
  std::string subject;
};

std::vector<RoundTripCase> RoundTripCases() {
  AgoraService streaming;
  streaming.type = kAgoraStreaming;
  streaming.channel = "live";
  streaming.account = "pusher";
  AgoraService fcdn;
  fcdn.type = kAgoraFcdn;
  fcdn.channel = "cdn";
  fcdn.uid = 77;
  AgoraService fpa;
  fpa.type = kAgoraFpa;
  AgoraService apaas_room;
  apaas_room.type = kAgoraApaas;
  apaas_room.apaas_kind = AgoraApaasKind::kRoomUser;
  apaas_room.room_uuid = "room-1";
  apaas_room.user_uuid = "teacher";
  apaas_room.apaas_role = 1;
  AgoraService apaas_user;
  apaas_user.type = kAgoraApaas;
  apaas_user.apaas_kind = AgoraApaasKind::kUser;
  AgoraService apaas_app;
  apaas_app.type = kAgoraApaas;
  apaas_app.apaas_kind = AgoraApaasKind::kApp;
  AgoraService chat_app = User(kAgoraChat, "");
  chat_app.chat_kind = AgoraChatKind::kApp;
  AgoraService rtm2 = User(kAgoraRtm2, "rtm2-user");
  rtm2.rtm2_permissions[0][0] = {"chan-a", "chan-b"};
  rtm2.rtm2_permissions[4][1] = {"user-x"};
  return {
      {"rtc_uid_subscriber", {Rtc("room", 1234)}, ""},
      {"rtc_uid0_any", {Rtc("room", 0)}, ""},
      {"rtc_uid_max", {Rtc("room", 4294967295ll)}, ""},
      {"rtc_publisher",
       {Rtc("room", 42, {{1, 0}, {2, 0}, {3, 0}, {4, 0}})},
       ""},
      {"rtc_explicit", {Rtc("room", 42, {{1, 600}, {2, 300}, {4, 60}})}, ""},
      {"rtc_account", {RtcAccount("room", "alice")}, ""},
      {"rtc_account_from_subject", {RtcAccount("room", "")}, "bob"},
      {"rtm", {User(kAgoraRtm, "carol")}, ""},
      {"rtm_from_subject", {User(kAgoraRtm, "")}, "dave"},
      {"rtm2", {rtm2}, ""},
      {"streaming", {streaming}, ""},
      {"fpa", {fpa}, ""},
      {"chat_user", {User(kAgoraChat, "erin")}, ""},
      {"chat_app", {chat_app}, ""},
      {"chat_user_from_subject", {User(kAgoraChat, "")}, "hank"},
      {"fcdn", {fcdn}, ""},
      {"apaas_room_user", {apaas_room}, ""},
      {"apaas_user", {apaas_user}, "frank"},
      {"apaas_app", {apaas_app}, ""},
      {"multi_rtm_then_rtc",
       {User(kAgoraRtm, "gina"), Rtc("room", 9), Rtc("room2", 10)},
       ""},
  };
}

TEST(AgoraProfileTest, RoundTripEveryService) {
  auto profile = MakeProfile();
  for (const RoundTripCase& c : RoundTripCases()) {
    SCOPED_TRACE(c.name);
    IssueInput input = Input(c.services, absl::Seconds(900), c.subject);
    absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
    ASSERT_TRUE(issued.ok()) << issued.status();
    EXPECT_TRUE(issued->token.starts_with("007"));
    EXPECT_EQ(issued->issued_at, kNow);
    EXPECT_EQ(issued->expires_at, kNow + absl::Seconds(900));
    EXPECT_EQ(issued->session_started, kNow);

    absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
        profile, issued->token, {}, kNow + absl::Seconds(10));
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->token_id, issued->token_id);
    EXPECT_EQ(verified->subject, issued->subject);
    EXPECT_EQ(verified->issued_at, kNow);
    EXPECT_EQ(verified->expires_at, kNow + absl::Seconds(900));
    const AgoraGrants& got = GrantsOf(*verified);
    const AgoraGrants& want = GrantsOf(*issued);
    EXPECT_EQ(got.app_id, kAppId);
    EXPECT_EQ(got.salt, want.salt);
    ASSERT_EQ(got.services.size(), want.services.size());
    for (size_t i = 0; i < got.services.size(); ++i) {
      EXPECT_EQ(got.services[i].type, want.services[i].type);
      EXPECT_EQ(got.services[i].privileges, want.services[i].privileges);
      EXPECT_EQ(got.services[i].channel, want.services[i].channel);
      EXPECT_EQ(got.services[i].user_id, want.services[i].user_id);
      EXPECT_EQ(got.services[i].room_uuid, want.services[i].room_uuid);
      EXPECT_EQ(got.services[i].user_uuid, want.services[i].user_uuid);
      EXPECT_EQ(got.services[i].apaas_role, want.services[i].apaas_role);
      EXPECT_EQ(got.services[i].rtm2_permissions,
                want.services[i].rtm2_permissions);
    }

    // Renewal: the verified grants re-issue to the same signing_info apart
    // from issue_ts and salt.
    IssueInput renew;
    renew.subject = verified->subject;
    renew.ttl = absl::Seconds(900);
    renew.grants = verified->grants;
    renew.session_started = verified->session_started;
    absl::StatusOr<TokenInfo> renewed = profile->Issue(renew, kNow);
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    agora::ParsedAccessToken2 a, b;
    std::string pa = Payload(issued->token), pb = Payload(renewed->token);
    ASSERT_TRUE(agora::ParseAccessToken2Payload(pa, &a).ok());
    ASSERT_TRUE(agora::ParseAccessToken2Payload(pb, &b).ok());
    // Skip app id (34 bytes) + issue_ts + expire + salt (12 bytes).
    EXPECT_EQ(a.signing_info.substr(46), b.signing_info.substr(46));
    EXPECT_EQ(renewed->session_started, kNow);
  }
}

TEST(AgoraProfileTest, DefaultsFollowAgorasBuilders) {
  auto profile = MakeProfile();
  absl::StatusOr<TokenInfo> info =
      profile->Issue(Input({Rtc("room", 5)}, absl::Seconds(300)), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(GrantsOf(*info).services[0].privileges,
            (std::map<uint16_t, uint32_t>{{1, 300}}));
  EXPECT_EQ(info->subject, "5");

  AgoraService room;
  room.type = kAgoraApaas;
  room.apaas_kind = AgoraApaasKind::kRoomUser;
  room.room_uuid = "123";
  room.apaas_role = 1;
  info = profile->Issue(Input({room}, absl::Seconds(600), "2882341273"), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  const auto& services = GrantsOf(*info).services;
  ASSERT_EQ(services.size(), 3u);
  EXPECT_EQ(services[0].type, kAgoraRtm);
  EXPECT_EQ(services[0].user_id, "2882341273");
  EXPECT_EQ(services[1].type, kAgoraChat);
  EXPECT_EQ(services[1].user_id, "6063383428a36fba3fb6030becf8094e");
  EXPECT_EQ(services[2].type, kAgoraApaas);
  EXPECT_EQ(services[2].apaas_kind, AgoraApaasKind::kExplicit);
  EXPECT_EQ(info->subject, "2882341273");
}

TEST(AgoraProfileTest, TokenUsesFreshSaltAndStableId) {
  auto profile = MakeProfile();
  auto a = profile->Issue(Input({Rtc("room", 1)}), kNow);
  auto b = profile->Issue(Input({Rtc("room", 1)}), kNow);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->token, b->token);
  EXPECT_NE(GrantsOf(*a).salt, GrantsOf(*b).salt);
  EXPECT_EQ(a->token_id, AgoraTokenId(a->token));
  EXPECT_EQ(a->token_id.size(), 22u);
  EXPECT_NE(a->token_id, b->token_id);
}

// ---------------------------------------------------------------------------
// Refusals on issue and in the config.

TEST(AgoraProfileTest, RefusesBadIssueInput) {
  auto profile = MakeProfile();
  ExpectError(
      profile->Issue(Input({Rtc("r", 1)}, absl::Hours(25)), kNow).status(),
      Reason::kLifetimeExceeded, "ttl");
  ExpectError(profile->Issue(Input({Rtc("r", 4294967296ll)}), kNow).status(),
              Reason::kInvalidArgument, "grants.agora.services[0].uid");
  ExpectError(profile->Issue(Input({User(kAgoraRtm, "x"), Rtc("r", -1)}), kNow)
                  .status(),
              Reason::kInvalidArgument, "grants.agora.services[1].uid");
  ExpectError(
      profile->Issue(Input({RtcAccount("r", std::string(256, 'a'))}), kNow)
          .status(),
      Reason::kInvalidArgument, "grants.agora.services[0].account");
  EXPECT_TRUE(
      profile->Issue(Input({RtcAccount("r", std::string(255, 'a'))}), kNow)
          .ok());
  ExpectError(
      profile->Issue(Input({User(kAgoraRtm, std::string(256, 'u'))}), kNow)
          .status(),
      Reason::kInvalidArgument, "grants.agora.services[0].user_id");
  ExpectError(profile->Issue(Input({Rtc("r", 1, {{5, 0}})}), kNow).status(),
              Reason::kInvalidArgument, "grants.agora.services[0].privileges");
  ExpectError(profile->Issue(Input({Rtc("r", 1, {{1, 86401}})}), kNow).status(),
              Reason::kLifetimeExceeded, "grants.agora.services[0].privileges");
  AgoraService unknown;
  unknown.type = 9;
  unknown.privileges = {{1, 0}};
  ExpectError(profile->Issue(Input({unknown}), kNow).status(),
              Reason::kInvalidArgument, "grants.agora.services[0].type");
  ExpectError(profile->Issue(Input({}), kNow).status(),
              Reason::kInvalidArgument, "grants.agora.services");
  AgoraService both = Rtc("r", 5);
  both.account = "x";
  ExpectError(profile->Issue(Input({both}), kNow).status(),
              Reason::kInvalidArgument, "grants.agora.services[0].uid");
  IssueInput other_app = Input({Rtc("r", 1)});
  std::get<AgoraGrants>(other_app.grants).app_id =
      "00000000000000000000000000000000";
  ExpectError(profile->Issue(other_app, kNow).status(),
              Reason::kInvalidArgument, "grants.agora.app_id");
  IssueInput none;
  ExpectError(profile->Issue(none, kNow).status(), Reason::kInvalidArgument,
              "grants.agora");
}

TEST(AgoraProfileTest, RefusesBadConfig) {
  AgoraProfileConfig config;
  config.app_id = kAppId;
  config.app_certificate = kCert;
  for (const char* bad : {"", "970CA35de60c44645bbae8a215061b3",
                          "970CA35de60c44645bbae8a215061b33a",
                          "970CA35de60c44645bbae8a215061b3g"}) {
    AgoraProfileConfig c = config;
    c.app_id = bad;
    ExpectError(NewAgoraProfile(c).status(), Reason::kInvalidArgument,
                "app_id");
    c = config;
    c.app_certificate = bad;
    ExpectError(NewAgoraProfile(c).status(), Reason::kInvalidArgument,
                "app_certificate");
  }
  AgoraProfileConfig c = config;
  c.ttl.max_ttl = absl::Hours(25);
  ExpectError(NewAgoraProfile(c).status(), Reason::kInvalidArgument,
              "ttl.max_ttl");
  c = config;
  c.ttl.default_ttl = absl::Hours(2);
  c.ttl.max_ttl = absl::Hours(1);
  ExpectError(NewAgoraProfile(c).status(), Reason::kInvalidArgument,
              "ttl.default_ttl");
  c = config;
  c.leeway = absl::Seconds(-1);
  ExpectError(NewAgoraProfile(c).status(), Reason::kInvalidArgument, "leeway");
  // Direct builder refusals.
  ExpectError(
      agora::BuildAccessToken2("xyz", kCert, 1, 1, 1, {Rtc("r", 1)}).status(),
      Reason::kInvalidArgument, "app_id");
  ExpectError(
      agora::BuildAccessToken2(kAppId, "xyz", 1, 1, 1, {Rtc("r", 1)}).status(),
      Reason::kInvalidArgument, "app_certificate");
}

// ---------------------------------------------------------------------------
// Verification rules.

TEST(AgoraProfileTest, ExpiryLeewayAndFutureIssue) {
  auto profile = MakeProfile();
  auto info = profile->Issue(Input({Rtc("r", 1)}, absl::Seconds(600)), kNow);
  ASSERT_TRUE(info.ok());
  const std::string& t = info->token;
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, t, {}, kNow + absl::Seconds(659))
          .ok());
  ExpectError(
      tokend::testing::VerifyAllWays(profile, t, {}, kNow + absl::Seconds(660))
          .status(),
      Reason::kTokenExpired, "expire");
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, t, {}, kNow - absl::Seconds(60))
          .ok());
  ExpectError(
      tokend::testing::VerifyAllWays(profile, t, {}, kNow - absl::Seconds(61))
          .status(),
      Reason::kIatInFuture, "issue_ts");
  VerifyExpectations grace;
  grace.expiry_grace = absl::Seconds(100);
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, t, grace,
                                             kNow + absl::Seconds(700))
                  .ok());
}

TEST(AgoraProfileTest, ChannelAccountAndPrivileges) {
  auto profile = MakeProfile();
  auto info =
      profile->Issue(Input({Rtc("room", 42, {{1, 0}, {2, 100}}), Rtc("open", 0),
                            User(kAgoraRtm, "rtm-user")},
                           absl::Seconds(600)),
                     kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  const std::string& t = info->token;
  const absl::Time at = kNow + absl::Seconds(10);
  VerifyExpectations e;
  e.channel = "room";
  e.account = "42";
  e.privileges = {{kAgoraRtc, 1}, {kAgoraRtc, 2}};
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, t, e, at).ok());
  e.account = "43";
  ExpectError(tokend::testing::VerifyAllWays(profile, t, e, at).status(),
              Reason::kBadClaim, "account");
  e.channel = "nope";
  ExpectError(tokend::testing::VerifyAllWays(profile, t, e, at).status(),
              Reason::kBadClaim, "channel");
  // "" in the token matches any uid.
  e.channel = "open";
  e.account = "999";
  e.privileges = {{kAgoraRtc, 1}};
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, t, e, at).ok());
  e.privileges = {{kAgoraRtc, 3}};
  ExpectError(tokend::testing::VerifyAllWays(profile, t, e, at).status(),
              Reason::kBadClaim, "privilege.1.3");
  // Publish audio expired after 100 s (+60 s leeway); join (0) lasts with
  // the token.
  VerifyExpectations late;
  late.channel = "room";
  late.account = "42";
  late.privileges = {{kAgoraRtc, 1}};
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, t, late,
                                             kNow + absl::Seconds(500))
                  .ok());
  late.privileges = {{kAgoraRtc, 1}, {kAgoraRtc, 2}};
  ExpectError(tokend::testing::VerifyAllWays(profile, t, late,
                                             kNow + absl::Seconds(160))
                  .status(),
              Reason::kTokenExpired, "privilege.1.2");
  VerifyExpectations rtm;
  rtm.account = "rtm-user";
  rtm.privileges = {{kAgoraRtm, 1}};
  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile, t, rtm, at).ok());
  rtm.account = "other";
  ExpectError(tokend::testing::VerifyAllWays(profile, t, rtm, at).status(),
              Reason::kBadClaim, "account");
  VerifyExpectations chat;
  chat.privileges = {{kAgoraChat, 1}};
  ExpectError(tokend::testing::VerifyAllWays(profile, t, chat, at).status(),
              Reason::kBadClaim, "privilege.5.1");
}

TEST(AgoraProfileTest, OtherTenantsTokensAreRefused) {
  auto profile = MakeProfile();
  auto other_app = MakeProfile("0123456789abcdef0123456789abcdef", kCert);
  auto info = other_app->Issue(Input({Rtc("r", 1)}), kNow);
  ASSERT_TRUE(info.ok());
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, {}, kNow).status(),
      Reason::kBadClaim, "app_id");
  auto other_cert = MakeProfile(kAppId, kOtherCert);
  info = other_cert->Issue(Input({Rtc("r", 1)}), kNow);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile, info->token, {}, kNow)
                    .status()),
      Reason::kBadSignature);
}

TEST(AgoraProfileTest, HostileTokens) {
  auto profile = MakeProfile();
  auto info = profile->Issue(Input({Rtc("room", 42)}), kNow);
  ASSERT_TRUE(info.ok());
  const std::string& t = info->token;
  ExpectError(tokend::testing::VerifyAllWays(profile, "", {}, kNow).status(),
              Reason::kMalformed, "");
  ExpectError(
      tokend::testing::VerifyAllWays(profile, "008" + t.substr(3), {}, kNow)
          .status(),
      Reason::kMalformed, "");
  ExpectError(
      tokend::testing::VerifyAllWays(profile, std::string(8193, 'A'), {}, kNow)
          .status(),
      Reason::kTokenTooLarge, "");
  ExpectError(
      tokend::testing::VerifyAllWays(profile, t + "!", {}, kNow).status(),
      Reason::kBadBase64, "");
  ExpectError(tokend::testing::VerifyAllWays(
                  profile, "007" + Base64StdEncode("not zlib"), {}, kNow)
                  .status(),
              Reason::kMalformed, "");
  // Every truncation is refused.
  int truncations = 0;
  for (size_t n = 0; n < t.size(); ++n) {
    absl::Status st =
        tokend::testing::VerifyAllWays(profile, t.substr(0, n), {}, kNow)
            .status();
    EXPECT_FALSE(st.ok()) << n;
    const Reason r = GetReason(st);
    EXPECT_TRUE(r == Reason::kMalformed || r == Reason::kBadBase64) << n;
    ++truncations;
  }
  // Truncated payloads, re-compressed so only the layout is wrong.
  const std::string payload = Payload(t);
  for (size_t n = 0; n < payload.size(); ++n) {
    ExpectError(tokend::testing::VerifyAllWays(
                    profile, Encode007(payload.substr(0, n)), {}, kNow)
                    .status(),
                Reason::kMalformed, "");
  }
  // Every bit flip of the decoded payload.
  int flips = 0;
  for (size_t i = 0; i < payload.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string p = payload;
      p[i] = static_cast<char>(p[i] ^ (1 << bit));
      const Reason r = GetReason(
          tokend::testing::VerifyAllWays(profile, Encode007(p), {}, kNow)
              .status());
      EXPECT_TRUE(r == Reason::kBadSignature || r == Reason::kMalformed)
          << i << "/" << bit << " " << ReasonName(r);
      ++flips;
    }
  }
  std::printf("agora hostile: %d truncations, %d payload bit flips refused\n",
              truncations, flips);
  // Trailing bytes after the services, even when signed.
  agora::ParsedAccessToken2 parsed;
  ASSERT_TRUE(agora::ParseAccessToken2Payload(payload, &parsed).ok());
  std::string signing_info(parsed.signing_info);
  signing_info += "xx";
  ExpectError(tokend::testing::VerifyAllWays(
                  profile,
                  Encode007(Resign(signing_info, parsed.issue_ts, parsed.salt)),
                  {}, kNow)
                  .status(),
              Reason::kMalformed, "");
}

TEST(AgoraProfileTest, ZlibBombIsRefused) {
  auto profile = MakeProfile();
  // 1 MiB of zeros compresses to about 1 KiB: under the token cap, over the
  // inflate cap.
  std::string zeros(1 << 20, '\0');
  std::string compressed;
  ASSERT_TRUE(agora::ZlibDeflate(zeros, &compressed).ok());
  const std::string bomb = "007" + Base64StdEncode(compressed);
  ASSERT_LT(bomb.size(), 8192u);
  ExpectError(tokend::testing::VerifyAllWays(profile, bomb, {}, kNow).status(),
              Reason::kMalformed, "");
  // Exactly at the cap inflates; one byte over does not.
  EXPECT_TRUE(agora::ZlibInflate(compressed, 1 << 20).ok());
  ExpectError(agora::ZlibInflate(compressed, (1 << 20) - 1).status(),
              Reason::kMalformed, "");
}

TEST(AgoraProfileTest, UnknownTrailingServiceKeepsTheSignature) {
  auto profile = MakeProfile();
  auto info =
      profile->Issue(Input({Rtc("room", 42), User(kAgoraRtm, "u")}), kNow);
  ASSERT_TRUE(info.ok());
  const std::string payload = Payload(info->token);
  agora::ParsedAccessToken2 parsed;
  ASSERT_TRUE(agora::ParseAccessToken2Payload(payload, &parsed).ok());
  // Raise the service count (at offset 34 + 12) and append a type-42
  // service with an opaque body.
  std::string signing_info(parsed.signing_info);
  signing_info[46] = 3;
  agora::PackWriter w(&signing_info);
  w.PutUint16(42);
  w.PutString("opaque body of a future service");
  const std::string token =
      Encode007(Resign(signing_info, parsed.issue_ts, parsed.salt));
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, token, {}, kNow + absl::Seconds(1));
  ASSERT_TRUE(verified.ok()) << verified.status();
  // Reported, not dropped: its type and its opaque bytes.
  ASSERT_EQ(GrantsOf(*verified).services.size(), 3u);
  const AgoraService& unknown = GrantsOf(*verified).services[2];
  EXPECT_EQ(unknown.type, 42);
  std::string body;
  agora::PackWriter(&body).PutString("opaque body of a future service");
  EXPECT_EQ(unknown.unknown_body, body);
  // tokend does not sign what it cannot read: a renewal is refused, naming
  // the service.
  IssueInput renew;
  renew.grants = verified->grants;
  ExpectError(profile->Issue(renew, kNow).status(), Reason::kInvalidArgument,
              "grants.agora.services[2].type");
  agora::ParsedAccessToken2 again;
  const std::string p2 = Payload(token);
  ASSERT_TRUE(agora::ParseAccessToken2Payload(p2, &again).ok());
  EXPECT_TRUE(again.stopped_at_unknown);
  EXPECT_EQ(again.service_count, 3);
  // The same token signed with another certificate still fails.
  ExpectError(tokend::testing::VerifyAllWays(MakeProfile(kAppId, kOtherCert),
                                             token, {}, kNow + absl::Seconds(1))
                  .status(),
              Reason::kBadSignature, "");
}

// ---------------------------------------------------------------------------
// Defaults never widen a request; app-level tokens.

AgoraService Chat(std::string user_id, AgoraChatKind kind,
                  std::map<uint16_t, uint32_t> privileges = {}) {
  AgoraService s = User(kAgoraChat, std::move(user_id), std::move(privileges));
  s.chat_kind = kind;
  return s;
}

AgoraService Apaas(AgoraApaasKind kind,
                   std::map<uint16_t, uint32_t> privileges = {}) {
  AgoraService s;
  s.type = kAgoraApaas;
  s.apaas_kind = kind;
  s.room_uuid = kind == AgoraApaasKind::kRoomUser ? "room-1" : "";
  s.privileges = std::move(privileges);
  return s;
}

TEST(AgoraProfileTest, ChatIsAUserTokenUnlessTheAppIsAskedFor) {
  auto profile = MakeProfile();
  // What ChatTokenBuilder.buildUserToken(appId, cert, "alice", 600) writes.
  for (AgoraChatKind kind :
       {AgoraChatKind::kUnspecified, AgoraChatKind::kUser}) {
    auto info = profile->Issue(
        Input({Chat("", kind)}, absl::Seconds(600), "alice"), kNow);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_EQ(GrantsOf(*info).services.size(), 1u);
    EXPECT_EQ(GrantsOf(*info).services[0].user_id, "alice");
    EXPECT_EQ(GrantsOf(*info).services[0].privileges,
              (std::map<uint16_t, uint32_t>{{1, 600}}));
    EXPECT_EQ(info->subject, "alice");
  }
  // No user id anywhere: refused, never an app token.
  ExpectError(
      profile->Issue(Input({Chat("", AgoraChatKind::kUnspecified)}), kNow)
          .status(),
      Reason::kInvalidArgument, "grants.agora.services[0].user_id");
  ExpectError(
      profile->Issue(Input({Chat("", AgoraChatKind::kUser)}), kNow).status(),
      Reason::kInvalidArgument, "grants.agora.services[0].user_id");
  // Asked for: buildAppToken, by kind or by privilege, whatever the subject.
  for (const AgoraService& app :
       {Chat("", AgoraChatKind::kApp),
        Chat("", AgoraChatKind::kUnspecified, {{2, 0}})}) {
    auto info = profile->Issue(Input({app}, absl::Seconds(600), "alice"), kNow);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(GrantsOf(*info).services[0].user_id, "");
    EXPECT_EQ(GrantsOf(*info).services[0].privileges.count(2), 1u);
    EXPECT_EQ(GrantsOf(*info).services[0].privileges.count(1), 0u);
  }
  // Contradictions.
  ExpectError(profile
                  ->Issue(Input({Chat("", AgoraChatKind::kUser, {{2, 0}})},
                                absl::Seconds(600), "alice"),
                          kNow)
                  .status(),
              Reason::kInvalidArgument, "grants.agora.services[0].privileges");
  ExpectError(
      profile->Issue(Input({Chat("bob", AgoraChatKind::kApp)}), kNow).status(),
      Reason::kInvalidArgument, "grants.agora.services[0].user_id");
  ExpectError(
      profile
          ->Issue(
              Input({Chat("", AgoraChatKind::kUnspecified, {{1, 0}, {2, 0}})},
                    absl::Seconds(600), "alice"),
              kNow)
          .status(),
      Reason::kInvalidArgument, "grants.agora.services[0].privileges");
}

TEST(AgoraProfileTest, NoDefaultIsAnyUser) {
  auto profile = MakeProfile();
  for (uint16_t type : {kAgoraRtc, kAgoraStreaming, kAgoraFcdn}) {
    SCOPED_TRACE(type);
    AgoraService s = RtcAccount("room", "");
    s.type = type;
    ExpectError(profile->Issue(Input({s}), kNow).status(),
                Reason::kInvalidArgument, "grants.agora.services[0].account");
    // From the subject, or any uid when asked for with uid 0.
    EXPECT_TRUE(
        profile->Issue(Input({s}, absl::Seconds(600), "alice"), kNow).ok());
    s.uid = 0;
    auto any = profile->Issue(Input({s}), kNow);
    ASSERT_TRUE(any.ok()) << any.status();
    EXPECT_EQ(*agora::ResolveServiceAccount(GrantsOf(*any).services[0], 0), "");
  }
  for (uint16_t type : {kAgoraRtm, kAgoraRtm2}) {
    ExpectError(profile->Issue(Input({User(type, "")}), kNow).status(),
                Reason::kInvalidArgument, "grants.agora.services[0].user_id");
  }
  // An APaaS kind carries its own privilege only.
  ExpectError(profile
                  ->Issue(Input({Apaas(AgoraApaasKind::kUser, {{3, 0}})},
                                absl::Seconds(600), "alice"),
                          kNow)
                  .status(),
              Reason::kInvalidArgument, "grants.agora.services[0].privileges");
  ExpectError(profile
                  ->Issue(Input({Apaas(AgoraApaasKind::kRoomUser, {{2, 0}})},
                                absl::Seconds(600), "alice"),
                          kNow)
                  .status(),
              Reason::kInvalidArgument, "grants.agora.services[0].privileges");
}

TEST(AgoraProfileTest, AppLevelIsTheSameForARequestAndItsToken) {
  auto profile = MakeProfile();
  struct Case {
    const char* name;
    std::vector<AgoraService> services;
    std::string subject;
    bool app_level;
  };
  const std::vector<Case> cases = {
      {"chat_user", {Chat("", AgoraChatKind::kUnspecified)}, "alice", false},
      {"chat_app_kind", {Chat("", AgoraChatKind::kApp)}, "", true},
      {"chat_app_privilege",
       {Chat("", AgoraChatKind::kUnspecified, {{2, 0}})},
       "alice",
       true},
      {"apaas_room_user", {Apaas(AgoraApaasKind::kRoomUser)}, "alice", false},
      {"apaas_user", {Apaas(AgoraApaasKind::kUser)}, "alice", false},
      {"apaas_app", {Apaas(AgoraApaasKind::kApp)}, "", true},
      {"rtc_any_uid", {Rtc("room", 0)}, "", false},
      {"fpa", {User(kAgoraFpa, "")}, "", false},
      {"rtc_and_chat_app",
       {Rtc("room", 7), Chat("", AgoraChatKind::kApp)},
       "",
       true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const IssueInput input = Input(c.services, absl::Seconds(600), c.subject);
    EXPECT_EQ(profile->IsAppLevel(input), c.app_level);
    auto issued = profile->Issue(input, kNow);
    ASSERT_TRUE(issued.ok()) << issued.status();
    auto verified =
        tokend::testing::VerifyAllWays(profile, issued->token, {}, kNow);
    ASSERT_TRUE(verified.ok()) << verified.status();
    IssueInput again;
    again.subject = verified->subject;
    again.grants = verified->grants;
    EXPECT_EQ(profile->IsAppLevel(again), c.app_level);
  }
  // A request that cannot be issued is not app-level (Issue refuses it).
  EXPECT_FALSE(profile->IsAppLevel(Input({Chat("", AgoraChatKind::kUser)})));
}

// ---------------------------------------------------------------------------
// Token ids name the signed content.

// `token`'s payload deflated again with zlib at `level`; with `split`, a
// sync flush halfway adds an empty stored block.
std::string Reencode(absl::string_view token, int level, bool split = false) {
  const std::string payload = Payload(token);
  z_stream z{};
  EXPECT_EQ(deflateInit(&z, level), Z_OK);
  std::string out(deflateBound(&z, payload.size()) + 64, '\0');
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const size_t half = split ? payload.size() / 2 : payload.size();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
  z.avail_in = static_cast<uInt>(half);
  EXPECT_EQ(deflate(&z, split ? Z_SYNC_FLUSH : Z_NO_FLUSH), Z_OK);
  z.avail_in = static_cast<uInt>(payload.size() - half);
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return absl::StrCat("007", Base64StdEncode(out));
}

TEST(AgoraProfileTest, TokenIdNamesTheSignedContentNotItsEncoding) {
  auto profile = MakeProfile();
  // One whose base64 ends in padding (so it has unused bits to play with);
  // the random salt varies the compressed length.
  absl::StatusOr<TokenInfo> info;
  for (int i = 0; i < 64; ++i) {
    info = profile->Issue(Input({Rtc("room", 42)}), kNow);
    ASSERT_TRUE(info.ok());
    if (info->token.back() == '=') break;
  }
  EXPECT_EQ(info->token_id, AgoraTokenId(info->token));
  std::set<std::string> encodings = {info->token};
  for (int level = 0; level <= 9; ++level) {
    for (bool split : {false, true}) {
      SCOPED_TRACE(absl::StrCat(level, split ? " split" : ""));
      const std::string again = Reencode(info->token, level, split);
      encodings.insert(again);
      auto verified = tokend::testing::VerifyAllWays(profile, again, {}, kNow);
      ASSERT_TRUE(verified.ok()) << verified.status();
      EXPECT_EQ(verified->token_id, info->token_id);
      EXPECT_EQ(AgoraTokenId(again), info->token_id);
    }
  }
  EXPECT_GE(encodings.size(), 10u);
  // Nothing else about the string may vary: non-canonical base64 (unused
  // bits set), missing padding and bytes after the zlib stream are refused.
  const std::string& t = info->token;
  ASSERT_EQ(t.back(), '=');
  const size_t last = t.find_last_not_of('=');
  std::string loose = t;
  loose[last] = static_cast<char>(loose[last] + 1);
  ASSERT_EQ(Base64StdEncode(*Base64StdDecode(t.substr(3))), t.substr(3));
  EXPECT_EQ(
      GetReason(
          tokend::testing::VerifyAllWays(profile, loose, {}, kNow).status()),
      Reason::kBadBase64);
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile, t.substr(0, last + 1), {}, kNow)
                          .status()),
            Reason::kBadBase64);
  std::string compressed = *Base64StdDecode(t.substr(3));
  compressed.push_back('\0');
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(
                    profile, "007" + Base64StdEncode(compressed), {}, kNow)
                    .status()),
      Reason::kMalformed);
  // Different signed content, different ids.
  auto other = profile->Issue(Input({Rtc("room", 42)}), kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->token_id, info->token_id);

  // 006: no compression, strict base64; the id is taken from the decoded
  // content all the same.
  IssueInput legacy = Input({Rtc("room", 7)});
  std::get<AgoraGrants>(legacy.grants).legacy_006 = true;
  auto t006 = profile->Issue(legacy, kNow);
  ASSERT_TRUE(t006.ok());
  EXPECT_EQ(t006->token_id, AgoraTokenId(t006->token));
  VerifyExpectations room;
  room.channel = "room";
  room.account = "7";
  auto v006 = tokend::testing::VerifyAllWays(profile, t006->token, room, kNow);
  ASSERT_TRUE(v006.ok()) << v006.status();
  EXPECT_EQ(v006->token_id, t006->token_id);
  std::string loose006 = t006->token;
  const size_t last006 = loose006.find_last_not_of('=');
  if (loose006.back() == '=') {
    loose006[last006] = static_cast<char>(loose006[last006] + 1);
  } else {
    loose006.pop_back();  // no padding to play with: drop a character
  }
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile, loose006, room, kNow)
                    .status()),
      Reason::kBadBase64);
  EXPECT_EQ(AgoraTokenId("007notatoken"), "");
}

// ---------------------------------------------------------------------------
// What a failed verdict may say; Agora's limits and lifetime caps.

TEST(AgoraProfileTest, FailuresAfterAGoodSignatureCarryTheFacts) {
  auto profile = MakeProfile();
  auto info =
      profile->Issue(Input({Rtc("room", 42)}, absl::Seconds(600)), kNow);
  ASSERT_TRUE(info.ok());
  const TokenFacts facts = {info->token_id, info->issued_at, info->expires_at};
  VerifyExpectations other_room;
  other_room.channel = "hall";
  VerifyExpectations audience;
  audience.audience = "svc";
  for (const auto& [status, reason] :
       std::vector<std::pair<absl::Status, Reason>>{
           {tokend::testing::VerifyAllWays(profile, info->token, {},
                                           kNow + absl::Hours(1))
                .status(),
            Reason::kTokenExpired},
           {tokend::testing::VerifyAllWays(profile, info->token, {},
                                           kNow - absl::Hours(1))
                .status(),
            Reason::kIatInFuture},
           {tokend::testing::VerifyAllWays(profile, info->token, other_room,
                                           kNow)
                .status(),
            Reason::kBadClaim},
           {tokend::testing::VerifyAllWays(profile, info->token, audience, kNow)
                .status(),
            Reason::kAudienceMismatch},
           {tokend::testing::VerifyAllWays(
                MakeProfile("0123456789abcdef0123456789abcdef", kCert),
                info->token, {}, kNow)
                .status(),
            Reason::kBadClaim}}) {
    EXPECT_EQ(GetReason(status), reason) << status;
    EXPECT_EQ(GetTokenFacts(status), facts) << status;
  }
  // A bad signature carries none.
  const absl::Status bad =
      tokend::testing::VerifyAllWays(MakeProfile(kAppId, kOtherCert),
                                     info->token, {}, kNow)
          .status();
  EXPECT_EQ(GetReason(bad), Reason::kBadSignature);
  EXPECT_FALSE(GetTokenFacts(bad).has_value());

  // 006: the expiry, and the verification time capped at it.
  IssueInput legacy = Input({Rtc("room", 7)}, absl::Seconds(600));
  std::get<AgoraGrants>(legacy.grants).legacy_006 = true;
  auto t006 = profile->Issue(legacy, kNow);
  ASSERT_TRUE(t006.ok());
  VerifyExpectations room;
  room.channel = "room";
  room.account = "7";
  const absl::Status expired =
      tokend::testing::VerifyAllWays(profile, t006->token, room,
                                     kNow + absl::Hours(1))
          .status();
  EXPECT_EQ(GetReason(expired), Reason::kTokenExpired);
  EXPECT_EQ(GetTokenFacts(expired),
            (TokenFacts{t006->token_id, t006->expires_at, t006->expires_at}));
  // The channel is only a CRC until the signature checks out: none then.
  room.channel = "hall";
  EXPECT_FALSE(GetTokenFacts(tokend::testing::VerifyAllWays(
                                 profile, t006->token, room, kNow)
                                 .status())
                   .has_value());
}

TEST(AgoraProfileTest, AgoraLimitsOnIssueAndVerify) {
  auto profile = MakeProfile();
  struct Case {
    const char* name;
    AgoraService service;
    std::string field;  // "" = accepted
    // tokend's packer refuses to write it at all (Agora's 255-byte account
    // is also a format limit there); agora_server_test has agora-token
    // write such tokens.
    bool unpackable = false;
  };
  AgoraService wildcard_any = Rtc("*", 0);
  AgoraService rtm2 = User(kAgoraRtm2, "u");
  rtm2.rtm2_permissions[0][0] = {std::string(65, 'c')};
  AgoraService rtm2_ctl = User(kAgoraRtm2, "u");
  rtm2_ctl.rtm2_permissions[0][0] = {"a\tb"};
  AgoraService room = Apaas(AgoraApaasKind::kRoomUser);
  room.room_uuid = std::string(65, 'r');
  room.user_uuid = "u";
  const std::vector<Case> cases = {
      {"channel_64", RtcAccount(std::string(64, 'c'), "u"), ""},
      {"channel_65", RtcAccount(std::string(65, 'c'), "u"), "channel"},
      {"channel_empty", RtcAccount("", "u"), "channel"},
      {"channel_slash", RtcAccount("a/b", "u"), "channel"},
      {"channel_89_chars", RtcAccount("azAZ09 !#$%&()+-:;<=.>?@[]^_{}|~,", "u"),
       ""},
      {"channel_wildcard_one_user", RtcAccount("*", "u"), ""},
      {"channel_wildcard_any_uid", wildcard_any, "account"},
      {"account_255", RtcAccount("c", std::string(255, 'a')), ""},
      {"account_256", RtcAccount("c", std::string(256, 'a')), "account", true},
      {"account_utf8", RtcAccount("c", "\xC3\xA9"), "account"},
      {"rtm_64", User(kAgoraRtm, std::string(64, 'u')), ""},
      {"rtm_65", User(kAgoraRtm, std::string(65, 'u')), "user_id"},
      {"rtm_star", User(kAgoraRtm, "u*"), "user_id"},
      {"chat_uuid",
       Chat("6063383428a36fba3fb6030becf8094e", AgoraChatKind::kUser), ""},
      {"chat_space", Chat("a b", AgoraChatKind::kUser), "user_id"},
      {"chat_65", Chat(std::string(65, 'c'), AgoraChatKind::kUser), "user_id"},
      {"rtm2_resource_65", rtm2, "rtm2_permissions"},
      {"rtm2_resource_control", rtm2_ctl, "rtm2_permissions"},
      {"apaas_room_65", room, "room_uuid"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // On issue: INVALID_ARGUMENT naming the request field.
    absl::StatusOr<TokenInfo> issued = profile->Issue(Input({c.service}), kNow);
    if (c.field.empty()) {
      EXPECT_TRUE(issued.ok()) << issued.status();
    } else {
      ExpectError(issued.status(), Reason::kInvalidArgument,
                  absl::StrCat("grants.agora.services[0].", c.field));
    }
    // On verify, a token Agora's format can carry anyway: BAD_CLAIM naming
    // the token field.
    if (c.unpackable) continue;
    AgoraService literal = c.service;
    if (literal.privileges.empty()) literal.privileges = {{1, 0}};
    if (literal.type == kAgoraApaas) literal.privileges = {{1, 0}};
    absl::StatusOr<std::string> token = agora::BuildAccessToken2(
        kAppId, kCert, absl::ToUnixSeconds(kNow), 600, 1, {literal});
    ASSERT_TRUE(token.ok()) << token.status();
    const absl::Status verified =
        tokend::testing::VerifyAllWays(profile, *token, {}, kNow).status();
    if (c.field.empty()) {
      EXPECT_TRUE(verified.ok()) << verified;
    } else {
      ExpectError(verified, Reason::kBadClaim,
                  absl::StrCat("services[0].", c.field));
      EXPECT_TRUE(GetTokenFacts(verified).has_value());
    }
  }
}

TEST(AgoraProfileTest, LifetimeCapsOnVerify) {
  auto profile = MakeProfile();
  const auto ts = static_cast<uint32_t>(absl::ToUnixSeconds(kNow));
  // 007: the token and every privilege at most 24 h after the issue time.
  EXPECT_TRUE(tokend::testing::VerifyAllWays(
                  profile,
                  *agora::BuildAccessToken2(kAppId, kCert, ts, 86400, 1,
                                            {Rtc("room", 1, {{1, 86400}})}),
                  {}, kNow)
                  .ok());
  ExpectError(tokend::testing::VerifyAllWays(
                  profile,
                  *agora::BuildAccessToken2(kAppId, kCert, ts, 86401, 1,
                                            {Rtc("room", 1, {{1, 0}})}),
                  {}, kNow)
                  .status(),
              Reason::kLifetimeExceeded, "expire");
  ExpectError(tokend::testing::VerifyAllWays(
                  profile,
                  *agora::BuildAccessToken2(
                      kAppId, kCert, ts, 600, 1,
                      {Rtc("room", 1, {{1, 600}, {2, ts + 600}})}),
                  {}, kNow)
                  .status(),
              Reason::kLifetimeExceeded, "privilege.1.2");
  // 006: ts at most 24 h (+ leeway) from now; a privilege past ts is
  // bounded by it.
  VerifyExpectations room;
  room.channel = "room";
  room.account = "1";
  const auto legacy = [&](uint32_t expiry, uint32_t join) {
    return *agora::BuildAccessToken006(kAppId, kCert, "room", "1", 1, expiry,
                                       {{1, join}});
  };
  EXPECT_TRUE(tokend::testing::VerifyAllWays(
                  profile, legacy(ts + 86400 + 60, ts + 600), room, kNow)
                  .ok());
  ExpectError(tokend::testing::VerifyAllWays(
                  profile, legacy(ts + 86400 + 61, ts + 600), room, kNow)
                  .status(),
              Reason::kLifetimeExceeded, "ts");
  ExpectError(tokend::testing::VerifyAllWays(
                  profile, legacy(4294967295u, ts + 600), room, kNow)
                  .status(),
              Reason::kLifetimeExceeded, "ts");
  EXPECT_TRUE(tokend::testing::VerifyAllWays(
                  profile, legacy(ts + 600, 4294967295u), room, kNow)
                  .ok());
}

// ---------------------------------------------------------------------------
// Every expectation against every token shape: checked or refused, never
// skipped.

TEST(AgoraProfileTest, EveryExpectationOnEveryTokenShape) {
  auto profile = MakeProfile();
  const auto ts = static_cast<uint32_t>(absl::ToUnixSeconds(kNow));
  const auto build = [&](std::vector<AgoraService> services) {
    absl::StatusOr<std::string> t =
        agora::BuildAccessToken2(kAppId, kCert, ts, 600, 1, services);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : std::string();
  };
  AgoraService streaming = RtcAccount("room", "alice", {{1, 0}});
  streaming.type = kAgoraStreaming;
  AgoraService fcdn = RtcAccount("room", "alice", {{1, 0}});
  fcdn.type = kAgoraFcdn;
  AgoraService apaas_user = Apaas(AgoraApaasKind::kExplicit, {{2, 0}});
  apaas_user.user_uuid = "alice";
  AgoraService apaas_room = Apaas(AgoraApaasKind::kExplicit, {{1, 0}});
  apaas_room.room_uuid = "room";
  apaas_room.user_uuid = "alice";
  // A token of an unknown type-9 service only: its signing_info by hand.
  std::string unknown_info;
  {
    agora::PackWriter w(&unknown_info);
    w.PutString(kAppId);
    w.PutUint32(ts);
    w.PutUint32(600);
    w.PutUint32(1);
    w.PutUint16(1);
    w.PutUint16(9);
    w.PutPrivileges({});
  }
  const std::string unknown = Encode007(Resign(unknown_info, ts, 1));

  // The verdicts in column order: channel "room", channel "hall", account
  // "alice", account "bob", audience, the shape's own privilege, another
  // service's privilege. "" = valid, else the reason and field.
  struct Shape {
    const char* name;
    std::string token;
    std::pair<uint16_t, uint16_t> own;
    std::vector<std::string> want;
  };
  const std::string kOk;
  const std::string kNoChannel = "BAD_CLAIM channel";
  const std::string kNoAccount = "BAD_CLAIM account";
  const std::string kAudience = "AUDIENCE_MISMATCH audience";
  const std::vector<Shape> shapes = {
      {"rtc_alice",
       build({RtcAccount("room", "alice", {{1, 0}})}),
       {1, 1},
       {kOk, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.2.1"}},
      {"rtc_any_uid",
       build({Rtc("room", 0, {{1, 0}})}),
       {1, 1},
       {kOk, kNoChannel, kOk, kOk, kAudience, kOk, "BAD_CLAIM privilege.2.1"}},
      {"rtc_wildcard_channel",
       build({RtcAccount("*", "alice", {{1, 0}})}),
       {1, 1},
       {kOk, kOk, kOk, kNoAccount, kAudience, kOk, "BAD_CLAIM privilege.2.1"}},
      {"streaming",
       build({streaming}),
       {3, 1},
       {kOk, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.1.1"}},
      {"fcdn",
       build({fcdn}),
       {6, 1},
       {kOk, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.1.1"}},
      {"rtm",
       build({User(kAgoraRtm, "alice", {{1, 0}})}),
       {2, 1},
       {kNoChannel, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.1.1"}},
      {"rtm2",
       build({User(kAgoraRtm2, "alice", {{1, 0}})}),
       {8, 1},
       {kNoChannel, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.1.1"}},
      {"chat_user",
       build({User(kAgoraChat, "alice", {{1, 0}})}),
       {5, 1},
       {kNoChannel, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.5.2"}},
      {"chat_app",
       build({User(kAgoraChat, "", {{2, 0}})}),
       {5, 2},
       {kNoChannel, kNoChannel, kNoAccount, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.5.1"}},
      {"fpa",
       build({User(kAgoraFpa, "", {{1, 0}})}),
       {4, 1},
       {kNoChannel, kNoChannel, kNoAccount, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.1.1"}},
      {"apaas_room_user",
       build({apaas_room}),
       {7, 1},
       {kNoChannel, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.7.3"}},
      {"apaas_user",
       build({apaas_user}),
       {7, 2},
       {kNoChannel, kNoChannel, kOk, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.7.3"}},
      {"apaas_app",
       build({Apaas(AgoraApaasKind::kExplicit, {{3, 0}})}),
       {7, 3},
       {kNoChannel, kNoChannel, kNoAccount, kNoAccount, kAudience, kOk,
        "BAD_CLAIM privilege.7.1"}},
      {"unknown_type_9",
       unknown,
       {1, 1},
       {kNoChannel, kNoChannel, kNoAccount, kNoAccount, kAudience,
        "BAD_CLAIM privilege.1.1", "BAD_CLAIM privilege.2.1"}},
  };
  const auto verdict = [&](const std::string& token,
                           const VerifyExpectations& e) {
    const absl::Status st =
        tokend::testing::VerifyAllWays(profile, token, e, kNow).status();
    return st.ok() ? std::string()
                   : absl::StrCat(ReasonName(GetReason(st)), " ", GetField(st));
  };
  int checked = 0;
  for (const Shape& shape : shapes) {
    SCOPED_TRACE(shape.name);
    ASSERT_TRUE(
        tokend::testing::VerifyAllWays(profile, shape.token, {}, kNow).ok());
    std::vector<VerifyExpectations> columns(7);
    columns[0].channel = "room";
    columns[1].channel = "hall";
    columns[2].account = "alice";
    columns[3].account = "bob";
    columns[4].audience = "svc";
    columns[5].privileges = {shape.own};
    // The privilege the last column names, read from its expected field.
    const std::string& other = shape.want[6];
    ASSERT_TRUE(absl::StartsWith(other, "BAD_CLAIM privilege."));
    columns[6].privileges = {{static_cast<uint16_t>(other[20] - '0'),
                              static_cast<uint16_t>(other[22] - '0')}};
    for (size_t i = 0; i < columns.size(); ++i) {
      EXPECT_EQ(verdict(shape.token, columns[i]), shape.want[i]) << i;
      ++checked;
    }
  }

  // 006: the channel and account are needed to check the signature; an
  // expectation the shape cannot carry is refused.
  const auto legacy = [&](AgoraService s) {
    IssueInput input = Input({std::move(s)});
    std::get<AgoraGrants>(input.grants).legacy_006 = true;
    absl::StatusOr<TokenInfo> info = profile->Issue(input, kNow);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? info->token : std::string();
  };
  const std::string rtc006 = legacy(RtcAccount("room", "alice"));
  const std::string any006 = legacy(Rtc("room", 0));
  const std::string rtm006 = legacy(User(kAgoraRtm, "alice"));
  struct Row {
    const char* name;
    const std::string& token;
    std::optional<std::string> channel, account, audience;
    std::vector<std::pair<uint16_t, uint16_t>> privileges;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"rtc", rtc006, "room", "alice", {}, {{1, 1}}, ""},
      {"rtc_other_channel", rtc006, "hall", "alice", {}, {}, kNoChannel},
      {"rtc_other_account", rtc006, "room", "bob", {}, {}, kNoAccount},
      {"rtc_no_channel",
       rtc006,
       {},
       "alice",
       {},
       {},
       "INVALID_ARGUMENT channel"},
      {"rtc_no_account",
       rtc006,
       "room",
       {},
       {},
       {},
       "INVALID_ARGUMENT account"},
      {"rtc_audience", rtc006, "room", "alice", "svc", {}, kAudience},
      {"rtc_rtm_privilege",
       rtc006,
       "room",
       "alice",
       {},
       {{2, 1}},
       "BAD_CLAIM privilege.2.1"},
      {"any_uid", any006, "room", "bob", {}, {{1, 1}}, ""},
      {"any_uid_no_account", any006, "room", {}, {}, {}, ""},
      {"rtm", rtm006, {}, "alice", {}, {{2, 1}}, ""},
      {"rtm_with_channel", rtm006, "any-room", "alice", {}, {}, kNoChannel},
      {"rtm_other_user", rtm006, {}, "bob", {}, {}, kNoAccount},
      {"rtm_no_user", rtm006, {}, {}, {}, {}, "INVALID_ARGUMENT account"},
      {"rtm_audience", rtm006, {}, "alice", "svc", {}, kAudience},
      {"rtm_rtc_privilege",
       rtm006,
       {},
       "alice",
       {},
       {{1, 1}},
       "BAD_CLAIM privilege.1.1"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    VerifyExpectations e;
    e.channel = row.channel;
    e.account = row.account;
    e.audience = row.audience;
    e.privileges = row.privileges;
    EXPECT_EQ(verdict(row.token, e), row.want);
    ++checked;
  }
  std::printf("agora expectations: %d shape x expectation verdicts\n", checked);
}

// ---------------------------------------------------------------------------
// Legacy 006.

TEST(AgoraLegacyTest, IssueAndVerifyRtc) {
  auto profile = MakeProfile();
  IssueInput input =
      Input({Rtc("room", 42, {{1, 0}, {2, 100}})}, absl::Seconds(600));
  std::get<AgoraGrants>(input.grants).legacy_006 = true;
  absl::StatusOr<TokenInfo> info = profile->Issue(input, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->token.starts_with(absl::StrCat("006", kAppId)));
  EXPECT_EQ(info->expires_at, kNow + absl::Seconds(600));
  agora::ParsedAccessToken006 parsed;
  ASSERT_TRUE(agora::ParseAccessToken006(info->token, 8192, &parsed).ok());
  EXPECT_EQ(parsed.ts, absl::ToUnixSeconds(kNow) + 600);
  EXPECT_EQ(parsed.privileges, (std::map<uint16_t, uint32_t>{
                                   {1, absl::ToUnixSeconds(kNow) + 600},
                                   {2, absl::ToUnixSeconds(kNow) + 100}}));

  VerifyExpectations e;
  e.channel = "room";
  e.account = "42";
  e.privileges = {{kAgoraRtc, 1}};
  const absl::Time at = kNow + absl::Seconds(10);
  absl::StatusOr<TokenInfo> v =
      tokend::testing::VerifyAllWays(profile, info->token, e, at);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->subject, "42");
  EXPECT_EQ(v->token_id, info->token_id);
  EXPECT_TRUE(GrantsOf(*v).legacy_006);
  EXPECT_EQ(GrantsOf(*v).services[0].privileges,
            (std::map<uint16_t, uint32_t>{{1, 0}, {2, 90}}));
  ExpectError(tokend::testing::VerifyAllWays(profile, info->token, e,
                                             kNow + absl::Seconds(660))
                  .status(),
              Reason::kTokenExpired, "ts");
  e.privileges = {{kAgoraRtc, 2}};
  ExpectError(tokend::testing::VerifyAllWays(profile, info->token, e,
                                             kNow + absl::Seconds(161))
                  .status(),
              Reason::kTokenExpired, "privilege.1.2");
  e.privileges = {{kAgoraRtc, 3}};
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, at).status(),
      Reason::kBadClaim, "privilege.1.3");
  e.privileges.clear();
  e.channel = "other";
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, at).status(),
      Reason::kBadClaim, "channel");
  e.channel = "room";
  e.account = "43";
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, at).status(),
      Reason::kBadClaim, "account");
  e.account.reset();
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, at).status(),
      Reason::kInvalidArgument, "account");
  e.channel.reset();
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, at).status(),
      Reason::kInvalidArgument, "channel");
  // Renewal as 007 (migration): the verified grants without legacy_006.
  e.channel = "room";
  e.account = "42";
  v = tokend::testing::VerifyAllWays(profile, info->token, e, at);
  ASSERT_TRUE(v.ok());
  IssueInput migrate;
  AgoraGrants g = GrantsOf(*v);
  g.legacy_006 = false;
  migrate.grants = g;
  migrate.ttl = absl::Seconds(600);
  absl::StatusOr<TokenInfo> migrated = profile->Issue(migrate, at);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(profile, migrated->token, e, at).ok());
}

TEST(AgoraLegacyTest, IssueAndVerifyRtmAndAnyUid) {
  auto profile = MakeProfile();
  IssueInput input = Input({User(kAgoraRtm, "")}, absl::Seconds(600), "zed");
  std::get<AgoraGrants>(input.grants).legacy_006 = true;
  absl::StatusOr<TokenInfo> info = profile->Issue(input, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  VerifyExpectations e;
  e.account = "zed";
  e.privileges = {{kAgoraRtm, 1}};
  absl::StatusOr<TokenInfo> v =
      tokend::testing::VerifyAllWays(profile, info->token, e, kNow);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(GrantsOf(*v).services[0].type, kAgoraRtm);
  EXPECT_EQ(GrantsOf(*v).services[0].user_id, "zed");
  e.account = "other";
  ExpectError(
      tokend::testing::VerifyAllWays(profile, info->token, e, kNow).status(),
      Reason::kBadClaim, "account");

  IssueInput any = Input({Rtc("room", 0)});
  std::get<AgoraGrants>(any.grants).legacy_006 = true;
  info = profile->Issue(any, kNow);
  ASSERT_TRUE(info.ok());
  VerifyExpectations room;
  room.channel = "room";
  v = tokend::testing::VerifyAllWays(profile, info->token, room, kNow);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(GrantsOf(*v).services[0].uid, 0);

  IssueInput two = Input({Rtc("a", 1), Rtc("b", 2)});
  std::get<AgoraGrants>(two.grants).legacy_006 = true;
  ExpectError(profile->Issue(two, kNow).status(), Reason::kInvalidArgument,
              "grants.agora.services");
  IssueInput chat = Input({User(kAgoraChat, "c")});
  std::get<AgoraGrants>(chat.grants).legacy_006 = true;
  ExpectError(profile->Issue(chat, kNow).status(), Reason::kInvalidArgument,
              "grants.agora.services[0].type");
  IssueInput big = Input({Rtc("a", 1ll << 33)});
  std::get<AgoraGrants>(big.grants).legacy_006 = true;
  ExpectError(profile->Issue(big, kNow).status(), Reason::kInvalidArgument,
              "grants.agora.services[0].uid");
}

TEST(AgoraLegacyTest, TamperedAndRefused) {
  auto profile = MakeProfile();
  IssueInput input = Input({Rtc("room", 7)});
  std::get<AgoraGrants>(input.grants).legacy_006 = true;
  auto info = profile->Issue(input, kNow);
  ASSERT_TRUE(info.ok());
  VerifyExpectations e;
  e.channel = "room";
  e.account = "7";
  agora::ParsedAccessToken006 parsed;
  ASSERT_TRUE(agora::ParseAccessToken006(info->token, 8192, &parsed).ok());
  int flips = 0;
  for (size_t i = 0; i < parsed.content.size(); ++i) {
    std::string c = parsed.content;
    c[i] = static_cast<char>(c[i] ^ 0x01);
    const std::string t = absl::StrCat("006", kAppId, Base64StdEncode(c));
    const Reason r =
        GetReason(tokend::testing::VerifyAllWays(profile, t, e, kNow).status());
    EXPECT_TRUE(r == Reason::kBadSignature || r == Reason::kMalformed ||
                r == Reason::kBadClaim)
        << i << " " << ReasonName(r);
    ++flips;
  }
  std::printf("agora 006: %d content bit flips refused\n", flips);
  ExpectError(tokend::testing::VerifyAllWays(
                  profile, "006" + std::string(kAppId), e, kNow)
                  .status(),
              Reason::kMalformed, "");
  ExpectError(
      tokend::testing::VerifyAllWays(profile, "006xyz", e, kNow).status(),
      Reason::kMalformed, "");
  ExpectError(tokend::testing::VerifyAllWays(MakeProfile(kAppId, kOtherCert),
                                             info->token, e, kNow)
                  .status(),
              Reason::kBadSignature, "");
  AgoraProfileConfig no006;
  no006.app_id = kAppId;
  no006.app_certificate = kCert;
  no006.accept_legacy_006 = false;
  auto strict = NewAgoraProfile(no006);
  ASSERT_TRUE(strict.ok());
  ExpectError(
      tokend::testing::VerifyAllWays((*strict), info->token, e, kNow).status(),
      Reason::kMalformed, "");
}

// ---------------------------------------------------------------------------
// Interop with agora-token 2.0.6.

json::Object RunAgora(const std::string& command, const json::Object& in) {
  absl::StatusOr<testing::ProcessResult> r =
      RunNodeScript("agora.mjs", {command}, json::Serialize(in));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ(r->exit_code, 0) << r->err;
  json::ParseLimits limits;
  limits.max_bytes = 1 << 20;
  absl::StatusOr<json::Object> v = json::ParseObject(r->out, limits);
  EXPECT_TRUE(v.ok()) << v.status() << r->out;
  if (!v.ok()) return {};
  return *std::move(v);
}

json::Object Obj(std::initializer_list<std::pair<const char*, json::Value>> m) {
  json::Object o;
  for (const auto& [k, v] : m) o.Set(k, v);
  return o;
}

TEST(AgoraInteropTest, TokendTokensParseAndVerifyInAgoraToken) {
  auto profile = MakeProfile();
  const absl::Time now = absl::Now();
  std::vector<TokenInfo> issued;
  json::Array items;
  for (const RoundTripCase& c : RoundTripCases()) {
    auto info =
        profile->Issue(Input(c.services, absl::Seconds(900), c.subject), now);
    ASSERT_TRUE(info.ok()) << c.name << " " << info.status();
    // Each token twice: the right certificate, then a wrong one.
    items.push_back(
        json::Value(Obj({{"token", info->token}, {"certificate", kCert}})));
    items.push_back(json::Value(
        Obj({{"token", info->token}, {"certificate", kOtherCert}})));
    issued.push_back(*std::move(info));
  }
  json::Object out = RunAgora("parse_many", Obj({{"items", items}}));
  ASSERT_NE(out.Find("results"), nullptr);
  const json::Array& results = out.Find("results")->as_array();
  ASSERT_EQ(results.size(), 2 * issued.size());
  const std::vector<RoundTripCase> cases = RoundTripCases();
  int checked = 0;
  for (size_t n = 0; n < issued.size(); ++n) {
    SCOPED_TRACE(cases[n].name);
    const TokenInfo& info = issued[n];
    const json::Object& res = results[2 * n].as_object();
    EXPECT_TRUE(res.Find("parsed")->as_bool());
    EXPECT_TRUE(res.Find("verified")->as_bool());
    EXPECT_EQ(res.Find("app_id")->as_string(), kAppId);
    EXPECT_EQ(res.Find("issue_ts")->as_int(), absl::ToUnixSeconds(now));
    EXPECT_EQ(res.Find("expire")->as_int(), 900);
    EXPECT_EQ(res.Find("salt")->as_int(), GrantsOf(info).salt);
    const json::Array& services = res.Find("services")->as_array();
    const auto& want = GrantsOf(info).services;
    ASSERT_EQ(services.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const json::Object& s = services[i].as_object();
      EXPECT_EQ(s.Find("type")->as_int(), want[i].type);
      EXPECT_EQ(PrivilegesFrom(s.Find("privileges")->as_object()),
                want[i].privileges);
      if (const json::Value* ch = s.Find("channel")) {
        EXPECT_EQ(ch->as_string(), want[i].channel);
      }
      if (const json::Value* a = s.Find("account")) {
        EXPECT_EQ(a->as_string(), *agora::ResolveServiceAccount(want[i], i));
      }
      if (const json::Value* u = s.Find("user_id")) {
        EXPECT_EQ(u->as_string(), want[i].user_id);
      }
      if (const json::Value* u = s.Find("user_uuid")) {
        EXPECT_EQ(u->as_string(), want[i].user_uuid);
        EXPECT_EQ(s.Find("room_uuid")->as_string(), want[i].room_uuid);
        // agora-token's parser reads the int16 role as unsigned.
        EXPECT_EQ(static_cast<int16_t>(s.Find("role")->as_int()),
                  want[i].apaas_role);
      }
      if (const json::Value* p = s.Find("permissions")) {
        size_t names = 0;
        for (const auto& [rt, by_perm] : p->as_object().members()) {
          for (const auto& [perm, list] : by_perm.as_object().members()) {
            names += list.as_array().size();
          }
        }
        size_t want_names = 0;
        for (const auto& [rt, by_perm] : want[i].rtm2_permissions) {
          for (const auto& [perm, list] : by_perm) want_names += list.size();
        }
        EXPECT_EQ(names, want_names);
      }
    }
    // And the library says no with another certificate.
    EXPECT_FALSE(results[2 * n + 1].as_object().Find("verified")->as_bool());
    ++checked;
  }
  std::printf("agora interop: %d tokend tokens verified by agora-token\n",
              checked);
}

TEST(AgoraInteropTest, AgoraTokenBuildersVerifyInTokend) {
  auto profile = MakeProfile();
  struct Case {
    json::Object args;
    VerifyExpectations expect;
    std::vector<uint16_t> types;
  };
  auto base = [](const char* name) {
    return Obj({{"name", name},
                {"app_id", kAppId},
                {"certificate", kCert},
                {"expire", 600}});
  };
  std::vector<Case> cases;
  {
    json::Object a = base("rtc_uid");
    a.Set("channel", kChannel);
    a.Set("uid", int64_t{2882341273});
    a.Set("role", 1);
    a.Set("privilege_expire", 300);
    VerifyExpectations e;
    e.channel = kChannel;
    e.account = "2882341273";
    e.privileges = {{1, 1}, {1, 2}, {1, 3}, {1, 4}};
    cases.push_back({a, e, {1}});
  }
  {
    json::Object a = base("rtc_uid");
    a.Set("channel", "any");
    a.Set("uid", 0);
    a.Set("role", 2);
    VerifyExpectations e;
    e.channel = "any";
    e.account = "12345";
    e.privileges = {{1, 1}};
    cases.push_back({a, e, {1}});
  }
  {
    json::Object a = base("rtc_account");
    a.Set("channel", "c");
    a.Set("account", "alice");
    a.Set("role", 2);
    VerifyExpectations e;
    e.account = "alice";
    cases.push_back({a, e, {1}});
  }
  {
    json::Object a = base("rtc_uid_privileges");
    a.Set("channel", "c");
    a.Set("uid", 7);
    a.Set("join", 600);
    a.Set("audio", 60);
    a.Set("video", 60);
    a.Set("data", 60);
    VerifyExpectations e;
    e.privileges = {{1, 2}};
    cases.push_back({a, e, {1}});
  }
  {
    json::Object a = base("rtc_rtm");
    a.Set("channel", "c");
    a.Set("account", "bob");
    a.Set("role", 1);
    VerifyExpectations e;
    e.account = "bob";
    e.privileges = {{1, 1}, {2, 1}};
    cases.push_back({a, e, {1, 2}});
  }
  {
    json::Object a = base("rtm");
    a.Set("user_id", "carol");
    VerifyExpectations e;
    e.account = "carol";
    e.privileges = {{2, 1}};
    cases.push_back({a, e, {2}});
  }
  {
    json::Object a = base("chat_user");
    a.Set("user_id", "dan");
    VerifyExpectations e;
    e.privileges = {{5, 1}};
    cases.push_back({a, e, {5}});
  }
  {
    json::Object a = base("chat_app");
    VerifyExpectations e;
    e.privileges = {{5, 2}};
    cases.push_back({a, e, {5}});
  }
  {
    json::Object a = base("apaas_room_user");
    a.Set("room_uuid", "room");
    a.Set("user_uuid", "eve");
    a.Set("role", 1);
    VerifyExpectations e;
    e.account = "eve";
    // agora-token 2.0.6's buildRoomUserToken adds the APaaS service WITHOUT
    // its room-user privilege (Agora's C++ builder and tokend add it, as in
    // the cpp_apaas_room_user vector), so only RTM login is checked (the
    // Chat user is md5_hex of the user uuid, another account).
    e.privileges = {{2, 1}};
    cases.push_back({a, e, {2, 5, 7}});
  }
  {
    json::Object a = base("fpa");
    VerifyExpectations e;
    e.privileges = {{4, 1}};
    cases.push_back({a, e, {4}});
  }
  const absl::Time now = absl::Now();
  int verified = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args.Find("name")->as_string());
    json::Object out = RunAgora("builder", c.args);
    ASSERT_NE(out.Find("token"), nullptr);
    const std::string token = out.Find("token")->as_string();
    absl::StatusOr<TokenInfo> info =
        tokend::testing::VerifyAllWays(profile, token, c.expect, now);
    ASSERT_TRUE(info.ok()) << info.status();
    std::vector<uint16_t> types;
    for (const AgoraService& s : GrantsOf(*info).services) {
      types.push_back(s.type);
    }
    EXPECT_EQ(types, c.types);
    EXPECT_EQ(
        GetReason(tokend::testing::VerifyAllWays(
                      MakeProfile(kAppId, kOtherCert), token, c.expect, now)
                      .status()),
        Reason::kBadSignature);
    ++verified;
  }
  std::printf("agora interop: %d agora-token builder tokens verified\n",
              verified);
}

TEST(AgoraInteropTest, AgoraTokenLowLevelMatchesTokendPayload) {
  // Streaming, FCDN and RTM2 have no public builder: the library's Service
  // classes with fixed issue_ts and salt give the same payload as tokend.
  json::Array services;
  services.push_back(json::Value(Obj({{"type", 3},
                                      {"channel", "live"},
                                      {"uid", "pusher"},
                                      {"privileges", Obj({{"1", 600}})}})));
  services.push_back(json::Value(Obj({{"type", 6},
                                      {"channel", "cdn"},
                                      {"uid", 77},
                                      {"privileges", Obj({{"2", 600}})}})));
  json::Object perms =
      Obj({{"0", Obj({{"0", json::Array{json::Value("a"), json::Value("b")}}})},
           {"4", Obj({{"1", json::Array{json::Value("u")}}})}});
  services.push_back(json::Value(Obj({{"type", 8},
                                      {"user_id", "rtm2-user"},
                                      {"permissions", perms},
                                      {"privileges", Obj({{"1", 600}})}})));
  services.push_back(json::Value(Obj({{"type", 1},
                                      {"channel", "room"},
                                      {"uid", 0},
                                      {"privileges", Obj({{"1", 600}})}})));
  json::Object out = RunAgora("build", Obj({{"app_id", kAppId},
                                            {"certificate", kCert},
                                            {"issue_ts", int64_t{1700000000}},
                                            {"expire", 600},
                                            {"salt", 12345},
                                            {"services", services}}));
  ASSERT_NE(out.Find("token"), nullptr);
  const std::string node_token = out.Find("token")->as_string();

  AgoraService streaming;
  streaming.type = kAgoraStreaming;
  streaming.channel = "live";
  streaming.account = "pusher";
  streaming.privileges = {{1, 600}};
  AgoraService fcdn;
  fcdn.type = kAgoraFcdn;
  fcdn.channel = "cdn";
  fcdn.uid = 77;
  fcdn.privileges = {{2, 600}};
  AgoraService rtm2 = User(kAgoraRtm2, "rtm2-user", {{1, 600}});
  rtm2.rtm2_permissions[0][0] = {"a", "b"};
  rtm2.rtm2_permissions[4][1] = {"u"};
  absl::StatusOr<std::string> ours = agora::BuildAccessToken2(
      kAppId, kCert, 1700000000, 600, 12345,
      {streaming, fcdn, rtm2, Rtc("room", 0, {{1, 600}})});
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_EQ(HexEncode(Payload(*ours)), HexEncode(Payload(node_token)));

  VerifyExpectations e;
  e.account = "rtm2-user";
  e.privileges = {{8, 1}};
  absl::StatusOr<TokenInfo> info = tokend::testing::VerifyAllWays(
      MakeProfile(), node_token, e, absl::FromUnixSeconds(1700000001));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(GrantsOf(*info).services[3].rtm2_permissions,
            rtm2.rtm2_permissions);
}

TEST(AgoraInteropTest, Legacy006BothWays) {
  auto profile = MakeProfile();
  const int64_t now_s = absl::ToUnixSeconds(kNow);
  json::Object out = RunAgora(
      "build006",
      Obj({{"app_id", kAppId},
           {"certificate", kCert},
           {"channel", "room"},
           {"uid", 2882341273},
           {"ts", now_s + 3600},
           {"privileges", Obj({{"1", now_s + 3600}, {"2", now_s + 60}})}}));
  ASSERT_NE(out.Find("token"), nullptr);
  VerifyExpectations e;
  e.channel = "room";
  e.account = "2882341273";
  e.privileges = {{1, 1}, {1, 2}};
  absl::StatusOr<TokenInfo> info = tokend::testing::VerifyAllWays(
      profile, out.Find("token")->as_string(), e, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->expires_at, kNow + absl::Hours(1));

  IssueInput input = Input({Rtc("room", 5, {{1, 0}, {3, 120}})});
  std::get<AgoraGrants>(input.grants).legacy_006 = true;
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
  ASSERT_TRUE(issued.ok());
  json::Object parsed = RunAgora("parse006", Obj({{"token", issued->token}}));
  ASSERT_NE(parsed.Find("parsed"), nullptr);
  EXPECT_TRUE(parsed.Find("parsed")->as_bool());
  EXPECT_EQ(parsed.Find("app_id")->as_string(), kAppId);
  EXPECT_EQ(parsed.Find("salt")->as_int(), GrantsOf(*issued).salt);
  EXPECT_EQ(parsed.Find("ts")->as_int(), now_s + 600);
  EXPECT_EQ(
      PrivilegesFrom(parsed.Find("privileges")->as_object()),
      (std::map<uint16_t, uint32_t>{{1, static_cast<uint32_t>(now_s + 600)},
                                    {3, static_cast<uint32_t>(now_s + 120)}}));
  // Node rebuilds the same string from the parsed salt and ts (006 has no
  // compression, so the strings are comparable).
  json::Object rebuilt =
      RunAgora("build006",
               Obj({{"app_id", kAppId},
                    {"certificate", kCert},
                    {"channel", "room"},
                    {"uid", 5},
                    {"salt", int64_t{GrantsOf(*issued).salt}},
                    {"ts", now_s + 600},
                    {"privileges", parsed.Find("privileges")->as_object()}}));
  ASSERT_NE(rebuilt.Find("token"), nullptr);
  EXPECT_EQ(rebuilt.Find("token")->as_string(), issued->token);
}

}  // namespace
}  // namespace tokend
