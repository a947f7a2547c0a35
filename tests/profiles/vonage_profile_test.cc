// The vonage profile: config checks, application JWT and Video client token
// issue/verify, every claim rule, renewal, and interop in both directions
// with Vonage's own @vonage/jwt (Node) and with PyJWT.
#include "core/profiles/vonage_profile.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/profiles/interop_util.h"

namespace tokend {
namespace {

using ::tokend::testing::RunNodeScript;
using ::tokend::testing::RunPythonScript;

constexpr char kAppId[] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

struct KeyPair {
  std::shared_ptr<const Key> key;
  std::string private_pem;
  std::string public_pem;
};

KeyPair MakeKeyPair() {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      GenerateKey(Algorithm::kRS256);
  EXPECT_TRUE(key.ok()) << key.status();
  KeyPair pair;
  pair.key = *key;
  pair.private_pem = PrivateKeyToPem(**key).value();
  pair.public_pem = PublicKeyToPem(**key).value();
  return pair;
}

// RSA key generation is slow; two pairs serve the whole binary.
const KeyPair& MainKeys() {
  static const KeyPair* pair = new KeyPair(MakeKeyPair());
  return *pair;
}
const KeyPair& OtherKeys() {
  static const KeyPair* pair = new KeyPair(MakeKeyPair());
  return *pair;
}

VonageProfileConfig Config() {
  VonageProfileConfig config;
  config.application_id = kAppId;
  config.private_key_pem = MainKeys().private_pem;
  return config;
}

std::shared_ptr<const Profile> MakeProfile(VonageProfileConfig config) {
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewVonageProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

json::Object DecodeSegment(absl::string_view token, int index) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  absl::StatusOr<std::string> raw = Base64UrlDecode(parts[index]);
  EXPECT_TRUE(raw.ok());
  absl::StatusOr<json::Object> object = json::ParseObject(*raw);
  EXPECT_TRUE(object.ok()) << object.status();
  return *object;
}

// A compact RS256 token with exactly these payload bytes.
std::string SignRaw(
    const Key& key, absl::string_view payload,
    absl::string_view header = R"({"alg":"RS256","typ":"JWT"})") {
  std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  return absl::StrCat(input, ".", Base64UrlEncode(key.Sign(input).value()));
}

VonageGrants VideoGrants() {
  VonageGrants grants;
  grants.kind = VonageGrants::Kind::kVideoClient;
  grants.session_id = "1_MX5hYWFhYWFhYS1iYmJifn4xNzM1Njg5NjAwMDAwfmZha2V+fg";
  return grants;
}

json::Object UserAcl() {
  json::Object rule;
  rule.Set("methods", json::Value(json::Array{json::Value("GET")}));
  json::Object paths;
  paths.Set("/*/users/**", json::Value(rule));
  paths.Set("/*/conversations/**", json::Value(json::Object()));
  json::Object acl;
  acl.Set("paths", json::Value(std::move(paths)));
  return acl;
}

std::string Str(const json::Object& o, absl::string_view name) {
  const json::Value* v = o.Find(name);
  return v != nullptr && v->is_string() ? v->as_string() : "<absent>";
}

void ExpectError(const absl::Status& status, Reason reason,
                 absl::string_view field) {
  EXPECT_EQ(GetReason(status), reason) << status;
  EXPECT_EQ(GetField(status), field) << status;
}

// --- Configuration -----------------------------------------------------------

TEST(VonageConfigTest, RefusesBadApplicationId) {
  for (const char* id :
       {"", "not-a-uuid", "aaaaaaaa-bbbb-cccc-dddd-0123456789a",
        "aaaaaaaaxbbbb-cccc-dddd-0123456789ab",
        "gaaaaaaa-bbbb-cccc-dddd-0123456789ab"}) {
    VonageProfileConfig config = Config();
    config.application_id = id;
    ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
                "application_id");
  }
}

TEST(VonageConfigTest, RefusesBadKeys) {
  VonageProfileConfig config = Config();
  config.private_key_pem =
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  ExpectError(NewVonageProfile(config).status(), Reason::kKeyInvalid,
              "private_key_pem");

  config = Config();
  config.private_key_pem = MainKeys().public_pem;
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "private_key_pem");

  config = Config();
  config.public_key_pem = OtherKeys().public_pem;
  ExpectError(NewVonageProfile(config).status(), Reason::kKeyInvalid,
              "public_key_pem");

  config = Config();
  config.private_key_pem.clear();
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "private_key_pem");

  // An EC key cannot be an RS256 key.
  absl::StatusOr<std::shared_ptr<const Key>> ec =
      GenerateKey(Algorithm::kES256);
  ASSERT_TRUE(ec.ok());
  config = Config();
  config.private_key_pem = PrivateKeyToPem(**ec).value();
  EXPECT_NE(GetReason(NewVonageProfile(config).status()), Reason::kOk);
  EXPECT_EQ(GetField(NewVonageProfile(config).status()), "private_key_pem");
}

