#include "core/keys/key_source.h"

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/keys/key_test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::NewKey;
using ::tokend::testing::PrivateJwkText;
using ::tokend::testing::PrivatePem;
using ::tokend::testing::PublicPem;
using ::tokend::testing::SecretDir;
using ::tokend::testing::TempDir;
using ::tokend::testing::Thumb;
using ::tokend::testing::WriteFile;

KeySourceOptions Es256() {
  KeySourceOptions options;
  options.alg = Algorithm::kES256;
  return options;
}

TEST(KeySourceTest, PemFileKidIsTheThumbprint) {
  TempDir dir;
  auto key = NewKey();
  WriteFile(dir.File("signing.pem"), PrivatePem(*key));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("signing.pem"), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ(set->keys()[0]->kid(), Thumb(*key));
  EXPECT_EQ(set->keys()[0]->alg(), Algorithm::kES256);
  EXPECT_TRUE(set->keys()[0]->has_private());
}

TEST(KeySourceTest, PemNeedsTheTenantAlg) {
  TempDir dir;
  WriteFile(dir.File("k.pem"), PrivatePem(*NewKey()));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("k.pem"), {});
  EXPECT_EQ(GetReason(set.status()), Reason::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(set.status().message(), dir.File("k.pem")));
}

TEST(KeySourceTest, PemForAnHmacTenantIsAlgMismatch) {
  TempDir dir;
  WriteFile(dir.File("k.pem"), PrivatePem(*NewKey()));
  KeySourceOptions options;
  options.alg = Algorithm::kHS256;
  EXPECT_EQ(GetReason(LoadKeyFile(dir.File("k.pem"), options).status()),
            Reason::kKeyAlgMismatch);
}

TEST(KeySourceTest, JwkKeepsItsKidAndAlg) {
  TempDir dir;
  auto key = NewKey(Algorithm::kES384);
  WriteFile(dir.File("a.jwk"), PrivateJwkText(*key, "key-2026"));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("a.jwk"), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ(set->keys()[0]->kid(), "key-2026");
  EXPECT_EQ(set->keys()[0]->alg(), Algorithm::kES384);
}

TEST(KeySourceTest, JwkWithoutKidGetsTheThumbprint) {
  TempDir dir;
  auto key = NewKey();
  WriteFile(dir.File("a.json"), PrivateJwkText(*key, ""));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("a.json"), {});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->keys()[0]->kid(), Thumb(*key));
}

TEST(KeySourceTest, JwksFileByExtensionAndBySniffing) {
  TempDir dir;
  auto a = NewKey();
  auto b = NewKey();
  const std::string jwks = "{\"keys\":[" + PrivateJwkText(*a, "a") + "," +
                           PrivateJwkText(*b, "") + "]}";
  WriteFile(dir.File("set.jwks"), jwks);
  WriteFile(dir.File("set.json"), jwks);
  WriteFile(dir.File("set"), jwks);
  for (const char* name : {"set.jwks", "set.json", "set"}) {
    absl::StatusOr<KeySet> set = LoadKeyFile(dir.File(name), {});
    ASSERT_TRUE(set.ok()) << name << ": " << set.status();
    ASSERT_EQ(set->size(), 2u) << name;
    EXPECT_NE(set->FindByKid("a"), nullptr);
    EXPECT_NE(set->FindByKid(Thumb(*b)), nullptr);
  }
}

TEST(KeySourceTest, PemFileWithSeveralBlocks) {
  TempDir dir;
  auto a = NewKey();
  auto b = NewKey();
  WriteFile(dir.File("both.pem"), PrivatePem(*a) + PublicPem(*b));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("both.pem"), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 2u);
  EXPECT_TRUE(set->FindByKid(Thumb(*a))->has_private());
  EXPECT_FALSE(set->FindByKid(Thumb(*b))->has_private());
}

