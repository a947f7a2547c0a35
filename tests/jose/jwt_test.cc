// Unit tests for ParseNumericDate, every claim rule and its boundaries,
// key selection, and IssueJwt (round trips for all 13 algorithms, the
// extra_claims / extra_header rules, determinism).
#include "core/jose/jwt.h"

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "core/token_facts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

constexpr int64_t kNow = 1700000000;
const absl::Time kNowTime = absl::FromUnixSeconds(kNow);

std::shared_ptr<const Key> Hs256(std::string kid = "") {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'k'), kid);
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

KeySet SetOf(std::vector<std::shared_ptr<const Key>> keys) {
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(keys));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : KeySet();
}

// A compact token with exactly these header and payload bytes.
std::string Signed(const Key& key, absl::string_view header,
                   absl::string_view payload) {
  std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  absl::StatusOr<std::string> signature = key.Sign(input);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return absl::StrCat(input, ".", Base64UrlEncode(*signature));
}

class ClaimsTest : public ::testing::Test {
 protected:
  ClaimsTest() : key_(Hs256()), keys_(SetOf({key_})) {
    policy_.leeway = absl::Seconds(60);
  }

  absl::StatusOr<VerifiedJwt> Verify(absl::string_view payload,
                                     absl::Time now = kNowTime) {
    return VerifyJwt(Signed(*key_, R"({"alg":"HS256"})", payload), keys_,
                     policy_, now);
  }
  Reason ReasonOf(absl::string_view payload, absl::Time now = kNowTime) {
    return GetReason(Verify(payload, now).status());
  }
  static std::string Exp(int64_t exp) {
    return absl::StrCat(R"({"exp":)", exp, "}");
  }

  std::shared_ptr<const Key> key_;
  KeySet keys_;
  ValidationPolicy policy_;
};

// ---- ParseNumericDate -------------------------------------------------------

TEST(ParseNumericDate, IntegersInRange) {
  EXPECT_EQ(*ParseNumericDate(json::Value(int64_t{0}), "exp"),
            absl::UnixEpoch());
  EXPECT_EQ(*ParseNumericDate(json::Value(int64_t{kNow}), "exp"), kNowTime);
  const int64_t max = (int64_t{1} << 53) - 1;
  EXPECT_EQ(*ParseNumericDate(json::Value(max), "exp"),
            absl::FromUnixSeconds(max));
}

TEST(ParseNumericDate, OutOfRangeIsBadClaimNamingTheField) {
  for (int64_t v :
       {int64_t{-1}, (int64_t{1} << 53), std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::min()}) {
    absl::Status status = ParseNumericDate(json::Value(v), "nbf").status();
    EXPECT_EQ(GetReason(status), Reason::kBadClaim) << v;
    EXPECT_EQ(GetField(status), "nbf");
  }
  for (double v : {-0.5, 1e30, 9007199254740992.0, -1e300}) {
    EXPECT_EQ(GetReason(ParseNumericDate(json::Value(v), "iat").status()),
              Reason::kBadClaim)
        << v;
  }
}

TEST(ParseNumericDate, FractionsTruncateTowardThePast) {
  EXPECT_EQ(*ParseNumericDate(json::Value(1735689600.9), "exp"),
            absl::FromUnixSeconds(1735689600));
  EXPECT_EQ(*ParseNumericDate(json::Value(0.999), "exp"), absl::UnixEpoch());
  EXPECT_EQ(*ParseNumericDate(json::Value(-0.0), "exp"), absl::UnixEpoch());
}

TEST(ParseNumericDate, NonNumbersAreBadClaim) {
  for (const json::Value& v :
       {json::Value("1735689600"), json::Value(true), json::Value(nullptr),
        json::Value(json::Array{json::Value(1)}),
        json::Value(json::Object())}) {
    EXPECT_EQ(GetReason(ParseNumericDate(v, "exp").status()),
              Reason::kBadClaim);
  }
}

// ---- exp --------------------------------------------------------------------

TEST_F(ClaimsTest, ExpIsRequiredByDefault) {
  EXPECT_EQ(ReasonOf(R"({"sub":"a"})"), Reason::kExpMissing);
  policy_.require_exp = false;
  absl::StatusOr<VerifiedJwt> jwt = Verify(R"({"sub":"a"})");
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->expires_at, absl::InfiniteFuture());
  // ...unless a finite max_lifetime needs one.
  policy_.max_lifetime = absl::Hours(1);
  EXPECT_EQ(ReasonOf(R"({"sub":"a"})"), Reason::kExpMissing);
}

