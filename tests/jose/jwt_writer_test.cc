// The one JWT writer (core/jose/jwt_writer.h): the header rules every
// issuing path now shares, and a writer's token verifying with VerifyJwt.
// Byte-for-byte tokens per vendor are pinned in
// tests/profiles/issue_golden_test.cc.
#include "core/jose/jwt_writer.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/jose/claims_writer.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/keys/key_set.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

std::shared_ptr<const Key> Hs256(std::string kid = "") {
  return Key::FromHmacSecret(Algorithm::kHS256, std::string(32, 'k'),
                             std::move(kid))
      .value();
}

TEST(JwtWriter, HeaderMembersAreInByteOrderWithTheExtras) {
  json::Object extra;
  extra.Set("cty", json::Value("twilio-fpa;v=1"));
  absl::StatusOr<std::string> header =
      EncodeJwtHeader(*Hs256("k1"), extra, "JWT");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(Base64UrlDecode(*header).value(),
            R"({"alg":"HS256","cty":"twilio-fpa;v=1","kid":"k1","typ":"JWT"})");
}

TEST(JwtWriter, ExtrasMayNotSetKeyMembersOrATypGivenApart) {
  for (const char* name : {"alg", "kid", "jku", "x5c", "crit"}) {
    json::Object extra;
    extra.Set(name, json::Value("x"));
    absl::Status status = EncodeJwtHeader(*Hs256(), extra, "JWT").status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << name;
    EXPECT_EQ(GetField(status), std::string("extra_header.") + name);
    EXPECT_EQ(GetReason(JwtWriter::Create(Hs256(), extra).status()),
              Reason::kInvalidArgument)
        << name;
  }
  json::Object typ;
  typ.Set("typ", json::Value("at+jwt"));
  EXPECT_EQ(GetField(JwtWriter::Create(Hs256(), typ).status()),
            "extra_header.typ");
  // Without a separate typ, the extras may carry it.
  EXPECT_TRUE(EncodeJwtHeader(*Hs256(), typ, "").ok());
}

TEST(JwtWriter, HeadersTheVerifierWouldRefuseAreRefused) {
  json::Object extra;
  extra.Set("cty", json::Value("JWT"));  // a nested JWT: refused on verify
  absl::Status status = JwtWriter::Create(Hs256(), extra).status();
  EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << status;
  EXPECT_EQ(GetField(status), "extra_header.cty");
}

TEST(JwtWriter, PerTokenMembersMayNotOverrideTheFixedOnes) {
  json::Object fixed;
  fixed.Set("cty", json::Value("twilio-fpa;v=1"));
  absl::StatusOr<JwtWriter> writer = JwtWriter::Create(Hs256(), fixed);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const char* name : {"cty", "alg", "typ"}) {
    json::Object extra;
    extra.Set(name, json::Value("x"));
    absl::Status status = writer->EncodeHeader(extra).status();
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << name;
    EXPECT_EQ(GetField(status), std::string("extra_header.") + name);
  }
}

TEST(JwtWriter, PublicKeyCannotWrite) {
  std::shared_ptr<const Key> key = GenerateKey(Algorithm::kES256).value();
  std::shared_ptr<const Key> public_only =
      KeyFromPem(Algorithm::kES256, PublicKeyToPem(*key).value()).value();
  ASSERT_FALSE(public_only->has_private());
  EXPECT_EQ(GetReason(JwtWriter::Create(public_only, {}).status()),
            Reason::kNoSigningKey);
  EXPECT_EQ(GetReason(JwtWriter::Create(nullptr, {}).status()),
            Reason::kNoSigningKey);
}

TEST(JwtWriter, WrittenTokenVerifies) {
  std::shared_ptr<const Key> key = Hs256("k1");
  absl::StatusOr<JwtWriter> writer = JwtWriter::Create(key, {});
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::StatusOr<JwtTimes> times = ComputeJwtTimes(kNow, absl::Minutes(5));
  ASSERT_TRUE(times.ok()) << times.status();
  std::string scratch;
  ClaimsWriter claims(&scratch);
  AddRegisteredClaims(*times, "id-1", /*include_nbf=*/true, "iss-1", "alice",
                      &claims);
  std::string claims_json;
  claims.Finish(&claims_json);
  EXPECT_EQ(claims_json, R"({"exp":1700000300,"iat":1700000000,"iss":"iss-1",)"
                         R"("jti":"id-1","nbf":1700000000,"sub":"alice"})");
  absl::StatusOr<std::string> token = writer->Sign(claims_json);
  ASSERT_TRUE(token.ok()) << token.status();
  ValidationPolicy policy;
  policy.issuer = "iss-1";
  absl::StatusOr<VerifiedJwt> verified =
      VerifyJwt(*token, KeySet::Create({key}).value(), policy, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->jti, "id-1");
  EXPECT_EQ(verified->subject, "alice");
}

TEST(JwtWriter, DatesAreWholeSecondsInTheNumericDateRange) {
  EXPECT_EQ(GetField(ComputeJwtTimes(kNow, absl::Milliseconds(500)).status()),
            "ttl");
  EXPECT_EQ(GetField(ComputeJwtTimes(kNow, absl::ZeroDuration()).status()),
            "ttl");
  EXPECT_EQ(
      GetField(ComputeJwtTimes(absl::FromUnixSeconds(-1), absl::Seconds(1))
                   .status()),
      "ttl");
  JwtTimes times = ComputeJwtTimes(kNow, absl::Seconds(10)).value();
  EXPECT_EQ(GetField(ApplyNotBefore(kNow + absl::Seconds(10), &times)),
            "not_before");
  EXPECT_TRUE(ApplyNotBefore(kNow + absl::Milliseconds(9500), &times).ok());
  EXPECT_EQ(times.nbf, 1700000009);
}

}  // namespace
}  // namespace tokend