TEST(VonageConfigTest, VendorMaximaCapTheConfiguredTtl) {
  VonageProfileConfig config = Config();
  config.ttl.max_ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "ttl.max_ttl");
  config = Config();
  config.video_ttl.max_ttl = absl::Hours(24 * 30) + absl::Seconds(1);
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "video_ttl.max_ttl");
  config = Config();
  config.ttl.default_ttl = absl::Hours(25);
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "ttl.default_ttl");
  config = Config();
  config.leeway = absl::Seconds(-1);
  ExpectError(NewVonageProfile(config).status(), Reason::kInvalidArgument,
              "leeway");
}

// --- Application JWT ---------------------------------------------------------

TEST(VonageApplicationTest, DefaultTokenLooksLikeTheSdks) {
  auto profile = MakeProfile(Config());
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->name(), "vonage");
  absl::StatusOr<TokenInfo> info = profile->Issue(IssueInput(), kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->expires_at - info->issued_at, absl::Minutes(15));
  EXPECT_EQ(info->session_started, kNow);

  json::Object header = DecodeSegment(info->token, 0);
  EXPECT_EQ(json::Serialize(header), R"({"alg":"RS256","typ":"JWT"})");
  json::Object claims = DecodeSegment(info->token, 1);
  // Exactly the SDK's minimal claim set: no sub, acl or tokend_sst.
  EXPECT_EQ(claims.size(), 4u) << json::Serialize(claims);
  EXPECT_EQ(Str(claims, "application_id"), kAppId);
  EXPECT_EQ(claims.Find("iat")->as_int(), 1735689600);
  EXPECT_EQ(claims.Find("exp")->as_int(), 1735689600 + 900);
  const std::string jti = Str(claims, "jti");
  EXPECT_EQ(jti, info->token_id);
  ASSERT_EQ(jti.size(), 36u);
  EXPECT_EQ(jti[14], '4');  // UUID v4, as @vonage/jwt writes
}

TEST(VonageApplicationTest, RoundTripWithSubjectAndAcl) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  input.subject = "alice";
  input.ttl = absl::Hours(2);
  VonageGrants grants;
  grants.acl = UserAcl();
  input.grants = grants;
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();

  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile, issued->token, {}, kNow + absl::Minutes(5));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->token_id, issued->token_id);
  EXPECT_EQ(verified->issued_at, kNow);
  EXPECT_EQ(verified->expires_at, kNow + absl::Hours(2));
  EXPECT_EQ(verified->session_started, kNow);
  const auto* got = std::get_if<VonageGrants>(&verified->grants);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->kind, VonageGrants::Kind::kApplication);
  EXPECT_EQ(got->acl, UserAcl());
  EXPECT_TRUE(got->session_id.empty());
  EXPECT_EQ(Str(verified->claims, "sub"), "alice");
}

TEST(VonageApplicationTest, TtlOverTheMaximumIsRefused) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  input.ttl = absl::Hours(24);
  EXPECT_TRUE(profile->Issue(input, kNow).ok());
  input.ttl = absl::Hours(24) + absl::Seconds(1);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
              "ttl");
}

TEST(VonageApplicationTest, RefusesVideoFieldsAndBadAcl) {
  auto profile = MakeProfile(Config());
  struct Case {
    void (*mutate)(VonageGrants*);
    const char* field;
  };
  const Case cases[] = {
      {[](VonageGrants* g) { g->session_id = "s"; },
       "grants.vonage.session_id"},
      {[](VonageGrants* g) { g->role = "publisher"; }, "grants.vonage.role"},
      {[](VonageGrants* g) { g->connection_data = "d"; },
       "grants.vonage.connection_data"},
      {[](VonageGrants* g) { g->initial_layout_class_list = {"a"}; },
       "grants.vonage.initial_layout_class_list"},
      // acl shapes: no paths, paths not an object, a path not an object,
      // extra top-level members, an unknown method, an unknown member.
      {[](VonageGrants* g) { g->acl.Set("other", json::Value(1)); },
       "grants.vonage.acl"},
      {[](VonageGrants* g) { g->acl.Set("paths", json::Value("x")); },
       "grants.vonage.acl"},
      {[](VonageGrants* g) {
         json::Object paths;
         paths.Set("/a", json::Value(true));
         g->acl.Set("paths", json::Value(paths));
       },
       "grants.vonage.acl"},
      {[](VonageGrants* g) {
         *g = VonageGrants();
         g->acl = UserAcl();
         g->acl.Set("extra", json::Value(json::Object()));
       },
       "grants.vonage.acl"},
      {[](VonageGrants* g) {
         json::Object rule;
         rule.Set("methods", json::Value(json::Array{json::Value("FETCH")}));
         json::Object paths;
         paths.Set("/a", json::Value(rule));
         g->acl.Set("paths", json::Value(paths));
       },
       "grants.vonage.acl"},
      {[](VonageGrants* g) {
         json::Object rule;
         rule.Set("verbs", json::Value(json::Array()));
         json::Object paths;
         paths.Set("/a", json::Value(rule));
         g->acl.Set("paths", json::Value(paths));
       },
       "grants.vonage.acl"},
  };
  for (const Case& c : cases) {
    VonageGrants grants;
    c.mutate(&grants);
    IssueInput input;
    input.grants = grants;
    ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                c.field);
  }
  IssueInput input;
  input.subject = std::string("\xff", 1);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
              "subject");
  input = IssueInput();
  input.grants = LiveKitGrants();
  ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
              "grants");
}

