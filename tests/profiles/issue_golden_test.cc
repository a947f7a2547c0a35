// Byte-for-byte golden tokens for every issuing path (issue #13: one JWT
// writer). Each vendor profile, the generic jwt profile and IssueJwt itself
// issue with a fixed clock, fixed keys and a fixed "random" stream, and the
// token must equal the string recorded from the code before the writers
// were merged, header member order, claims order and signature included.
//
// Mocked: the CSPRNG. This binary defines core/random.h's three functions
// itself (a counter stream restarted by every test), so the linker never
// pulls core/random.o out of libtokend_core.a; jti, Agora's salt and every
// other random value are reproducible. Keys are HMAC and RSA PKCS#1 v1.5: both
// deterministic signatures.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/keys/key_set.h"
#include "core/keys/pem.h"
#include "core/profiles/agora/agora_grants.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/apirtc_grants.h"
#include "core/profiles/apirtc_profile.h"
#include "core/profiles/daily_grants.h"
#include "core/profiles/daily_profile.h"
#include "core/profiles/jwt_grants.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/livekit_grants.h"
#include "core/profiles/livekit_profile.h"
#include "core/profiles/profile.h"
#include "core/profiles/twilio_grants.h"
#include "core/profiles/twilio_profile.h"
#include "core/profiles/vonage_grants.h"
#include "core/profiles/vonage_profile.h"
#include "core/profiles/zoom_grants.h"
#include "core/profiles/zoom_profile.h"
#include "core/random.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {
uint8_t next_byte = 0;
}  // namespace

// The link seam (see the file comment): bytes 0, 1, 2, ... from the start
// of each test.
void SecureRandomBytes(void* buf, size_t len) {
  auto* out = static_cast<uint8_t*>(buf);
  for (size_t i = 0; i < len; ++i) out[i] = next_byte++;
}

uint32_t SecureRandomUint32() {
  uint32_t v;
  SecureRandomBytes(&v, sizeof(v));
  return v;
}

std::string NewTokenId() {
  uint8_t id[16];
  SecureRandomBytes(id, sizeof(id));
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(id), sizeof(id)));
}

namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr absl::Duration kTtl = absl::Minutes(30);

