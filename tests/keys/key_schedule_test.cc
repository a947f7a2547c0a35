// Key schedules carried by the key files (core/keys/key_schedule.h) and what
// KeyManager computes from them: every manager that loads the same files at
// the same clock agrees on the signer, whenever it started.
#include "core/keys/key_schedule.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/clock.h"
#include "core/jose/jwt.h"
#include "core/keys/key_manager.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/keys/key_test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::NewKey;
using ::tokend::testing::PrivatePem;
using ::tokend::testing::TempDir;
using ::tokend::testing::Thumb;
using ::tokend::testing::WriteFile;

const absl::Time kStart = absl::FromUnixSeconds(1790000000);
const absl::Duration kDelay = absl::Minutes(5) + absl::Seconds(30);
const absl::Duration kTokenLife = absl::Hours(1) + absl::Seconds(60);

std::string ScheduledJwk(const Key& key, absl::Time activate,
                         absl::Time retire) {
  absl::StatusOr<json::Object> jwk = PrivateJwk(key);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  KeySchedule schedule;
  schedule.activate_at = activate;
  schedule.retire_at = retire;
  SetScheduleMembers(schedule, &*jwk);
  return json::Serialize(*jwk);
}

class KeyScheduleTest : public ::testing::Test {
 protected:
  std::unique_ptr<KeyManager> Manager() {
    KeyManagerOptions options;
    options.alg = Algorithm::kES256;
    options.jwks_max_age = absl::Minutes(5);
    options.publish_margin = absl::Seconds(30);
    options.max_token_ttl = absl::Hours(1);
    options.leeway = absl::Seconds(60);
    KeySourceOptions source_options;
    source_options.alg = Algorithm::kES256;
    auto manager = KeyManager::Create(
        options, DirectoryKeySource(dir_.path(), source_options), clock_);
    EXPECT_TRUE(manager.ok()) << manager.status();
    return *std::move(manager);
  }
  static std::string SigningKid(const KeyManager& manager) {
    auto state = manager.Snapshot();
    return state->signing_key ? state->signing_key->kid() : "";
  }
  static bool Verifies(const KeyManager& manager, const std::string& kid) {
    return manager.Snapshot()->verification_keys.FindByKid(kid) != nullptr;
  }
  static bool Published(const KeyManager& manager, const std::string& kid) {
    return absl::StrContains(manager.Snapshot()->jwks_json,
                             "\"kid\":\"" + kid + "\"");
  }
  // What `tokenctl rotate` writes: the new key activating after the publish
  // delay, the old one retiring at that same instant.
  absl::Time Rotate(const Key& old_key, const Key& new_key) {
    const absl::Time at = clock_.Now() + kDelay;
    WriteFile(dir_.File("old.jwk"),
              ScheduledJwk(old_key, absl::InfinitePast(), at));
    WriteFile(dir_.File("new.jwk"),
              ScheduledJwk(new_key, at, absl::InfiniteFuture()));
    return at;
  }

  TempDir dir_;
  FakeClock clock_{kStart};
};

TEST(KeyScheduleParseTest, ReadsAndWritesTheMembers) {
  json::Object jwk;
  KeySchedule in;
  in.activate_at = absl::FromUnixSeconds(1800000000);
  in.retire_at = absl::FromUnixSeconds(1800000600);
  SetScheduleMembers(in, &jwk);
  EXPECT_EQ(json::Serialize(jwk),
            "{\"tokend_activate_at\":1800000000,"
            "\"tokend_retire_at\":1800000600}");
  absl::StatusOr<KeySchedule> out = ScheduleFromJwk(jwk);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->activate_at, in.activate_at);
  EXPECT_EQ(out->retire_at, in.retire_at);
  EXPECT_FALSE(ScheduleFromJwk(json::Object())->scheduled());
}