TEST_F(ClaimsTest, ExpBoundaryWithoutLeeway) {
  policy_.leeway = absl::ZeroDuration();
  // Valid strictly before exp; expired AT exp.
  EXPECT_TRUE(Verify(Exp(kNow + 1)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow)), Reason::kTokenExpired);
  EXPECT_EQ(ReasonOf(Exp(kNow - 1)), Reason::kTokenExpired);
  // Sub-second: 1 ns before exp is still valid.
  EXPECT_TRUE(Verify(Exp(kNow), kNowTime - absl::Nanoseconds(1)).ok());
}

TEST_F(ClaimsTest, ExpBoundaryWithLeeway) {
  // now < exp + leeway is valid; now == exp + leeway is expired.
  EXPECT_TRUE(Verify(Exp(kNow - 59)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow - 60)), Reason::kTokenExpired);
  EXPECT_EQ(ReasonOf(Exp(kNow - 61)), Reason::kTokenExpired);
}

TEST_F(ClaimsTest, ExpiryGraceWidensExpOnly) {
  policy_.leeway = absl::Seconds(10);
  policy_.expiry_grace = absl::Minutes(5);
  // now < exp + leeway + grace.
  EXPECT_TRUE(Verify(Exp(kNow - 309)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow - 310)), Reason::kTokenExpired);
  // nbf and iat keep the plain leeway.
  EXPECT_EQ(
      ReasonOf(absl::StrCat(R"({"exp":1800000000,"nbf":)", kNow + 11, "}")),
      Reason::kTokenNotYetValid);
  EXPECT_EQ(
      ReasonOf(absl::StrCat(R"({"exp":1800000000,"iat":)", kNow + 11, "}")),
      Reason::kIatInFuture);
  // A negative grace counts as none.
  policy_.expiry_grace = absl::Seconds(-100);
  EXPECT_TRUE(Verify(Exp(kNow - 9)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow - 10)), Reason::kTokenExpired);
}

TEST_F(ClaimsTest, NegativeLeewayCountsAsNone) {
  policy_.leeway = absl::Seconds(-30);
  EXPECT_TRUE(Verify(Exp(kNow + 1)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow)), Reason::kTokenExpired);
}

TEST_F(ClaimsTest, ExpZeroIsExpiredNotEternal) {
  EXPECT_EQ(ReasonOf(Exp(0)), Reason::kTokenExpired);
}

TEST_F(ClaimsTest, ExpTypesAndRange) {
  EXPECT_EQ(ReasonOf(R"({"exp":"1800000000"})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":true})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":null})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":-1})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":1e30})"), Reason::kBadClaim);
  // 2^64 does not fit int64: a double over the cap, or refused by the JSON
  // layer (simdjson reports integers beyond uint64 as an error).
  EXPECT_THAT(ReasonOf(R"({"exp":18446744073709551616})"),
              ::testing::AnyOf(Reason::kBadClaim, Reason::kBadJson));
  EXPECT_EQ(ReasonOf(R"({"exp":9007199254740993})"), Reason::kBadClaim);
  // The largest NumericDate is valid and far in the future.
  absl::StatusOr<VerifiedJwt> jwt = Verify(R"({"exp":9007199254740991})");
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->expires_at, absl::FromUnixSeconds(9007199254740991));
}

TEST_F(ClaimsTest, FractionalExpIsFloored) {
  policy_.leeway = absl::ZeroDuration();
  // exp = now + 0.9 floors to now: expired.
  EXPECT_EQ(ReasonOf(absl::StrCat(R"({"exp":)", kNow, ".9}")),
            Reason::kTokenExpired);
  absl::StatusOr<VerifiedJwt> jwt =
      Verify(absl::StrCat(R"({"exp":)", kNow + 1, ".9}"));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->expires_at, absl::FromUnixSeconds(kNow + 1));
}

TEST_F(ClaimsTest, SaturatedClockDoesNotOverflow) {
  policy_.leeway = absl::InfiniteDuration();
  EXPECT_TRUE(Verify(Exp(0)).ok());
  // An infinite clock is past even an infinitely extended exp.
  EXPECT_EQ(ReasonOf(Exp(0), absl::InfiniteFuture()), Reason::kTokenExpired);
  policy_.leeway = absl::Seconds(60);
  EXPECT_EQ(ReasonOf(Exp(9007199254740991), absl::InfiniteFuture()),
            Reason::kTokenExpired);
  EXPECT_TRUE(Verify(Exp(9007199254740991), absl::InfinitePast()).ok());
}

// ---- nbf --------------------------------------------------------------------

