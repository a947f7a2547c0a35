#include "core/keys/jwk.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::HexDecode;

// --- Published example keys, typed in from the RFC texts
// ----------------------

// RFC 7517 Appendix A.1 / A.2 (and RFC 7638 §3.1): the 2048-bit RSA key.
constexpr char kRfcRsaN[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbb"
    "fAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3ok"
    "njhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v"
    "-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu"
    "6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0"
    "fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8a"
    "wapJzKnqDKgw";
constexpr char kRfcRsaD[] =
    "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7d"
    "x5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_"
    "YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywb"
    "ReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5Zi"
    "G7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z"
    "4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc"
    "0X4jfcKoAC8Q";
constexpr char kRfcRsaP[] =
    "83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPVn"
    "wD20R-60eTDmD2ujnMt5PoqMrm8RfmNhVWDtjjMmCMjOpSXicFHj7XO"
    "uVIYQyqVWlWEh6dN36GVZYk93N8Bc9vY41xy8B9RzzOGVQzXvNEvn7O"
    "0nVbfs";
constexpr char kRfcRsaQ[] =
    "3dfOR9cuYq-0S-mkFLzgItgMEfFzB2q3hWehMuG0oCuqnb3vobLyumq"
    "jVZQO1dIrdwgTnCdpYzBcOfW5r370AFXjiWft_NGEiovonizhKpo9VV"
    "S78TzFgxkIdrecRezsZ-1kYd_s1qDbxtkDEgfAITAG9LUnADun4vIcb"
    "6yelxk";
constexpr char kRfcRsaDp[] =
    "G4sPXkc6Ya9y8oJW9_ILj4xuppu0lzi_H7VTkS8xj5SdX3coE0oimY"
    "wxIi2emTAue0UOa5dpgFGyBJ4c8tQ2VF402XRugKDTP8akYhFo5tAA"
    "77Qe_NmtuYZc3C3m3I24G2GvR5sSDxUyAN2zq8Lfn9EUms6rY3Ob8Y"
    "eiKkTiBj0";
constexpr char kRfcRsaDq[] =
    "s9lAH9fggBsoFR8Oac2R_E2gw282rT2kGOAhvIllETE1efrA6huUUv"
    "MfBcMpn8lqeW6vzznYY5SSQF7pMdC_agI3nG8Ibp1BUb0JUiraRNqU"
    "fLhcQb_d9GF4Dh7e74WbRsobRonujTYN1xCaP6TO61jvWrX-L18txX"
    "w494Q_cgk";
constexpr char kRfcRsaQi[] =
    "GyM_p6JrXySiz1toFgKbWV-JdI3jQ4ypu9rbMWx3rQJBfmt0FoYzgU"
    "IZEVFEcOqwemRN81zoDAaa-Bk0KWNGDjJHZDdDmFhW3AN7lI-puxk_"
    "mHZGJ11rxyR8O55XLSe3SPmRfKwZI6yU24ZxvQKFYItdldUKGzO6Ia"
    "6zTKhAVRU";
// RFC 7517 Appendix A.1 / A.2: the P-256 key (marked "use":"enc" there).
constexpr char kRfcEcX[] = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
constexpr char kRfcEcY[] = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM";
constexpr char kRfcEcD[] = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE";
// RFC 7515 Appendix A.4: a P-521 key (66-byte coordinates).
constexpr char kRfcP521X[] =
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_"
    "NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk";
constexpr char kRfcP521Y[] =
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl"
    "y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2";
constexpr char kRfcP521D[] =
    "AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPA"
    "xerEzgdRhajnu0ferB0d53vM9mE15j2C";
// RFC 8037 Appendix A.1-A.4: the Ed25519 key, its thumbprint and signature.
constexpr char kRfcEdD[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr char kRfcEdX[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kRfcEdThumbprint[] =
    "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr char kRfcEdSigningInput[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr char kRfcEdSignature[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7"
    "sVvpAr_MuM0KAg";

// --- Helpers
// -------------------------------------------------------------------

json::Object Parse(absl::string_view text) {
  json::ParseLimits limits;
  limits.max_bytes = 1 << 20;
  absl::StatusOr<json::Object> parsed = json::ParseObject(text, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : json::Object();
}

json::Object RfcRsaPublic() {
  json::Object jwk;
  jwk.Set("kty", "RSA");
  jwk.Set("n", kRfcRsaN);
  jwk.Set("e", "AQAB");
  jwk.Set("alg", "RS256");
  jwk.Set("kid", "2011-04-29");
  return jwk;
}

json::Object RfcRsaPrivate() {
  json::Object jwk = RfcRsaPublic();
  jwk.Set("d", kRfcRsaD);
  jwk.Set("p", kRfcRsaP);
  jwk.Set("q", kRfcRsaQ);
  jwk.Set("dp", kRfcRsaDp);
  jwk.Set("dq", kRfcRsaDq);
  jwk.Set("qi", kRfcRsaQi);
  return jwk;
}

// The RFC 7517 EC key, but marked for signatures.
json::Object RfcEcPublic() {
  json::Object jwk;
  jwk.Set("kty", "EC");
  jwk.Set("crv", "P-256");
  jwk.Set("x", kRfcEcX);
  jwk.Set("y", kRfcEcY);
  jwk.Set("use", "sig");
  jwk.Set("kid", "1");
  return jwk;
}

json::Object RfcEcPrivate() {
  json::Object jwk = RfcEcPublic();
  jwk.Set("d", kRfcEcD);
  return jwk;
}

json::Object RfcEdPrivate() {
  json::Object jwk;
  jwk.Set("kty", "OKP");
  jwk.Set("crv", "Ed25519");
  jwk.Set("x", kRfcEdX);
  jwk.Set("d", kRfcEdD);
  return jwk;
}

json::Object OctKey(size_t bytes, absl::string_view alg) {
  json::Object jwk;
  jwk.Set("kty", "oct");
  jwk.Set("k", Base64UrlEncode(std::string(bytes, 's')));
  if (!alg.empty()) jwk.Set("alg", alg);
  return jwk;
}

json::Object With(json::Object jwk, std::string name, json::Value value) {
  jwk.Set(std::move(name), std::move(value));
  return jwk;
}

json::Object Without(json::Object jwk, absl::string_view name) {
  jwk.Erase(name);
  return jwk;
}

std::string B64(absl::string_view bytes) { return Base64UrlEncode(bytes); }

std::string Unb64(absl::string_view text) {
  absl::StatusOr<std::string> bytes = Base64UrlDecode(text);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

JwkOptions PublicOnly() {
  JwkOptions options;
  options.allow_private = false;
  return options;
}

JwkOptions DefaultAlg(Algorithm alg) {
  JwkOptions options;
  options.default_alg = alg;
  return options;
}

// Asserts the exact reason and field of a refusal.
template <typename T>
void ExpectRefused(const absl::StatusOr<T>& result, Reason reason,
                   absl::string_view field) {
  ASSERT_FALSE(result.ok()) << "expected " << ReasonName(reason);
  EXPECT_EQ(GetReason(result.status()), reason) << result.status();
  EXPECT_EQ(GetField(result.status()), field) << result.status();
  EXPECT_EQ(result.status().code(), DefaultCode(reason)) << result.status();
}

std::shared_ptr<const Key> LoadOrDie(const json::Object& jwk,
                                     const JwkOptions& options = {}) {
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwk(jwk, options);
  EXPECT_TRUE(key.ok()) << key.status() << " for " << json::Serialize(jwk);
  return key.ok() ? *key : nullptr;
}

void ExpectSignsFor(const Key& signer, const Key& verifier) {
  const std::string input = "eyJhbGciOiJub25lIn0.cGF5bG9hZA";
  absl::StatusOr<std::string> signature = signer.Sign(input);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_TRUE(verifier.Verify(input, *signature).ok());
  EXPECT_EQ(GetReason(verifier.Verify(input + "x", *signature)),
            Reason::kBadSignature);
}

constexpr absl::string_view kPrivateMembers[] = {"d",  "p",  "q", "dp",
                                                 "dq", "qi", "k"};

void ExpectNoPrivateMembers(const json::Object& jwk) {
  for (absl::string_view member : kPrivateMembers) {
    EXPECT_EQ(jwk.Find(member), nullptr) << member;
  }
}

// --- Round trips -------------------------------------------------------------

constexpr Algorithm kAllAlgorithms[] = {
    Algorithm::kHS256, Algorithm::kHS384, Algorithm::kHS512, Algorithm::kRS256,
    Algorithm::kRS384, Algorithm::kRS512, Algorithm::kPS256, Algorithm::kPS384,
    Algorithm::kPS512, Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
    Algorithm::kEdDSA};

class JwkRoundTripTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(JwkRoundTripTest, PrivateAndPublicJwkRoundTrip) {
  const Algorithm alg = GetParam();
  const std::string kid = absl::StrCat("kid-", AlgorithmName(alg));
  absl::StatusOr<std::shared_ptr<const Key>> original = GenerateKey(alg, kid);
  ASSERT_TRUE(original.ok()) << original.status();

  absl::StatusOr<json::Object> private_jwk = PrivateJwk(**original);
  ASSERT_TRUE(private_jwk.ok()) << private_jwk.status();
  EXPECT_EQ(private_jwk->Find("alg")->as_string(), AlgorithmName(alg));
  EXPECT_EQ(private_jwk->Find("kid")->as_string(), kid);
  EXPECT_EQ(private_jwk->Find("use")->as_string(), "sig");

  const std::string text = json::Serialize(*private_jwk);
  absl::StatusOr<std::shared_ptr<const Key>> loaded = KeyFromJwkText(text);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->alg(), alg);
  EXPECT_EQ((*loaded)->kid(), kid);
  EXPECT_TRUE((*loaded)->has_private());
  ExpectSignsFor(**original, **loaded);
  ExpectSignsFor(**loaded, **original);

  // Export is deterministic and loses nothing.
  absl::StatusOr<json::Object> again = PrivateJwk(**loaded);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(json::Serialize(*again), text);

  absl::StatusOr<json::Object> public_jwk = PublicJwk(**original);
  if (IsSymmetric(alg)) {
    ExpectRefused(public_jwk, Reason::kInvalidArgument, "");
    ExpectRefused(Thumbprint(**original), Reason::kInvalidArgument, "");
    return;
  }
  ASSERT_TRUE(public_jwk.ok()) << public_jwk.status();
  ExpectNoPrivateMembers(*public_jwk);
  EXPECT_EQ(public_jwk->Find("use")->as_string(), "sig");
  EXPECT_EQ(public_jwk->Find("alg")->as_string(), AlgorithmName(alg));
  EXPECT_EQ(public_jwk->Find("kid")->as_string(), kid);

  absl::StatusOr<std::shared_ptr<const Key>> verifier =
      KeyFromJwk(*public_jwk, PublicOnly());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_FALSE((*verifier)->has_private());
  EXPECT_EQ((*verifier)->alg(), alg);
  ExpectSignsFor(**original, **verifier);
  EXPECT_EQ(GetReason((*verifier)->Sign("x").status()), Reason::kNoSigningKey);
  ExpectRefused(PrivateJwk(**verifier), Reason::kNoSigningKey, "");
  // ...but the same public JWK from a private JWK source matches exactly.
  absl::StatusOr<json::Object> public_again = PublicJwk(**verifier);
  ASSERT_TRUE(public_again.ok());
  EXPECT_EQ(json::Serialize(*public_again), json::Serialize(*public_jwk));

  absl::StatusOr<std::string> thumbprint = Thumbprint(**original);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status();
  EXPECT_EQ(thumbprint->size(), 43u);
  EXPECT_EQ(*Thumbprint(**loaded), *thumbprint);
  EXPECT_EQ(*Thumbprint(**verifier), *thumbprint);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, JwkRoundTripTest,
                         ::testing::ValuesIn(kAllAlgorithms),
                         [](const ::testing::TestParamInfo<Algorithm>& info) {
                           return std::string(AlgorithmName(info.param));
                         });

// --- RFC examples ------------------------------------------------------------

TEST(JwkRfcTest, Rfc7638ThumbprintOfTheExampleRsaKey) {
  std::shared_ptr<const Key> key = LoadOrDie(RfcRsaPublic(), PublicOnly());
  ASSERT_NE(key, nullptr);
  absl::StatusOr<std::string> thumbprint = Thumbprint(*key);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status();
  EXPECT_EQ(*thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // Optional members (alg, kid, use, private ones) never change it.
  std::shared_ptr<const Key> private_key = LoadOrDie(RfcRsaPrivate());
  ASSERT_NE(private_key, nullptr);
  EXPECT_EQ(*Thumbprint(*private_key), *thumbprint);
  EXPECT_EQ(*Thumbprint(*key->WithKid("other")), *thumbprint);
}

TEST(JwkRfcTest, Rfc8037Ed25519KeyThumbprintAndSignature) {
  std::shared_ptr<const Key> key = LoadOrDie(RfcEdPrivate());
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->alg(), Algorithm::kEdDSA);
  EXPECT_TRUE(key->has_private());
  EXPECT_EQ(*Thumbprint(*key), kRfcEdThumbprint);
  absl::StatusOr<std::string> signature = key->Sign(kRfcEdSigningInput);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(B64(*signature), kRfcEdSignature);

  absl::StatusOr<json::Object> public_jwk = PublicJwk(*key);
  ASSERT_TRUE(public_jwk.ok());
  EXPECT_EQ(json::Serialize(*public_jwk),
            absl::StrCat("{\"alg\":\"EdDSA\",\"crv\":\"Ed25519\","
                         "\"kty\":\"OKP\",\"use\":\"sig\",\"x\":\"",
                         kRfcEdX, "\"}"));
  absl::StatusOr<json::Object> private_jwk = PrivateJwk(*key);
  ASSERT_TRUE(private_jwk.ok());
  EXPECT_EQ(private_jwk->Find("d")->as_string(), kRfcEdD);
}

TEST(JwkRfcTest, Rfc7517A1PublicSetIsRefusedForItsEncryptionKey) {
  const std::string set = absl::StrCat(
      R"({"keys":[{"kty":"EC","crv":"P-256","x":")", kRfcEcX, R"(","y":")",
      kRfcEcY, R"(","use":"enc","kid":"1"},{"kty":"RSA","n":")", kRfcRsaN,
      R"(","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]})");
  ExpectRefused(KeySetFromJwks(set, PublicOnly()), Reason::kKeyUseInvalid,
                "keys[0].use");
}

TEST(JwkRfcTest, Rfc7517A1KeysLoadWhenMarkedForSignatures) {
  const std::string set = absl::StrCat(
      R"({"keys":[{"kty":"EC","crv":"P-256","x":")", kRfcEcX, R"(","y":")",
      kRfcEcY, R"(","use":"sig","kid":"1"},{"kty":"RSA","n":")", kRfcRsaN,
      R"(","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]})");
  absl::StatusOr<KeySet> keys = KeySetFromJwks(set, PublicOnly());
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  const Key* ec = keys->FindByKid("1");
  const Key* rsa = keys->FindByKid("2011-04-29");
  ASSERT_NE(ec, nullptr);
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(ec->alg(), Algorithm::kES256);  // from the curve
  EXPECT_EQ(rsa->alg(), Algorithm::kRS256);
  EXPECT_FALSE(rsa->has_private());

  absl::StatusOr<json::Object> rsa_jwk = PublicJwk(*rsa);
  ASSERT_TRUE(rsa_jwk.ok());
  EXPECT_EQ(
      json::Serialize(*rsa_jwk),
      absl::StrCat(R"({"alg":"RS256","e":"AQAB","kid":"2011-04-29",)",
                   R"("kty":"RSA","n":")", kRfcRsaN, R"(","use":"sig"})"));
  absl::StatusOr<json::Object> ec_jwk = PublicJwk(*ec);
  ASSERT_TRUE(ec_jwk.ok());
  EXPECT_EQ(json::Serialize(*ec_jwk),
            absl::StrCat(R"({"alg":"ES256","crv":"P-256","kid":"1",)",
                         R"("kty":"EC","use":"sig","x":")", kRfcEcX,
                         R"(","y":")", kRfcEcY, R"("})"));

  absl::StatusOr<std::string> jwks = PublicJwksJson(*keys);
  ASSERT_TRUE(jwks.ok());
  EXPECT_EQ(*jwks, absl::StrCat(R"({"keys":[)", json::Serialize(*ec_jwk), ",",
                                json::Serialize(*rsa_jwk), "]}"));
}

TEST(JwkRfcTest, Rfc7517A2PrivateSetIsRefusedForItsEncryptionKey) {
  json::Object ec = With(RfcEcPrivate(), "use", "enc");
  json::Array keys = {ec, RfcRsaPrivate()};
  json::Object root;
  root.Set("keys", keys);
  ExpectRefused(KeySetFromJwks(json::Serialize(root)), Reason::kKeyUseInvalid,
                "keys[0].use");
}

TEST(JwkRfcTest, Rfc7517A2PrivateKeysSignForTheirPublicHalves) {
  std::shared_ptr<const Key> rsa_private = LoadOrDie(RfcRsaPrivate());
  std::shared_ptr<const Key> rsa_public =
      LoadOrDie(RfcRsaPublic(), PublicOnly());
  std::shared_ptr<const Key> ec_private = LoadOrDie(RfcEcPrivate());
  std::shared_ptr<const Key> ec_public = LoadOrDie(RfcEcPublic(), PublicOnly());
  ASSERT_TRUE(rsa_private && rsa_public && ec_private && ec_public);
  EXPECT_TRUE(rsa_private->has_private());
  EXPECT_TRUE(ec_private->has_private());
  ExpectSignsFor(*rsa_private, *rsa_public);
  ExpectSignsFor(*ec_private, *ec_public);

  // Export reproduces the RFC's members byte for byte.
  absl::StatusOr<json::Object> exported = PrivateJwk(*rsa_private);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->Find("n")->as_string(), kRfcRsaN);
  EXPECT_EQ(exported->Find("d")->as_string(), kRfcRsaD);
  EXPECT_EQ(exported->Find("p")->as_string(), kRfcRsaP);
  EXPECT_EQ(exported->Find("q")->as_string(), kRfcRsaQ);
  EXPECT_EQ(exported->Find("dp")->as_string(), kRfcRsaDp);
  EXPECT_EQ(exported->Find("dq")->as_string(), kRfcRsaDq);
  EXPECT_EQ(exported->Find("qi")->as_string(), kRfcRsaQi);
  absl::StatusOr<json::Object> ec_exported = PrivateJwk(*ec_private);
  ASSERT_TRUE(ec_exported.ok());
  EXPECT_EQ(ec_exported->Find("d")->as_string(), kRfcEcD);
  EXPECT_EQ(ec_exported->Find("x")->as_string(), kRfcEcX);
}