TEST(KeyScheduleParseTest, BadValuesNameTheMember) {
  for (const json::Value& bad :
       {json::Value("1800000000"), json::Value(1.5), json::Value(0),
        json::Value(int64_t{253402300800})}) {
    json::Object jwk;
    jwk.Set("tokend_retire_at", bad);
    absl::StatusOr<KeySchedule> out = ScheduleFromJwk(jwk, "keys[0].");
    ASSERT_FALSE(out.ok()) << json::Serialize(bad);
    EXPECT_EQ(GetReason(out.status()), Reason::kKeyInvalid);
    EXPECT_EQ(GetField(out.status()), "keys[0].tokend_retire_at");
  }
  json::Object backwards;
  backwards.Set("tokend_activate_at", json::Value(int64_t{1800000600}));
  backwards.Set("tokend_retire_at", json::Value(int64_t{1800000000}));
  EXPECT_EQ(GetField(ScheduleFromJwk(backwards).status()), "tokend_retire_at");
}

// Rotation by schedule: the new key is published (pending) until its
// activation, then signs without any file event; the old one verifies until
// its tokens expired, then leaves the set although its file stays.
TEST_F(KeyScheduleTest, PendingKeySignsAtActivationByTheClockAlone) {
  auto old_key = NewKey();
  auto new_key = NewKey();
  WriteFile(dir_.File("old.jwk"), ScheduledJwk(*old_key, absl::InfinitePast(),
                                               absl::InfiniteFuture()));
  auto manager = Manager();
  ASSERT_EQ(SigningKid(*manager), Thumb(*old_key));

  const absl::Time at = Rotate(*old_key, *new_key);
  ASSERT_TRUE(manager->Reload().ok());
  EXPECT_EQ(SigningKid(*manager), Thumb(*old_key));
  EXPECT_TRUE(Published(*manager, Thumb(*new_key)));
  EXPECT_EQ(manager->Snapshot()->Find(Thumb(*new_key))->status,
            KeyStatus::kPending);
  EXPECT_EQ(manager->NextTransition(), at);

  clock_.Set(at - absl::Seconds(1));
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), Thumb(*old_key));
  clock_.Set(at);
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), Thumb(*new_key));
  EXPECT_TRUE(Verifies(*manager, Thumb(*old_key)));
  EXPECT_TRUE(Published(*manager, Thumb(*old_key)));
  EXPECT_EQ(manager->NextTransition(), at + kTokenLife);

  clock_.Set(at + kTokenLife);
  manager->Tick();
  EXPECT_FALSE(Verifies(*manager, Thumb(*old_key)));
  EXPECT_FALSE(Published(*manager, Thumb(*old_key)));
  EXPECT_EQ(SigningKid(*manager), Thumb(*new_key));
  // Reloading the same files does not bring the expired key back.
  ASSERT_TRUE(manager->Reload().ok());
  EXPECT_FALSE(Verifies(*manager, Thumb(*old_key)));
  EXPECT_EQ(manager->unsafe_removals(), 0u);
}

// A manager started at any point of the rotation computes what a manager
// that ran through it computes: this is what a restarted replica does.
TEST_F(KeyScheduleTest, RestartAtEveryStageAgreesWithTheRunningManager) {
  auto old_key = NewKey();
  auto new_key = NewKey();
  WriteFile(dir_.File("old.jwk"), ScheduledJwk(*old_key, absl::InfinitePast(),
                                               absl::InfiniteFuture()));
  auto running = Manager();
  const absl::Time at = Rotate(*old_key, *new_key);
  ASSERT_TRUE(running->Reload().ok());
  for (absl::Duration offset :
       {absl::ZeroDuration(), kDelay - absl::Seconds(1), kDelay,
        kDelay + absl::Minutes(30), kDelay + kTokenLife - absl::Seconds(1),
        kDelay + kTokenLife}) {
    clock_.Set(kStart + offset);
    running->Tick();
    auto restarted = Manager();
    SCOPED_TRACE(absl::FormatDuration(offset));
    EXPECT_EQ(SigningKid(*restarted), SigningKid(*running));
    EXPECT_EQ(SigningKid(*running),
              clock_.Now() < at ? Thumb(*old_key) : Thumb(*new_key));
    EXPECT_EQ(restarted->Snapshot()->jwks_json, running->Snapshot()->jwks_json);
    EXPECT_EQ(Verifies(*restarted, Thumb(*old_key)),
              clock_.Now() < at + kTokenLife);
    EXPECT_TRUE(Verifies(*restarted, Thumb(*new_key)));
  }
}