TEST_F(ClaimsTest, NbfBoundaries) {
  const int64_t exp = kNow + 3600;
  auto payload = [&](int64_t nbf) {
    return absl::StrCat(R"({"exp":)", exp, R"(,"nbf":)", nbf, "}");
  };
  // now + leeway >= nbf is valid.
  EXPECT_TRUE(Verify(payload(kNow)).ok());
  EXPECT_TRUE(Verify(payload(kNow + 60)).ok());
  EXPECT_EQ(ReasonOf(payload(kNow + 61)), Reason::kTokenNotYetValid);
  policy_.leeway = absl::ZeroDuration();
  EXPECT_TRUE(Verify(payload(kNow)).ok());
  EXPECT_EQ(ReasonOf(payload(kNow + 1)), Reason::kTokenNotYetValid);
  EXPECT_EQ(ReasonOf(payload(kNow + int64_t{100} * 365 * 86400)),
            Reason::kTokenNotYetValid);
}

TEST_F(ClaimsTest, NbfTypes) {
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"nbf":"1"})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"nbf":false})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"nbf":-5})"), Reason::kBadClaim);
  absl::StatusOr<VerifiedJwt> jwt = Verify(R"({"exp":1800000000,"nbf":0})");
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->not_before, absl::UnixEpoch());
}

// ---- iat --------------------------------------------------------------------

TEST_F(ClaimsTest, IatBoundaries) {
  const int64_t exp = kNow + 3600;
  auto payload = [&](int64_t iat) {
    return absl::StrCat(R"({"exp":)", exp, R"(,"iat":)", iat, "}");
  };
  EXPECT_TRUE(Verify(payload(kNow)).ok());
  EXPECT_TRUE(Verify(payload(kNow + 60)).ok());
  EXPECT_EQ(ReasonOf(payload(kNow + 61)), Reason::kIatInFuture);
  EXPECT_TRUE(Verify(payload(0)).ok());
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"iat":"1"})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"iat":null})"), Reason::kBadClaim);
}

TEST_F(ClaimsTest, TypeErrorsOutrankTimeErrors) {
  // Expired and with a malformed iat: the malformed claim is reported.
  EXPECT_EQ(ReasonOf(R"({"exp":1,"iat":"x"})"), Reason::kBadClaim);
}

// ---- max_lifetime -----------------------------------------------------------

TEST_F(ClaimsTest, MaxLifetimeUsesIatOrNow) {
  policy_.max_lifetime = absl::Hours(1);
  auto with_iat = [&](int64_t iat, int64_t exp) {
    return absl::StrCat(R"({"iat":)", iat, R"(,"exp":)", exp, "}");
  };
  EXPECT_TRUE(Verify(with_iat(kNow, kNow + 3600)).ok());
  EXPECT_EQ(ReasonOf(with_iat(kNow, kNow + 3601)), Reason::kLifetimeExceeded);
  // An old iat makes a long lifetime even when exp is near.
  EXPECT_EQ(ReasonOf(with_iat(kNow - 7200, kNow + 10)),
            Reason::kLifetimeExceeded);
  // Without iat the remaining lifetime (exp - now) counts.
  EXPECT_TRUE(Verify(Exp(kNow + 3600)).ok());
  EXPECT_EQ(ReasonOf(Exp(kNow + 3601)), Reason::kLifetimeExceeded);
}

// ---- iss --------------------------------------------------------------------

TEST_F(ClaimsTest, IssuerExactMatch) {
  policy_.issuer = "https://issuer.example";
  EXPECT_TRUE(
      Verify(R"({"exp":1800000000,"iss":"https://issuer.example"})").ok());
  for (absl::string_view iss :
       {"https://issuer.example/", "HTTPS://issuer.example",
        "https://issuer.example ", "", "https://issuer.exampl"}) {
    EXPECT_EQ(
        ReasonOf(absl::StrCat(R"({"exp":1800000000,"iss":")", iss, R"("})")),
        Reason::kIssuerMismatch)
        << iss;
  }
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000})"), Reason::kIssuerMismatch);
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"iss":["https://issuer.example"]})"),
            Reason::kBadClaim);
}

TEST_F(ClaimsTest, IssuerTypeCheckedEvenWithoutPolicy) {
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"iss":7})"), Reason::kBadClaim);
  absl::StatusOr<VerifiedJwt> jwt = Verify(R"({"exp":1800000000,"iss":"a"})");
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->issuer, "a");
}

// ---- aud --------------------------------------------------------------------