TEST(JwkRfcTest, Rfc7515P521KeyLoadsAsES512) {
  json::Object jwk;
  jwk.Set("kty", "EC");
  jwk.Set("crv", "P-521");
  jwk.Set("x", kRfcP521X);
  jwk.Set("y", kRfcP521Y);
  jwk.Set("d", kRfcP521D);
  std::shared_ptr<const Key> key = LoadOrDie(jwk);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->alg(), Algorithm::kES512);
  absl::StatusOr<json::Object> exported = PrivateJwk(*key);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->Find("x")->as_string(), kRfcP521X);
  EXPECT_EQ(exported->Find("y")->as_string(), kRfcP521Y);
  EXPECT_EQ(exported->Find("d")->as_string(), kRfcP521D);
  // Coordinates must be the full 66 bytes even with leading zeros.
  ExpectRefused(KeyFromJwk(With(jwk, "y", B64(Unb64(kRfcP521Y).substr(1)))),
                Reason::kKeyInvalid, "y");
}

// --- Common members ----------------------------------------------------------

TEST(JwkRulesTest, KtyIsRequiredAndCaseSensitive) {
  ExpectRefused(KeyFromJwk(Without(RfcEcPublic(), "kty")), Reason::kKeyInvalid,
                "kty");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kty", "ec")),
                Reason::kKeyInvalid, "kty");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kty", "EC ")),
                Reason::kKeyInvalid, "kty");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "kty", "rsa")),
                Reason::kKeyInvalid, "kty");
  ExpectRefused(KeyFromJwk(With(OctKey(32, "HS256"), "kty", "OCT")),
                Reason::kKeyInvalid, "kty");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kty", 1)), Reason::kKeyInvalid,
                "kty");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kty", "AES")),
                Reason::kKeyInvalid, "kty");
}