TEST(KeySourceTest, MixedDirectory) {
  TempDir dir;
  auto pem = NewKey();
  auto jwk = NewKey();
  auto jwks1 = NewKey();
  auto jwks2 = NewKey();
  WriteFile(dir.File("a.pem"), PrivatePem(*pem));
  // The public half of the same key is the same kid: kept once, private.
  WriteFile(dir.File("a.pub"), PublicPem(*pem));
  WriteFile(dir.File("b.jwk"), PrivateJwkText(*jwk, "b"));
  WriteFile(dir.File("c.json"), "{\"keys\":[" + PrivateJwkText(*jwks1, "c1") +
                                    "," + PrivateJwkText(*jwks2, "c2") + "]}");
  // Skipped: hidden files, editor leftovers, sub-directories.
  WriteFile(dir.File(".a.pem.swp"), "garbage");
  WriteFile(dir.File("a.pem~"), "garbage");
  WriteFile(dir.File("new.tmp"), "garbage");
  std::filesystem::create_directory(dir.File("sub"));
  WriteFile(dir.File("sub/ignored.pem"), "garbage");

  absl::StatusOr<std::vector<SourcedKey>> entries =
      LoadKeyDirectoryEntries(dir.path(), Es256());
  ASSERT_TRUE(entries.ok()) << entries.status();
  absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 4u);
  ASSERT_NE(set->FindByKid(Thumb(*pem)), nullptr);
  EXPECT_TRUE(set->FindByKid(Thumb(*pem))->has_private());
  EXPECT_NE(set->FindByKid("b"), nullptr);
  EXPECT_NE(set->FindByKid("c1"), nullptr);
  EXPECT_NE(set->FindByKid("c2"), nullptr);
  for (const SourcedKey& entry : *entries) {
    EXPECT_TRUE(absl::StartsWith(entry.origin, dir.path())) << entry.origin;
    EXPECT_NE(entry.modified, absl::InfinitePast());
  }
}

TEST(KeySourceTest, TruncatedPemFailsTheWholeLoadNamingTheFile) {
  TempDir dir;
  WriteFile(dir.File("good.pem"), PrivatePem(*NewKey()));
  const std::string pem = PrivatePem(*NewKey());
  WriteFile(dir.File("half.pem"), pem.substr(0, pem.size() / 2));
  absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), Es256());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeyInvalid);
  EXPECT_TRUE(absl::StrContains(set.status().message(), dir.File("half.pem")))
      << set.status();
  EXPECT_EQ(GetField(set.status()), dir.File("half.pem"));
}

TEST(KeySourceTest, InvalidJsonFailsNamingTheFile) {
  TempDir dir;
  WriteFile(dir.File("good.pem"), PrivatePem(*NewKey()));
  WriteFile(dir.File("bad.json"), "{\"kty\":\"EC\",");
  absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), Es256());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeyInvalid);
  EXPECT_TRUE(absl::StrContains(set.status().message(), dir.File("bad.json")));
}

TEST(KeySourceTest, EmptyAndUnknownFilesFail) {
  TempDir dir;
  WriteFile(dir.File("empty.pem"), "");
  EXPECT_EQ(GetReason(LoadKeyFile(dir.File("empty.pem"), Es256()).status()),
            Reason::kKeyInvalid);
  WriteFile(dir.File("README"), "these are keys");
  EXPECT_EQ(GetReason(LoadKeyFile(dir.File("README"), Es256()).status()),
            Reason::kKeyInvalid);
  EXPECT_EQ(GetReason(LoadKeyFile(dir.File("missing.pem"), Es256()).status()),
            Reason::kKeyInvalid);
}

TEST(KeySourceTest, EmptyDirectoryIsNotAKeySet) {
  TempDir dir;
  EXPECT_EQ(GetReason(LoadKeyDirectory(dir.path(), Es256()).status()),
            Reason::kKeySetInvalid);
  EXPECT_EQ(GetReason(LoadKeyDirectory(dir.File("absent"), Es256()).status()),
            Reason::kKeyInvalid);
}

TEST(KeySourceTest, SameKidForDifferentKeysFails) {
  TempDir dir;
  WriteFile(dir.File("a.jwk"), PrivateJwkText(*NewKey(), "same"));
  WriteFile(dir.File("b.jwk"), PrivateJwkText(*NewKey(), "same"));
  absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), Es256());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
  EXPECT_TRUE(absl::StrContains(set.status().message(), "same"));
}

TEST(KeySourceTest, SymmetricAndAsymmetricDoNotMix) {
  TempDir dir;
  WriteFile(dir.File("a.pem"), PrivatePem(*NewKey()));
  WriteFile(dir.File("h.jwk"),
            "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"h\",\"k\":"
            "\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0"
            "iPS4hcgUuTwjAzZr1Z9CAow\"}");
  EXPECT_EQ(GetReason(LoadKeyDirectory(dir.path(), Es256()).status()),
            Reason::kKeySetInvalid);
}