constexpr char kRsaPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDKbSdJRG4VHxbg\n"
    "VisUMU9lNBLMCDhlvomwrNXR2U8BS85aagjrwlszWEA3zBkcKoq3ADn5kx1WuoSF\n"
    "0le6HjcAkzdQMM6cxrCe+J6hLx+bk9CVHJE/2P1U5mo9VuPVBJ8diyW9rJXOaIBj\n"
    "6OEk++npc6wljqM0IwxWWyU42229/xxn9RsLVCukqCb4wgYSr6i0Chs0jjUFHMLp\n"
    "DOlb0bYT3kF7nNS/3TNIvZ14/PVPLMYtZRwA2n5/pWBQoi/VeX8fycsGps7Y+9cx\n"
    "MQVQ45oXv9AVfX7PH3kDqtCZO3Sh7se/ejALt5gdSozP8sLZvWpwOsg/T5UGdsSB\n"
    "w+IHUpC1AgMBAAECggEAFRjJsKThXTGrim9ol3bpKajC8cFEkXQJeSCWO0Ps7Dto\n"
    "kvs8mUedBi2jKb2Le2hCoz5yjFyFAQI46BKLQpI+FMEDEYg4rFW32CWcsLtOzcHa\n"
    "ygObbr5Qbr4B4gkxfwS3iZZ0NT+ssEGrad4+QsK/du1vik2CnF8vvLtMlo+l8Rhb\n"
    "C6oayAIPHEjXhRLSZKp0ZPGUspsBZJu9KSn/zPuLMPiAPylBOMMs5/BeRWPvlQMl\n"
    "LEFZ49CAH8gj1L8mYA4cmG7POCtNSLhvuUb33LssJGnPIK4RtyXblSiCOEp0BIza\n"
    "QteKlvmMnCGZkM7iksssX7cH4LMJb9ojVkCrB4AboQKBgQD43vBWoMaXBW4xArzv\n"
    "TgwVDwJpijJeOcdmzhpWM9+vJAOP14aZ9DGU51/yXpkaNTR69GdFPo6b4rosCEjf\n"
    "cvbYk8fS3kkmrJen3cwLPzIYRXXZPc+dAmDxLFR2gOhKo+W0WkHNPpbdWsuwcT8M\n"
    "362aUA2iqQqD1nXyCR/Pk89WFQKBgQDQOZ7LcIccWn1BMlKBfARlQdbceGr/+LUy\n"
    "Pk3jOVxhYFzuDZzV1RKK7uGejmSudHeNJRau06wz3BdhQ2SQGmFEyYQ3mAwLltFd\n"
    "/XkUbdZkewIo5duv2V9U0gov5lHSaPjAM1T8ae5THrB1ajg8gXgMgrwEsuE+F9XA\n"
    "C13oX4yYIQKBgQCBR24Z0hLXSJ7hHsb+mNB18AIUyRE5GVKX+OB9fxznYhHnmtH1\n"
    "D4DiFP8mbDWkA5drd6Jdug1itPh4/yS7zoCkKMBYrdfaGzX8oZ7pCL8BFLQPUaiT\n"
    "qzSok5qcpIIGo/UjJu+fqq+79PpygaF7Eoaf7o3mvWEU80b5n/vCXMoLsQKBgQCy\n"
    "SuRBZlUKXiEqFiC3Zq2M1ldX6HQWQatFHjwq+A62AoEQBO/p2MxL0ke2ME7dYjSL\n"
    "0todUHn+3dHXIpGVIkFvWO2xfKuzsKwNQuDOMU6GMx2iT09Qv1v1kPPQF/Kvq9pz\n"
    "GIEIsNu0qG6H2y/T/zf/3mGH1HMxa89G5XS/aDFGgQKBgQCUI3aY+K9wFEdKoBsr\n"
    "eZoR+Iyre2/bZaiDv6RAs8p8CLvJoQjTYXntbSadppbnzUeIXzUxzeXrVTHHSEOC\n"
    "ok5Km5j6MsSBDOYyniYdtYuj1Rpw1tY80X1KE5UpPU8Z/2ciPADXbI7mcPz5WRwC\n"
    "kKpUhBJzUHbrgvypoatLYMXEdQ==\n"
    "-----END PRIVATE KEY-----\n";
;

class IssueGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override { next_byte = 0; }

  // Issues `input` with `profile` at kNow and returns the token ("" and a
  // failure when the profile cannot be built or refuses).
  static std::string Issue(
      const absl::StatusOr<std::shared_ptr<const Profile>>& profile,
      const IssueInput& input) {
    EXPECT_TRUE(profile.ok()) << profile.status();
    if (!profile.ok()) return "";
    absl::StatusOr<TokenInfo> issued = (*profile)->Issue(input, kNow);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->token : "";
  }
};

std::shared_ptr<const Key> HmacKey(const std::string& secret,
                                   absl::string_view kid = "") {
  return Key::FromHmacSecret(Algorithm::kHS256, secret, std::string(kid))
      .value();
}