TEST_F(ClaimsTest, AudienceStringAndArrayAreEquivalent) {
  policy_.audiences = {"x"};
  for (absl::string_view aud : {R"("x")", R"(["x"])", R"(["y","x"])"}) {
    absl::StatusOr<VerifiedJwt> jwt =
        Verify(absl::StrCat(R"({"exp":1800000000,"aud":)", aud, "}"));
    ASSERT_TRUE(jwt.ok()) << aud << " " << jwt.status();
  }
  absl::StatusOr<VerifiedJwt> jwt =
      Verify(R"({"exp":1800000000,"aud":["y","x"]})");
  EXPECT_THAT(jwt->audiences, ::testing::ElementsAre("y", "x"));
}

TEST_F(ClaimsTest, AudienceMismatch) {
  policy_.audiences = {"x", "z"};
  EXPECT_TRUE(Verify(R"({"exp":1800000000,"aud":"z"})").ok());
  for (absl::string_view aud :
       {R"("y")", R"(["y"])", R"("X")", R"("x/")", R"(["xx","y"])"}) {
    EXPECT_EQ(ReasonOf(absl::StrCat(R"({"exp":1800000000,"aud":)", aud, "}")),
              Reason::kAudienceMismatch)
        << aud;
  }
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000})"), Reason::kAudienceMismatch);
}

TEST_F(ClaimsTest, MalformedAudienceIsBadClaimWithOrWithoutPolicy) {
  // Documented choice: a malformed aud is kBadClaim, never a mismatch.
  for (bool with_policy : {false, true}) {
    if (with_policy) policy_.audiences = {"x"};
    for (absl::string_view aud :
         {"[]", "[1]", R"(["x",1])", "null", "1", "{}", R"([["x"]])"}) {
      EXPECT_EQ(ReasonOf(absl::StrCat(R"({"exp":1800000000,"aud":)", aud, "}")),
                Reason::kBadClaim)
          << aud;
    }
  }
}

// ---- sub, jti, typ ----------------------------------------------------------

TEST_F(ClaimsTest, SubAndJtiMustBeStrings) {
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"sub":1})"), Reason::kBadClaim);
  EXPECT_EQ(ReasonOf(R"({"exp":1800000000,"jti":null})"), Reason::kBadClaim);
  absl::StatusOr<VerifiedJwt> jwt =
      Verify(R"({"exp":1800000000,"sub":"u","jti":"j"})");
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->subject, "u");
  EXPECT_EQ(jwt->jti, "j");
  // Unregistered claims of any type pass through untouched.
  jwt = Verify(R"({"exp":1800000000,"subx":1,"jt":null,"grants":{"a":[1]}})");
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  absl::StatusOr<json::Object> claims = jwt->DecodeClaims();
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_NE(claims->Find("grants"), nullptr);
  EXPECT_EQ(json::Serialize(*claims->Find("grants")), R"({"a":[1]})");
  ASSERT_NE(claims->Find("jt"), nullptr);
  EXPECT_TRUE(claims->Find("jt")->is_null());
}

TEST_F(ClaimsTest, TypPolicy) {
  policy_.typ = "at+jwt";
  auto token = [&](absl::string_view header) {
    return Signed(*key_, header, R"({"exp":1800000000})");
  };
  EXPECT_TRUE(VerifyJwt(token(R"({"alg":"HS256","typ":"at+jwt"})"), keys_,
                        policy_, kNowTime)
                  .ok());
  EXPECT_TRUE(VerifyJwt(token(R"({"alg":"HS256","typ":"application/AT+JWT"})"),
                        keys_, policy_, kNowTime)
                  .ok());
  EXPECT_EQ(GetReason(VerifyJwt(token(R"({"alg":"HS256","typ":"JWT"})"), keys_,
                                policy_, kNowTime)
                          .status()),
            Reason::kTypeMismatch);
  EXPECT_EQ(
      GetReason(VerifyJwt(token(R"({"alg":"HS256"})"), keys_, policy_, kNowTime)
                    .status()),
      Reason::kTypeMismatch);
}

TEST_F(ClaimsTest, OptionalTypIsComparedOnlyWhenPresent) {
  policy_.typ = "JWT";
  policy_.typ_required = false;
  auto verify = [&](absl::string_view header) {
    return VerifyJwt(Signed(*key_, header, R"({"exp":1800000000})"), keys_,
                     policy_, kNowTime)
        .status();
  };
  EXPECT_TRUE(verify(R"({"alg":"HS256"})").ok());
  EXPECT_TRUE(verify(R"({"alg":"HS256","typ":"application/jwt"})").ok());
  EXPECT_EQ(GetReason(verify(R"({"alg":"HS256","typ":"at+jwt"})")),
            Reason::kTypeMismatch);
  // Present but empty is present.
  EXPECT_EQ(GetReason(verify(R"({"alg":"HS256","typ":""})")),
            Reason::kTypeMismatch);
}

