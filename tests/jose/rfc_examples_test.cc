// The worked examples of RFC 7515 Appendix A (A.1 HS256, A.2 RS256, A.3
// ES256, A.4 ES512) and RFC 8037 Appendix A (Ed25519), verified end to end
// and, for the deterministic algorithms, re-signed byte for byte.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/jose/jws.h"
#include "core/jose/jwt.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

// All three JWT examples carry "exp":1300819380.
constexpr int64_t kRfcExp = 1300819380;
const absl::Time kBeforeExp = absl::FromUnixSeconds(kRfcExp - 3600);

// The JWS Payload shared by A.1-A.3 (CRLF line breaks as in the RFC).
constexpr absl::string_view kRfc7515Payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

// RFC 7515 A.1.
constexpr absl::string_view kA1Jwk =
    R"({"kty":"oct",)"
    R"("k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr absl::string_view kA1Header =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
constexpr absl::string_view kA1Signature =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7515 A.2.
constexpr absl::string_view kA2Jwk =
    R"({"kty":"RSA",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx)"
    R"(HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs)"
    R"(D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH)"
    R"(SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV)"
    R"(MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8)"
    R"(NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",)"
    R"("e":"AQAB",)"
    R"("d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97I)"
    R"(jlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0)"
    R"(BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn)"
    R"(439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYT)"
    R"(CBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLh)"
    R"(BOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",)"
    R"("p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdi)"
    R"(YrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPG)"
    R"(BY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",)"
    R"("q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxa)"
    R"(ewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA)"
    R"(-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",)"
    R"("dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3Q)"
    R"(CLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb)"
    R"(34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",)"
    R"("dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa)"
    R"(7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-ky)"
    R"(NlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",)"
    R"("qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2o)"
    R"(y26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLU)"
    R"(W0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";
constexpr absl::string_view kA2Header = "eyJhbGciOiJSUzI1NiJ9";
constexpr absl::string_view kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// RFC 7515 A.3.
constexpr absl::string_view kA3Jwk =
    R"({"kty":"EC","crv":"P-256",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr absl::string_view kA3Header = "eyJhbGciOiJFUzI1NiJ9";
constexpr absl::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 7515 A.4 (the payload is the ASCII string "Payload", not JSON).
constexpr absl::string_view kA4Jwk =
    R"({"kty":"EC","crv":"P-521",)"
    R"("x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_)"
    R"(NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
    R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl)"
    R"(y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",)"
    R"("d":"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPA)"
    R"(xerEzgdRhajnu0ferB0d53vM9mE15j2C"})";
constexpr absl::string_view kA4Token =
    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// RFC 8037 A.1 (key) and A.4 (signature over "Example of Ed25519 signing").
constexpr absl::string_view kEd25519Jwk =
    R"({"kty":"OKP","crv":"Ed25519",)"
    R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr absl::string_view kEd25519SigningInput =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr absl::string_view kEd25519Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
    "hVsPt9g7sVvpAr_MuM0KAg";

// Loads a JWK; for a verification key (`public_only`) the private members
// are stripped first, so only the public half is ever held.
std::shared_ptr<const Key> LoadJwk(absl::string_view text,
                                   std::optional<Algorithm> default_alg,
                                   bool allow_private) {
  absl::StatusOr<json::Object> jwk = json::ParseObject(text);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  if (!jwk.ok()) return nullptr;
  if (!allow_private) {
    for (absl::string_view name : {"d", "p", "q", "dp", "dq", "qi"}) {
      jwk->Erase(name);
    }
  }
  JwkOptions options;
  options.default_alg = default_alg;
  options.allow_private = allow_private;
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwk(*jwk, options);
  EXPECT_TRUE(key.ok()) << key.status();
  if (!key.ok()) return nullptr;
  EXPECT_EQ((*key)->has_private(), allow_private);
  return *key;
}

KeySet SetOf(std::shared_ptr<const Key> key) {
  absl::StatusOr<KeySet> set = KeySet::Create({std::move(key)});
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : KeySet();
}

std::string Token(absl::string_view header, absl::string_view signature) {
  return absl::StrCat(header, ".", kRfc7515Payload, ".", signature);
}

// Verifies an A.1-A.3 token and checks the claims the RFC shows.
void ExpectRfcJwtVerifies(const std::string& token, const KeySet& keys) {
  ValidationPolicy policy;
  policy.issuer = "joe";
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(token, keys, policy, kBeforeExp);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->issuer, "joe");
  EXPECT_EQ(jwt->expires_at, absl::FromUnixSeconds(kRfcExp));
  absl::StatusOr<json::Object> claims = jwt->DecodeClaims();
  ASSERT_TRUE(claims.ok()) << claims.status();
  const json::Value* root = claims->Find("http://example.com/is_root");
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(root->is_bool() && root->as_bool());

  // The same token at and after exp (no leeway) is expired.
  policy.leeway = absl::ZeroDuration();
  EXPECT_EQ(
      GetReason(VerifyJwt(token, keys, policy, absl::FromUnixSeconds(kRfcExp))
                    .status()),
      Reason::kTokenExpired);
}

std::string SignatureOf(const Key& key, absl::string_view signing_input) {
  absl::StatusOr<std::string> signature = key.Sign(signing_input);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return signature.ok() ? Base64UrlEncode(*signature) : std::string();
}

TEST(Rfc7515, A1Hs256Verifies) {
  KeySet keys = SetOf(LoadJwk(kA1Jwk, Algorithm::kHS256, true));
  ExpectRfcJwtVerifies(Token(kA1Header, kA1Signature), keys);
}

