// Foreign JWK Sets as issuers publish them: Keycloak (an encryption key
// beside the signing key), Entra ID and Google (RSA keys without alg),
// SPIFFE bundles (X.509 authorities beside JWT keys), and hostile or broken
// ones (empty, private keys, weak keys, duplicate kids, HMAC secrets).
#include "core/identity/jwks_import.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/keys/jwk.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/identity/identity_test_util.h"

namespace tokend::identity {
namespace {

using testing::NewKey;
using testing::ParseOrDie;

JwksImportOptions Rs256() {
  JwksImportOptions options;
  options.algorithms = {Algorithm::kRS256};
  return options;
}

json::Object PublicOf(const Key& key) {
  absl::StatusOr<json::Object> jwk = PublicJwk(key);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  return *jwk;
}

std::string SetOf(json::Array keys) {
  json::Object root;
  root.Set("keys", std::move(keys));
  return json::Serialize(root);
}

class JwksImportTest : public ::testing::Test {
 protected:
  // Generated once per process (also under --gtest_repeat), never freed.
  static void SetUpTestSuite() {
    if (rsa_ != nullptr) return;
    rsa_ = new std::shared_ptr<const Key>(NewKey(Algorithm::kRS256, "rsa-1"));
    rsa2_ = new std::shared_ptr<const Key>(NewKey(Algorithm::kRS256, "rsa-2"));
    ec_ = new std::shared_ptr<const Key>(NewKey(Algorithm::kES256, "ec-1"));
  }
  static const Key& rsa() { return **rsa_; }
  static const Key& rsa2() { return **rsa2_; }
  static const Key& ec() { return **ec_; }

  static std::shared_ptr<const Key>* rsa_;
  static std::shared_ptr<const Key>* rsa2_;
  static std::shared_ptr<const Key>* ec_;
};
std::shared_ptr<const Key>* JwksImportTest::rsa_ = nullptr;
std::shared_ptr<const Key>* JwksImportTest::rsa2_ = nullptr;
std::shared_ptr<const Key>* JwksImportTest::ec_ = nullptr;

TEST_F(JwksImportTest, KeycloakEncryptionKeyIsSkippedNotFatal) {
  json::Object enc = PublicOf(rsa2());
  enc.Set("use", "enc");
  enc.Set("alg", "RSA-OAEP");
  enc.Set("kid", "enc-1");
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({PublicOf(rsa()), enc}), Rs256());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  ASSERT_NE(imported->keys.FindByKid("rsa-1"), nullptr);
  ASSERT_EQ(imported->skipped.size(), 1u);
  EXPECT_EQ(imported->skipped[0].index, 1u);
  EXPECT_EQ(imported->skipped[0].kid, "enc-1");
  EXPECT_EQ(DescribeSkipped(imported->skipped[0]).substr(0, 24),
            "keys[1] (kid \"enc-1\"): K");
}

TEST_F(JwksImportTest, RsaKeysWithoutAlgTakeTheIssuersFirstRsaAlgorithm) {
  // Entra ID publishes {kty, use, kid, x5t, n, e, x5c, issuer}: no alg.
  json::Object entra = PublicOf(rsa());
  entra.Erase("alg");
  entra.Set("x5t", "abc");
  entra.Set("issuer", "https://login.microsoftonline.com/t/v2.0");
  JwksImportOptions options;
  options.algorithms = {Algorithm::kES256, Algorithm::kPS256,
                        Algorithm::kRS256};
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({entra}), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.FindByKid("rsa-1")->alg(), Algorithm::kPS256);
  // With no RSA algorithm allowed, such a key is unusable.
  options.algorithms = {Algorithm::kES256};
  imported = ImportForeignJwks(SetOf({entra}), options);
  EXPECT_EQ(GetReason(imported.status()), Reason::kKeySetInvalid);
}

TEST_F(JwksImportTest, KeysForOtherAlgorithmsAreSkipped) {
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({PublicOf(rsa()), PublicOf(ec())}), Rs256());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  ASSERT_EQ(imported->skipped.size(), 1u);
  EXPECT_EQ(imported->skipped[0].reason, Reason::kAlgNotAllowed);
}

TEST_F(JwksImportTest, EmptyOrUnusableSetsAreRefused) {
  EXPECT_EQ(GetReason(ImportForeignJwks(R"({"keys":[]})", Rs256()).status()),
            Reason::kKeySetInvalid);
  EXPECT_EQ(GetReason(ImportForeignJwks(R"({})", Rs256()).status()),
            Reason::kKeySetInvalid);
  EXPECT_EQ(GetReason(ImportForeignJwks(R"({"keys":{}})", Rs256()).status()),
            Reason::kKeySetInvalid);
  EXPECT_EQ(GetReason(ImportForeignJwks(R"([1])", Rs256()).status()),
            Reason::kKeySetInvalid);
  EXPECT_EQ(
      GetReason(ImportForeignJwks("<html>Sign in</html>", Rs256()).status()),
      Reason::kKeySetInvalid);
  absl::StatusOr<ImportedJwks> only_bad =
      ImportForeignJwks(R"({"keys":[1,{"kty":"RSA"},{"kty":"XYZ"}]})", Rs256());
  EXPECT_EQ(GetReason(only_bad.status()), Reason::kKeySetInvalid);
  // The message says why the entries were skipped.
  EXPECT_NE(only_bad.status().message().find("keys[0]"),
            absl::string_view::npos);
  EXPECT_FALSE(ImportForeignJwks(SetOf({PublicOf(rsa())}), {}).ok());
}