// --- Video client token ------------------------------------------------------

TEST(VonageVideoTest, DefaultsAndClaims) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  input.subject = "ignored-by-video";
  input.grants = VideoGrants();
  absl::StatusOr<TokenInfo> info = profile->Issue(input, kNow);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->expires_at - info->issued_at, absl::Hours(24));
  EXPECT_EQ(info->subject, "video");
  json::Object claims = DecodeSegment(info->token, 1);
  EXPECT_EQ(
      json::Serialize(claims),
      absl::StrCat(R"({"acl":{"paths":{"/session/**":{}}},"application_id":")",
                   kAppId, R"(","exp":1735776000,"iat":1735689600,)",
                   R"("initial_layout_class_list":"","jti":")", info->token_id,
                   R"(","role":"publisher","scope":"session.connect",)",
                   R"("session_id":")", VideoGrants().session_id,
                   R"(","sub":"video"})"));
  const auto& grants = std::get<VonageGrants>(info->grants);
  EXPECT_EQ(grants.role, "publisher");
  EXPECT_EQ(grants.acl, DecodeSegment(info->token, 1).Find("acl")->as_object());
}

TEST(VonageVideoTest, RoundTripAllFields) {
  auto profile = MakeProfile(Config());
  VonageGrants grants = VideoGrants();
  grants.role = "moderator";
  grants.connection_data = R"({"name":"Alice"})";
  grants.initial_layout_class_list = {"focus", "full"};
  grants.acl = UserAcl();
  IssueInput input;
  input.grants = grants;
  input.ttl = absl::Hours(24 * 30);
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(Str(DecodeSegment(issued->token, 1), "initial_layout_class_list"),
            "focus full");

  VerifyExpectations expect;
  expect.channel = grants.session_id;
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, issued->token, expect, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  const auto& got = std::get<VonageGrants>(verified->grants);
  EXPECT_EQ(got.kind, VonageGrants::Kind::kVideoClient);
  EXPECT_EQ(got.session_id, grants.session_id);
  EXPECT_EQ(got.role, "moderator");
  EXPECT_EQ(got.connection_data, grants.connection_data);
  EXPECT_EQ(got.initial_layout_class_list, grants.initial_layout_class_list);
  EXPECT_EQ(got.acl, grants.acl);
  EXPECT_EQ(verified->subject, "video");
}

TEST(VonageVideoTest, ConnectionDataLimitCountsUtf16Units) {
  auto profile = MakeProfile(Config());
  auto issue = [&](std::string data) {
    VonageGrants grants = VideoGrants();
    grants.connection_data = std::move(data);
    IssueInput input;
    input.grants = grants;
    return profile->Issue(input, kNow).status();
  };
  EXPECT_TRUE(issue(std::string(1000, 'a')).ok());
  ExpectError(issue(std::string(1001, 'a')), Reason::kInvalidArgument,
              "grants.vonage.connection_data");
  // "é" is one UTF-16 unit (two UTF-8 bytes); U+1F600 is two units.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";
  EXPECT_TRUE(issue(accents).ok());
  std::string emoji;
  for (int i = 0; i < 500; ++i) emoji += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(issue(emoji).ok());
  ExpectError(issue(emoji + "a"), Reason::kInvalidArgument,
              "grants.vonage.connection_data");
  ExpectError(issue("\xed\xa0\x80"), Reason::kInvalidArgument,  // a surrogate
              "grants.vonage.connection_data");
}

TEST(VonageVideoTest, RefusesBadGrants) {
  auto profile = MakeProfile(Config());
  struct Case {
    void (*mutate)(VonageGrants*);
    const char* field;
  };
  const Case cases[] = {
      {[](VonageGrants* g) { g->session_id.clear(); },
       "grants.vonage.session_id"},
      // Not a session id's characters, or over tokend's cap.
      {[](VonageGrants* g) { g->session_id = "1_MX4 x"; },
       "grants.vonage.session_id"},
      {[](VonageGrants* g) { g->session_id = "1_MX4\n"; },
       "grants.vonage.session_id"},
      {[](VonageGrants* g) { g->session_id = std::string(1025, 'M'); },
       "grants.vonage.session_id"},
      {[](VonageGrants* g) { g->role = "admin"; }, "grants.vonage.role"},
      {[](VonageGrants* g) { g->role = "Publisher"; }, "grants.vonage.role"},
      {[](VonageGrants* g) { g->initial_layout_class_list = {"a b"}; },
       "grants.vonage.initial_layout_class_list"},
      {[](VonageGrants* g) { g->initial_layout_class_list = {""}; },
       "grants.vonage.initial_layout_class_list"},
      {[](VonageGrants* g) {
         // 512 + 1 + 512 = 1025 characters joined.
         g->initial_layout_class_list = {std::string(512, 'a'),
                                         std::string(512, 'b')};
       },
       "grants.vonage.initial_layout_class_list"},
      {[](VonageGrants* g) { g->acl.Set("paths", json::Value(1)); },
       "grants.vonage.acl"},
  };
  for (const Case& c : cases) {
    VonageGrants grants = VideoGrants();
    c.mutate(&grants);
    IssueInput input;
    input.grants = grants;
    ExpectError(profile->Issue(input, kNow).status(), Reason::kInvalidArgument,
                c.field);
  }
  VonageGrants ok = VideoGrants();
  ok.initial_layout_class_list = {std::string(511, 'a'), std::string(512, 'b')};
  IssueInput input;
  input.grants = ok;
  EXPECT_TRUE(profile->Issue(input, kNow).ok());
  input.ttl = absl::Hours(24 * 30) + absl::Seconds(1);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
              "ttl");
}

TEST(VonageApplicationTest, OnlyAnApplicationJwtWithoutSubjectIsAppLevel) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  EXPECT_TRUE(profile->IsAppLevel(input));  // the REST credential
  input.subject = "alice";
  EXPECT_FALSE(profile->IsAppLevel(input));  // a Client SDK login
  input.subject.clear();
  input.grants = VideoGrants();
  EXPECT_FALSE(profile->IsAppLevel(input));  // one session
  // The same answer for what verify reads back.
  IssueInput app;
  absl::StatusOr<TokenInfo> issued = profile->Issue(app, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<TokenInfo> verified =
      tokend::testing::VerifyAllWays(profile, issued->token, {}, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  IssueInput back;
  back.subject = verified->subject;
  back.grants = verified->grants;
  EXPECT_TRUE(profile->IsAppLevel(back));
}

TEST(VonageVideoTest, ConfiguredVideoMaximum) {
  VonageProfileConfig config = Config();
  config.video_ttl = {absl::Hours(1), absl::Hours(2)};
  auto profile = MakeProfile(config);
  IssueInput input;
  input.grants = VideoGrants();
  input.ttl = absl::Hours(3);
  ExpectError(profile->Issue(input, kNow).status(), Reason::kLifetimeExceeded,
              "ttl");
  // The verifier holds tokens to the same configured maximum.
  auto lenient = MakeProfile(Config());
  absl::StatusOr<TokenInfo> long_token = lenient->Issue(input, kNow);
  ASSERT_TRUE(long_token.ok());
  ExpectError(
      tokend::testing::VerifyAllWays(profile, long_token->token, {}, kNow)
          .status(),
      Reason::kLifetimeExceeded, "exp");
}

// --- Verification ------------------------------------------------------------

class VonageVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override { profile_ = MakeProfile(Config()); }

  // Claims around a valid application JWT, to be edited per case.
  static std::string AppPayload(absl::string_view extra = "",
                                int64_t lifetime = 900) {
    return absl::StrCat(R"({"application_id":")", kAppId,
                        R"(","iat":1735689600,"exp":)", 1735689600 + lifetime,
                        R"(,"jti":"j1")", extra, "}");
  }
  static std::string VideoPayload(absl::string_view replace_key = "",
                                  absl::string_view replace_with = "") {
    json::Object claims;
    claims.Set("application_id", json::Value(kAppId));
    claims.Set("iat", json::Value(int64_t{1735689600}));
    claims.Set("exp", json::Value(int64_t{1735689600 + 3600}));
    claims.Set("jti", json::Value("j2"));
    claims.Set("scope", json::Value("session.connect"));
    claims.Set("session_id", json::Value("s1"));
    claims.Set("role", json::Value("subscriber"));
    claims.Set("initial_layout_class_list", json::Value(""));
    claims.Set("sub", json::Value("video"));
    json::Object paths;
    paths.Set("/session/**", json::Value(json::Object()));
    json::Object acl;
    acl.Set("paths", json::Value(paths));
    claims.Set("acl", json::Value(acl));
    std::string text = json::Serialize(claims);
    if (!replace_key.empty()) {
      json::Object edited = json::ParseObject(text).value();
      if (replace_with.empty()) {
        edited.Erase(replace_key);
      } else {
        std::string wrapped = absl::StrCat(R"({"v":)", replace_with, "}");
        edited.Set(std::string(replace_key),
                   *json::ParseObject(wrapped).value().Find("v"));
      }
      text = json::Serialize(edited);
    }
    return text;
  }
  absl::Status VerifyRaw(absl::string_view payload,
                         const VerifyExpectations& expect = {}) {
    return tokend::testing::VerifyAllWays(
               profile_, SignRaw(*MainKeys().key, payload), expect, kNow)
        .status();
  }

  std::shared_ptr<const Profile> profile_;
};

TEST_F(VonageVerifyTest, AcceptsHandBuiltTokens) {
  EXPECT_TRUE(VerifyRaw(AppPayload()).ok()) << VerifyRaw(AppPayload());
  EXPECT_TRUE(VerifyRaw(VideoPayload()).ok()) << VerifyRaw(VideoPayload());
  // Options @vonage/jwt copies into the payload are tolerated.
  EXPECT_TRUE(VerifyRaw(AppPayload(R"(,"subject":"a","sub":"a")")).ok());
}

TEST_F(VonageVerifyTest, ApplicationClaimRules) {
  ExpectError(VerifyRaw(R"({"iat":1735689600,"exp":1735690500,"jti":"j"})"),
              Reason::kBadClaim, "application_id");
  ExpectError(VerifyRaw(absl::StrReplaceAll(
                  AppPayload(), {{"application_id", "application_ix"}})),
              Reason::kBadClaim, "application_id");
  ExpectError(
      VerifyRaw(absl::StrCat(
          R"({"application_id":"bbbbbbbb-bbbb-cccc-dddd-0123456789ab",)",
          R"("iat":1735689600,"exp":1735690500,"jti":"j"})")),
      Reason::kIssuerMismatch, "application_id");
  ExpectError(VerifyRaw(absl::StrCat(R"({"application_id":")", kAppId,
                                     R"(","exp":1735690500,"jti":"j"})")),
              Reason::kBadClaim, "iat");
  ExpectError(
      VerifyRaw(absl::StrCat(R"({"application_id":")", kAppId,
                             R"(","iat":1735689600,"exp":1735690500})")),
      Reason::kBadClaim, "jti");
  ExpectError(VerifyRaw(absl::StrCat(R"({"application_id":")", kAppId,
                                     R"(","iat":1735689600,"jti":"j"})")),
              Reason::kExpMissing, "exp");
  EXPECT_TRUE(VerifyRaw(AppPayload("", 86400)).ok());
  ExpectError(VerifyRaw(AppPayload("", 86401)), Reason::kLifetimeExceeded,
              "exp");
  ExpectError(VerifyRaw(AppPayload(R"(,"acl":[])")), Reason::kBadClaim, "acl");
  ExpectError(VerifyRaw(AppPayload(R"(,"acl":{})")), Reason::kBadClaim, "acl");
  ExpectError(VerifyRaw(AppPayload(R"(,"acl":{"paths":{"/a":1}})")),
              Reason::kBadClaim, "acl");
  ExpectError(VerifyRaw(AppPayload(R"(,"sub":7)")), Reason::kBadClaim, "sub");
}

TEST_F(VonageVerifyTest, VideoClaimRules) {
  struct Case {
    const char* key;
    const char* value;  // "" deletes the claim
    Reason reason;
    const char* field;
  };
  const Case cases[] = {
      {"scope", R"("session.admin")", Reason::kBadClaim, "scope"},
      {"scope", "1", Reason::kBadClaim, "scope"},
      {"sub", R"("alice")", Reason::kBadClaim, "sub"},
      {"sub", "", Reason::kBadClaim, "sub"},
      {"session_id", R"("")", Reason::kBadClaim, "session_id"},
      {"session_id", "", Reason::kBadClaim, "session_id"},
      {"session_id", R"("1_MX4 <b>")", Reason::kBadClaim, "session_id"},
      {"role", R"("owner")", Reason::kBadClaim, "role"},
      {"role", "", Reason::kBadClaim, "role"},
      {"initial_layout_class_list", "", Reason::kBadClaim,
       "initial_layout_class_list"},
      {"initial_layout_class_list", "[]", Reason::kBadClaim,
       "initial_layout_class_list"},
      {"acl", "", Reason::kBadClaim, "acl"},
      {"acl", R"({"paths":[]})", Reason::kBadClaim, "acl"},
      {"connection_data", "{}", Reason::kBadClaim, "connection_data"},
      {"exp", "1738281601", Reason::kLifetimeExceeded, "exp"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.key, "=", c.value));
    ExpectError(VerifyRaw(VideoPayload(c.key, c.value)), c.reason, c.field);
  }
  // 30 days exactly is a valid Video lifetime.
  EXPECT_TRUE(VerifyRaw(VideoPayload("exp", "1738281600")).ok());
  const std::string data_1000 =
      absl::StrCat("\"", std::string(1000, 'x'), "\"");
  const std::string data_1001 =
      absl::StrCat("\"", std::string(1001, 'x'), "\"");
  EXPECT_TRUE(VerifyRaw(VideoPayload("connection_data", data_1000)).ok());
  ExpectError(VerifyRaw(VideoPayload("connection_data", data_1001)),
              Reason::kBadClaim, "connection_data");
  const std::string layout_1025 =
      absl::StrCat("\"", std::string(1025, 'x'), "\"");
  ExpectError(VerifyRaw(VideoPayload("initial_layout_class_list", layout_1025)),
              Reason::kBadClaim, "initial_layout_class_list");
}

TEST_F(VonageVerifyTest, Expectations) {
  VerifyExpectations expect;
  expect.channel = "s1";
  EXPECT_TRUE(VerifyRaw(VideoPayload(), expect).ok());
  expect.channel = "s2";
  ExpectError(VerifyRaw(VideoPayload(), expect), Reason::kBadClaim,
              "session_id");
  // An application JWT joins no session.
  expect.channel = "s1";
  ExpectError(VerifyRaw(AppPayload(), expect), Reason::kBadClaim, "session_id");

  expect = {};
  expect.account = "alice";
  EXPECT_TRUE(VerifyRaw(AppPayload(R"(,"sub":"alice")"), expect).ok());
  ExpectError(VerifyRaw(AppPayload(R"(,"sub":"bob")"), expect),
              Reason::kBadClaim, "sub");
  ExpectError(VerifyRaw(AppPayload(), expect), Reason::kBadClaim, "sub");

  expect = {};
  expect.audience = "api";
  ExpectError(VerifyRaw(AppPayload(), expect), Reason::kAudienceMismatch,
              "aud");
}

TEST_F(VonageVerifyTest, TamperedWrongKeyExpiredAndOtherAlgorithms) {
  absl::StatusOr<TokenInfo> issued = profile_->Issue(IssueInput(), kNow);
  ASSERT_TRUE(issued.ok());
  // The same claims with a later exp, under the original signature.
  std::vector<std::string> parts = absl::StrSplit(issued->token, '.');
  json::Object claims = DecodeSegment(issued->token, 1);
  claims.Set("exp", json::Value(int64_t{1735689600 + 3600}));
  const std::string tampered = absl::StrCat(
      parts[0], ".", Base64UrlEncode(json::Serialize(claims)), ".", parts[2]);
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile_, tampered, {}, kNow)
                    .status()),
      Reason::kBadSignature);
  std::string bad_sig = issued->token;
  bad_sig[bad_sig.size() - 10] =
      bad_sig[bad_sig.size() - 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(
      GetReason(
          tokend::testing::VerifyAllWays(profile_, bad_sig, {}, kNow).status()),
      Reason::kBadSignature);

  VonageProfileConfig other = Config();
  other.private_key_pem = OtherKeys().private_pem;
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(MakeProfile(other),
                                                     issued->token, {}, kNow)
                          .status()),
            Reason::kBadSignature);

  EXPECT_TRUE(tokend::testing::VerifyAllWays(profile_, issued->token, {},
                                             kNow + absl::Seconds(959))
                  .ok());
  EXPECT_EQ(
      GetReason(tokend::testing::VerifyAllWays(profile_, issued->token, {},
                                               kNow + absl::Seconds(960))
                    .status()),
      Reason::kTokenExpired);

  // HS256 over the same payload (e.g. with the public key as a secret, the
  // classic confusion) and PS256 are refused by algorithm.
  auto hmac = Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'k'));
  ASSERT_TRUE(hmac.ok());
  std::string input = absl::StrCat(Base64UrlEncode(R"({"alg":"HS256"})"), ".",
                                   Base64UrlEncode(AppPayload()));
  std::string hs =
      absl::StrCat(input, ".", Base64UrlEncode((*hmac)->Sign(input).value()));
  EXPECT_EQ(
      GetReason(
          tokend::testing::VerifyAllWays(profile_, hs, {}, kNow).status()),
      Reason::kAlgNotAllowed);
  EXPECT_EQ(GetReason(tokend::testing::VerifyAllWays(
                          profile_,
                          SignRaw(*MainKeys().key, AppPayload(),
                                  R"({"alg":"PS256"})"),
                          {}, kNow)
                          .status()),
            Reason::kAlgNotAllowed);
}

TEST_F(VonageVerifyTest, VerifyOnlyTenant) {
  VonageProfileConfig config = Config();
  config.private_key_pem.clear();
  config.public_key_pem = MainKeys().public_pem;
  auto verifier = MakeProfile(config);
  ASSERT_NE(verifier, nullptr);
  absl::StatusOr<TokenInfo> issued = profile_->Issue(IssueInput(), kNow);
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(
      tokend::testing::VerifyAllWays(verifier, issued->token, {}, kNow).ok());
  EXPECT_EQ(GetReason(verifier->Issue(IssueInput(), kNow).status()),
            Reason::kNoSigningKey);
}

TEST_F(VonageVerifyTest, RenewalReproducesTheGrants) {
  VonageGrants grants = VideoGrants();
  grants.role = "subscriber";
  grants.connection_data = "name=Alice";
  grants.initial_layout_class_list = {"focus"};
  IssueInput input;
  input.grants = grants;
  absl::StatusOr<TokenInfo> first = profile_->Issue(input, kNow);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(DecodeSegment(first->token, 1).Find("tokend_sst"), nullptr);
  absl::StatusOr<TokenInfo> verified = tokend::testing::VerifyAllWays(
      profile_, first->token, {}, kNow + absl::Hours(1));
  ASSERT_TRUE(verified.ok());

  IssueInput renew;
  renew.subject = verified->subject;
  renew.grants = verified->grants;
  renew.session_started = verified->session_started;
  const absl::Time later = kNow + absl::Hours(1);
  absl::StatusOr<TokenInfo> second = profile_->Issue(renew, later);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->session_started, kNow);
  json::Object a = DecodeSegment(first->token, 1);
  json::Object b = DecodeSegment(second->token, 1);
  EXPECT_EQ(b.Find("tokend_sst")->as_int(), 1735689600);
  for (const char* name : {"iat", "exp", "jti", "tokend_sst"}) {
    a.Erase(name);
    b.Erase(name);
  }
  EXPECT_EQ(json::Serialize(a), json::Serialize(b));
  absl::StatusOr<TokenInfo> reverified =
      tokend::testing::VerifyAllWays(profile_, second->token, {}, later);
  ASSERT_TRUE(reverified.ok());
  EXPECT_EQ(reverified->session_started, kNow);
}

// --- Interop: @vonage/jwt and PyJWT -----------------------------------------

std::string NodeInput(json::Object fields) { return json::Serialize(fields); }

json::Object RunVonageVerify(const std::string& token) {
  json::Object in;
  in.Set("token", json::Value(token));
  in.Set("public_key", json::Value(MainKeys().public_pem));
  auto result = RunNodeScript("vonage.mjs", {"verify"}, NodeInput(in));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return {};
  EXPECT_EQ(result->exit_code, 0) << result->err;
  absl::StatusOr<json::Object> out = json::ParseObject(result->out);
  EXPECT_TRUE(out.ok()) << result->out;
  return out.ok() ? *out : json::Object();
}

std::string RunVonageGenerate(json::Object options) {
  json::Object in;
  in.Set("application_id", json::Value(kAppId));
  in.Set("private_key", json::Value(MainKeys().private_pem));
  in.Set("options", json::Value(std::move(options)));
  auto result = RunNodeScript("vonage.mjs", {"generate"}, NodeInput(in));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return "";
  EXPECT_EQ(result->exit_code, 0) << result->err;
  return std::string(absl::StripAsciiWhitespace(result->out));
}

TEST(VonageInteropTest, VonageJwtVerifiesTokendApplicationToken) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  input.subject = "alice";
  VonageGrants grants;
  grants.acl = UserAcl();
  input.grants = grants;
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, absl::Now());
  ASSERT_TRUE(issued.ok());
  json::Object out = RunVonageVerify(issued->token);
  const json::Value* claims = out.Find("claims");
  ASSERT_NE(claims, nullptr);
  EXPECT_EQ(Str(claims->as_object(), "application_id"), kAppId);
  EXPECT_EQ(Str(claims->as_object(), "sub"), "alice");
  EXPECT_EQ(Str(claims->as_object(), "jti"), issued->token_id);
  EXPECT_EQ(claims->as_object().Find("acl")->as_object(), UserAcl());
  EXPECT_EQ(claims->as_object().Find("exp")->as_int(),
            absl::ToUnixSeconds(issued->expires_at));
}

TEST(VonageInteropTest, VonageJwtVerifiesTokendVideoToken) {
  auto profile = MakeProfile(Config());
  VonageGrants grants = VideoGrants();
  grants.role = "publisheronly";
  grants.connection_data = "{\"name\":\"Zoë\"}";
  grants.initial_layout_class_list = {"focus", "full"};
  IssueInput input;
  input.grants = grants;
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, absl::Now());
  ASSERT_TRUE(issued.ok());
  json::Object out = RunVonageVerify(issued->token);
  const json::Value* claims = out.Find("claims");
  ASSERT_NE(claims, nullptr);
  const json::Object& c = claims->as_object();
  EXPECT_EQ(Str(c, "scope"), "session.connect");
  EXPECT_EQ(Str(c, "session_id"), grants.session_id);
  EXPECT_EQ(Str(c, "role"), "publisheronly");
  EXPECT_EQ(Str(c, "connection_data"), grants.connection_data);
  EXPECT_EQ(Str(c, "initial_layout_class_list"), "focus full");
  EXPECT_EQ(Str(c, "sub"), "video");
}

TEST(VonageInteropTest, TokendVerifiesVonageJwtApplicationToken) {
  json::Object options;
  options.Set("subject", json::Value("alice"));
  options.Set("acl", json::Value(UserAcl()));
  options.Set("ttl", json::Value(3600));
  const std::string token = RunVonageGenerate(options);
  ASSERT_FALSE(token.empty());
  auto profile = MakeProfile(Config());
  VerifyExpectations expect;
  expect.account = "alice";
  absl::StatusOr<TokenInfo> info =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->subject, "alice");
  EXPECT_EQ(info->expires_at - info->issued_at, absl::Hours(1));
  const auto& grants = std::get<VonageGrants>(info->grants);
  EXPECT_EQ(grants.kind, VonageGrants::Kind::kApplication);
  EXPECT_EQ(grants.acl, UserAcl());
  EXPECT_EQ(info->token_id.size(), 36u);

  // The SDK's default: 15 minutes, no sub.
  const std::string minimal = RunVonageGenerate(json::Object());
  absl::StatusOr<TokenInfo> min_info =
      tokend::testing::VerifyAllWays(profile, minimal, {}, absl::Now());
  ASSERT_TRUE(min_info.ok()) << min_info.status();
  EXPECT_EQ(min_info->expires_at - min_info->issued_at, absl::Minutes(15));
  EXPECT_EQ(min_info->subject, "");

  // Another application's tenant with the same key refuses it.
  VonageProfileConfig other = Config();
  other.application_id = "bbbbbbbb-bbbb-cccc-dddd-0123456789ab";
  ExpectError(
      tokend::testing::VerifyAllWays(MakeProfile(other), token, {}, absl::Now())
          .status(),
      Reason::kIssuerMismatch, "application_id");
}

TEST(VonageInteropTest, TokendVerifiesVonageVideoToken) {
  // The claims @vonage/video generateClientToken passes to tokenGenerate.
  json::Object options;
  options.Set("scope", json::Value("session.connect"));
  options.Set("session_id", json::Value("2_MX4xMjM0NTY3OH5-fakesession"));
  options.Set("role", json::Value("moderator"));
  options.Set("initial_layout_class_list", json::Value("focus full"));
  options.Set("sub", json::Value("video"));
  json::Object paths;
  paths.Set("/session/**", json::Value(json::Object()));
  json::Object acl;
  acl.Set("paths", json::Value(paths));
  options.Set("acl", json::Value(acl));
  options.Set("connection_data", json::Value("userId=42"));
  options.Set("ttl", json::Value(86400));
  const std::string token = RunVonageGenerate(options);
  ASSERT_FALSE(token.empty());
  auto profile = MakeProfile(Config());
  VerifyExpectations expect;
  expect.channel = "2_MX4xMjM0NTY3OH5-fakesession";
  absl::StatusOr<TokenInfo> info =
      tokend::testing::VerifyAllWays(profile, token, expect, absl::Now());
  ASSERT_TRUE(info.ok()) << info.status();
  const auto& grants = std::get<VonageGrants>(info->grants);
  EXPECT_EQ(grants.kind, VonageGrants::Kind::kVideoClient);
  EXPECT_EQ(grants.role, "moderator");
  EXPECT_EQ(grants.connection_data, "userId=42");
  EXPECT_EQ(grants.initial_layout_class_list,
            (std::vector<std::string>{"focus", "full"}));
  EXPECT_EQ(grants.acl, acl);
  EXPECT_EQ(info->subject, "video");

  // A role outside the four is refused even with a valid signature.
  options.Set("role", json::Value("owner"));
  ExpectError(tokend::testing::VerifyAllWays(
                  profile, RunVonageGenerate(options), {}, absl::Now())
                  .status(),
              Reason::kBadClaim, "role");
}

TEST(VonageInteropTest, PyJwtVerifiesTokendToken) {
  auto profile = MakeProfile(Config());
  IssueInput input;
  input.subject = "alice";
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, absl::Now());
  ASSERT_TRUE(issued.ok());
  json::Object in;
  in.Set("token", json::Value(issued->token));
  in.Set("key", json::Value(MainKeys().public_pem));
  auto result = RunPythonScript(
      "pyjwt_tool.py",
      {"verify", "--alg", "RS256", "--require", "exp,iat,jti", "--with-header"},
      json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  json::Object out = json::ParseObject(result->out).value();
  EXPECT_EQ(json::Serialize(out.Find("header")->as_object()),
            R"({"alg":"RS256","typ":"JWT"})");
  const json::Object& claims = out.Find("claims")->as_object();
  EXPECT_EQ(Str(claims, "application_id"), kAppId);
  EXPECT_EQ(Str(claims, "sub"), "alice");
  EXPECT_EQ(Str(claims, "jti"), issued->token_id);
}

TEST(VonageInteropTest, TokendVerifiesPyJwtVideoToken) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json::Object claims;
  claims.Set("application_id", json::Value(kAppId));
  claims.Set("iat", json::Value(now));
  claims.Set("exp", json::Value(now + 600));
  claims.Set("jti", json::Value("0ff70d3f-0000-4000-8000-000000000000"));
  claims.Set("scope", json::Value("session.connect"));
  claims.Set("session_id", json::Value("1_MX4"));
  claims.Set("role", json::Value("subscriber"));
  claims.Set("initial_layout_class_list", json::Value(""));
  claims.Set("sub", json::Value("video"));
  json::Object paths;
  paths.Set("/session/**", json::Value(json::Object()));
  json::Object acl;
  acl.Set("paths", json::Value(paths));
  claims.Set("acl", json::Value(acl));
  json::Object in;
  in.Set("claims", json::Value(claims));
  in.Set("key", json::Value(MainKeys().private_pem));
  auto result = RunPythonScript("pyjwt_tool.py", {"sign", "--alg", "RS256"},
                                json::Serialize(in));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->out << result->err;
  const std::string token(absl::StripAsciiWhitespace(result->out));
  auto profile = MakeProfile(Config());
  absl::StatusOr<TokenInfo> info =
      tokend::testing::VerifyAllWays(profile, token, {}, absl::Now());
  ASSERT_TRUE(info.ok()) << info.status();
  const auto& grants = std::get<VonageGrants>(info->grants);
  EXPECT_EQ(grants.kind, VonageGrants::Kind::kVideoClient);
  EXPECT_EQ(grants.session_id, "1_MX4");
  EXPECT_EQ(grants.role, "subscriber");
  EXPECT_TRUE(grants.initial_layout_class_list.empty());
  EXPECT_EQ(info->token_id, "0ff70d3f-0000-4000-8000-000000000000");
}

}  // namespace
}  // namespace tokend