TEST_F(IssueGoldenTest, IssueJwtWithEveryHeaderAndClaimMember) {
  JwtSpec spec;
  spec.issuer = "https://issuer.example";
  spec.subject = "alice";
  spec.audiences = {"api", "web"};
  spec.ttl = kTtl;
  spec.include_nbf = true;
  spec.extra_claims.Set("scope", json::Value("read write"));
  spec.extra_claims.Set("a", json::Value(1));
  spec.extra_claims.Set("zz", json::Value(true));
  spec.typ = "at+jwt";
  spec.extra_header.Set("cty", json::Value("example;v=1"));
  absl::StatusOr<IssuedJwt> issued =
      IssueJwt(*HmacKey(std::string(32, 'k'), "kid-1"), spec, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token,
            "eyJhbGciOiJIUzI1NiIsImN0eSI6ImV4YW1wbGU7dj0xIiwia2lkIjoia2lkLTEi"
            "LCJ0eXAiOiJhdCtqd3QifQ.eyJhIjoxLCJhdWQiOlsiYXBpIiwid2ViIl0sImV4c"
            "CI6MTcwMDAwMTgwMCwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL2lzc"
            "3Vlci5leGFtcGxlIiwianRpIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EdyIsIm5iZ"
            "iI6MTcwMDAwMDAwMCwic2NvcGUiOiJyZWFkIHdyaXRlIiwic3ViIjoiYWxpY2UiL"
            "CJ6eiI6dHJ1ZX0.0v7TgSuFudRmKP5qwiiPJTe0WhqXRmm9FGZqLNDD7es");
}

TEST_F(IssueGoldenTest, IssueJwtMinimal) {
  JwtSpec spec;
  spec.ttl = kTtl;
  spec.not_before = kNow + absl::Seconds(5);
  absl::StatusOr<IssuedJwt> issued =
      IssueJwt(*HmacKey(std::string(32, 'k')), spec, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDE4MDAsIml"
            "hdCI6MTcwMDAwMDAwMCwianRpIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EdyIsIm5"
            "iZiI6MTcwMDAwMDAwNX0.p9Z_Z4nxFFTtDbtuvXHQQfCUZUUhh-nyoYzRYkYVggw");
}

TEST_F(IssueGoldenTest, JwtProfileRs256) {
  std::shared_ptr<const Key> key =
      KeyFromPem(Algorithm::kRS256, kRsaPem, "rsa-1").value();
  JwtProfileConfig config;
  config.issuer = "tokend";
  config.audiences = {"svc"};
  config.signing_key = key;
  config.verification_keys =
      std::make_shared<KeySet>(KeySet::Create({key}).value());
  config.ttl = {kTtl, absl::Hours(24)};
  IssueInput input;
  input.subject = "bob";
  input.ttl = kTtl;
  JwtGrants grants;
  grants.extra_claims.Set("role", json::Value("admin"));
  input.grants = grants;
  EXPECT_EQ(Issue(NewJwtProfile(config), input),
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0.eyJhdWQi"
            "OiJzdmMiLCJleHAiOjE3MDAwMDE4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoi"
            "dG9rZW5kIiwianRpIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EdyIsInJvbGUiOiJh"
            "ZG1pbiIsInN1YiI6ImJvYiJ9.R1nVk13hGfyr8ZqwOpCZbAkv-QRlEhwbht4l40g"
            "Vq-l_khhlb4ok4HUs10ZsHYfqYU5AR3E01q7br1Fg54L7xNc_RMu0EtrnY7qsg_3"
            "3qRP4Me02fCkH8o3m5wXWgHmov0imuEGK0U4FfOtihN6EA4QRiMYPAN_tza04GUp"
            "wYaCrerA4TvQGR2z74e52JinxtZEM1QCZYVwqnRTIQo0uX0Khq0HUhQE7nuBcqRP"
            "UBEu0NF6ZqyYkEv21VNaSuG473VFqoUVVlHGE6f18HM19v5xSEyI9I9ORLuGEBEn"
            "ia9YJc0LUrHzS4jZSB8p3lKXG721ANItwtrBBpMAVhGyZJQ");
}