// ---- facts of a failure after the signature ---------------------------------

TEST_F(ClaimsTest, FailuresAfterTheSignatureCarryTheTokensFacts) {
  absl::Status status =
      Verify(R"({"jti":"t1","iat":1699990000,"exp":1699999000})").status();
  EXPECT_EQ(GetReason(status), Reason::kTokenExpired);
  std::optional<TokenFacts> facts = GetTokenFacts(status);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->token_id, "t1");
  EXPECT_EQ(facts->issued_at, absl::FromUnixSeconds(1699990000));
  EXPECT_EQ(facts->expires_at, absl::FromUnixSeconds(1699999000));

  // Not yet valid; no iat: the facts say so.
  status = Verify(R"({"jti":"t2","nbf":1700003600,"exp":1700007200})").status();
  EXPECT_EQ(GetReason(status), Reason::kTokenNotYetValid);
  facts = GetTokenFacts(status);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->token_id, "t2");
  EXPECT_EQ(facts->issued_at, absl::InfinitePast());

  // A malformed claim: what was read before it (the jti comes first).
  status = Verify(R"({"jti":"t3","exp":"soon"})").status();
  EXPECT_EQ(GetReason(status), Reason::kBadClaim);
  facts = GetTokenFacts(status);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->token_id, "t3");
  EXPECT_EQ(facts->expires_at, absl::InfiniteFuture());

  // A bad signature: none.
  KeySet others = SetOf(
      {Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'o')).value()});
  status = VerifyJwt(Signed(*key_, R"({"alg":"HS256"})",
                            R"({"jti":"t4","exp":1699999000})"),
                     others, policy_, kNowTime)
               .status();
  EXPECT_EQ(GetReason(status), Reason::kBadSignature);
  EXPECT_FALSE(GetTokenFacts(status).has_value());
}

// ---- key selection ----------------------------------------------------------

TEST(KeySelection, KidIsAnExactLookup) {
  std::shared_ptr<const Key> a = Hs256("a");
  KeySet keys = SetOf({a});
  const std::string payload = R"({"exp":1800000000})";
  EXPECT_TRUE(VerifyJwt(Signed(*a, R"({"alg":"HS256","kid":"a"})", payload),
                        keys, {}, kNowTime)
                  .ok());
  for (absl::string_view kid : {"A", "a ", "", "b"}) {
    EXPECT_EQ(
        GetReason(VerifyJwt(Signed(*a,
                                   absl::StrCat(R"({"alg":"HS256","kid":")",
                                                kid, R"("})"),
                                   payload),
                            keys, {}, kNowTime)
                      .status()),
        Reason::kUnknownKid)
        << kid;
  }
}

TEST(KeySelection, WithoutKidKeysOfTheHeaderAlgAreTried) {
  absl::StatusOr<std::shared_ptr<const Key>> other =
      Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'o'), "o");
  absl::StatusOr<std::shared_ptr<const Key>> hs384 =
      Key::FromHmacSecret(Algorithm::kHS384, std::string(48, 'h'), "h");
  std::shared_ptr<const Key> signer = Hs256("s");
  KeySet keys = SetOf({*other, *hs384, signer});
  absl::StatusOr<VerifiedJwt> jwt =
      VerifyJwt(Signed(*signer, R"({"alg":"HS256"})", R"({"exp":1800000000})"),
                keys, {}, kNowTime);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->kid, "s");
  // No key bound to HS512 at all.
  EXPECT_EQ(GetReason(VerifyJwt(Signed(*signer, R"({"alg":"HS512"})",
                                       R"({"exp":1800000000})"),
                                keys, {}, kNowTime)
                          .status()),
            Reason::kAlgNotAllowed);
  // Keys of the alg exist, none verifies.
  absl::StatusOr<std::shared_ptr<const Key>> stranger =
      Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'x'));
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(GetReason(VerifyJwt(Signed(**stranger, R"({"alg":"HS256"})",
                                       R"({"exp":1800000000})"),
                                keys, {}, kNowTime)
                          .status()),
            Reason::kBadSignature);
}

