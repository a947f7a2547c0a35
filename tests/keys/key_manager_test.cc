#include "core/keys/key_manager.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/clock.h"
#include "core/jose/jwt.h"
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

const absl::Time kStart = absl::FromUnixSeconds(1790000000);

class KeyManagerTest : public ::testing::Test {
 protected:
  KeyManagerOptions Options() const {
    KeyManagerOptions options;
    options.alg = Algorithm::kES256;
    options.jwks_max_age = absl::Minutes(5);
    options.max_token_ttl = absl::Hours(1);
    options.leeway = absl::Seconds(60);
    return options;
  }
  std::unique_ptr<KeyManager> Manager(KeyManagerOptions options) {
    KeySourceOptions source_options;
    source_options.alg = Algorithm::kES256;
    auto manager = KeyManager::Create(
        options, DirectoryKeySource(dir_.path(), source_options), clock_);
    EXPECT_TRUE(manager.ok()) << manager.status();
    return *std::move(manager);
  }
  std::unique_ptr<KeyManager> Manager() { return Manager(Options()); }

  std::string Issue(const KeyManager& manager) {
    auto state = manager.Snapshot();
    EXPECT_NE(state->signing_key, nullptr);
    JwtSpec spec;
    spec.subject = "alice";
    spec.ttl = absl::Hours(1);
    auto issued = IssueJwt(*state->signing_key, spec, clock_.Now());
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued->token;
  }
  absl::Status Verify(const KeyManager& manager, const std::string& token) {
    ValidationPolicy policy;
    policy.leeway = absl::Seconds(60);
    return VerifyJwt(token, manager.Snapshot()->verification_keys, policy,
                     clock_.Now())
        .status();
  }
  std::string SigningKid(const KeyManager& manager) {
    auto state = manager.Snapshot();
    return state->signing_key ? state->signing_key->kid() : "";
  }
  KeyStatus StatusOf(const KeyManager& manager, const std::string& kid) {
    const ManagedKey* key = manager.Snapshot()->Find(kid);
    EXPECT_NE(key, nullptr) << kid;
    return key ? key->status : KeyStatus::kRetired;
  }
  bool InJwks(const KeyManager& manager, const std::string& kid) {
    return absl::StrContains(manager.Snapshot()->jwks_json,
                             "\"kid\":\"" + kid + "\"");
  }

  TempDir dir_;
  FakeClock clock_{kStart};
};

TEST_F(KeyManagerTest, FirstLoadSignsAtOnceAndPublishesTheJwks) {
  auto key = NewKey();
  WriteFile(dir_.File("a.pem"), PrivatePem(*key));
  auto manager = Manager();
  EXPECT_TRUE(manager->HasUsableSigningKey());
  EXPECT_TRUE(manager->LastError().ok());
  EXPECT_EQ(SigningKid(*manager), Thumb(*key));
  EXPECT_EQ(StatusOf(*manager, Thumb(*key)), KeyStatus::kActive);
  auto state = manager->Snapshot();
  EXPECT_TRUE(InJwks(*manager, Thumb(*key)));
  EXPECT_FALSE(absl::StrContains(state->jwks_json, "\"d\""));
  ASSERT_GE(state->jwks_etag.size(), 2u);
  EXPECT_EQ(state->jwks_etag.front(), '"');
  EXPECT_EQ(state->jwks_etag.back(), '"');
  EXPECT_EQ(state->CacheControl(), "public, max-age=300");
  EXPECT_TRUE(Verify(*manager, Issue(*manager)).ok());
}

