#include "core/keys/file_watcher.h"

#include <atomic>
#include <filesystem>
#include <string>

#include "core/keys/key_source.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/keys/key_test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::EventCounter;
using ::tokend::testing::NewKey;
using ::tokend::testing::PrivatePem;
using ::tokend::testing::ReplaceFile;
using ::tokend::testing::SecretDir;
using ::tokend::testing::TempDir;
using ::tokend::testing::Thumb;
using ::tokend::testing::WriteFile;

FileWatcherOptions Fast(bool polling) {
  FileWatcherOptions options;
  options.debounce = absl::Milliseconds(20);
  options.poll_interval = absl::Milliseconds(20);
  options.force_polling = polling;
  return options;
}

class FileWatcherTest : public ::testing::TestWithParam<bool> {};

TEST_P(FileWatcherTest, NewFileIsReported) {
  TempDir dir;
  EventCounter changes;
  auto watcher = FileWatcher::Start(dir.path(), Fast(GetParam()),
                                    [&] { changes.Increment(); });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  EXPECT_EQ((*watcher)->polling(), GetParam());
  WriteFile(dir.File("a.pem"), "x");
  ASSERT_TRUE(changes.WaitFor(1));
}

TEST_P(FileWatcherTest, RenameReplaceIsReported) {
  TempDir dir;
  WriteFile(dir.File("a.pem"), "old");
  EventCounter changes;
  auto watcher = FileWatcher::Start(dir.path(), Fast(GetParam()),
                                    [&] { changes.Increment(); });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  ReplaceFile(dir.File("a.pem"), "new content");
  ASSERT_TRUE(changes.WaitFor(1));
}

TEST_P(FileWatcherTest, SecretDataSymlinkSwapReloadsTheNewKey) {
  TempDir dir;
  SecretDir secret(dir.path());
  auto first = NewKey();
  auto second = NewKey();
  secret.Publish({{"key.pem", PrivatePem(*first)}});
  KeySourceOptions options;
  options.alg = Algorithm::kES256;

  EventCounter changes;
  std::atomic<bool> saw_second{false};
  auto watcher = FileWatcher::Start(dir.path(), Fast(GetParam()), [&] {
    absl::StatusOr<KeySet> set = LoadKeyDirectory(dir.path(), options);
    if (set.ok() && set->FindByKid(Thumb(*second)) != nullptr) {
      saw_second = true;
    }
    changes.Increment();
  });
  ASSERT_TRUE(watcher.ok()) << watcher.status();

  secret.Publish({{"key.pem", PrivatePem(*second)}});
  // Wait for the callback that saw the new key (a debounced burst may need
  // more than one round on a slow machine).
  for (int i = 1; i <= 20 && !saw_second; ++i) ASSERT_TRUE(changes.WaitFor(i));
  EXPECT_TRUE(saw_second);
}

TEST_P(FileWatcherTest, StopJoinsAndIsIdempotent) {
  TempDir dir;
  EventCounter changes;
  auto watcher = FileWatcher::Start(dir.path(), Fast(GetParam()),
                                    [&] { changes.Increment(); });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  (*watcher)->Stop();
  (*watcher)->Stop();
  const uint64_t after_stop = (*watcher)->changes();
  WriteFile(dir.File("a.pem"), "x");
  EXPECT_EQ((*watcher)->changes(), after_stop);
}

TEST_P(FileWatcherTest, EndlessBurstStillCallsBackAfterMaxDelay) {
  TempDir dir;
  FileWatcherOptions options = Fast(GetParam());
  options.debounce = absl::Minutes(10);  // never quiet that long
  options.max_delay = absl::Milliseconds(50);
  EventCounter changes;
  auto watcher =
      FileWatcher::Start(dir.path(), options, [&] { changes.Increment(); });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  for (int i = 0; changes.count() == 0 && absl::Now() < give_up; ++i) {
    WriteFile(dir.File("busy.pem"), std::to_string(i));
  }
  EXPECT_GE(changes.count(), 1);
}

INSTANTIATE_TEST_SUITE_P(InotifyAndPolling, FileWatcherTest,
                         ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Polling" : "Inotify";
                         });

TEST(FileWatcherStartTest, RefusesAMissingDirectory) {
  TempDir dir;
  auto watcher = FileWatcher::Start(dir.File("absent"), {}, [] {});
  EXPECT_EQ(GetReason(watcher.status()), Reason::kInvalidArgument);
}

TEST(FileWatcherStartTest, DeletedDirectoryFallsBackToPolling) {
  TempDir dir;
  const std::string watched = dir.File("keys");
  std::filesystem::create_directory(watched);
  EventCounter changes;
  auto watcher =
      FileWatcher::Start(watched, Fast(false), [&] { changes.Increment(); });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  std::filesystem::remove_all(watched);
  ASSERT_TRUE(changes.WaitFor(1));
  // Re-created: inotify is re-armed and a reload is requested.
  std::filesystem::create_directory(watched);
  ASSERT_TRUE(changes.WaitFor(2));
  WriteFile(watched + "/a.pem", "x");
  ASSERT_TRUE(changes.WaitFor(3));
}

}  // namespace
}  // namespace tokend