TEST(JwkRulesTest, UnknownMembersAreIgnored) {
  json::Object extra = RfcEcPublic();
  extra.Set("x5c", json::Array{"not a certificate"});
  extra.Set("ext", true);
  extra.Set("custom", json::Object());
  extra.Set("n", 5);  // an RSA member on an EC key is just unknown here
  std::shared_ptr<const Key> key = LoadOrDie(extra, PublicOnly());
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->alg(), Algorithm::kES256);
}

TEST(JwkRulesTest, DuplicateMembersAreRefusedByTheParser) {
  const std::string text = absl::StrCat(
      R"({"kty":"EC","crv":"P-256","alg":"ES256","alg":"ES384","x":")", kRfcEcX,
      R"(","y":")", kRfcEcY, R"("})");
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwkText(text);
  ExpectRefused(key, Reason::kKeyInvalid, "");
  EXPECT_NE(key.status().message().find("DUPLICATE_KEY"),
            absl::string_view::npos)
      << key.status();
}

TEST(JwkRulesTest, TextMustBeStrictJsonObject) {
  ExpectRefused(KeyFromJwkText(""), Reason::kKeyInvalid, "");
  ExpectRefused(KeyFromJwkText("[]"), Reason::kKeyInvalid, "");
  ExpectRefused(KeyFromJwkText(R"({"kty":"oct",})"), Reason::kKeyInvalid, "");
  ExpectRefused(KeyFromJwkText(json::Serialize(OctKey(32, "HS256")) + "x"),
                Reason::kKeyInvalid, "");
  EXPECT_TRUE(KeyFromJwkText(json::Serialize(OctKey(32, "HS256"))).ok());
}

