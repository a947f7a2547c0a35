#include "core/profiles/jwt_profile.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/keys/jwk.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/profiles/interop_util.h"

namespace tokend {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01

JwtProfileConfig BaseConfig(Algorithm alg = Algorithm::kES256) {
  JwtProfileConfig config;
  config.issuer = "https://tokend.test";
  config.audiences = {"svc-a"};
  auto key = GenerateKey(alg);
  EXPECT_TRUE(key.ok()) << key.status();
  config.signing_key = (*key)->WithKid("k1");
  config.ttl = {absl::Minutes(10), absl::Hours(1)};
  return config;
}

std::shared_ptr<const Profile> MakeProfile(JwtProfileConfig config) {
  auto profile = NewJwtProfile(std::move(config));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return *profile;
}

TEST(JwtProfileTest, IssueThenVerifyCarriesSubjectAudienceAndExtraClaims) {
  auto profile = MakeProfile(BaseConfig());
  IssueInput in;
  in.subject = "alice";
  JwtGrants grants;
  grants.extra_claims.Set("role", json::Value("admin"));
  in.grants = grants;
  auto issued = profile->Issue(in, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_at - issued->issued_at, absl::Minutes(10));
  EXPECT_EQ(issued->session_started, kNow);

  auto verified = profile->Verify(issued->token, {}, kNow + absl::Minutes(1));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->token_id, issued->token_id);
  EXPECT_EQ(verified->session_started, issued->issued_at);
  const auto& g = std::get<JwtGrants>(verified->grants);
  EXPECT_EQ(g.audiences, std::vector<std::string>{"svc-a"});
  ASSERT_NE(g.extra_claims.Find("role"), nullptr);
  EXPECT_EQ(g.extra_claims.Find("role")->as_string(), "admin");
  EXPECT_EQ(g.extra_claims.size(), 1u);  // registered claims are not grants
  // A first issue carries no session-start claim.
  EXPECT_EQ(verified->claims.Find(kSessionStartClaim), nullptr);
}

TEST(JwtProfileTest, RenewalInputsCarryTheSessionStart) {
  auto profile = MakeProfile(BaseConfig());
  IssueInput in;
  in.subject = "alice";
  in.session_started = kNow - absl::Hours(3);
  auto issued = profile->Issue(in, kNow);
  ASSERT_TRUE(issued.ok());
  auto verified = profile->Verify(issued->token, {}, kNow);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->session_started, kNow - absl::Hours(3));
}

// A token of `config`'s signing key with this header typ (nullptr: none).
std::string TokenWithTyp(const JwtProfileConfig& config, const char* typ) {
  JwtSpec spec;
  spec.issuer = config.issuer;
  spec.subject = "alice";
  spec.audiences = config.audiences;
  spec.ttl = absl::Minutes(5);
  spec.typ = typ == nullptr ? "" : typ;
  auto issued = IssueJwt(*config.signing_key, spec, kNow);
  EXPECT_TRUE(issued.ok()) << issued.status();
  return issued->token;
}

TEST(JwtProfileTest, TypIsOptionalAndJwtUnlessConfigured) {
  JwtProfileConfig config = BaseConfig();
  auto profile = MakeProfile(config);
  // RFC 7519 §5.1: typ is optional; jose writes none by default.
  EXPECT_TRUE(profile->Verify(TokenWithTyp(config, nullptr), {}, kNow).ok());
  for (const char* typ : {"JWT", "jwt", "application/JWT"}) {
    EXPECT_TRUE(profile->Verify(TokenWithTyp(config, typ), {}, kNow).ok())
        << typ;
  }
  for (const char* typ : {"at+jwt", "JOSE", "application/at+jwt"}) {
    EXPECT_EQ(
        GetReason(
            profile->Verify(TokenWithTyp(config, typ), {}, kNow).status()),
        Reason::kTypeMismatch)
        << typ;
  }
}

