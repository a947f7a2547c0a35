// A stalled store must not hold the thread that revokes: RevokeAsync hands
// the write to the service's store thread and returns at once, the outcome
// arrives when the store answers, and a deadline fires when it does not.
// The stalls are real: a SQLite file whose write lock another connection
// holds, and a redis-server stopped with SIGSTOP (connections stay open,
// nothing answers).
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/reason.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/revocation_service.h"
#include "core/revocation/sqlite_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"

namespace tokend {
namespace {

using ::testing::UnorderedElementsAreArray;
using ::tokend::testing::RedisServer;
using ::tokend::testing::WaitUntil;

constexpr absl::Duration kDeadline = absl::Seconds(10);

// Whole milliseconds: what the stores keep.
Revocation TokenEntry(std::string id) {
  const absl::Time now = absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
  return {Revocation::Kind::kTokenId, "demo", std::move(id), now,
          now + absl::Hours(1)};
}

// One revocation's outcome, as the completion thread reports it.
class Outcome {
 public:
  RevocationService::Done Callback() {
    return [this](absl::Status status) {
      {
        absl::MutexLock lock(&mu_);
        status_ = std::move(status);
      }
      done_.Notify();
    };
  }
  bool done() const { return done_.HasBeenNotified(); }
  bool Wait() { return done_.WaitForNotificationWithTimeout(kDeadline); }
  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Notification done_;
};

// With the store stalled: a revocation with a short deadline and one
// without are made. Each RevokeAsync returns while the store is still
// stalled and before the deadline (the caller's thread did not wait for
// the store), and both are enforced at once; the deadline fires while the
// store is stalled, the other keeps waiting. Then `resume` ends the stall:
// the outcome arrives. Returns the two entries, which must be durable.
std::vector<Revocation> RevokeThroughAStall(
    RevocationService& service, const std::function<void()>& resume) {
  const Revocation a = TokenEntry("a");
  const Revocation b = TokenEntry("b");
  Outcome with_deadline, without;
  EXPECT_TRUE(service
                  .RevokeAsync(a, absl::Now() + absl::Milliseconds(300),
                               with_deadline.Callback())
                  .ok());
  EXPECT_FALSE(with_deadline.done());
  EXPECT_TRUE(
      service.RevokeAsync(b, absl::InfiniteFuture(), without.Callback()).ok());
  EXPECT_FALSE(without.done());
  EXPECT_TRUE(service.checker()->IsRevoked("demo", "a", "", a.revoked_at));
  EXPECT_TRUE(service.checker()->IsRevoked("demo", "b", "", b.revoked_at));
  EXPECT_EQ(service.pending(), 2u);

  EXPECT_TRUE(with_deadline.Wait());
  EXPECT_EQ(with_deadline.status().code(), absl::StatusCode::kDeadlineExceeded)
      << with_deadline.status();
  EXPECT_EQ(GetReason(with_deadline.status()), Reason::kUnavailable);
  EXPECT_FALSE(without.done());

  resume();
  EXPECT_TRUE(without.Wait());
  EXPECT_TRUE(without.status().ok()) << without.status();
  // The one whose caller stopped waiting is written too.
  EXPECT_TRUE(WaitUntil([&] { return service.pending() == 0; }, kDeadline));
  EXPECT_TRUE(service.Healthy());
  return {a, b};
}

TEST(RevocationStallTest, LockedSqliteFileHoldsNeitherTheCallerNorItsDeadline) {
  char tmpl[] = "/tmp/tokend-stall-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/revocations.db";
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  RevocationService service(*std::move(store), RealClock::Get());
  ASSERT_TRUE(service.Start().ok());

  // Another connection (another process would do the same) takes the
  // write lock and keeps it, well within the store's 5 s busy timeout.
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::vector<Revocation> written = RevokeThroughAStall(service, [&] {
    EXPECT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr),
              SQLITE_OK);
  });
  sqlite3_close(locker);
  auto reopened = SqliteStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_THAT(*(*reopened)->LoadAll(), UnorderedElementsAreArray(written));

  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove((path + suffix).c_str());
  }
  rmdir(tmpl);
}

TEST(RevocationStallTest, StoppedRedisHoldsNeitherTheCallerNorItsDeadline) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  RedisStoreOptions options;
  // Longer than the stall below, so the stalled write is answered by Redis
  // itself rather than by the client's timeout.
  options.command_timeout = absl::Seconds(30);
  auto store = RedisStore::Open((*server)->Url(), options);
  ASSERT_TRUE(store.ok()) << store.status();
  RevocationServiceOptions service_options;
  service_options.refill_wait = absl::Milliseconds(100);  // a new Redis
  RevocationService service(*std::move(store), RealClock::Get(),
                            service_options);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return service.Healthy(); }, kDeadline));

  (*server)->Pause();
  const std::vector<Revocation> written =
      RevokeThroughAStall(service, [&] { (*server)->Resume(); });
  auto fresh = RedisStore::Open((*server)->Url());
  ASSERT_TRUE(fresh.ok());
  auto stored = (*fresh)->LoadAll();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_THAT(*stored, UnorderedElementsAreArray(written));
}

}  // namespace
}  // namespace tokend