TEST(JwkRulesTest, KidMustBeAShortString) {
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kid", 7)), Reason::kKeyInvalid,
                "kid");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "kid", std::string(257, 'k'))),
                Reason::kKeyInvalid, "kid");
  std::shared_ptr<const Key> key =
      LoadOrDie(With(RfcEcPublic(), "kid", std::string(256, 'k')));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->kid(), std::string(256, 'k'));
  std::shared_ptr<const Key> anonymous =
      LoadOrDie(Without(RfcEcPublic(), "kid"));
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(anonymous->kid(), "");
}

TEST(JwkRulesTest, UseMustBeSig) {
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "use", "enc")),
                Reason::kKeyUseInvalid, "use");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "use", "SIG")),
                Reason::kKeyUseInvalid, "use");
  ExpectRefused(KeyFromJwk(With(OctKey(32, "HS256"), "use", "enc")),
                Reason::kKeyUseInvalid, "use");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "use", json::Array{"sig"})),
                Reason::kKeyInvalid, "use");
  EXPECT_NE(LoadOrDie(Without(RfcEcPublic(), "use")), nullptr);
}

TEST(JwkRulesTest, KeyOpsMustAllowSignOrVerifyWithoutRepeats) {
  json::Object no_use = Without(RfcEcPublic(), "use");
  ExpectRefused(
      KeyFromJwk(With(no_use, "key_ops", json::Array{"verify", "verify"})),
      Reason::kKeyUseInvalid, "key_ops");
  ExpectRefused(KeyFromJwk(With(no_use, "key_ops", json::Array{"encrypt"})),
                Reason::kKeyUseInvalid, "key_ops");
  ExpectRefused(KeyFromJwk(With(no_use, "key_ops", json::Array{})),
                Reason::kKeyUseInvalid, "key_ops");
  ExpectRefused(KeyFromJwk(With(no_use, "key_ops", "verify")),
                Reason::kKeyInvalid, "key_ops");
  ExpectRefused(KeyFromJwk(With(no_use, "key_ops", json::Array{"verify", 1})),
                Reason::kKeyInvalid, "key_ops");
  // With use "sig" every operation must be a signature operation.
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "key_ops",
                                json::Array{"verify", "encrypt"})),
                Reason::kKeyUseInvalid, "key_ops");
  EXPECT_NE(
      LoadOrDie(With(RfcEcPublic(), "key_ops", json::Array{"sign", "verify"})),
      nullptr);
  EXPECT_NE(LoadOrDie(With(no_use, "key_ops", json::Array{"verify"})), nullptr);
  EXPECT_NE(LoadOrDie(With(RfcEcPrivate(), "key_ops", json::Array{"sign"})),
            nullptr);
}