TEST_F(KeyManagerTest, PublishBeforeSignThenRetireThenRemove) {
  auto old_key = NewKey();
  auto new_key = NewKey();
  const std::string old_kid = Thumb(*old_key);
  const std::string new_kid = Thumb(*new_key);
  WriteFile(dir_.File("old.pem"), PrivatePem(*old_key));
  auto manager = Manager();
  const std::string old_token = Issue(*manager);
  const std::string first_etag = manager->Snapshot()->jwks_etag;

  // t0: the new key appears. Published, verifying, not signing. A second
  // later than the old one: with both seen at the same instant and file
  // times that can match (the kernel stamps them from a coarse clock), the
  // kid would decide which is newer.
  clock_.Advance(absl::Seconds(1));
  WriteFile(dir_.File("new.pem"), PrivatePem(*new_key));
  ASSERT_TRUE(manager->Reload().ok());
  EXPECT_EQ(StatusOf(*manager, new_kid), KeyStatus::kPending);
  EXPECT_TRUE(InJwks(*manager, new_kid));
  EXPECT_NE(manager->Snapshot()->verification_keys.FindByKid(new_kid), nullptr);
  EXPECT_NE(manager->Snapshot()->jwks_etag, first_etag);
  EXPECT_EQ(SigningKid(*manager), old_kid);
  EXPECT_EQ(manager->NextTransition(),
            kStart + absl::Seconds(1) + absl::Minutes(5));

  // Just before max-age: still the old key.
  clock_.Advance(absl::Minutes(5) - absl::Seconds(1));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), old_kid);

  // At max-age: the new key signs, the old one retires but verifies.
  clock_.Advance(absl::Seconds(1));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), new_kid);
  EXPECT_EQ(StatusOf(*manager, old_kid), KeyStatus::kRetired);
  EXPECT_TRUE(Verify(*manager, old_token).ok());
  const std::string new_token = Issue(*manager);
  EXPECT_TRUE(Verify(*manager, new_token).ok());

  // The old file goes away: the key stays until its last token expired.
  std::filesystem::remove(dir_.File("old.pem"));
  ASSERT_TRUE(manager->Reload().ok());
  const absl::Time removed_at = clock_.Now();
  EXPECT_TRUE(InJwks(*manager, old_kid));
  EXPECT_EQ(manager->NextTransition(),
            removed_at + absl::Hours(1) + absl::Seconds(60));
  clock_.Set(removed_at + absl::Hours(1) + absl::Seconds(59));
  manager->Tick();
  ASSERT_NE(manager->Snapshot()->Find(old_kid), nullptr);
  clock_.Set(removed_at + absl::Hours(1) + absl::Seconds(60));
  manager->Tick();
  EXPECT_EQ(manager->Snapshot()->Find(old_kid), nullptr);
  EXPECT_FALSE(InJwks(*manager, old_kid));
  EXPECT_EQ(GetReason(Verify(*manager, old_token)), Reason::kUnknownKid);
}

TEST_F(KeyManagerTest, OneStepSwapKeepsTheOldSignerUntilTheNewIsPublished) {
  SecretDir secret(dir_.path());
  auto old_key = NewKey();
  auto new_key = NewKey();
  secret.Publish({{"key.pem", PrivatePem(*old_key)}});
  auto manager = Manager();
  const std::string old_token = Issue(*manager);

  secret.Publish({{"key.pem", PrivatePem(*new_key)}});
  ASSERT_TRUE(manager->Reload().ok());
  // The old key is gone from the Secret but still signs: no gap.
  EXPECT_EQ(SigningKid(*manager), Thumb(*old_key));
  EXPECT_TRUE(manager->HasUsableSigningKey());
  EXPECT_EQ(StatusOf(*manager, Thumb(*new_key)), KeyStatus::kPending);
  EXPECT_FALSE(manager->Snapshot()->Find(Thumb(*old_key))->in_source);

  clock_.Advance(absl::Minutes(5));
  manager->Tick();
  const absl::Time switched = clock_.Now();
  EXPECT_EQ(SigningKid(*manager), Thumb(*new_key));
  EXPECT_EQ(StatusOf(*manager, Thumb(*old_key)), KeyStatus::kRetired);
  EXPECT_TRUE(Verify(*manager, old_token).ok());

  // Removed max TTL + leeway after it stopped signing.
  clock_.Set(switched + absl::Hours(1) + absl::Seconds(60));
  manager->Tick();
  EXPECT_EQ(manager->Snapshot()->Find(Thumb(*old_key)), nullptr);
  EXPECT_EQ(manager->Snapshot()->verification_keys.size(), 1u);
}

