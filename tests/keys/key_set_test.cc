#include "core/keys/key_set.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

std::shared_ptr<const Key> Hmac(std::string kid) {
  absl::StatusOr<std::shared_ptr<const Key>> key = Key::FromHmacSecret(
      Algorithm::kHS256, std::string(32, 'k'), std::move(kid));
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

std::shared_ptr<const Key> Generated(Algorithm alg, std::string kid) {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      GenerateKey(alg, std::move(kid));
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

std::vector<std::string> Kids(const KeySet& set) {
  std::vector<std::string> kids;
  for (const auto& key : set.keys()) kids.push_back(key->kid());
  return kids;
}

TEST(KeySetTest, EmptySetIsValidAndFindsNothing) {
  absl::StatusOr<KeySet> set = KeySet::Create({});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->empty());
  EXPECT_EQ(set->size(), 0u);
  EXPECT_EQ(set->FindByKid(""), nullptr);
  EXPECT_EQ(set->FindByKid("a"), nullptr);
  EXPECT_TRUE(KeySet().empty());
}

TEST(KeySetTest, KeysAreSortedByKid) {
  absl::StatusOr<KeySet> set =
      KeySet::Create({Hmac("charlie"), Hmac("alpha"), Hmac("bravo")});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Kids(*set),
            (std::vector<std::string>{"alpha", "bravo", "charlie"}));
  EXPECT_EQ(set->size(), 3u);
}

TEST(KeySetTest, FindByKidIsExact) {
  std::shared_ptr<const Key> k = Hmac("k");
  std::shared_ptr<const Key> k1 = Hmac("k1");
  std::shared_ptr<const Key> k10 = Hmac("k10");
  absl::StatusOr<KeySet> set = KeySet::Create({k10, k, k1});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("k"), k.get());
  EXPECT_EQ(set->FindByKid("k1"), k1.get());
  EXPECT_EQ(set->FindByKid("k10"), k10.get());
  EXPECT_EQ(set->FindByKid("k100"), nullptr);
  EXPECT_EQ(set->FindByKid("k0"), nullptr);
  EXPECT_EQ(set->FindByKid(" k"), nullptr);
  EXPECT_EQ(set->FindByKid("k "), nullptr);
  EXPECT_EQ(set->FindByKid(""), nullptr);
  EXPECT_EQ(set->FindByKid(absl::string_view("k\0", 2)), nullptr);
}

TEST(KeySetTest, FindByKidIsCaseSensitive) {
  std::shared_ptr<const Key> lower = Hmac("key");
  std::shared_ptr<const Key> upper = Hmac("Key");
  absl::StatusOr<KeySet> set = KeySet::Create({lower, upper});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("key"), lower.get());
  EXPECT_EQ(set->FindByKid("Key"), upper.get());
  EXPECT_EQ(set->FindByKid("KEY"), nullptr);
  EXPECT_EQ(set->FindByKid("kEy"), nullptr);
}

TEST(KeySetTest, ByteOrderKidsWithNonAsciiAndNul) {
  std::shared_ptr<const Key> high = Hmac("\xff\xfe");
  std::shared_ptr<const Key> nul = Hmac(std::string("a\0b", 3));
  std::shared_ptr<const Key> plain = Hmac("a");
  absl::StatusOr<KeySet> set = KeySet::Create({high, nul, plain});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("\xff\xfe"), high.get());
  EXPECT_EQ(set->FindByKid(absl::string_view("a\0b", 3)), nul.get());
  EXPECT_EQ(set->FindByKid("a"), plain.get());
  EXPECT_EQ(set->FindByKid("\xff"), nullptr);
  EXPECT_EQ(set->keys().back().get(), high.get());
}

TEST(KeySetTest, ManyKeysAllFound) {
  std::vector<std::shared_ptr<const Key>> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(Hmac(absl::StrCat("kid-", i)));
  absl::StatusOr<KeySet> set = KeySet::Create(keys);
  ASSERT_TRUE(set.ok()) << set.status();
  for (const auto& key : keys) {
    EXPECT_EQ(set->FindByKid(key->kid()), key.get()) << key->kid();
  }
  EXPECT_EQ(set->FindByKid("kid-200"), nullptr);
  EXPECT_EQ(set->FindByKid("kid-"), nullptr);
}