TEST(JwkRulesTest, AlgMustBeAKnownJwsAlgorithm) {
  for (const char* alg : {"none", "None", "hs256", "es256", "ES521", "ES224",
                          "A256GCM", "RSA1_5", "Ed448", ""}) {
    ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "alg", alg)),
                  Reason::kKeyAlgMismatch, "alg");
  }
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "alg", 256)),
                Reason::kKeyInvalid, "alg");
}

TEST(JwkRulesTest, AlgMustFitTheKeyTypeAndCurve) {
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "alg", "ES384")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "alg", "RS256")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "alg", "EdDSA")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(OctKey(64, ""), "alg", "RS256")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "alg", "HS256")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "alg", "ES256")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(KeyFromJwk(With(RfcEdPrivate(), "alg", "ES256")),
                Reason::kKeyAlgMismatch, "alg");
  ExpectRefused(
      KeyFromJwk(With(With(RfcEdPrivate(), "crv", "X25519"), "alg", "EdDSA")),
      Reason::kKeyAlgMismatch, "crv");
  // Both names of the Ed25519 algorithm (RFC 8037 and RFC 9864).
  std::shared_ptr<const Key> eddsa =
      LoadOrDie(With(RfcEdPrivate(), "alg", "EdDSA"));
  std::shared_ptr<const Key> ed25519 =
      LoadOrDie(With(RfcEdPrivate(), "alg", "Ed25519"));
  ASSERT_TRUE(eddsa && ed25519);
  EXPECT_EQ(ed25519->alg(), Algorithm::kEdDSA);
  // RSA keys may be bound to PS* as well as RS*.
  std::shared_ptr<const Key> ps =
      LoadOrDie(With(RfcRsaPublic(), "alg", "PS384"));
  ASSERT_NE(ps, nullptr);
  EXPECT_EQ(ps->alg(), Algorithm::kPS384);
}

TEST(JwkRulesTest, DefaultAlgorithms) {
  // EC and OKP: from the curve, whatever the caller's default.
  std::shared_ptr<const Key> ec =
      LoadOrDie(Without(RfcEcPublic(), "alg"), DefaultAlg(Algorithm::kRS256));
  ASSERT_NE(ec, nullptr);
  EXPECT_EQ(ec->alg(), Algorithm::kES256);
  std::shared_ptr<const Key> ed = LoadOrDie(RfcEdPrivate());
  ASSERT_NE(ed, nullptr);
  EXPECT_EQ(ed->alg(), Algorithm::kEdDSA);

  // RSA and oct: an explicit alg, else the caller's default, else refused.
  json::Object rsa = Without(RfcRsaPublic(), "alg");
  absl::StatusOr<std::shared_ptr<const Key>> no_alg = KeyFromJwk(rsa);
  ExpectRefused(no_alg, Reason::kKeyAlgMismatch, "alg");
  EXPECT_NE(no_alg.status().message().find("alg required for kty RSA"),
            absl::string_view::npos)
      << no_alg.status();
  std::shared_ptr<const Key> rs384 =
      LoadOrDie(rsa, DefaultAlg(Algorithm::kRS384));
  ASSERT_NE(rs384, nullptr);
  EXPECT_EQ(rs384->alg(), Algorithm::kRS384);
  ExpectRefused(KeyFromJwk(rsa, DefaultAlg(Algorithm::kES256)),
                Reason::kKeyAlgMismatch, "alg");
  // An explicit alg wins over the default.
  std::shared_ptr<const Key> rs256 =
      LoadOrDie(RfcRsaPublic(), DefaultAlg(Algorithm::kPS512));
  ASSERT_NE(rs256, nullptr);
  EXPECT_EQ(rs256->alg(), Algorithm::kRS256);

  ExpectRefused(KeyFromJwk(OctKey(64, "")), Reason::kKeyAlgMismatch, "alg");
  std::shared_ptr<const Key> hs512 =
      LoadOrDie(OctKey(64, ""), DefaultAlg(Algorithm::kHS512));
  ASSERT_NE(hs512, nullptr);
  EXPECT_EQ(hs512->alg(), Algorithm::kHS512);
  ExpectRefused(KeyFromJwk(OctKey(64, ""), DefaultAlg(Algorithm::kRS256)),
                Reason::kKeyAlgMismatch, "alg");
}

TEST(JwkRulesTest, Base64UrlMembersMustBeStrict) {
  const std::string x = kRfcEcX;
  for (const std::string& bad :
       {x + "=", x.substr(0, 20) + "+" + x.substr(21),
        x.substr(0, 20) + "/" + x.substr(21),
        x.substr(0, 20) + " " + x.substr(21), x + "\n",
        std::string("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D5")}) {
    ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "x", bad)),
                  Reason::kKeyInvalid, "x");
  }
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "x", 12)), Reason::kKeyInvalid,
                "x");
}

TEST(JwkRulesTest, ErrorsNeverEchoSecrets) {
  json::Object weak;
  weak.Set("kty", "oct");
  weak.Set("alg", "HS256");
  weak.Set("k", "c2VjcmV0LXZhbHVl");  // "secret-value"
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwk(weak);
  ExpectRefused(key, Reason::kKeyTooWeak, "k");
  EXPECT_EQ(key.status().message().find("c2VjcmV0"), absl::string_view::npos);
  EXPECT_EQ(key.status().message().find("secret-value"),
            absl::string_view::npos);
  absl::StatusOr<std::shared_ptr<const Key>> bad_d =
      KeyFromJwk(With(RfcEcPrivate(), "d", "870MB6gfuTJ4HtUnUvYMyJpr5eUZ="));
  ExpectRefused(bad_d, Reason::kKeyInvalid, "d");
  EXPECT_EQ(bad_d.status().message().find("870MB6"), absl::string_view::npos);
}