TEST(KeySelection, KidWithWrongAlgIsNotAllowed) {
  absl::StatusOr<std::shared_ptr<const Key>> hs384 =
      Key::FromHmacSecret(Algorithm::kHS384, std::string(48, 'h'), "h");
  KeySet keys = SetOf({*hs384});
  EXPECT_EQ(GetReason(VerifyJwt(Signed(**hs384, R"({"alg":"HS256","kid":"h"})",
                                       R"({"exp":1800000000})"),
                                keys, {}, kNowTime)
                          .status()),
            Reason::kAlgNotAllowed);
}

TEST(KeySelection, EmptyKeySet) {
  std::shared_ptr<const Key> key = Hs256();
  EXPECT_EQ(GetReason(VerifyJwt(Signed(*key, R"({"alg":"HS256"})",
                                       R"({"exp":1800000000})"),
                                KeySet(), {}, kNowTime)
                          .status()),
            Reason::kAlgNotAllowed);
}

// ---- empty payload: a JWS, never a JWT ------------------------------------

TEST(EmptyPayload, VerifiesAsJwsButIsMalformedAsJwt) {
  std::shared_ptr<const Key> key = Hs256("a");
  KeySet keys = SetOf({key});
  const std::string token = Signed(*key, R"({"alg":"HS256","kid":"a"})", "");
  ASSERT_NE(token.find(".."), std::string::npos) << token;
  ValidationPolicy policy;
  policy.require_exp = false;
  absl::StatusOr<VerifiedJws> jws = VerifyJwsSignature(token, keys, policy);
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_EQ(jws->payload, "");
  EXPECT_EQ(jws->kid, "a");
  EXPECT_EQ(GetReason(VerifyJwt(token, keys, policy, kNowTime).status()),
            Reason::kMalformed);
  // The MAC still covers "header." on the JWS path.
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(GetReason(VerifyJwsSignature(forged, keys, policy).status()),
            Reason::kBadSignature);
  // A signature over a non-empty payload does not verify with it removed.
  const std::string with_payload =
      Signed(*key, R"({"alg":"HS256","kid":"a"})", "x");
  const size_t dot1 = with_payload.find('.');
  const size_t dot2 = with_payload.rfind('.');
  const std::string stripped =
      with_payload.substr(0, dot1 + 1) + with_payload.substr(dot2);
  EXPECT_EQ(GetReason(VerifyJwsSignature(stripped, keys, policy).status()),
            Reason::kBadSignature);
}

// ---- per-thread header cache ----------------------------------------------

TEST(HeaderCache, RepeatedHeadersGiveTheSameVerdicts) {
  std::shared_ptr<const Key> key = Hs256("a");
  KeySet keys = SetOf({key});
  const std::string header = R"({"alg":"HS256","kid":"a","x":[[1]]})";
  const std::string token = Signed(*key, header, R"({"exp":1800000000})");
  ValidationPolicy policy;
  ASSERT_TRUE(VerifyJwt(token, keys, policy, kNowTime).ok());
  ASSERT_TRUE(VerifyJwt(token, keys, policy, kNowTime).ok());
  // The depth cap is part of the cached verdict.
  policy.max_json_depth = 2;
  EXPECT_EQ(GetReason(VerifyJwt(token, keys, policy, kNowTime).status()),
            Reason::kJsonTooDeep);
  policy.max_json_depth = 3;
  EXPECT_TRUE(VerifyJwt(token, keys, policy, kNowTime).ok());
  // Same header, different signature and payload: both still checked.
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(GetReason(VerifyJwt(forged, keys, policy, kNowTime).status()),
            Reason::kBadSignature);
  EXPECT_EQ(GetReason(VerifyJwt(Signed(*key, header, R"({"exp":1})"), keys,
                                policy, kNowTime)
                          .status()),
            Reason::kTokenExpired);
  // A different header right after is parsed afresh.
  EXPECT_EQ(GetReason(VerifyJwt(Signed(*key, R"({"alg":"HS256","kid":"b"})",
                                       R"({"exp":1800000000})"),
                                keys, policy, kNowTime)
                          .status()),
            Reason::kUnknownKid);
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(token, keys, policy, kNowTime);
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->header.kid, "a");
}

// ---- IssueJwt ---------------------------------------------------------------

constexpr Algorithm kAllAlgorithms[] = {
    Algorithm::kHS256, Algorithm::kHS384, Algorithm::kHS512, Algorithm::kRS256,
    Algorithm::kRS384, Algorithm::kRS512, Algorithm::kPS256, Algorithm::kPS384,
    Algorithm::kPS512, Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
    Algorithm::kEdDSA,
};

class RoundTrip : public ::testing::TestWithParam<Algorithm> {};