TEST_F(IssueGoldenTest, ApiRtc) {
  ApiRtcProfileConfig config;
  config.api_key = "0123456789abcdef0123456789abcdef";
  config.secret = "apirtc-test-secret-of-at-least-32-bytes!";
  IssueInput input;
  input.subject = "user-4711";
  input.ttl = kTtl;
  input.grants = ApiRtcGrants{};
  EXPECT_EQ(Issue(NewApiRtcProfile(config), input),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcGlSVEMiLCJleHA"
            "iOjE3MDAwMDE4MDAsImdyYW50cyI6eyJhcGlSVENfVXNlckFnZW50X0lkIjoidXN"
            "lci00NzExIn0sImlhdCI6MTcwMDAwMDAwMCwianRpIjoiMDAwMTAyMDMtMDQwNS0"
            "0NjA3LTg4MDktMGEwYjBjMGQwZTBmIiwic3ViIjoiMDEyMzQ1Njc4OWFiY2RlZjA"
            "xMjM0NTY3ODlhYmNkZWYifQ.pMGTPaJXkYqIYdX-D__wQ4mNv-k1xEdxOhSY3JxD"
            "WCI");
}

TEST_F(IssueGoldenTest, Vonage) {
  VonageProfileConfig config;
  config.application_id = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
  config.private_key_pem = kRsaPem;
  IssueInput input;
  input.subject = "alice";
  input.ttl = kTtl;
  VonageGrants grants;
  json::Object any;
  json::Object paths;
  paths.Set("/*/users/**", json::Value(any));
  paths.Set("/*/conversations/**", json::Value(any));
  grants.acl.Set("paths", json::Value(paths));
  input.grants = grants;
  EXPECT_EQ(Issue(NewVonageProfile(config), input),
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2wiOnsicGF0aHMiOnsiLyo"
            "vY29udmVyc2F0aW9ucy8qKiI6e30sIi8qL3VzZXJzLyoqIjp7fX19LCJhcHBsaWN"
            "hdGlvbl9pZCI6ImFhYWFhYWFhLWJiYmItY2NjYy1kZGRkLTAxMjM0NTY3ODlhYiI"
            "sImV4cCI6MTcwMDAwMTgwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiIwMDAxMDI"
            "wMy0wNDA1LTQ2MDctODgwOS0wYTBiMGMwZDBlMGYiLCJzdWIiOiJhbGljZSJ9.nt"
            "aVs0ic6M4e11Pyrktz6Yq9945Y2QY-NQgzRcp-nSK_4FuG3NLlo0d3XGOjwq6Z1f"
            "IUgRzsBgK6Fxsqlg_o3cWG3Oebc3svPLFkMbJXdi_hoN6gI5B2CSInB-saFKByPy"
            "jsgCMF8pzQE3FdqVt9AvIkeBug3qcFhEZnQkb88dkbj6xuKcbTVcVNQdJgv36OLy"
            "HoAJcwxpj5ZP8i4cn0-Z_XuL1OQQ7osQ4HKWesy7DJcZo-3y6pjozLAXeDR_z_Im"
            "ot4wkUIrVaKk89vS4Q7RzYcOUdymMgSHNF4ejcClNNEN9_xOzZ-uVH0ItFshcHjV"
            "eeuNg_aQSy6pTksBP0Gg");
}

TEST_F(IssueGoldenTest, Daily) {
  DailyProfileConfig config;
  config.api_key =
      "5d9c2e1f8a7b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d";
  config.domain_id = "30f866c3-9123-452a-8723-ff58322d09c5";
  IssueInput input;
  input.subject = "user-4711";
  input.ttl = kTtl;
  input.not_before = kNow + absl::Seconds(10);
  input.session_started = kNow - absl::Minutes(5);
  DailyGrants grants;
  grants.room_name = "standup-room";
  grants.user_name = "Alice";
  grants.is_owner = false;
  grants.start_video_off = true;
  grants.enable_screenshare = true;
  grants.eject_at_token_exp = true;
  input.grants = grants;
  EXPECT_EQ(Issue(NewDailyProfile(config), input),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJkIjoiMzBmODY2YzMtOTEyMy0"
            "0NTJhLTg3MjMtZmY1ODMyMmQwOWM1IiwiZWp0Ijp0cnVlLCJleHAiOjE3MDAwMDE"
            "4MDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9"
            "EdyIsIm5iZiI6MTcwMDAwMDAxMCwibyI6ZmFsc2UsInIiOiJzdGFuZHVwLXJvb20"
            "iLCJzcyI6dHJ1ZSwidG9rZW5kX3NzdCI6MTY5OTk5OTcwMCwidSI6IkFsaWNlIiw"
            "idWQiOiJ1c2VyLTQ3MTEiLCJ2byI6dHJ1ZX0.OAhagAMzxi9hNR1Z94eNFpXRRR6"
            "37Id2BDlGQjeYhTM");
}