TEST(JwkRulesTest, PublicOnlyRefusesPrivateMembers) {
  ExpectRefused(KeyFromJwk(RfcEcPrivate(), PublicOnly()), Reason::kKeyInvalid,
                "d");
  ExpectRefused(KeyFromJwk(RfcEdPrivate(), PublicOnly()), Reason::kKeyInvalid,
                "d");
  ExpectRefused(KeyFromJwk(RfcRsaPrivate(), PublicOnly()), Reason::kKeyInvalid,
                "d");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "p", kRfcRsaP), PublicOnly()),
                Reason::kKeyInvalid, "p");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "qi", kRfcRsaQi), PublicOnly()),
                Reason::kKeyInvalid, "qi");
  // For oct keys the secret is the key.
  EXPECT_NE(LoadOrDie(OctKey(32, "HS256"), PublicOnly()), nullptr);
}

// --- oct
// -----------------------------------------------------------------------

TEST(JwkOctTest, SecretMustBeAtLeastTheHashSize) {
  ExpectRefused(KeyFromJwk(OctKey(0, "HS256")), Reason::kKeyTooWeak, "k");
  ExpectRefused(KeyFromJwk(OctKey(0, "HS512")), Reason::kKeyTooWeak, "k");
  ExpectRefused(KeyFromJwk(OctKey(31, "HS256")), Reason::kKeyTooWeak, "k");
  ExpectRefused(KeyFromJwk(OctKey(47, "HS384")), Reason::kKeyTooWeak, "k");
  ExpectRefused(KeyFromJwk(OctKey(63, "HS512")), Reason::kKeyTooWeak, "k");
  ExpectRefused(KeyFromJwk(Without(OctKey(32, "HS256"), "k")),
                Reason::kKeyInvalid, "k");
  std::shared_ptr<const Key> key = LoadOrDie(OctKey(32, "HS256"));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->secret(), std::string(32, 's'));
  EXPECT_NE(LoadOrDie(OctKey(48, "HS384")), nullptr);
  EXPECT_NE(LoadOrDie(OctKey(100, "HS512")), nullptr);
}

TEST(JwkOctTest, HmacKeysAreNeverPublished) {
  std::shared_ptr<const Key> key =
      LoadOrDie(With(OctKey(32, "HS256"), "kid", "h"));
  ASSERT_NE(key, nullptr);
  ExpectRefused(PublicJwk(*key), Reason::kInvalidArgument, "");
  ExpectRefused(Thumbprint(*key), Reason::kInvalidArgument, "");
  absl::StatusOr<KeySet> set = KeySet::Create({key});
  ASSERT_TRUE(set.ok());
  absl::StatusOr<std::string> jwks = PublicJwksJson(*set);
  ASSERT_TRUE(jwks.ok());
  EXPECT_EQ(*jwks, R"({"keys":[]})");
  absl::StatusOr<json::Object> private_jwk = PrivateJwk(*key);
  ASSERT_TRUE(private_jwk.ok());
  EXPECT_EQ(json::Serialize(*private_jwk),
            absl::StrCat(R"({"alg":"HS256","k":")", B64(std::string(32, 's')),
                         R"(","kid":"h","kty":"oct","use":"sig"})"));
}

// --- RSA
// -----------------------------------------------------------------------

TEST(JwkRsaTest, OneLeadingZeroInNIsToleratedButNeverEmitted) {
  const std::string n = Unb64(kRfcRsaN);
  std::shared_ptr<const Key> key = LoadOrDie(
      With(RfcRsaPublic(), "n", B64(std::string(1, '\0') + n)), PublicOnly());
  ASSERT_NE(key, nullptr);
  absl::StatusOr<json::Object> exported = PublicJwk(*key);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->Find("n")->as_string(), kRfcRsaN);
  EXPECT_EQ(*Thumbprint(*key), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  ExpectRefused(
      KeyFromJwk(With(RfcRsaPublic(), "n", B64(std::string(2, '\0') + n))),
      Reason::kKeyInvalid, "n");
}

TEST(JwkRsaTest, ModulusBelow2048BitsIsTooWeak) {
  const std::string n = Unb64(kRfcRsaN);
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "n", B64(n.substr(1)))),
                Reason::kKeyTooWeak, "n");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "n", B64(n.substr(128)))),
                Reason::kKeyTooWeak, "n");
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "n", "")), Reason::kKeyInvalid,
                "n");
  ExpectRefused(KeyFromJwk(Without(RfcRsaPublic(), "n")), Reason::kKeyInvalid,
                "n");
}

TEST(JwkRsaTest, EvenModulusIsInvalid) {
  std::string n = Unb64(kRfcRsaN);
  n.back() ^= 1;
  ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "n", B64(n))),
                Reason::kKeyInvalid, "n");
}

TEST(JwkRsaTest, ExponentMustBeOddMinimalAndAboveOne) {
  for (const char* e : {"AQ", "Ag", "AAEAAQ", "", "AQAAAAAB", "AA"}) {
    ExpectRefused(KeyFromJwk(With(RfcRsaPublic(), "e", e)), Reason::kKeyInvalid,
                  "e");
  }
  ExpectRefused(KeyFromJwk(Without(RfcRsaPublic(), "e")), Reason::kKeyInvalid,
                "e");
  EXPECT_NE(LoadOrDie(With(RfcRsaPublic(), "e", "Aw")), nullptr);  // e = 3
}

TEST(JwkRsaTest, PrivateMembersMustBeCompleteAndConsistent) {
  json::Object only_d = RfcRsaPublic();
  only_d.Set("d", kRfcRsaD);
  ExpectRefused(KeyFromJwk(only_d), Reason::kKeyInvalid, "p");
  ExpectRefused(KeyFromJwk(Without(RfcRsaPrivate(), "qi")), Reason::kKeyInvalid,
                "qi");
  ExpectRefused(KeyFromJwk(With(RfcRsaPrivate(), "oth", json::Array{})),
                Reason::kKeyInvalid, "oth");
  // q swapped for p, or a CRT member off by one.
  ExpectRefused(KeyFromJwk(With(RfcRsaPrivate(), "q", kRfcRsaP)),
                Reason::kKeyInvalid, "d");
  std::string dp = Unb64(kRfcRsaDp);
  dp.back() ^= 2;
  ExpectRefused(KeyFromJwk(With(RfcRsaPrivate(), "dp", B64(dp))),
                Reason::kKeyInvalid, "d");
  std::string d = Unb64(kRfcRsaD);
  d.back() ^= 2;
  ExpectRefused(KeyFromJwk(With(RfcRsaPrivate(), "d", B64(d))),
                Reason::kKeyInvalid, "d");
}