TEST(KeySourceTest, HmacKeyWithoutKidGetsAStableOpaqueKid) {
  const std::string secret_b64 =
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgU"
      "uTwjAzZr1Z9CAow";
  const std::string jwk =
      "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"" + secret_b64 + "\"}";
  absl::StatusOr<std::vector<SourcedKey>> a = LoadKeyText(jwk, "h.jwk", {});
  absl::StatusOr<std::vector<SourcedKey>> b = LoadKeyText(jwk, "h.jwk", {});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const std::string kid = (*a)[0].key->kid();
  EXPECT_EQ(kid.size(), 22u);
  EXPECT_EQ(kid, (*b)[0].key->kid());
  EXPECT_FALSE(absl::StrContains(secret_b64, kid));
}

TEST(KeySourceTest, PrivateKeysRefusedWhenNotAllowed) {
  TempDir dir;
  WriteFile(dir.File("a.pem"), PrivatePem(*NewKey()));
  KeySourceOptions options = Es256();
  options.allow_private = false;
  EXPECT_EQ(GetReason(LoadKeyFile(dir.File("a.pem"), options).status()),
            Reason::kKeyInvalid);
  WriteFile(dir.File("a.pem"), PublicPem(*NewKey()));
  EXPECT_TRUE(LoadKeyFile(dir.File("a.pem"), options).ok());
}

TEST(KeySourceTest, OversizedFileFails) {
  TempDir dir;
  KeySourceOptions options = Es256();
  options.max_file_bytes = 100;
  WriteFile(dir.File("a.pem"), PrivatePem(*NewKey()));
  absl::StatusOr<KeySet> set = LoadKeyFile(dir.File("a.pem"), options);
  EXPECT_EQ(GetReason(set.status()), Reason::kKeyInvalid);
  EXPECT_TRUE(absl::StrContains(set.status().message(), "larger than"));
}

TEST(KeySourceTest, SecretMountReadsTheCurrentVersionOnly) {
  TempDir dir;
  SecretDir secret(dir.path());
  auto first = NewKey();
  auto second = NewKey();
  secret.Publish({{"key.pem", PrivatePem(*first)}});
  absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ(set->keys()[0]->kid(), Thumb(*first));

  secret.Publish({{"next.pem", PrivatePem(*second)}});
  set = LoadKeyDirectory(dir.path(), Es256());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ(set->keys()[0]->kid(), Thumb(*second));

  // A half-written file in the new version is reported by its visible name.
  const std::string pem = PrivatePem(*second);
  secret.Publish({{"next.pem", pem.substr(0, 40)}});
  set = LoadKeyDirectory(dir.path(), Es256());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeyInvalid);
  EXPECT_EQ(GetField(set.status()), dir.File("next.pem"));
}

TEST(KeySourceTest, InlineAndGeneratedSources) {
  auto key = NewKey();
  absl::StatusOr<std::unique_ptr<KeySource>> inline_source =
      InlineKeySource(PrivatePem(*key), "dev.pem", Es256());
  ASSERT_TRUE(inline_source.ok()) << inline_source.status();
  EXPECT_EQ((*inline_source)->Describe(), "inline");
  absl::StatusOr<std::vector<SourcedKey>> loaded = (*inline_source)->Load();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].key->kid(), Thumb(*key));
  EXPECT_EQ((*loaded)[0].origin, "inline");

  EXPECT_EQ(GetReason(InlineKeySource("nope", "dev.pem", Es256()).status()),
            Reason::kKeyInvalid);

  absl::StatusOr<std::unique_ptr<KeySource>> generated =
      GeneratedKeySource(Algorithm::kEdDSA);
  ASSERT_TRUE(generated.ok()) << generated.status();
  absl::StatusOr<std::vector<SourcedKey>> first = (*generated)->Load();
  absl::StatusOr<std::vector<SourcedKey>> again = (*generated)->Load();
  ASSERT_TRUE(first.ok() && again.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].key->alg(), Algorithm::kEdDSA);
  EXPECT_TRUE((*first)[0].key->has_private());
  EXPECT_EQ((*first)[0].key->kid(), (*again)[0].key->kid());
}

}  // namespace
}  // namespace tokend