TEST_F(KeyManagerTest, CorruptFileKeepsTheLastGoodKeys) {
  auto key = NewKey();
  WriteFile(dir_.File("a.pem"), PrivatePem(*key));
  auto manager = Manager();
  const uint64_t generation = manager->Snapshot()->generation;
  const std::string token = Issue(*manager);

  WriteFile(dir_.File("b.json"), "{\"kty\":\"EC\",\"crv\":");
  absl::Status reload = manager->Reload();
  EXPECT_EQ(GetReason(reload), Reason::kKeyInvalid);
  EXPECT_EQ(manager->reload_failures(), 1u);
  EXPECT_EQ(GetReason(manager->LastError()), Reason::kKeyInvalid);
  EXPECT_TRUE(
      absl::StrContains(manager->LastError().message(), dir_.File("b.json")));
  EXPECT_EQ(manager->Snapshot()->generation, generation);
  EXPECT_TRUE(manager->HasUsableSigningKey());
  EXPECT_EQ(SigningKid(*manager), Thumb(*key));
  EXPECT_TRUE(Verify(*manager, token).ok());

  // Fixed: loads again and the error clears.
  std::filesystem::remove(dir_.File("b.json"));
  EXPECT_TRUE(manager->Reload().ok());
  EXPECT_TRUE(manager->LastError().ok());
  EXPECT_EQ(manager->reload_failures(), 1u);
}

TEST_F(KeyManagerTest, HalfWrittenPemKeepsTheLastGoodKeys) {
  auto key = NewKey();
  WriteFile(dir_.File("a.pem"), PrivatePem(*key));
  auto manager = Manager();
  const std::string pem = PrivatePem(*NewKey());
  WriteFile(dir_.File("a.pem"), pem.substr(0, pem.size() / 3));
  EXPECT_EQ(GetReason(manager->Reload()), Reason::kKeyInvalid);
  EXPECT_TRUE(
      absl::StrContains(manager->LastError().message(), dir_.File("a.pem")));
  EXPECT_EQ(GetField(manager->LastError()), dir_.File("a.pem"));
  EXPECT_EQ(SigningKid(*manager), Thumb(*key));
  EXPECT_EQ(manager->Snapshot()->verification_keys.size(), 1u);
}

TEST_F(KeyManagerTest, EmptiedDirectoryKeepsTheLastGoodKeys) {
  WriteFile(dir_.File("a.pem"), PrivatePem(*NewKey()));
  auto manager = Manager();
  std::filesystem::remove(dir_.File("a.pem"));
  EXPECT_EQ(GetReason(manager->Reload()), Reason::kKeySetInvalid);
  EXPECT_TRUE(manager->HasUsableSigningKey());
}

TEST_F(KeyManagerTest, BadFirstLoadStartsDegradedAndRecovers) {
  WriteFile(dir_.File("a.pem"), "-----BEGIN PRIVATE KEY-----\nMIGH");
  auto manager = Manager();
  EXPECT_FALSE(manager->HasUsableSigningKey());
  EXPECT_EQ(manager->reload_failures(), 1u);
  EXPECT_TRUE(
      absl::StrContains(manager->LastError().message(), dir_.File("a.pem")));
  EXPECT_EQ(manager->Snapshot()->jwks_json, "{\"keys\":[]}");

  auto key = NewKey();
  WriteFile(dir_.File("a.pem"), PrivatePem(*key));
  ASSERT_TRUE(manager->Reload().ok());
  // Nothing was ever published, so the first good keys sign at once.
  EXPECT_TRUE(manager->HasUsableSigningKey());
  EXPECT_EQ(SigningKid(*manager), Thumb(*key));
}