TEST_P(RoundTrip, IssueThenVerify) {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      GenerateKey(GetParam(), "kid-1");
  ASSERT_TRUE(key.ok()) << key.status();
  JwtSpec spec;
  spec.issuer = "iss";
  spec.subject = "alice";
  spec.audiences = {"svc"};
  spec.ttl = absl::Minutes(10);
  spec.include_nbf = true;
  spec.extra_claims.Set("scope", json::Value("read"));
  absl::StatusOr<IssuedJwt> issued = IssueJwt(**key, spec, kNowTime);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->issued_at, kNowTime);
  EXPECT_EQ(issued->expires_at, kNowTime + absl::Minutes(10));
  EXPECT_EQ(issued->jti.size(), 22u);

  ValidationPolicy policy;
  policy.issuer = "iss";
  policy.audiences = {"svc"};
  policy.typ = "JWT";
  policy.max_lifetime = absl::Minutes(10);
  KeySet keys = SetOf({*key});
  absl::StatusOr<VerifiedJwt> jwt =
      VerifyJwt(issued->token, keys, policy, kNowTime + absl::Minutes(5));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->header.alg, GetParam());
  EXPECT_EQ(jwt->kid, "kid-1");
  EXPECT_EQ(jwt->subject, "alice");
  EXPECT_EQ(jwt->jti, issued->jti);
  EXPECT_EQ(jwt->issued_at, kNowTime);
  EXPECT_EQ(jwt->not_before, kNowTime);
  EXPECT_EQ(jwt->expires_at, issued->expires_at);
  // The claims set is kept as received and decodes to the whole model,
  // registered claims included.
  const std::string payload = *Base64UrlDecode(issued->token.substr(
      issued->token.find('.') + 1,
      issued->token.rfind('.') - issued->token.find('.') - 1));
  EXPECT_EQ(jwt->claims_json, payload);
  absl::StatusOr<json::Object> claims = jwt->DecodeClaims();
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(json::Serialize(*claims), payload);
  EXPECT_EQ(*claims->Find("scope"), json::Value("read"));
  EXPECT_EQ(*claims->Find("sub"), json::Value("alice"));
  // And it expires exactly at exp (with no leeway).
  policy.leeway = absl::ZeroDuration();
  EXPECT_EQ(
      GetReason(
          VerifyJwt(issued->token, keys, policy, issued->expires_at).status()),
      Reason::kTokenExpired);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, RoundTrip,
                         ::testing::ValuesIn(kAllAlgorithms),
                         [](const ::testing::TestParamInfo<Algorithm>& info) {
                           return std::string(AlgorithmName(info.param));
                         });

// Decodes one segment of an issued token.
std::string Segment(const std::string& token, int index) {
  absl::StatusOr<CompactParts> parts = SplitCompact(token, 1 << 20);
  EXPECT_TRUE(parts.ok());
  absl::string_view encoded = index == 0 ? parts->header : parts->payload;
  return *Base64UrlDecode(encoded);
}

TEST(IssueJwt, HeaderAndPayloadBytesAreDeterministic) {
  std::shared_ptr<const Key> key = Hs256("k1");
  JwtSpec spec;
  spec.issuer = "i";
  spec.subject = "s";
  spec.audiences = {"a", "b"};
  spec.jti = "fixed";
  spec.ttl = absl::Seconds(90);
  spec.include_nbf = true;
  spec.extra_claims.Set("z", json::Value(1));
  spec.extra_claims.Set("m", json::Value(json::Array{json::Value(true)}));
  spec.extra_header.Set("cty", json::Value("twilio-fpa;v=1"));
  absl::StatusOr<IssuedJwt> first = IssueJwt(*key, spec, kNowTime);
  absl::StatusOr<IssuedJwt> second = IssueJwt(*key, spec, kNowTime);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->token, second->token);
  EXPECT_EQ(Segment(first->token, 0),
            R"({"alg":"HS256","cty":"twilio-fpa;v=1","kid":"k1","typ":"JWT"})");
  EXPECT_EQ(Segment(first->token, 1),
            absl::StrCat(R"({"aud":["a","b"],"exp":)", kNow + 90, R"(,"iat":)",
                         kNow, R"(,"iss":"i","jti":"fixed",)",
                         R"("m":[true],"nbf":)", kNow, R"(,"sub":"s","z":1})"));
}

TEST(IssueJwt, OptionalMembersAreOmitted) {
  std::shared_ptr<const Key> key = Hs256();
  JwtSpec spec;
  spec.typ = "";
  spec.jti = "j";
  absl::StatusOr<IssuedJwt> issued = IssueJwt(*key, spec, kNowTime);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(Segment(issued->token, 0), R"({"alg":"HS256"})");
  EXPECT_EQ(Segment(issued->token, 1),
            absl::StrCat(R"({"exp":)", kNow + 3600, R"(,"iat":)", kNow,
                         R"(,"jti":"j"})"));
}