TEST(JwtProfileTest, ConfiguredTypIsWrittenAndRequired) {
  JwtProfileConfig config = BaseConfig();
  config.typ = "at+jwt";
  auto profile = MakeProfile(config);
  IssueInput in;
  in.subject = "alice";
  auto issued = profile->Issue(in, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(profile->Verify(issued->token, {}, kNow).ok());
  EXPECT_TRUE(
      profile->Verify(TokenWithTyp(config, "application/AT+JWT"), {}, kNow)
          .ok());
  for (const char* typ : {static_cast<const char*>(nullptr), "JWT"}) {
    absl::Status status =
        profile->Verify(TokenWithTyp(config, typ), {}, kNow).status();
    EXPECT_EQ(GetReason(status), Reason::kTypeMismatch);
    EXPECT_EQ(GetField(status), "typ");
  }
  // Not a media type.
  for (const char* typ : {"at jwt", "a/b/c", "/jwt", "t\xc3\xa9"}) {
    config.typ = typ;
    absl::Status status = NewJwtProfile(config).status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << typ;
    EXPECT_EQ(GetField(status), "typ") << typ;
  }
}

TEST(JwtProfileTest, TtlOverTheMaximumIsRefused) {
  auto profile = MakeProfile(BaseConfig());
  IssueInput in;
  in.ttl = absl::Hours(2);
  auto issued = profile->Issue(in, kNow);
  EXPECT_EQ(GetReason(issued.status()), Reason::kLifetimeExceeded);
  EXPECT_EQ(GetField(issued.status()), "ttl");
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JwtProfileTest, ReservedExtraClaimsAreRefused) {
  auto profile = MakeProfile(BaseConfig());
  for (const char* name : {"exp", "iss", kSessionStartClaim}) {
    IssueInput in;
    JwtGrants grants;
    grants.extra_claims.Set(name, json::Value(1));
    in.grants = grants;
    auto issued = profile->Issue(in, kNow);
    EXPECT_EQ(GetReason(issued.status()), Reason::kInvalidArgument) << name;
    EXPECT_EQ(GetField(issued.status()),
              std::string("grants.jwt.extra_claims.") + name);
  }
}

TEST(JwtProfileTest, VerifyEnforcesAudienceIssuerAndExpiry) {
  JwtProfileConfig config = BaseConfig();
  std::shared_ptr<const Key> profile_key = config.signing_key;
  auto profile = MakeProfile(config);
  auto issued = profile->Issue({}, kNow);
  ASSERT_TRUE(issued.ok());

  VerifyExpectations other;
  other.audience = "svc-b";
  EXPECT_EQ(GetReason(profile->Verify(issued->token, other, kNow).status()),
            Reason::kAudienceMismatch);

  // Same key, different issuer: the token must not pass.
  JwtProfileConfig same_key = BaseConfig();
  same_key.issuer = "https://other.test";
  same_key.signing_key = profile_key;
  auto other_issuer = MakeProfile(same_key);
  EXPECT_EQ(GetReason(other_issuer->Verify(issued->token, {}, kNow).status()),
            Reason::kIssuerMismatch);

  EXPECT_EQ(GetReason(profile
                          ->Verify(issued->token, {},
                                   issued->expires_at + absl::Minutes(2))
                          .status()),
            Reason::kTokenExpired);
}

TEST(JwtProfileTest, ExpiryGraceAcceptsJustExpiredTokensOnly) {
  auto profile = MakeProfile(BaseConfig());
  auto issued = profile->Issue({}, kNow);
  ASSERT_TRUE(issued.ok());
  VerifyExpectations grace;
  grace.expiry_grace = absl::Minutes(5);
  // 60 s default leeway + 5 min grace.
  EXPECT_TRUE(
      profile
          ->Verify(issued->token, grace, issued->expires_at + absl::Minutes(5))
          .ok());
  EXPECT_EQ(GetReason(profile
                          ->Verify(issued->token, grace,
                                   issued->expires_at + absl::Minutes(7))
                          .status()),
            Reason::kTokenExpired);
}

TEST(JwtProfileTest, ConfigErrorsNameTheField) {
  JwtProfileConfig no_issuer = BaseConfig();
  no_issuer.issuer.clear();
  EXPECT_EQ(GetField(NewJwtProfile(no_issuer).status()), "issuer");

  JwtProfileConfig bad_ttl = BaseConfig();
  bad_ttl.ttl = {absl::Hours(2), absl::Hours(1)};
  EXPECT_EQ(GetField(NewJwtProfile(bad_ttl).status()), "ttl.default_ttl");

  JwtProfileConfig public_only = BaseConfig();
  auto pub = PublicJwk(*public_only.signing_key);
  ASSERT_TRUE(pub.ok());
  auto pub_key = KeyFromJwk(*pub);
  ASSERT_TRUE(pub_key.ok()) << pub_key.status();
  public_only.signing_key = *pub_key;
  EXPECT_EQ(GetField(NewJwtProfile(public_only).status()), "signing_key");
}

// PyJWT (Debian's python3-jwt) verifies a tokend token, and tokend verifies a
// PyJWT token, for an asymmetric and a symmetric algorithm.
TEST(JwtProfileInteropTest, PyJwtVerifiesTokendTokens) {
  JwtProfileConfig config = BaseConfig(Algorithm::kES256);
  auto profile = MakeProfile(config);
  IssueInput in;
  in.subject = "bob";
  auto issued = profile->Issue(in, absl::Now());
  ASSERT_TRUE(issued.ok());
  auto pem = PublicKeyToPem(*config.signing_key);
  ASSERT_TRUE(pem.ok());
  json::Object request;
  request.Set("token", json::Value(issued->token));
  request.Set("key", json::Value(*pem));
  std::string input = json::Serialize(request);
  auto result =
      testing::RunPythonScript("pyjwt_tool.py",
                               {"verify", "--alg", "ES256", "--aud", "svc-a",
                                "--iss", "https://tokend.test"},
                               input);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->err;
  auto claims = json::ParseObject(result->out);
  ASSERT_TRUE(claims.ok()) << result->out;
  EXPECT_EQ(claims->Find("sub")->as_string(), "bob");
  EXPECT_EQ(claims->Find("jti")->as_string(), issued->token_id);
}

TEST(JwtProfileInteropTest, TokendVerifiesPyJwtTokens) {
  JwtProfileConfig config = BaseConfig(Algorithm::kES256);
  auto profile = MakeProfile(config);
  auto pem = PrivateKeyToPem(*config.signing_key);
  ASSERT_TRUE(pem.ok());
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json::Object claims;
  claims.Set("iss", json::Value("https://tokend.test"));
  claims.Set("aud", json::Value("svc-a"));
  claims.Set("sub", json::Value("carol"));
  claims.Set("iat", json::Value(now));
  claims.Set("exp", json::Value(now + 300));
  claims.Set("jti", json::Value("pyjwt-1"));
  json::Object headers;
  headers.Set("kid", json::Value("k1"));
  json::Object request;
  request.Set("claims", json::Value(claims));
  request.Set("key", json::Value(*pem));
  request.Set("headers", json::Value(headers));
  auto result = testing::RunPythonScript(
      "pyjwt_tool.py", {"sign", "--alg", "ES256"}, json::Serialize(request));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->err;
  std::string token(absl::StripTrailingAsciiWhitespace(result->out));
  auto verified = profile->Verify(token, {}, absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "carol");
  EXPECT_EQ(verified->token_id, "pyjwt-1");

  // The same token under another tenant's key is refused.
  auto stranger = MakeProfile(BaseConfig(Algorithm::kES256));
  EXPECT_EQ(GetReason(stranger->Verify(token, {}, absl::Now()).status()),
            Reason::kBadSignature);
}

}  // namespace
}  // namespace tokend