TEST_F(KeyManagerTest, PublicOnlyKeysVerifyButNeverSign) {
  WriteFile(dir_.File("a.pem"), PublicPem(*NewKey()));
  auto manager = Manager();
  EXPECT_TRUE(manager->LastError().ok());
  EXPECT_FALSE(manager->HasUsableSigningKey());
  EXPECT_EQ(manager->Snapshot()->verification_keys.size(), 1u);
}

TEST_F(KeyManagerTest, KidReusedForOtherMaterialIsRefused) {
  WriteFile(dir_.File("a.jwk"), PrivateJwkText(*NewKey(), "k1"));
  auto manager = Manager();
  WriteFile(dir_.File("a.jwk"), PrivateJwkText(*NewKey(), "k1"));
  absl::Status reload = manager->Reload();
  EXPECT_EQ(GetReason(reload), Reason::kKeySetInvalid);
  EXPECT_TRUE(absl::StrContains(reload.message(), "k1"));
  EXPECT_EQ(manager->reload_failures(), 1u);
}

TEST_F(KeyManagerTest, ActiveKidPinsTheSigner) {
  WriteFile(dir_.File("a.jwk"), PrivateJwkText(*NewKey(), "a"));
  WriteFile(dir_.File("b.jwk"), PrivateJwkText(*NewKey(), "b"));
  KeyManagerOptions options = Options();
  options.active_kid = "a";
  auto manager = Manager(options);
  EXPECT_EQ(SigningKid(*manager), "a");
  EXPECT_EQ(StatusOf(*manager, "b"), KeyStatus::kRetired);

  // Without a pin, the greatest kid wins among equally new files.
  auto unpinned = Manager();
  EXPECT_EQ(SigningKid(*unpinned), "b");

  // A new key under the pin is published but never signs.
  WriteFile(dir_.File("c.jwk"), PrivateJwkText(*NewKey(), "c"));
  ASSERT_TRUE(manager->Reload().ok());
  clock_.Advance(absl::Minutes(10));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), "a");
  EXPECT_EQ(StatusOf(*manager, "c"), KeyStatus::kRetired);
}

TEST_F(KeyManagerTest, ListenerSeesEveryChangeAndNoOpReloadsAreSilent) {
  WriteFile(dir_.File("a.pem"), PrivatePem(*NewKey()));
  auto manager = Manager();
  std::vector<uint64_t> generations;
  std::vector<std::string> signers;
  manager->SetListener([&](const KeyState& state) {
    generations.push_back(state.generation);
    signers.push_back(state.signing_key ? state.signing_key->kid() : "");
  });
  ASSERT_TRUE(manager->Reload().ok());
  manager->Tick();
  EXPECT_TRUE(generations.empty());

  auto next = NewKey();
  clock_.Advance(absl::Seconds(1));  // newer than a.pem, as in production
  WriteFile(dir_.File("b.pem"), PrivatePem(*next));
  ASSERT_TRUE(manager->Reload().ok());
  ASSERT_EQ(generations.size(), 1u);
  clock_.Advance(absl::Minutes(5));
  manager->Tick();
  ASSERT_EQ(generations.size(), 2u);
  EXPECT_LT(generations[0], generations[1]);
  EXPECT_EQ(signers[1], Thumb(*next));
}

TEST_F(KeyManagerTest, PublishMarginExtendsThePendingTime) {
  WriteFile(dir_.File("a.pem"), PrivatePem(*NewKey()));
  KeyManagerOptions options = Options();
  options.publish_margin = absl::Seconds(30);
  auto manager = Manager(options);
  auto next = NewKey();
  clock_.Advance(absl::Seconds(1));  // newer than a.pem, as in production
  WriteFile(dir_.File("b.pem"), PrivatePem(*next));
  ASSERT_TRUE(manager->Reload().ok());
  clock_.Advance(absl::Minutes(5));
  manager->Tick();
  EXPECT_EQ(StatusOf(*manager, Thumb(*next)), KeyStatus::kPending);
  clock_.Advance(absl::Seconds(30));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), Thumb(*next));
}