TEST(IssueJwt, SingleAudienceIsAString) {
  JwtSpec spec;
  spec.audiences = {"only"};
  spec.jti = "j";
  absl::StatusOr<IssuedJwt> issued = IssueJwt(*Hs256(), spec, kNowTime);
  ASSERT_TRUE(issued.ok());
  EXPECT_NE(Segment(issued->token, 1).find(R"("aud":"only")"),
            std::string::npos);
}

TEST(IssueJwt, GeneratedJtisDiffer) {
  std::shared_ptr<const Key> key = Hs256();
  absl::StatusOr<IssuedJwt> a = IssueJwt(*key, {}, kNowTime);
  absl::StatusOr<IssuedJwt> b = IssueJwt(*key, {}, kNowTime);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->jti, b->jti);
  EXPECT_NE(a->token, b->token);
}

TEST(IssueJwt, TtlMustBePositive) {
  std::shared_ptr<const Key> key = Hs256();
  for (absl::Duration ttl :
       {absl::ZeroDuration(), absl::Seconds(-1), absl::Milliseconds(500),
        absl::InfiniteDuration(), -absl::InfiniteDuration()}) {
    JwtSpec spec;
    spec.ttl = ttl;
    absl::Status status = IssueJwt(*key, spec, kNowTime).status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << ttl;
    EXPECT_EQ(GetField(status), "ttl");
  }
}

TEST(IssueJwt, ReservedClaimsCannotBeRedefined) {
  std::shared_ptr<const Key> key = Hs256();
  for (absl::string_view name :
       {"iat", "exp", "nbf", "jti", "iss", "sub", "aud"}) {
    JwtSpec spec;
    spec.extra_claims.Set(std::string(name), json::Value(1));
    absl::Status status = IssueJwt(*key, spec, kNowTime).status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << name;
    EXPECT_EQ(GetField(status), absl::StrCat("extra_claims.", name));
  }
}

TEST(IssueJwt, ReservedHeadersCannotBeSet) {
  std::shared_ptr<const Key> key = Hs256();
  for (absl::string_view name :
       {"alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c"}) {
    JwtSpec spec;
    spec.extra_header.Set(std::string(name), json::Value("x"));
    absl::Status status = IssueJwt(*key, spec, kNowTime).status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << name;
    EXPECT_EQ(GetField(status), absl::StrCat("extra_header.", name));
  }
}

TEST(IssueJwt, HeadersTheVerifierWouldRefuseAreRefused) {
  std::shared_ptr<const Key> key = Hs256();
  JwtSpec spec;
  spec.extra_header.Set("cty", json::Value("JWT"));
  absl::Status status = IssueJwt(*key, spec, kNowTime).status();
  EXPECT_EQ(GetReason(status), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(status), "extra_header.cty");

  spec = JwtSpec();
  spec.extra_header.Set("typ", json::Value("other"));
  status = IssueJwt(*key, spec, kNowTime).status();
  EXPECT_EQ(GetField(status), "extra_header.typ");
  // With JwtSpec.typ empty, extra_header may carry the typ.
  spec.typ = "";
  absl::StatusOr<IssuedJwt> issued = IssueJwt(*key, spec, kNowTime);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(Segment(issued->token, 0), R"({"alg":"HS256","typ":"other"})");
}

TEST(IssueJwt, PublicKeyCannotSign) {
  absl::StatusOr<std::shared_ptr<const Key>> priv =
      GenerateKey(Algorithm::kES256);
  ASSERT_TRUE(priv.ok());
  // Rebuild the key from its public half only.
  absl::StatusOr<std::string> pem = PublicKeyToPem(**priv);
  ASSERT_TRUE(pem.ok()) << pem.status();
  absl::StatusOr<std::shared_ptr<const Key>> key =
      KeyFromPem(Algorithm::kES256, *pem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_FALSE((*key)->has_private());
  EXPECT_EQ(GetReason(IssueJwt(**key, {}, kNowTime).status()),
            Reason::kNoSigningKey);
}

TEST(IssueJwt, NowOutsideTheNumericDateRangeIsRefused) {
  EXPECT_EQ(
      GetReason(IssueJwt(*Hs256(), {}, absl::FromUnixSeconds(-1)).status()),
      Reason::kInvalidArgument);
}

}  // namespace
}  // namespace tokend