TEST(KeySetTest, OneKeyWithoutKidIsAllowed) {
  std::shared_ptr<const Key> anonymous = Hmac("");
  std::shared_ptr<const Key> named = Hmac("named");
  absl::StatusOr<KeySet> set = KeySet::Create({named, anonymous});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid(""), anonymous.get());
  EXPECT_EQ(set->FindByKid("named"), named.get());
}

TEST(KeySetTest, RefusesTwoKeysWithoutKid) {
  absl::StatusOr<KeySet> set = KeySet::Create({Hmac(""), Hmac("x"), Hmac("")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
  EXPECT_NE(set.status().message().find("no kid"), absl::string_view::npos)
      << set.status();
}

TEST(KeySetTest, RefusesDuplicateKids) {
  absl::StatusOr<KeySet> set =
      KeySet::Create({Hmac("a"), Hmac("dup"), Hmac("b"), Hmac("dup")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(set.status().message().find("\"dup\""), absl::string_view::npos)
      << set.status();
}

TEST(KeySetTest, DuplicateKidsAcrossAlgorithmsAreRefused) {
  absl::StatusOr<KeySet> set =
      KeySet::Create({Generated(Algorithm::kES256, "same"),
                      Generated(Algorithm::kEdDSA, "same")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
}

TEST(KeySetTest, KidsDifferingOnlyInCaseAreNotDuplicates) {
  absl::StatusOr<KeySet> set = KeySet::Create({Hmac("A"), Hmac("a")});
  EXPECT_TRUE(set.ok()) << set.status();
}

TEST(KeySetTest, RefusesMixedSymmetricAndAsymmetric) {
  absl::StatusOr<KeySet> set =
      KeySet::Create({Generated(Algorithm::kES256, "ec"), Hmac("hmac")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
  EXPECT_NE(set.status().message().find("mix"), absl::string_view::npos);

  absl::StatusOr<KeySet> reversed = KeySet::Create(
      {Hmac("hmac"), Hmac("hmac2"), Generated(Algorithm::kEdDSA, "ed")});
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(GetReason(reversed.status()), Reason::kKeySetInvalid);
}

TEST(KeySetTest, AcceptsDifferentAsymmetricFamilies) {
  absl::StatusOr<KeySet> set = KeySet::Create(
      {Generated(Algorithm::kES256, "ec"), Generated(Algorithm::kEdDSA, "ed"),
       Generated(Algorithm::kES384, "ec384")});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("ed")->alg(), Algorithm::kEdDSA);
  EXPECT_EQ(set->FindByKid("ec384")->alg(), Algorithm::kES384);
}

TEST(KeySetTest, AcceptsDifferentHmacSizes) {
  absl::StatusOr<std::shared_ptr<const Key>> hs512 =
      Key::FromHmacSecret(Algorithm::kHS512, std::string(64, 's'), "hs512");
  ASSERT_TRUE(hs512.ok()) << hs512.status();
  absl::StatusOr<KeySet> set = KeySet::Create({Hmac("hs256"), *hs512});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->FindByKid("hs512")->alg(), Algorithm::kHS512);
}

TEST(KeySetTest, RefusesNullKey) {
  absl::StatusOr<KeySet> set = KeySet::Create({Hmac("a"), nullptr});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(GetReason(set.status()), Reason::kKeySetInvalid);
}

TEST(KeySetTest, SetSharesKeysAndCopiesCheaply) {
  std::shared_ptr<const Key> key = Hmac("a");
  absl::StatusOr<KeySet> set = KeySet::Create({key});
  ASSERT_TRUE(set.ok());
  KeySet copy = *set;
  EXPECT_EQ(copy.FindByKid("a"), key.get());
  EXPECT_EQ(set->FindByKid("a"), key.get());
}

}  // namespace
}  // namespace tokend