TEST_F(KeyScheduleTest, RetiredKeyWithoutSuccessorStopsSigning) {
  auto key = NewKey();
  WriteFile(dir_.File("only.jwk"),
            ScheduledJwk(*key, absl::InfinitePast(), kStart + absl::Hours(1)));
  auto manager = Manager();
  EXPECT_TRUE(manager->HasUsableSigningKey());
  clock_.Set(kStart + absl::Hours(1));
  manager->Tick();
  EXPECT_FALSE(manager->HasUsableSigningKey());
  EXPECT_TRUE(Verifies(*manager, Thumb(*key)));
}

// A one-step swap of a signing key that has no recorded retirement is
// detected and named; this process keeps verifying the dropped key.
TEST_F(KeyScheduleTest, OneStepSwapIsAnUnsafeRemovalAndKeepsVerifying) {
  auto old_key = NewKey();
  auto new_key = NewKey();
  WriteFile(dir_.File("key.pem"), PrivatePem(*old_key));
  auto manager = Manager();
  clock_.Advance(absl::Seconds(1));
  std::filesystem::remove(dir_.File("key.pem"));
  WriteFile(dir_.File("new.pem"), PrivatePem(*new_key));
  ASSERT_TRUE(manager->Reload().ok());
  EXPECT_EQ(manager->unsafe_removals(), 1u);
  const std::vector<std::string> warnings = manager->TakeWarnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(absl::StrContains(warnings[0], dir_.File("key.pem")));
  EXPECT_TRUE(absl::StrContains(warnings[0], Thumb(*old_key)));
  EXPECT_TRUE(manager->TakeWarnings().empty());
  // Still signing until the new key is published long enough, then
  // verifying until its tokens expired.
  EXPECT_EQ(SigningKid(*manager), Thumb(*old_key));
  clock_.Advance(kDelay);
  manager->Tick();
  EXPECT_EQ(SigningKid(*manager), Thumb(*new_key));
  EXPECT_TRUE(Verifies(*manager, Thumb(*old_key)));
}

TEST_F(KeyScheduleTest, RemovingAKeyAfterItsRetirementIsSafe) {
  auto old_key = NewKey();
  auto new_key = NewKey();
  WriteFile(dir_.File("old.jwk"), ScheduledJwk(*old_key, absl::InfinitePast(),
                                               absl::InfiniteFuture()));
  auto manager = Manager();
  const absl::Time at = Rotate(*old_key, *new_key);
  ASSERT_TRUE(manager->Reload().ok());
  clock_.Set(at + absl::Minutes(1));
  manager->Tick();
  std::filesystem::remove(dir_.File("old.jwk"));
  ASSERT_TRUE(manager->Reload().ok());
  EXPECT_EQ(manager->unsafe_removals(), 0u);
  EXPECT_TRUE(Verifies(*manager, Thumb(*old_key)));
}

TEST_F(KeyScheduleTest, BadScheduleIsRefusedNamingFileAndMemberKeepingState) {
  auto key = NewKey();
  WriteFile(dir_.File("a.jwk"),
            ScheduledJwk(*key, absl::InfinitePast(), absl::InfiniteFuture()));
  auto manager = Manager();
  const std::string before = manager->Snapshot()->jwks_json;
  absl::StatusOr<json::Object> jwk = PrivateJwk(*NewKey());
  ASSERT_TRUE(jwk.ok());
  jwk->Set("tokend_activate_at", json::Value("tomorrow"));
  WriteFile(dir_.File("b.jwk"), json::Serialize(*jwk));
  absl::Status status = manager->Reload();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), dir_.File("b.jwk")))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "tokend_activate_at"))
      << status;
  EXPECT_EQ(manager->Snapshot()->jwks_json, before);
  EXPECT_EQ(SigningKid(*manager), Thumb(*key));
  EXPECT_EQ(manager->reload_failures(), 1u);
}

}  // namespace
}  // namespace tokend