// --- EC
// ------------------------------------------------------------------------

TEST(JwkEcTest, CoordinatesMustHaveTheExactLength) {
  const std::string x = Unb64(kRfcEcX);
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "x", B64(x.substr(1)))),
                Reason::kKeyInvalid, "x");
  ExpectRefused(
      KeyFromJwk(With(RfcEcPublic(), "x", B64(std::string(1, '\0') + x))),
      Reason::kKeyInvalid, "x");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "y", B64(std::string(48, 1)))),
                Reason::kKeyInvalid, "y");
  ExpectRefused(KeyFromJwk(Without(RfcEcPublic(), "y")), Reason::kKeyInvalid,
                "y");
  ExpectRefused(
      KeyFromJwk(With(RfcEcPrivate(), "d", B64(Unb64(kRfcEcD).substr(1)))),
      Reason::kKeyInvalid, "d");
  // A P-256 key labelled P-384: the curve decides the lengths.
  ExpectRefused(KeyFromJwk(Without(With(RfcEcPublic(), "crv", "P-384"), "alg")),
                Reason::kKeyInvalid, "x");
}

TEST(JwkEcTest, PointMustBeOnTheCurve) {
  std::string y = Unb64(kRfcEcY);
  y.back() ^= 1;
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "y", B64(y))),
                Reason::kKeyInvalid, "y");
  ExpectRefused(
      KeyFromJwk(With(With(RfcEcPublic(), "x", B64(std::string(32, '\0'))), "y",
                      B64(std::string(32, '\0')))),
      Reason::kKeyInvalid, "y");
}

TEST(JwkEcTest, CoordinatesMustBeReduced) {
  // The P-256 field prime itself as x.
  const std::string p = HexDecode(
      "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "x", B64(p))),
                Reason::kKeyInvalid, "x");
  ExpectRefused(
      KeyFromJwk(With(RfcEcPublic(), "y", B64(std::string(32, '\xff')))),
      Reason::kKeyInvalid, "y");
}

TEST(JwkEcTest, PrivateScalarMustMatchThePublicPoint) {
  ExpectRefused(KeyFromJwk(With(RfcEcPrivate(), "d",
                                B64(std::string(31, '\0') + "\x01"))),
                Reason::kKeyInvalid, "d");
  ExpectRefused(
      KeyFromJwk(With(RfcEcPrivate(), "d", B64(std::string(32, '\0')))),
      Reason::kKeyInvalid, "d");
  const std::string order = HexDecode(
      "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  ExpectRefused(KeyFromJwk(With(RfcEcPrivate(), "d", B64(order))),
                Reason::kKeyInvalid, "d");
}

TEST(JwkEcTest, CurveMustBeSupported) {
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "crv", "secp256k1")),
                Reason::kKeyAlgMismatch, "crv");
  ExpectRefused(KeyFromJwk(With(RfcEcPublic(), "crv", "p-256")),
                Reason::kKeyAlgMismatch, "crv");
  ExpectRefused(KeyFromJwk(Without(RfcEcPublic(), "crv")), Reason::kKeyInvalid,
                "crv");
}

// --- OKP
// -----------------------------------------------------------------------

TEST(JwkOkpTest, OnlyEd25519CanSign) {
  for (const char* crv : {"X25519", "Ed448", "X448", "ed25519", "P-256"}) {
    ExpectRefused(KeyFromJwk(With(RfcEdPrivate(), "crv", crv)),
                  Reason::kKeyAlgMismatch, "crv");
  }
  ExpectRefused(KeyFromJwk(Without(RfcEdPrivate(), "crv")), Reason::kKeyInvalid,
                "crv");
}

TEST(JwkOkpTest, PublicKeyMustBe32Bytes) {
  const std::string x = Unb64(kRfcEdX);
  ExpectRefused(KeyFromJwk(With(RfcEdPrivate(), "x", B64(x.substr(1)))),
                Reason::kKeyInvalid, "x");
  ExpectRefused(KeyFromJwk(With(RfcEdPrivate(), "x", B64(x + "x"))),
                Reason::kKeyInvalid, "x");
  ExpectRefused(
      KeyFromJwk(With(RfcEdPrivate(), "d", B64(Unb64(kRfcEdD) + "x"))),
      Reason::kKeyInvalid, "d");
}

TEST(JwkOkpTest, SmallOrderAndNonCanonicalPointsAreRefused) {
  json::Object public_only = Without(RfcEdPrivate(), "d");
  auto with_x = [&](absl::string_view raw) {
    return KeyFromJwk(With(public_only, "x", B64(raw)));
  };
  std::string identity(32, '\0');
  identity[0] = 1;
  ExpectRefused(with_x(identity), Reason::kKeyInvalid, "x");
  ExpectRefused(with_x(std::string(32, '\0')), Reason::kKeyInvalid, "x");
  std::string zero_with_sign(32, '\0');
  zero_with_sign[31] = '\x80';
  ExpectRefused(with_x(zero_with_sign), Reason::kKeyInvalid, "x");
  // p - 1 (order 2) and the order-8 points, with either sign bit.
  ExpectRefused(with_x(HexDecode("ecffffffffffffffffffffffffffffffffffffffffff"
                                 "ffffffffffffffffffff7f")),
                Reason::kKeyInvalid, "x");
  for (const char* hex :
       {"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"}) {
    ExpectRefused(with_x(HexDecode(hex)), Reason::kKeyInvalid, "x");
  }
  // y = p and y = p + 2 are non-canonical encodings.
  ExpectRefused(with_x(HexDecode("edffffffffffffffffffffffffffffffffffffffffff"
                                 "ffffffffffffffffffff7f")),
                Reason::kKeyInvalid, "x");
  ExpectRefused(with_x(HexDecode("efffffffffffffffffffffffffffffffffffffffffff"
                                 "ffffffffffffffffffff7f")),
                Reason::kKeyInvalid, "x");
  // y = 2 has no x on the curve.
  std::string two(32, '\0');
  two[0] = 2;
  ExpectRefused(with_x(two), Reason::kKeyInvalid, "x");
  // y = 3 does.
  std::string three(32, '\0');
  three[0] = 3;
  EXPECT_TRUE(with_x(three).ok());
}