TEST_F(JwksImportTest, PrivateKeysInAPublicSetAreSkipped) {
  absl::StatusOr<json::Object> leaked = PrivateJwk(rsa2());
  ASSERT_TRUE(leaked.ok());
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({PublicOf(rsa()), *leaked}), Rs256());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  EXPECT_EQ(imported->keys.FindByKid("rsa-2"), nullptr);
}

TEST_F(JwksImportTest, WeakAndBrokenKeysAreSkipped) {
  json::Object weak = PublicOf(rsa2());
  // A 1024-bit modulus: the top half of the real one, made odd.
  std::string n = *Base64UrlDecode(weak.Find("n")->as_string());
  n.resize(n.size() / 2);
  n.back() |= 1;
  weak.Set("n", Base64UrlEncode(n));
  json::Object off_curve = PublicOf(ec());
  off_curve.Set("kid", "ec-bad");
  off_curve.Set("y", off_curve.Find("x")->as_string());
  JwksImportOptions options;
  options.algorithms = {Algorithm::kRS256, Algorithm::kES256};
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({PublicOf(rsa()), weak, off_curve}), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  ASSERT_EQ(imported->skipped.size(), 2u);
  EXPECT_EQ(imported->skipped[0].reason, Reason::kKeyTooWeak)
      << imported->skipped[0].detail;
  EXPECT_EQ(imported->skipped[1].reason, Reason::kKeyInvalid);
}

TEST_F(JwksImportTest, AmbiguousKidsAreSkippedTogether) {
  json::Object twin = PublicOf(rsa2());
  twin.Set("kid", "rsa-1");
  json::Object no_kid_a = PublicOf(ec());
  no_kid_a.Erase("kid");
  JwksImportOptions options;
  options.algorithms = {Algorithm::kRS256, Algorithm::kES256};
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({PublicOf(rsa()), twin, no_kid_a}), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  // Neither rsa-1 may verify: which one signs is unknown. The one key
  // without a kid is fine alone.
  EXPECT_EQ(imported->keys.FindByKid("rsa-1"), nullptr);
  EXPECT_NE(imported->keys.FindByKid(""), nullptr);
  EXPECT_EQ(imported->skipped.size(), 2u);

  json::Object no_kid_b = PublicOf(rsa());
  no_kid_b.Erase("kid");
  imported = ImportForeignJwks(SetOf({no_kid_a, no_kid_b}), options);
  EXPECT_EQ(GetReason(imported.status()), Reason::kKeySetInvalid);
}

TEST_F(JwksImportTest, HmacSecretsOnlyWhenAllowed) {
  auto hmac = NewKey(Algorithm::kHS256, "shared");
  absl::StatusOr<json::Object> oct = PrivateJwk(*hmac);
  ASSERT_TRUE(oct.ok());
  JwksImportOptions options;
  options.algorithms = {Algorithm::kHS256};
  EXPECT_EQ(GetReason(ImportForeignJwks(SetOf({*oct}), options).status()),
            Reason::kKeySetInvalid);
  options.allow_symmetric = true;
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf({*oct}), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.FindByKid("shared")->alg(), Algorithm::kHS256);
}

TEST_F(JwksImportTest, SpiffeBundle) {
  // A SPIFFE bundle: an X.509 authority and a JWT authority, with a
  // sequence number and a refresh hint.
  json::Object x509 = PublicOf(rsa2());
  x509.Set("use", "x509-svid");
  x509.Set("x5c", json::Array{"MIIB..."});
  json::Object jwt = PublicOf(ec());
  jwt.Set("use", "jwt-svid");
  json::Object root;
  root.Set("keys", json::Array{x509, jwt});
  root.Set("spiffe_sequence", 12);
  root.Set("spiffe_refresh_hint", 300);
  JwksImportOptions options;
  options.algorithms = {Algorithm::kRS256, Algorithm::kES256};
  options.spiffe_bundle = true;
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(json::Serialize(root), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  EXPECT_NE(imported->keys.FindByKid("ec-1"), nullptr);
  EXPECT_EQ(imported->refresh_hint, absl::Seconds(300));
  ASSERT_EQ(imported->skipped.size(), 1u);
  EXPECT_EQ(imported->skipped[0].reason, Reason::kKeyUseInvalid);
  // Outside a SPIFFE issuer, "jwt-svid" is not a signing use.
  options.spiffe_bundle = false;
  EXPECT_FALSE(ImportForeignJwks(json::Serialize(root), options).ok());
}

TEST_F(JwksImportTest, HugeSetsAreReadOnlyUpToTheEntryCap) {
  json::Array keys;
  keys.push_back(PublicOf(rsa()));
  for (size_t i = 1; i < kMaxJwksEntries + 50; ++i)
    keys.push_back(json::Object());
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(SetOf(keys), Rs256());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->keys.size(), 1u);
  EXPECT_EQ(imported->skipped.back().index, kMaxJwksEntries);
}

}  // namespace
}  // namespace tokend::identity