TEST(Rfc7515, A1Hs256SigningReproducesTheRfcMac) {
  std::shared_ptr<const Key> key = LoadJwk(kA1Jwk, Algorithm::kHS256, true);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(SignatureOf(*key, absl::StrCat(kA1Header, ".", kRfc7515Payload)),
            kA1Signature);
}

TEST(Rfc7515, A1TypIsJwt) {
  KeySet keys = SetOf(LoadJwk(kA1Jwk, Algorithm::kHS256, true));
  ValidationPolicy policy;
  policy.typ = "application/jwt";
  absl::StatusOr<VerifiedJwt> jwt =
      VerifyJwt(Token(kA1Header, kA1Signature), keys, policy, kBeforeExp);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->header.typ, "JWT");
}

TEST(Rfc7515, A2Rs256VerifiesWithThePublicKey) {
  KeySet keys = SetOf(LoadJwk(kA2Jwk, Algorithm::kRS256, false));
  ExpectRfcJwtVerifies(Token(kA2Header, kA2Signature), keys);
}

TEST(Rfc7515, A2Rs256SigningReproducesTheRfcSignature) {
  std::shared_ptr<const Key> key = LoadJwk(kA2Jwk, Algorithm::kRS256, true);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(SignatureOf(*key, absl::StrCat(kA2Header, ".", kRfc7515Payload)),
            kA2Signature);
}

TEST(Rfc7515, A2UnderPs256IsRefused) {
  // The same RSA key bound to PS256 must not accept an RS256 token.
  KeySet keys = SetOf(LoadJwk(kA2Jwk, Algorithm::kPS256, false));
  EXPECT_EQ(
      GetReason(VerifyJwt(Token(kA2Header, kA2Signature), keys, {}, kBeforeExp)
                    .status()),
      Reason::kAlgNotAllowed);
}

TEST(Rfc7515, A3Es256VerifiesWithThePublicKey) {
  KeySet keys = SetOf(LoadJwk(kA3Jwk, std::nullopt, false));
  ExpectRfcJwtVerifies(Token(kA3Header, kA3Signature), keys);
}

TEST(Rfc7515, A3Es256SignThenVerify) {
  // ECDSA is randomised: a fresh signature differs but must verify.
  std::shared_ptr<const Key> key = LoadJwk(kA3Jwk, std::nullopt, true);
  ASSERT_NE(key, nullptr);
  std::string input = absl::StrCat(kA3Header, ".", kRfc7515Payload);
  std::string signature = SignatureOf(*key, input);
  EXPECT_EQ(signature.size(), kA3Signature.size());
  ExpectRfcJwtVerifies(absl::StrCat(input, ".", signature),
                       SetOf(LoadJwk(kA3Jwk, std::nullopt, false)));
}

TEST(Rfc7515, A4Es512VerifiesTheNonJsonPayload) {
  KeySet keys = SetOf(LoadJwk(kA4Jwk, std::nullopt, false));
  ValidationPolicy policy;
  policy.require_exp = false;
  absl::StatusOr<VerifiedJws> jws = VerifyJwsSignature(kA4Token, keys, policy);
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_EQ(jws->header.alg, Algorithm::kES512);
  EXPECT_EQ(jws->payload, "Payload");
  // As a JWT it is refused: "Payload" is not a JSON object.
  EXPECT_EQ(GetReason(VerifyJwt(kA4Token, keys, policy, kBeforeExp).status()),
            Reason::kBadJson);
}

TEST(Rfc7515, A4Es512SignThenVerify) {
  std::shared_ptr<const Key> key = LoadJwk(kA4Jwk, std::nullopt, true);
  ASSERT_NE(key, nullptr);
  constexpr absl::string_view kInput = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA";
  std::string token = absl::StrCat(kInput, ".", SignatureOf(*key, kInput));
  ValidationPolicy policy;
  policy.require_exp = false;
  EXPECT_TRUE(VerifyJwsSignature(
                  token, SetOf(LoadJwk(kA4Jwk, std::nullopt, false)), policy)
                  .ok());
}

TEST(Rfc8037, A4Ed25519VerifiesWithThePublicKey) {
  KeySet keys = SetOf(LoadJwk(kEd25519Jwk, std::nullopt, false));
  ValidationPolicy policy;
  policy.require_exp = false;
  absl::StatusOr<VerifiedJws> jws = VerifyJwsSignature(
      absl::StrCat(kEd25519SigningInput, ".", kEd25519Signature), keys, policy);
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_EQ(jws->header.alg, Algorithm::kEdDSA);
  EXPECT_EQ(jws->payload, "Example of Ed25519 signing");
}

TEST(Rfc8037, A4Ed25519SigningReproducesTheRfcSignature) {
  std::shared_ptr<const Key> key = LoadJwk(kEd25519Jwk, std::nullopt, true);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(SignatureOf(*key, kEd25519SigningInput), kEd25519Signature);
}

TEST(Rfc8037, A4Ed25519ModifiedPayloadIsRefused) {
  KeySet keys = SetOf(LoadJwk(kEd25519Jwk, std::nullopt, false));
  ValidationPolicy policy;
  policy.require_exp = false;
  // "Example of Ed25519 signinG".
  std::string token = absl::StrCat(
      "eyJhbGciOiJFZERTQSJ9.", Base64UrlEncode("Example of Ed25519 signinG"),
      ".", kEd25519Signature);
  EXPECT_EQ(GetReason(VerifyJwsSignature(token, keys, policy).status()),
            Reason::kBadSignature);
}

}  // namespace
}  // namespace tokend