TEST(JwkOkpTest, PrivateKeyMustMatchX) {
  absl::StatusOr<std::shared_ptr<const Key>> other =
      GenerateKey(Algorithm::kEdDSA);
  ASSERT_TRUE(other.ok());
  absl::StatusOr<json::Object> other_jwk = PrivateJwk(**other);
  ASSERT_TRUE(other_jwk.ok());
  ExpectRefused(
      KeyFromJwk(With(RfcEdPrivate(), "d", other_jwk->Find("d")->as_string())),
      Reason::kKeyInvalid, "d");
}

// --- JWK Sets
// --------------------------------------------------------------------

std::string SetOf(std::vector<json::Object> keys) {
  json::Array array;
  for (json::Object& key : keys) array.push_back(std::move(key));
  json::Object root;
  root.Set("keys", std::move(array));
  return json::Serialize(root);
}

TEST(JwksTest, StructureIsChecked) {
  ExpectRefused(KeySetFromJwks("{}"), Reason::kKeyInvalid, "keys");
  ExpectRefused(KeySetFromJwks(R"({"keys":{}})"), Reason::kKeyInvalid, "keys");
  ExpectRefused(KeySetFromJwks(R"({"keys":null})"), Reason::kKeyInvalid,
                "keys");
  ExpectRefused(KeySetFromJwks(R"({"keys":[1]})"), Reason::kKeyInvalid,
                "keys[0]");
  ExpectRefused(KeySetFromJwks(R"([{"kty":"oct"}])"), Reason::kKeyInvalid, "");
  ExpectRefused(KeySetFromJwks(R"({"keys":[],"keys":[]})"), Reason::kKeyInvalid,
                "");
  ExpectRefused(KeySetFromJwks("not json"), Reason::kKeyInvalid, "");
  absl::StatusOr<KeySet> empty = KeySetFromJwks(R"({"keys":[]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST(JwksTest, FirstBadKeyFailsTheWholeSetWithItsIndex) {
  json::Object a = RfcEcPublic();
  json::Object b = With(RfcEcPublic(), "kid", "2");
  json::Object bad = With(With(RfcEcPublic(), "kid", "3"), "alg", "ES384");
  ExpectRefused(KeySetFromJwks(SetOf({a, b, bad})), Reason::kKeyAlgMismatch,
                "keys[2].alg");
  ExpectRefused(KeySetFromJwks(SetOf({a, With(b, "use", "enc"), bad})),
                Reason::kKeyUseInvalid, "keys[1].use");
  ExpectRefused(KeySetFromJwks(SetOf({a, b, Without(bad, "kty")})),
                Reason::kKeyInvalid, "keys[2].kty");
  ExpectRefused(
      KeySetFromJwks(SetOf({OctKey(32, "HS256"), OctKey(8, "HS256")})),
      Reason::kKeyTooWeak, "keys[1].k");
}

TEST(JwksTest, PublicSetMustNotCarryPrivateMembers) {
  ExpectRefused(
      KeySetFromJwks(SetOf({RfcRsaPublic(), RfcEcPrivate()}), PublicOnly()),
      Reason::kKeyInvalid, "keys[1].d");
  absl::StatusOr<KeySet> with_private =
      KeySetFromJwks(SetOf({RfcRsaPublic(), RfcEcPrivate()}));
  ASSERT_TRUE(with_private.ok()) << with_private.status();
  EXPECT_TRUE(with_private->FindByKid("1")->has_private());
}

TEST(JwksTest, KeySetRulesApply) {
  ExpectRefused(KeySetFromJwks(SetOf({RfcEcPublic(), RfcEcPublic()})),
                Reason::kKeySetInvalid, "keys");
  ExpectRefused(KeySetFromJwks(SetOf(
                    {RfcEcPublic(), With(OctKey(32, "HS256"), "kid", "h")})),
                Reason::kKeySetInvalid, "keys");
  ExpectRefused(KeySetFromJwks(SetOf({Without(RfcEcPublic(), "kid"),
                                      Without(RfcRsaPublic(), "kid")})),
                Reason::kKeySetInvalid, "keys");
}

TEST(JwksTest, DefaultAlgAppliesToEveryKey) {
  absl::StatusOr<KeySet> set =
      KeySetFromJwks(SetOf({With(OctKey(64, ""), "kid", "a"),
                            With(OctKey(64, "HS256"), "kid", "b")}),
                     DefaultAlg(Algorithm::kHS512));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("a")->alg(), Algorithm::kHS512);
  EXPECT_EQ(set->FindByKid("b")->alg(), Algorithm::kHS256);
}

TEST(JwksTest, OversizedTextIsRefused) {
  std::string huge = R"({"keys":[],"pad":")";
  huge.append(1024 * 1024, 'a');
  huge += "\"}";
  ExpectRefused(KeySetFromJwks(huge), Reason::kKeyInvalid, "");
}

TEST(JwksTest, PublishedSetRoundTripsWithoutPrivateMaterial) {
  std::vector<std::shared_ptr<const Key>> keys;
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES512, Algorithm::kEdDSA,
                        Algorithm::kPS256}) {
    absl::StatusOr<std::shared_ptr<const Key>> key =
        GenerateKey(alg, absl::StrCat("k-", AlgorithmName(alg)));
    ASSERT_TRUE(key.ok());
    keys.push_back(*key);
  }
  absl::StatusOr<KeySet> set = KeySet::Create(keys);
  ASSERT_TRUE(set.ok());
  absl::StatusOr<std::string> jwks = PublicJwksJson(*set);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_EQ(*PublicJwksJson(*set), *jwks);  // deterministic
  EXPECT_EQ(jwks->find("\"d\""), std::string::npos);
  EXPECT_EQ(jwks->find(' '), std::string::npos);

  absl::StatusOr<KeySet> reloaded = KeySetFromJwks(*jwks, PublicOnly());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  ASSERT_EQ(reloaded->size(), keys.size());
  for (const auto& key : keys) {
    const Key* copy = reloaded->FindByKid(key->kid());
    ASSERT_NE(copy, nullptr) << key->kid();
    EXPECT_EQ(copy->alg(), key->alg());
    EXPECT_FALSE(copy->has_private());
    EXPECT_EQ(*Thumbprint(*copy), *Thumbprint(*key));
    ExpectSignsFor(*key, *copy);
  }
}

}  // namespace
}  // namespace tokend