TEST_F(IssueGoldenTest, LiveKit) {
  LiveKitProfileConfig config;
  config.api_key = "APIk3yExample";
  config.api_secret = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tX";
  IssueInput input;
  input.subject = "alice";
  input.ttl = kTtl;
  LiveKitGrants grants;
  grants.name = "Alice";
  LiveKitVideoGrant video;
  video.room_join = true;
  video.room = "daily-standup";
  video.can_publish = true;
  video.can_subscribe = true;
  video.can_publish_data = true;
  grants.video = video;
  grants.metadata = R"({"tier":"pro"})";
  input.grants = grants;
  EXPECT_EQ(Issue(NewLiveKitProfile(config), input),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDE4MDAsIml"
            "hdCI6MTcwMDAwMDAwMCwiaWRlbnRpdHkiOiJhbGljZSIsImlzcyI6IkFQSWszeUV"
            "4YW1wbGUiLCJqdGkiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R3IiwibWV0YWRhdGE"
            "iOiJ7XCJ0aWVyXCI6XCJwcm9cIn0iLCJuYW1lIjoiQWxpY2UiLCJuYmYiOjE3MDA"
            "wMDAwMDAsInN1YiI6ImFsaWNlIiwidmlkZW8iOnsiY2FuUHVibGlzaCI6dHJ1ZSw"
            "iY2FuUHVibGlzaERhdGEiOnRydWUsImNhblN1YnNjcmliZSI6dHJ1ZSwicm9vbSI"
            "6ImRhaWx5LXN0YW5kdXAiLCJyb29tSm9pbiI6dHJ1ZX19.Va9Snt0UnjZpZFejMP"
            "m_H6Ivuq5XXeq8dq7yP5xnPPA");
}

TwilioProfileConfig TwilioConfig() {
  TwilioProfileConfig config;
  config.account_sid = "AC0123456789abcdef0123456789abcdef";
  config.api_key_sid = "SK0123456789abcdef0123456789abcdef";
  config.api_key_secret = "0123456789abcdef0123456789abcdef";
  return config;
}

IssueInput TwilioInput() {
  IssueInput input;
  input.subject = "alice";
  input.ttl = kTtl;
  TwilioGrants grants;
  grants.video = TwilioVideoGrant{"daily-standup"};
  grants.chat = TwilioChatGrant{"IS123", "alice:phone", "", ""};
  input.grants = grants;
  return input;
}

TEST_F(IssueGoldenTest, Twilio) {
  EXPECT_EQ(Issue(NewTwilioProfile(TwilioConfig()), TwilioInput()),

            "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldU"
            "In0.eyJleHAiOjE3MDAwMDE4MDAsImdyYW50cyI6eyJjaGF0Ijp7ImVuZHBvaW50"
            "X2lkIjoiYWxpY2U6cGhvbmUiLCJzZXJ2aWNlX3NpZCI6IklTMTIzIn0sImlkZW50"
            "aXR5IjoiYWxpY2UiLCJ2aWRlbyI6eyJyb29tIjoiZGFpbHktc3RhbmR1cCJ9fSwi"
            "aWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJTSzAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2"
            "Nzg5YWJjZGVmIiwianRpIjoiU0swMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFi"
            "Y2RlZi1BQUVDQXdRRkJnY0lDUW9MREEwT0R3Iiwic3ViIjoiQUMwMTIzNDU2Nzg5"
            "YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiJ9.42YQpSUacH9HyyibsLR4mAlqTcRScYM"
            "u1PdD3UHITlw");
}