TEST_F(KeyManagerTest, HmacTenantSignsButPublishesNothing) {
  WriteFile(dir_.File("h.jwk"),
            "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"h\",\"k\":"
            "\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0"
            "iPS4hcgUuTwjAzZr1Z9CAow\"}");
  auto manager = Manager();
  EXPECT_TRUE(manager->HasUsableSigningKey());
  EXPECT_EQ(manager->Snapshot()->jwks_json, "{\"keys\":[]}");
  EXPECT_TRUE(Verify(*manager, Issue(*manager)).ok());
}

TEST_F(KeyManagerTest, OptionsAreValidated) {
  KeyManagerOptions options = Options();
  options.rotation_period = absl::Hours(24);
  auto with_source =
      KeyManager::Create(options, DirectoryKeySource(dir_.path(), {}), clock_);
  EXPECT_EQ(GetReason(with_source.status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(with_source.status()), "rotation_period");

  options = Options();
  options.max_token_ttl = absl::ZeroDuration();
  EXPECT_EQ(GetField(KeyManager::CreateGenerated(options, clock_).status()),
            "max_token_ttl");
  EXPECT_EQ(GetReason(KeyManager::Create(Options(), nullptr, clock_).status()),
            Reason::kInvalidArgument);
}

TEST_F(KeyManagerTest, GeneratedKeysRotateOnTheirPeriod) {
  KeyManagerOptions options = Options();
  options.alg = Algorithm::kEdDSA;
  options.rotation_period = absl::Hours(24);
  auto created = KeyManager::CreateGenerated(options, clock_);
  ASSERT_TRUE(created.ok()) << created.status();
  auto& manager = *created;
  EXPECT_EQ(GetReason(manager->Reload()), Reason::kInvalidArgument);
  const std::string first = SigningKid(*manager);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(manager->Snapshot()->signing_key->alg(), Algorithm::kEdDSA);
  const std::string first_token = Issue(*manager);

  // The successor is generated max-age before the period ends.
  const absl::Time successor_at = kStart + absl::Hours(24) - absl::Minutes(5);
  EXPECT_EQ(manager->NextTransition(), successor_at);
  clock_.Set(successor_at - absl::Seconds(1));
  manager->Tick();
  EXPECT_EQ(manager->Snapshot()->keys.size(), 1u);
  clock_.Set(successor_at);
  manager->Tick();
  auto state = manager->Snapshot();
  ASSERT_EQ(state->keys.size(), 2u);
  std::string second;
  for (const ManagedKey& key : state->keys) {
    if (key.key->kid() != first) second = key.key->kid();
  }
  EXPECT_EQ(StatusOf(*manager, second), KeyStatus::kPending);
  EXPECT_TRUE(InJwks(*manager, second));
  EXPECT_EQ(SigningKid(*manager), first);

  // It takes over exactly when the period ends.
  EXPECT_EQ(manager->NextTransition(), kStart + absl::Hours(24));
  clock_.Set(kStart + absl::Hours(24));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), second);
  EXPECT_EQ(StatusOf(*manager, first), KeyStatus::kRetired);

  // The first key verifies until its last token expired, then goes.
  clock_.Set(kStart + absl::Hours(25) + absl::Seconds(59));
  manager->Tick();
  EXPECT_NE(manager->Snapshot()->Find(first), nullptr);
  clock_.Set(kStart + absl::Hours(25) + absl::Seconds(60));
  manager->Tick();
  EXPECT_EQ(manager->Snapshot()->Find(first), nullptr);
  EXPECT_EQ(GetReason(Verify(*manager, first_token)), Reason::kUnknownKid);
}

TEST_F(KeyManagerTest, GeneratedHmacKeysGetKids) {
  KeyManagerOptions options = Options();
  options.alg = Algorithm::kHS512;
  auto created = KeyManager::CreateGenerated(options, clock_);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE((*created)->HasUsableSigningKey());
  EXPECT_FALSE(SigningKid(**created).empty());
  EXPECT_EQ((*created)->NextTransition(), absl::InfiniteFuture());
}

}  // namespace
}  // namespace tokend
