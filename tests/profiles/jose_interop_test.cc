// Interop with the two most used Node JWT libraries, npm `jose` (5.9.6) and
// `jsonwebtoken` (9.0.2), pinned by tests/interop/package-lock.json:
//   - the generic jwt profile, for every algorithm tokend implements, both
//     directions and both libraries (jsonwebtoken 9 has no EdDSA, so that
//     one combination is skipped);
//   - each vendor JWT profile: jose verifies a tokend token with the vendor's
//     algorithm, and tokend verifies a jose token with the vendor's claims.
// Each direction is one Node process handling a batch of requests
// (tests/interop/jose_tool.mjs), to keep the test fast. Tokens use the real
// clock because both libraries check exp against it.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/pem.h"
#include "core/profiles/apirtc_profile.h"
#include "core/profiles/daily_profile.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/livekit_profile.h"
#include "core/profiles/twilio_profile.h"
#include "core/profiles/vonage_profile.h"
#include "core/profiles/zoom_profile.h"
#include "gtest/gtest.h"
#include "tests/profiles/interop_util.h"

namespace tokend {
namespace {

constexpr char kIssuer[] = "https://tokend.test";
constexpr char kAudience[] = "svc-a";

const std::vector<Algorithm>& AllAlgorithms() {
  static const auto* algs = new std::vector<Algorithm>{
      Algorithm::kHS256, Algorithm::kHS384, Algorithm::kHS512,
      Algorithm::kRS256, Algorithm::kRS384, Algorithm::kRS512,
      Algorithm::kPS256, Algorithm::kPS384, Algorithm::kPS512,
      Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
      Algorithm::kEdDSA};
  return *algs;
}

// Runs jose_tool.mjs on a batch; returns one result object per request.
std::vector<json::Object> RunBatch(const std::string& command,
                                   const json::Array& requests) {
  absl::StatusOr<testing::ProcessResult> result = testing::RunNodeScript(
      "jose_tool.mjs", {command}, json::Serialize(json::Value(requests)));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return {};
  EXPECT_EQ(result->exit_code, 0) << result->out << result->err;
  // json.h parses objects only: wrap the answer array in one.
  absl::StatusOr<json::Object> wrapped =
      json::ParseObject(absl::StrCat(R"({"r":)", result->out, "}"));
  EXPECT_TRUE(wrapped.ok()) << wrapped.status() << result->out;
  if (!wrapped.ok()) return {};
  std::vector<json::Object> out;
  for (const json::Value& v : wrapped->Find("r")->as_array()) {
    json::Object entry;
    if (v.is_object()) {
      entry = v.as_object();
    } else if (v.is_string()) {  // a signed token
      entry.Set("token", v);
    }
    out.push_back(std::move(entry));
  }
  EXPECT_EQ(out.size(), requests.size());
  out.resize(requests.size());
  return out;
}

std::string Str(const json::Object& object, absl::string_view name) {
  const json::Value* v = object.Find(name);
  return v != nullptr && v->is_string() ? v->as_string() : "<missing>";
}

int64_t Int(const json::Object& object, absl::string_view name) {
  const json::Value* v = object.Find(name);
  return v != nullptr && v->is_int() ? v->as_int() : -1;
}

// The verify results' {header, claims}; empty objects after a failure.
struct Verified {
  json::Object header;
  json::Object claims;
};

Verified VerifiedOf(const json::Object& result) {
  EXPECT_EQ(result.Find("error"), nullptr) << json::Serialize(result);
  Verified v;
  if (const json::Value* h = result.Find("header"); h && h->is_object()) {
    v.header = h->as_object();
  }
  if (const json::Value* c = result.Find("claims"); c && c->is_object()) {
    v.claims = c->as_object();
  }
  return v;
}

// Adds the key (PEM or secret) to a tool request. Random HMAC secrets are
// sent as hex; string secrets as their UTF-8 bytes.
void SetHmacHex(const Key& key, json::Object* request) {
  request->Set("key", json::Value(absl::BytesToHexString(key.secret())));
  request->Set("key_encoding", json::Value("hex"));
}

// ---- The generic jwt profile, every algorithm ----

struct AlgCase {
  Algorithm alg;
  std::string name;                // "HS256", ...
  std::shared_ptr<const Key> key;  // private, kid "k-<name>"
  std::shared_ptr<const Profile> profile;
  TokenInfo issued;  // subject "alice-<name>", extra claim role=admin
};

void SetKey(const AlgCase& c, bool private_key, json::Object* request) {
  if (IsSymmetric(c.alg)) {
    SetHmacHex(*c.key, request);
    return;
  }
  absl::StatusOr<std::string> pem =
      private_key ? PrivateKeyToPem(*c.key) : PublicKeyToPem(*c.key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  request->Set("key", json::Value(pem.ok() ? *pem : ""));
}

// One key, profile and tokend-issued token per algorithm, built once (RSA
// key generation is slow).
const std::vector<AlgCase>& Cases() {
  static const auto* cases = [] {
    auto* out = new std::vector<AlgCase>;
    for (Algorithm alg : AllAlgorithms()) {
      AlgCase c;
      c.alg = alg;
      c.name = std::string(AlgorithmName(alg));
      absl::StatusOr<std::shared_ptr<const Key>> key =
          GenerateKey(alg, absl::StrCat("k-", c.name));
      EXPECT_TRUE(key.ok()) << key.status();
      c.key = *key;
      JwtProfileConfig config;
      config.issuer = kIssuer;
      config.audiences = {kAudience};
      config.signing_key = c.key;
      config.ttl = {absl::Minutes(10), absl::Hours(1)};
      absl::StatusOr<std::shared_ptr<const Profile>> profile =
          NewJwtProfile(config);
      EXPECT_TRUE(profile.ok()) << profile.status();
      c.profile = *profile;
      IssueInput in;
      in.subject = absl::StrCat("alice-", c.name);
      JwtGrants grants;
      grants.extra_claims.Set("role", json::Value("admin"));
      in.grants = grants;
      absl::StatusOr<TokenInfo> issued = c.profile->Issue(in, absl::Now());
      EXPECT_TRUE(issued.ok()) << issued.status();
      c.issued = *issued;
      out->push_back(std::move(c));
    }
    return out;
  }();
  return *cases;
}

bool Supported(const std::string& lib, Algorithm alg) {
  return !(lib == "jsonwebtoken" && alg == Algorithm::kEdDSA);
}

// `lib` verifies tokend's token for every algorithm it implements and reads
// back exactly the claims tokend was asked for.
void LibraryVerifiesTokendTokens(const std::string& lib) {
  std::vector<const AlgCase*> used;
  json::Array requests;
  for (const AlgCase& c : Cases()) {
    if (!Supported(lib, c.alg)) continue;
    json::Object request;
    request.Set("lib", json::Value(lib));
    request.Set("alg", json::Value(c.name));
    request.Set("token", json::Value(c.issued.token));
    request.Set("audience", json::Value(kAudience));
    request.Set("issuer", json::Value(kIssuer));
    SetKey(c, /*private_key=*/false, &request);
    requests.push_back(json::Value(request));
    used.push_back(&c);
  }
  ASSERT_EQ(requests.size(), lib == "jose" ? 13u : 12u);
  // The tool must not rubber-stamp: the last ES256 request again, expecting
  // another audience, is refused by the library.
  json::Object wrong_audience = requests[9].as_object();
  ASSERT_EQ(Str(wrong_audience, "alg"), "ES256");
  wrong_audience.Set("audience", json::Value("svc-b"));
  requests.push_back(json::Value(wrong_audience));
  std::vector<json::Object> results = RunBatch("verify", requests);
  ASSERT_EQ(results.size(), used.size() + 1);
  const json::Value* refused = results.back().Find("error");
  ASSERT_NE(refused, nullptr) << json::Serialize(results.back());
  EXPECT_NE(refused->as_string().find("aud"), std::string::npos)
      << refused->as_string();
  for (size_t i = 0; i < used.size(); ++i) {
    const AlgCase& c = *used[i];
    SCOPED_TRACE(absl::StrCat(lib, " ", c.name));
    Verified v = VerifiedOf(results[i]);
    EXPECT_EQ(Str(v.header, "alg"), c.name);
    EXPECT_EQ(Str(v.header, "kid"), absl::StrCat("k-", c.name));
    EXPECT_EQ(Str(v.header, "typ"), "JWT");
    EXPECT_EQ(Str(v.claims, "sub"), absl::StrCat("alice-", c.name));
    EXPECT_EQ(Str(v.claims, "iss"), kIssuer);
    EXPECT_EQ(Str(v.claims, "aud"), kAudience);
    EXPECT_EQ(Str(v.claims, "role"), "admin");
    EXPECT_EQ(Str(v.claims, "jti"), c.issued.token_id);
    EXPECT_EQ(Int(v.claims, "iat"), absl::ToUnixSeconds(c.issued.issued_at));
    EXPECT_EQ(Int(v.claims, "exp"), absl::ToUnixSeconds(c.issued.expires_at));
  }
}

// `lib` signs a token with each key (kid in the header), and tokend's
// profile for that key verifies it and reads back the claims.
void TokendVerifiesLibraryTokens(const std::string& lib) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::vector<const AlgCase*> used;
  json::Array requests;
  for (const AlgCase& c : Cases()) {
    if (!Supported(lib, c.alg)) continue;
    json::Object claims;
    claims.Set("iss", json::Value(kIssuer));
    claims.Set("aud", json::Value(kAudience));
    claims.Set("sub", json::Value(absl::StrCat("carol-", c.name)));
    claims.Set("iat", json::Value(now));
    claims.Set("exp", json::Value(now + 300));
    claims.Set("jti", json::Value(absl::StrCat(lib, "-", c.name)));
    claims.Set("role", json::Value("editor"));
    json::Object header;
    header.Set("kid", json::Value(c.key->kid()));
    header.Set("typ", json::Value("JWT"));
    json::Object request;
    request.Set("lib", json::Value(lib));
    request.Set("alg", json::Value(c.name));
    request.Set("claims", json::Value(claims));
    request.Set("header", json::Value(header));
    SetKey(c, /*private_key=*/true, &request);
    requests.push_back(json::Value(request));
    used.push_back(&c);
  }
  ASSERT_EQ(requests.size(), lib == "jose" ? 13u : 12u);
  std::vector<json::Object> results = RunBatch("sign", requests);
  ASSERT_EQ(results.size(), used.size());
  for (size_t i = 0; i < used.size(); ++i) {
    const AlgCase& c = *used[i];
    SCOPED_TRACE(absl::StrCat(lib, " ", c.name));
    ASSERT_EQ(results[i].Find("error"), nullptr) << json::Serialize(results[i]);
    const std::string token = Str(results[i], "token");
    absl::StatusOr<TokenInfo> verified =
        c.profile->Verify(token, {}, absl::Now());
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->subject, absl::StrCat("carol-", c.name));
    EXPECT_EQ(verified->token_id, absl::StrCat(lib, "-", c.name));
    EXPECT_EQ(verified->issued_at, absl::FromUnixSeconds(now));
    EXPECT_EQ(verified->expires_at, absl::FromUnixSeconds(now + 300));
    const auto& grants = std::get<JwtGrants>(verified->grants);
    EXPECT_EQ(grants.audiences, std::vector<std::string>{kAudience});
    ASSERT_NE(grants.extra_claims.Find("role"), nullptr);
    EXPECT_EQ(grants.extra_claims.Find("role")->as_string(), "editor");
    EXPECT_EQ(grants.extra_claims.size(), 1u);
  }
}

TEST(JoseInteropTest, JoseVerifiesTokendTokensForEveryAlgorithm) {
  LibraryVerifiesTokendTokens("jose");
}

// jsonwebtoken 9 implements no EdDSA: every other algorithm is checked.
TEST(JoseInteropTest, JsonwebtokenVerifiesTokendTokensForEveryAlgorithm) {
  LibraryVerifiesTokendTokens("jsonwebtoken");
}

TEST(JoseInteropTest, TokendVerifiesJoseTokensForEveryAlgorithm) {
  TokendVerifiesLibraryTokens("jose");
}

TEST(JoseInteropTest, TokendVerifiesJsonwebtokenTokensForEveryAlgorithm) {
  TokendVerifiesLibraryTokens("jsonwebtoken");
}

// ---- Vendor profiles: jose with each vendor's algorithm and claims ----

constexpr char kApiRtcKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kApiRtcSecret[] = "apirtc-test-secret-of-at-least-32-bytes!";
constexpr char kVonageAppId[] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
constexpr char kDailyKey[] =
    "5d9c2e1f8a7b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d";
constexpr char kDailyDomain[] = "30f866c3-9123-452a-8723-ff58322d09c5";
constexpr char kLiveKitKey[] = "APIk3yExample";
constexpr char kLiveKitSecret[] = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tX";
constexpr char kTwilioAccount[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kTwilioKeySid[] = "SK0123456789abcdef0123456789abcdef";
constexpr char kTwilioSecret[] = "0123456789abcdef0123456789abcdef";
constexpr char kZoomAppKey[] = "AbCdEfGhIjKlMnOpQrStUv";
constexpr char kZoomSecret[] = "zoom-video-sdk-secret-0123456789abcdef";

template <typename T>
std::shared_ptr<const Profile> OrDie(
    absl::StatusOr<std::shared_ptr<const T>> profile) {
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : nullptr;
}

// The Vonage application's RSA key (generated once: RSA is slow).
const Key& VonageKey() {
  static const auto* key = [] {
    absl::StatusOr<std::shared_ptr<const Key>> k =
        GenerateKey(Algorithm::kRS256);
    EXPECT_TRUE(k.ok()) << k.status();
    return new std::shared_ptr<const Key>(*k);
  }();
  return **key;
}

struct Vendors {
  std::shared_ptr<const Profile> apirtc, vonage, daily, livekit, twilio, zoom;
};

const Vendors& VendorProfiles() {
  static const Vendors* vendors = [] {
    auto* v = new Vendors;
    ApiRtcProfileConfig apirtc;
    apirtc.api_key = kApiRtcKey;
    apirtc.secret = kApiRtcSecret;
    v->apirtc = OrDie(NewApiRtcProfile(apirtc));
    VonageProfileConfig vonage;
    vonage.application_id = kVonageAppId;
    vonage.private_key_pem = PrivateKeyToPem(VonageKey()).value();
    v->vonage = OrDie(NewVonageProfile(vonage));
    DailyProfileConfig daily;
    daily.api_key = kDailyKey;
    daily.domain_id = kDailyDomain;
    v->daily = OrDie(NewDailyProfile(daily));
    LiveKitProfileConfig livekit;
    livekit.api_key = kLiveKitKey;
    livekit.api_secret = kLiveKitSecret;
    v->livekit = OrDie(NewLiveKitProfile(livekit));
    TwilioProfileConfig twilio;
    twilio.account_sid = kTwilioAccount;
    twilio.api_key_sid = kTwilioKeySid;
    twilio.api_key_secret = kTwilioSecret;
    v->twilio = OrDie(NewTwilioProfile(twilio));
    ZoomProfileConfig zoom;
    zoom.app_key = kZoomAppKey;
    zoom.secret = kZoomSecret;
    v->zoom = OrDie(NewZoomProfile(zoom));
    return v;
  }();
  return *vendors;
}

json::Object JoseRequest(absl::string_view alg, absl::string_view key) {
  json::Object request;
  request.Set("lib", json::Value("jose"));
  request.Set("alg", json::Value(alg));
  request.Set("key", json::Value(key));
  return request;
}

json::Object ObjectAt(const json::Object& object, absl::string_view name) {
  const json::Value* v = object.Find(name);
  return v != nullptr && v->is_object() ? v->as_object() : json::Object();
}

TokenInfo IssueOrDie(const Profile& profile, const IssueInput& in) {
  absl::StatusOr<TokenInfo> issued = profile.Issue(in, absl::Now());
  EXPECT_TRUE(issued.ok()) << profile.name() << ": " << issued.status();
  return issued.ok() ? *issued : TokenInfo();
}

TEST(JoseVendorInteropTest, JoseVerifiesEachVendorsTokendTokens) {
  const Vendors& v = VendorProfiles();
  json::Array requests;

  IssueInput apirtc_in;
  apirtc_in.subject = "user-4711";
  apirtc_in.grants = ApiRtcGrants{};
  const TokenInfo apirtc = IssueOrDie(*v.apirtc, apirtc_in);
  json::Object r = JoseRequest("HS256", kApiRtcSecret);
  r.Set("token", json::Value(apirtc.token));
  r.Set("audience", json::Value(kApiRtcAudience));
  requests.push_back(json::Value(r));

  IssueInput vonage_in;
  vonage_in.subject = "alice";
  vonage_in.grants = VonageGrants{};
  const TokenInfo vonage = IssueOrDie(*v.vonage, vonage_in);
  r = JoseRequest("RS256", PublicKeyToPem(VonageKey()).value());
  r.Set("token", json::Value(vonage.token));
  requests.push_back(json::Value(r));

  IssueInput daily_in;
  daily_in.subject = "user-1";
  DailyGrants daily_grants;
  daily_grants.room_name = "hello";
  daily_grants.is_owner = true;
  daily_in.grants = daily_grants;
  const TokenInfo daily = IssueOrDie(*v.daily, daily_in);
  r = JoseRequest("HS256", kDailyKey);
  r.Set("token", json::Value(daily.token));
  requests.push_back(json::Value(r));

  IssueInput livekit_in;
  livekit_in.subject = "alice";
  LiveKitGrants livekit_grants;
  livekit_grants.video.emplace();
  livekit_grants.video->room_join = true;
  livekit_grants.video->room = "r1";
  livekit_in.grants = livekit_grants;
  const TokenInfo livekit = IssueOrDie(*v.livekit, livekit_in);
  r = JoseRequest("HS256", kLiveKitSecret);
  r.Set("token", json::Value(livekit.token));
  r.Set("issuer", json::Value(kLiveKitKey));
  requests.push_back(json::Value(r));

  IssueInput twilio_in;
  twilio_in.subject = "alice";
  TwilioGrants twilio_grants;
  twilio_grants.video = TwilioVideoGrant{"standup"};
  twilio_in.grants = twilio_grants;
  const TokenInfo twilio = IssueOrDie(*v.twilio, twilio_in);
  r = JoseRequest("HS256", kTwilioSecret);
  r.Set("token", json::Value(twilio.token));
  r.Set("issuer", json::Value(kTwilioKeySid));
  requests.push_back(json::Value(r));

  IssueInput zoom_in;
  zoom_in.subject = "user-4711";
  ZoomGrants zoom_grants;
  zoom_grants.topic = "daily-standup";
  zoom_grants.role_type = 1;
  zoom_grants.session_key = "sk-1";
  zoom_in.grants = zoom_grants;
  const TokenInfo zoom = IssueOrDie(*v.zoom, zoom_in);
  r = JoseRequest("HS256", kZoomSecret);
  r.Set("token", json::Value(zoom.token));
  requests.push_back(json::Value(r));

  std::vector<json::Object> results = RunBatch("verify", requests);
  ASSERT_EQ(results.size(), 6u);

  {
    SCOPED_TRACE("apirtc");
    Verified got = VerifiedOf(results[0]);
    EXPECT_EQ(Str(got.header, "alg"), "HS256");
    EXPECT_EQ(Str(got.claims, "sub"), kApiRtcKey);
    EXPECT_EQ(Str(got.claims, "aud"), kApiRtcAudience);
    EXPECT_EQ(Str(ObjectAt(got.claims, "grants"), "apiRTC_UserAgent_Id"),
              "user-4711");
    EXPECT_EQ(Str(got.claims, "jti"), apirtc.token_id);
    EXPECT_EQ(Int(got.claims, "exp") - Int(got.claims, "iat"), 3600);
  }
  {
    SCOPED_TRACE("vonage");
    Verified got = VerifiedOf(results[1]);
    EXPECT_EQ(Str(got.header, "alg"), "RS256");
    EXPECT_EQ(Str(got.claims, "application_id"), kVonageAppId);
    EXPECT_EQ(Str(got.claims, "sub"), "alice");
    EXPECT_EQ(Str(got.claims, "jti"), vonage.token_id);
    EXPECT_EQ(Int(got.claims, "exp") - Int(got.claims, "iat"), 15 * 60);
  }
  {
    SCOPED_TRACE("daily");
    Verified got = VerifiedOf(results[2]);
    EXPECT_EQ(Str(got.header, "alg"), "HS256");
    EXPECT_EQ(Str(got.claims, "r"), "hello");
    EXPECT_EQ(Str(got.claims, "d"), kDailyDomain);
    EXPECT_EQ(Str(got.claims, "ud"), "user-1");
    ASSERT_NE(got.claims.Find("o"), nullptr);
    EXPECT_EQ(*got.claims.Find("o"), json::Value(true));
    EXPECT_EQ(Str(got.claims, "jti"), daily.token_id);
  }
  {
    SCOPED_TRACE("livekit");
    Verified got = VerifiedOf(results[3]);
    EXPECT_EQ(Str(got.header, "alg"), "HS256");
    EXPECT_EQ(Str(got.claims, "iss"), kLiveKitKey);
    EXPECT_EQ(Str(got.claims, "sub"), "alice");
    const json::Object video = ObjectAt(got.claims, "video");
    EXPECT_EQ(Str(video, "room"), "r1");
    ASSERT_NE(video.Find("roomJoin"), nullptr);
    EXPECT_EQ(*video.Find("roomJoin"), json::Value(true));
  }
  {
    SCOPED_TRACE("twilio");
    Verified got = VerifiedOf(results[4]);
    EXPECT_EQ(Str(got.header, "alg"), "HS256");
    EXPECT_EQ(Str(got.header, "cty"), kTwilioContentType);
    EXPECT_EQ(Str(got.claims, "iss"), kTwilioKeySid);
    EXPECT_EQ(Str(got.claims, "sub"), kTwilioAccount);
    EXPECT_EQ(Str(got.claims, "jti"), twilio.token_id);
    const json::Object grants = ObjectAt(got.claims, "grants");
    EXPECT_EQ(Str(grants, "identity"), "alice");
    EXPECT_EQ(Str(ObjectAt(grants, "video"), "room"), "standup");
  }
  {
    SCOPED_TRACE("zoom");
    Verified got = VerifiedOf(results[5]);
    EXPECT_EQ(Str(got.header, "alg"), "HS256");
    EXPECT_EQ(Str(got.claims, "app_key"), kZoomAppKey);
    EXPECT_EQ(Str(got.claims, "tpc"), "daily-standup");
    EXPECT_EQ(Int(got.claims, "role_type"), 1);
    EXPECT_EQ(Int(got.claims, "version"), 1);
    EXPECT_EQ(Str(got.claims, "session_key"), "sk-1");
    // Zoom's current name for the user claim (the zoom profile's default).
    EXPECT_EQ(Str(got.claims, "user_key"), "user-4711");
    EXPECT_EQ(Int(got.claims, "exp") - Int(got.claims, "iat"), 2 * 3600);
  }
}

TEST(JoseVendorInteropTest, EachVendorProfileVerifiesJoseTokens) {
  const Vendors& v = VendorProfiles();
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json::Array requests;
  auto add = [&](json::Object request, const json::Object& claims,
                 json::Object header = json::Object()) {
    header.Set("typ", json::Value("JWT"));
    request.Set("claims", json::Value(claims));
    request.Set("header", json::Value(header));
    requests.push_back(json::Value(request));
  };

  json::Object apirtc;  // as ApiRTC's AccessToken.js writes it
  json::Object apirtc_grants;
  apirtc_grants.Set("apiRTC_UserAgent_Id", json::Value("user-4711"));
  apirtc.Set("grants", json::Value(apirtc_grants));
  apirtc.Set("iat", json::Value(now));
  apirtc.Set("exp", json::Value(now + 3600));
  apirtc.Set("aud", json::Value(kApiRtcAudience));
  apirtc.Set("sub", json::Value(kApiRtcKey));
  apirtc.Set("jti", json::Value("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"));
  add(JoseRequest("HS256", kApiRtcSecret), apirtc);

  json::Object vonage;  // a Video client token
  vonage.Set("application_id", json::Value(kVonageAppId));
  vonage.Set("iat", json::Value(now));
  vonage.Set("exp", json::Value(now + 600));
  vonage.Set("jti", json::Value("0ff70d3f-0000-4000-8000-000000000000"));
  vonage.Set("scope", json::Value("session.connect"));
  vonage.Set("session_id", json::Value("1_MX4"));
  vonage.Set("role", json::Value("subscriber"));
  vonage.Set("initial_layout_class_list", json::Value(""));
  vonage.Set("sub", json::Value("video"));
  json::Object paths;
  paths.Set("/session/**", json::Value(json::Object()));
  json::Object acl;
  acl.Set("paths", json::Value(paths));
  vonage.Set("acl", json::Value(acl));
  add(JoseRequest("RS256", PrivateKeyToPem(VonageKey()).value()), vonage);

  json::Object daily;
  daily.Set("r", json::Value("hello"));
  daily.Set("o", json::Value(true));
  daily.Set("ss", json::Value(true));
  daily.Set("er", json::Value("local"));
  daily.Set("ud", json::Value("user-1"));
  daily.Set("d", json::Value(kDailyDomain));
  daily.Set("iat", json::Value(now));
  daily.Set("exp", json::Value(now + 3600));
  add(JoseRequest("HS256", kDailyKey), daily);

  json::Object livekit;
  livekit.Set("iss", json::Value(kLiveKitKey));
  livekit.Set("sub", json::Value("carol"));
  livekit.Set("nbf", json::Value(now));
  livekit.Set("exp", json::Value(now + 600));
  json::Object video;
  video.Set("roomJoin", json::Value(true));
  video.Set("room", json::Value("r1"));
  livekit.Set("video", json::Value(video));
  add(JoseRequest("HS256", kLiveKitSecret), livekit);

  json::Object twilio;
  twilio.Set("jti", json::Value(absl::StrCat(kTwilioKeySid, "-jose1")));
  twilio.Set("iss", json::Value(kTwilioKeySid));
  twilio.Set("sub", json::Value(kTwilioAccount));
  twilio.Set("iat", json::Value(now));
  twilio.Set("exp", json::Value(now + 600));
  json::Object twilio_grants;
  twilio_grants.Set("identity", json::Value("carol"));
  json::Object room;
  room.Set("room", json::Value("r"));
  twilio_grants.Set("video", json::Value(room));
  twilio.Set("grants", json::Value(twilio_grants));
  json::Object twilio_header;
  twilio_header.Set("cty", json::Value(kTwilioContentType));
  add(JoseRequest("HS256", kTwilioSecret), twilio, twilio_header);

  json::Object zoom;  // as Zoom's videosdk-auth-endpoint-sample writes it
  zoom.Set("app_key", json::Value(kZoomAppKey));
  zoom.Set("role_type", json::Value(1));
  zoom.Set("tpc", json::Value("daily-standup"));
  zoom.Set("version", json::Value(1));
  zoom.Set("iat", json::Value(now));
  zoom.Set("exp", json::Value(now + 7200));
  zoom.Set("user_identity", json::Value("user-4711"));
  zoom.Set("session_key", json::Value("sk-2025-01-01"));
  add(JoseRequest("HS256", kZoomSecret), zoom);

  std::vector<json::Object> results = RunBatch("sign", requests);
  ASSERT_EQ(results.size(), 6u);
  for (const json::Object& result : results) {
    ASSERT_EQ(result.Find("error"), nullptr) << json::Serialize(result);
  }
  auto verify = [&](const Profile& profile, size_t i,
                    const VerifyExpectations& expect = {}) {
    absl::StatusOr<TokenInfo> info =
        profile.Verify(Str(results[i], "token"), expect, absl::Now());
    EXPECT_TRUE(info.ok()) << profile.name() << ": " << info.status();
    return info.ok() ? *info : TokenInfo();
  };

  TokenInfo info = verify(*v.apirtc, 0);
  EXPECT_EQ(info.subject, "user-4711");
  EXPECT_EQ(info.token_id, "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(info.expires_at, absl::FromUnixSeconds(now + 3600));

  info = verify(*v.vonage, 1);
  ASSERT_TRUE(std::holds_alternative<VonageGrants>(info.grants));
  const auto& vonage_grants = std::get<VonageGrants>(info.grants);
  EXPECT_EQ(vonage_grants.kind, VonageGrants::Kind::kVideoClient);
  EXPECT_EQ(vonage_grants.session_id, "1_MX4");
  EXPECT_EQ(vonage_grants.role, "subscriber");
  EXPECT_EQ(info.subject, "video");
  EXPECT_EQ(info.token_id, "0ff70d3f-0000-4000-8000-000000000000");

  info = verify(*v.daily, 2);
  ASSERT_TRUE(std::holds_alternative<DailyGrants>(info.grants));
  const auto& daily_grants = std::get<DailyGrants>(info.grants);
  EXPECT_EQ(daily_grants.room_name, "hello");
  EXPECT_EQ(daily_grants.is_owner, true);
  EXPECT_EQ(daily_grants.enable_screenshare, true);
  EXPECT_EQ(daily_grants.enable_recording, "local");
  EXPECT_EQ(daily_grants.domain_id, kDailyDomain);
  EXPECT_EQ(info.subject, "user-1");

  VerifyExpectations in_r1;
  in_r1.channel = "r1";
  info = verify(*v.livekit, 3, in_r1);
  EXPECT_EQ(info.subject, "carol");
  ASSERT_TRUE(std::holds_alternative<LiveKitGrants>(info.grants));
  const auto& livekit_grants = std::get<LiveKitGrants>(info.grants);
  ASSERT_TRUE(livekit_grants.video.has_value());
  EXPECT_TRUE(livekit_grants.video->room_join);
  EXPECT_EQ(livekit_grants.video->room, "r1");

  VerifyExpectations in_r;
  in_r.channel = "r";
  info = verify(*v.twilio, 4, in_r);
  EXPECT_EQ(info.subject, "carol");
  EXPECT_EQ(info.token_id, absl::StrCat(kTwilioKeySid, "-jose1"));
  ASSERT_TRUE(std::holds_alternative<TwilioGrants>(info.grants));
  const auto& twilio_out = std::get<TwilioGrants>(info.grants);
  ASSERT_TRUE(twilio_out.video.has_value());
  EXPECT_EQ(twilio_out.video->room, "r");

  VerifyExpectations in_topic;
  in_topic.channel = "daily-standup";
  info = verify(*v.zoom, 5, in_topic);
  EXPECT_EQ(info.subject, "user-4711");
  ASSERT_TRUE(std::holds_alternative<ZoomGrants>(info.grants));
  const auto& zoom_grants = std::get<ZoomGrants>(info.grants);
  EXPECT_EQ(zoom_grants.topic, "daily-standup");
  EXPECT_EQ(zoom_grants.role_type, 1);
  EXPECT_EQ(zoom_grants.session_key, "sk-2025-01-01");
  EXPECT_EQ(info.expires_at, absl::FromUnixSeconds(now + 7200));
}

}  // namespace
}  // namespace tokend