TEST_F(IssueGoldenTest, TwilioWithRegion) {
  IssueInput input = TwilioInput();
  std::get<TwilioGrants>(input.grants).region = "ie1";
  EXPECT_EQ(Issue(NewTwilioProfile(TwilioConfig()), input),

            "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHdyIjoiaWUx"
            "IiwidHlwIjoiSldUIn0.eyJleHAiOjE3MDAwMDE4MDAsImdyYW50cyI6eyJjaGF0"
            "Ijp7ImVuZHBvaW50X2lkIjoiYWxpY2U6cGhvbmUiLCJzZXJ2aWNlX3NpZCI6IklT"
            "MTIzIn0sImlkZW50aXR5IjoiYWxpY2UiLCJ2aWRlbyI6eyJyb29tIjoiZGFpbHkt"
            "c3RhbmR1cCJ9fSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJTSzAxMjM0NTY3ODlh"
            "YmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwianRpIjoiU0swMTIzNDU2Nzg5YWJjZGVm"
            "MDEyMzQ1Njc4OWFiY2RlZi1BQUVDQXdRRkJnY0lDUW9MREEwT0R3Iiwic3ViIjoi"
            "QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiJ9.sR23hfPdxa8-fzz"
            "TqaSZh80V83RBr1Pqdk3a6900x8o");
}

TEST_F(IssueGoldenTest, Zoom) {
  ZoomProfileConfig config;
  config.app_key = "AbCdEfGhIjKlMnOpQrStUv";
  config.secret = "zoom-video-sdk-secret-0123456789abcdef";
  IssueInput input;
  input.subject = "user-4711";
  input.ttl = absl::Hours(1);
  ZoomGrants grants;
  grants.topic = "daily-standup";
  grants.role_type = 1;
  grants.session_key = "session-1";
  input.grants = grants;
  EXPECT_EQ(Issue(NewZoomProfile(config), input),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBfa2V5IjoiQWJDZEVmR2h"
            "JaktsTW5PcFFyU3RVdiIsImV4cCI6MTcwMDAwMzYwMCwiaWF0IjoxNzAwMDAwMDA"
            "wLCJqdGkiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R3Iiwicm9sZV90eXBlIjoxLCJ"
            "zZXNzaW9uX2tleSI6InNlc3Npb24tMSIsInRwYyI6ImRhaWx5LXN0YW5kdXAiLCJ"
            "1c2VyX2tleSI6InVzZXItNDcxMSIsInZlcnNpb24iOjF9.QUI5WlHMzRVVg2Rvcg"
            "6KVJP_nQ2GbVi8yDHYlprTkPs");
}

TEST_F(IssueGoldenTest, Agora) {
  AgoraProfileConfig config;
  config.app_id = "970CA35de60c44645bbae8a215061b33";
  config.app_certificate = "5CFd2fd1755d40ecb72977518be15d3b";
  AgoraService rtc;
  rtc.type = kAgoraRtc;
  rtc.channel = "7d72365eb983485397e3e3f9d460bdda";
  rtc.uid = 2882341273;
  const uint32_t expiry = static_cast<uint32_t>(absl::ToInt64Seconds(kTtl));
  rtc.privileges = {{1, expiry}, {2, expiry}};
  AgoraGrants grants;
  grants.services = {rtc};
  IssueInput input;
  input.ttl = kTtl;
  input.grants = grants;
  EXPECT_EQ(Issue(NewAgoraProfile(config), input),
            "007eJxTYDjybsIWmVzLupSLp4ztrrlH10i9PRYlv/b+/nk/HgplPchWYLA0N3B2N"
            "DZNSTUzSDYxMTMxTUpKTLVINDI0NTAzTDI2ZvgYnMrBzsDAwMjEzMjAyMAExCA+E"
            "5hUYDBPMTcyNjNNTbK0MDaxMDW2NE81TjVOs0wxMTNISklJ5GIwsrAwMjYxNDI3B"
            "gA5Nyan");
}

}  // namespace
}  // namespace tokend
