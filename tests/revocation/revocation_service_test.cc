#include "core/revocation/revocation_service.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/reason.h"
#include "core/revocation/sqlite_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);
// The tests' clock: one second past the entries' default revoked_at, so a
// subject or tenant entry at kT0 is answered without waiting for its
// second to end.
const absl::Time kNow = kT0 + absl::Seconds(1);
constexpr absl::Duration kDeadline = absl::Seconds(10);

bool WaitFor(const std::function<bool()>& condition) {
  const absl::Time end = absl::Now() + kDeadline;
  while (!condition()) {
    if (absl::Now() >= end) return false;
    poll(nullptr, 0, 2);  // polling interval, not synchronisation
  }
  return true;
}

Revocation Entry(Revocation::Kind kind, std::string value,
                 absl::Time revoked_at = kT0,
                 absl::Time expires_at = kT0 + absl::Hours(1)) {
  return {kind, "demo", std::move(value), revoked_at, expires_at};
}

// An in-memory store whose reachability the test switches; Deliver plays
// another replica's entry through the Watch callback.
class FakeStore final : public RevocationStore {
 public:
  absl::Status Add(const Revocation& r) override {
    absl::MutexLock lock(&mu_);
    ++add_attempts_;
    if (!up_) return Error(Reason::kUnavailable, "fake store down");
    entries_.push_back(r);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Revocation>> LoadAll() override {
    absl::MutexLock lock(&mu_);
    ++loads_;
    if (!up_) return Error(Reason::kUnavailable, "fake store down");
    return entries_;
  }
  absl::Status Prune(absl::Time now) override {
    absl::MutexLock lock(&mu_);
    prunes_.push_back(now);
    if (!up_) return Error(Reason::kUnavailable, "fake store down");
    std::erase_if(entries_,
                  [now](const Revocation& r) { return r.expires_at <= now; });
    return absl::OkStatus();
  }
  void Watch(std::function<void(const Revocation&)> on_remote) override {
    absl::MutexLock lock(&mu_);
    on_remote_ = std::move(on_remote);
  }
  bool Healthy() const override {
    absl::MutexLock lock(&mu_);
    return up_;
  }

  void SetUp(bool up) {
    absl::MutexLock lock(&mu_);
    up_ = up;
  }
  // A restart without persistence: everything the store held is gone.
  void Wipe() {
    absl::MutexLock lock(&mu_);
    entries_.clear();
  }
  void Seed(const Revocation& r) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(r);
  }
  bool Deliver(const Revocation& r) {
    std::function<void(const Revocation&)> callback;
    {
      absl::MutexLock lock(&mu_);
      callback = on_remote_;
    }
    if (!callback) return false;
    callback(r);
    return true;
  }
  int add_attempts() const {
    absl::MutexLock lock(&mu_);
    return add_attempts_;
  }
  std::vector<Revocation> entries() const {
    absl::MutexLock lock(&mu_);
    return entries_;
  }
  std::vector<absl::Time> prunes() const {
    absl::MutexLock lock(&mu_);
    return prunes_;
  }
  bool watching() const {
    absl::MutexLock lock(&mu_);
    return static_cast<bool>(on_remote_);
  }

 private:
  mutable absl::Mutex mu_;
  bool up_ ABSL_GUARDED_BY(mu_) = true;
  int add_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  int loads_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Revocation> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> prunes_ ABSL_GUARDED_BY(mu_);
  std::function<void(const Revocation&)> on_remote_ ABSL_GUARDED_BY(mu_);
};

class Heard {
 public:
  RevocationService::Listener Listener() {
    return [this](const Revocation& r) {
      absl::MutexLock lock(&mu_);
      heard_.push_back(r);
    };
  }
  std::vector<Revocation> entries() const {
    absl::MutexLock lock(&mu_);
    return heard_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Revocation> heard_ ABSL_GUARDED_BY(mu_);
};

class RevocationServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<RevocationService> Make(bool fail_closed) {
    auto store = std::make_unique<FakeStore>();
    store_ = store.get();
    RevocationServiceOptions options;
    options.fail_closed = fail_closed;
    options.retry_interval = absl::Milliseconds(5);
    options.prune_interval = absl::Hours(1);
    return std::make_unique<RevocationService>(std::move(store), clock_,
                                               options);
  }

  FakeClock clock_{kNow};
  FakeStore* store_ = nullptr;  // owned by the service
};

TEST_F(RevocationServiceTest, StartLoadsTheWholeStoreThenWatches) {
  auto service = Make(false);
  store_->Seed(Entry(Revocation::Kind::kTokenId, "j1"));
  store_->Seed(Entry(Revocation::Kind::kSubject, "alice"));
  ASSERT_TRUE(service->Start().ok());
  EXPECT_TRUE(service->Healthy());
  EXPECT_TRUE(store_->watching());
  EXPECT_EQ(service->index().size(), 2u);
  auto checker = service->checker();
  EXPECT_TRUE(checker->IsRevoked("demo", "j1", "bob", kT0));
  EXPECT_TRUE(checker->IsRevoked("demo", "j9", "alice", kT0));
  EXPECT_FALSE(checker->IsRevoked("demo", "j9", "bob", kT0));
}

TEST_F(RevocationServiceTest, RevokeIsDurableThenIndexedThenHeard) {
  auto service = Make(false);
  Heard heard;
  service->AddListener(heard.Listener());
  ASSERT_TRUE(service->Start().ok());
  const Revocation entry = Entry(Revocation::Kind::kTokenId, "j1");
  ASSERT_TRUE(service->Revoke(entry).ok());
  EXPECT_THAT(store_->entries(), ElementsAre(entry));
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "j1", "", kT0));
  EXPECT_THAT(heard.entries(), ElementsAre(entry));
}

TEST_F(RevocationServiceTest, HelpersStampNowAndTheLongestTokenLifetime) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  const absl::Duration life = absl::Hours(24) + absl::Seconds(60);
  ASSERT_TRUE(service->RevokeTokenId("demo", "j1", life).ok());
  // The subject and tenant entries are answered once their second is over:
  // the clock moves on once the store holds them.
  std::thread revoking([&] {
    EXPECT_TRUE(service->RevokeSubject("demo", "alice", life).ok());
    EXPECT_TRUE(service->RevokeTenant("demo", life).ok());
  });
  EXPECT_TRUE(WaitFor([&] { return store_->entries().size() >= 2; }));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(WaitFor([&] { return store_->entries().size() >= 3; }));
  clock_.Advance(absl::Seconds(1));
  revoking.join();
  const absl::Time t1 = kNow + absl::Seconds(1);
  EXPECT_THAT(
      store_->entries(),
      ElementsAre(Entry(Revocation::Kind::kTokenId, "j1", kNow, kNow + life),
                  Entry(Revocation::Kind::kSubject, "alice", kNow, kNow + life),
                  Entry(Revocation::Kind::kTenant, "", t1, t1 + life)));
}

// Token times are whole seconds: a subject revoked at 0.3 s covers a token
// issued at 0.6 s (iat 0). The answer waits for the end of that second,
// after which what this replica issues is not covered.
TEST_F(RevocationServiceTest, SubjectRevocationIsAnsweredOnceItsSecondIsOver) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  clock_.Set(kNow + absl::Milliseconds(300));
  absl::Notification answered;
  absl::Status outcome;
  ASSERT_TRUE(service
                  ->RevokeAsync(Entry(Revocation::Kind::kSubject, "alice",
                                      clock_.Now(), kNow + absl::Hours(1)),
                                absl::InfiniteFuture(),
                                [&](absl::Status status) {
                                  outcome = status;
                                  answered.Notify();
                                })
                  .ok());
  // A token id entry is answered as soon as it is durable.
  ASSERT_TRUE(service->RevokeTokenId("demo", "j", absl::Hours(1)).ok());
  // Durable (the store took both, in order), but the second is not over.
  ASSERT_EQ(store_->entries().size(), 2u);
  EXPECT_FALSE(answered.HasBeenNotified());
  // A token issued now, or later in this second, carries iat kNow.
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "", "alice", kNow));
  EXPECT_EQ(service->checker()->RevokedThrough("demo", "alice"),
            kNow + absl::Milliseconds(300));

  clock_.Set(kNow + absl::Seconds(1));
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(kDeadline));
  EXPECT_TRUE(outcome.ok()) << outcome;
  EXPECT_FALSE(service->checker()->IsRevoked("demo", "", "alice",
                                             kNow + absl::Seconds(1)));
}

// The deadline still wins over the wait for the second to end.
TEST_F(RevocationServiceTest, DeadlineAnswersBeforeTheSecondIsOver) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  absl::Notification answered;
  absl::Status outcome;
  ASSERT_TRUE(service
                  ->RevokeAsync(Entry(Revocation::Kind::kTenant, "", kNow),
                                absl::Now() + absl::Milliseconds(50),
                                [&](absl::Status status) {
                                  outcome = status;
                                  answered.Notify();
                                })
                  .ok());
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(kDeadline));
  EXPECT_EQ(outcome.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(store_->entries(),
              ElementsAre(Entry(Revocation::Kind::kTenant, "", kNow)));
}

TEST_F(RevocationServiceTest, TimesAreKeptInWholeMillisecondsRoundedUp) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  const absl::Time odd = kT0 + absl::Microseconds(1500);
  ASSERT_TRUE(service
                  ->Revoke(Entry(Revocation::Kind::kSubject, "bob", odd,
                                 odd + absl::Hours(1)))
                  .ok());
  const absl::Time kept = kT0 + absl::Milliseconds(2);
  EXPECT_THAT(store_->entries(),
              ElementsAre(Entry(Revocation::Kind::kSubject, "bob", kept,
                                kept + absl::Hours(1))));
  EXPECT_EQ(service->checker()->RevokedThrough("demo", "bob"), kept);
}

TEST_F(RevocationServiceTest, RefusesEntriesThatCannotBeValid) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  Revocation no_tenant = Entry(Revocation::Kind::kTokenId, "j");
  no_tenant.tenant.clear();
  const Revocation cases[] = {
      no_tenant,
      Entry(Revocation::Kind::kTokenId, ""),
      Entry(Revocation::Kind::kSubject, ""),
      Entry(Revocation::Kind::kTenant, "x"),
      Entry(Revocation::Kind::kTokenId, "j", kT0, kT0),
  };
  for (const Revocation& r : cases) {
    absl::Status status = service->Revoke(r);
    EXPECT_EQ(GetReason(status), Reason::kInvalidArgument) << status;
    EXPECT_EQ(GetField(status), "revocation");
  }
  EXPECT_EQ(
      GetReason(service->RevokeSubject("demo", "a", absl::ZeroDuration())),
      Reason::kInvalidArgument);
  EXPECT_THAT(store_->entries(), IsEmpty());
  EXPECT_EQ(service->index().size(), 0u);
}

TEST_F(RevocationServiceTest, RemoteEntriesReachIndexAndListeners) {
  auto service = Make(false);
  Heard first, second;
  service->AddListener(first.Listener());
  service->AddListener(second.Listener());
  ASSERT_TRUE(service->Start().ok());
  const Revocation remote = Entry(Revocation::Kind::kSubject, "mallory");
  ASSERT_TRUE(store_->Deliver(remote));
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "", "mallory", kT0));
  EXPECT_THAT(first.entries(), ElementsAre(remote));
  EXPECT_THAT(second.entries(), ElementsAre(remote));
  EXPECT_THAT(store_->entries(), IsEmpty());  // not written back
}

TEST_F(RevocationServiceTest, FailClosedRefusesIssuingWhileTheStoreIsDown) {
  auto service = Make(true);
  ASSERT_TRUE(service->Start().ok());
  EXPECT_FALSE(service->RefuseIssuing());
  store_->SetUp(false);
  EXPECT_FALSE(service->Healthy());
  EXPECT_TRUE(service->RefuseIssuing());
  store_->SetUp(true);
  EXPECT_TRUE(service->Healthy());
  EXPECT_FALSE(service->RefuseIssuing());
}

TEST_F(RevocationServiceTest, FailOpenKeepsIssuingFromTheLocalView) {
  auto service = Make(false);
  store_->Seed(Entry(Revocation::Kind::kTokenId, "old"));
  ASSERT_TRUE(service->Start().ok());
  store_->SetUp(false);
  EXPECT_FALSE(service->Healthy());
  EXPECT_FALSE(service->RefuseIssuing());
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "old", "", kT0));
}

TEST_F(RevocationServiceTest, RevocationDuringAnOutageIsEnforcedAndConverges) {
  auto service = Make(true);
  Heard heard;
  service->AddListener(heard.Listener());
  ASSERT_TRUE(service->Start().ok());
  store_->SetUp(false);
  const Revocation entry = Entry(Revocation::Kind::kSubject, "alice");
  absl::Status status = service->Revoke(entry);
  EXPECT_EQ(GetReason(status), Reason::kUnavailable);
  // Not durable, but enforced here and heard at once.
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "", "alice", kT0));
  EXPECT_THAT(heard.entries(), ElementsAre(entry));
  EXPECT_EQ(service->pending(), 1u);
  EXPECT_TRUE(service->RefuseIssuing());

  store_->SetUp(true);
  ASSERT_TRUE(WaitFor([&] { return service->pending() == 0; }));
  EXPECT_THAT(store_->entries(), ElementsAre(entry));
  EXPECT_TRUE(service->Healthy());
  EXPECT_FALSE(service->RefuseIssuing());
}

TEST_F(RevocationServiceTest, StartWhileTheStoreIsDownLoadsWhenItReturns) {
  auto service = Make(true);
  store_->Seed(Entry(Revocation::Kind::kTenant, ""));
  store_->SetUp(false);
  absl::Status status = service->Start();
  EXPECT_EQ(GetReason(status), Reason::kUnavailable);
  EXPECT_FALSE(service->Healthy());
  EXPECT_TRUE(service->RefuseIssuing());
  EXPECT_FALSE(store_->watching());
  // A local revocation before the load survives it.
  const Revocation local = Entry(Revocation::Kind::kTokenId, "early");
  EXPECT_EQ(GetReason(service->Revoke(local)), Reason::kUnavailable);

  store_->SetUp(true);
  ASSERT_TRUE(WaitFor([&] { return service->Healthy(); }));
  EXPECT_TRUE(store_->watching());
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "any", "bob", kT0));
  EXPECT_TRUE(
      service->checker()->IsRevoked("demo", "early", "", kT0 + absl::Hours(1)));
  EXPECT_THAT(
      store_->entries(),
      UnorderedElementsAre(Entry(Revocation::Kind::kTenant, ""), local));
}

TEST_F(RevocationServiceTest, AStoreThatComesBackEmptyIsRefilledFromTheIndex) {
  auto service = Make(true);
  const Revocation remote = Entry(Revocation::Kind::kSubject, "bob");
  store_->Seed(remote);
  ASSERT_TRUE(service->Start().ok());
  const Revocation local = Entry(Revocation::Kind::kTokenId, "t-1");
  ASSERT_TRUE(service->Revoke(local).ok());
  const Revocation expired = Entry(Revocation::Kind::kTokenId, "old",
                                   kT0 - absl::Hours(2), kT0 - absl::Hours(1));
  ASSERT_TRUE(store_->Deliver(expired));

  // Redis restarted without persistence: the store is back, but empty.
  // A revocation during the outage is queued; two failed flushes of it
  // show that the maintenance thread has seen the store down.
  store_->SetUp(false);
  const Revocation during = Entry(Revocation::Kind::kTokenId, "t-2");
  EXPECT_EQ(GetReason(service->Revoke(during)), Reason::kUnavailable);
  const int attempts = store_->add_attempts();
  ASSERT_TRUE(WaitFor([&] { return store_->add_attempts() >= attempts + 2; }));
  store_->Wipe();
  store_->SetUp(true);

  // Every live entry is back in the store; the expired one is not.
  ASSERT_TRUE(WaitFor([&] { return store_->entries().size() == 3; }));
  EXPECT_THAT(store_->entries(), UnorderedElementsAre(remote, local, during));
  EXPECT_TRUE(service->Healthy());
}

// A store hands an entry out once: through LoadAll or through Watch, not
// both (the Redis store's contract). The write-back after an outage reads
// the whole store, so what it finds that this replica has not heard of
// must reach the index and the listeners there, or it never would.
TEST_F(RevocationServiceTest, EntriesTheWriteBackReadsReachTheIndex) {
  auto service = Make(true);
  Heard heard;
  service->AddListener(heard.Listener());
  ASSERT_TRUE(service->Start().ok());
  store_->SetUp(false);
  // Another replica's entry, in the store but never delivered here.
  const Revocation elsewhere = Entry(Revocation::Kind::kSubject, "erin");
  store_->Seed(elsewhere);
  // Two failed retries of a refused write: the store thread has seen the
  // outage.
  const Revocation during = Entry(Revocation::Kind::kTokenId, "t");
  EXPECT_EQ(GetReason(service->Revoke(during)), Reason::kUnavailable);
  const int attempts = store_->add_attempts();
  ASSERT_TRUE(WaitFor([&] { return store_->add_attempts() >= attempts + 2; }));
  store_->SetUp(true);
  ASSERT_TRUE(WaitFor(
      [&] { return service->checker()->IsRevoked("demo", "", "erin", kT0); }));
  EXPECT_THAT(heard.entries(), ElementsAre(during, elsewhere));
}

TEST_F(RevocationServiceTest, PruneDropsExpiredEntriesFromIndexAndStore) {
  auto service = Make(false);
  ASSERT_TRUE(service->Start().ok());
  ASSERT_TRUE(service->RevokeTokenId("demo", "short", absl::Minutes(1)).ok());
  ASSERT_TRUE(service->RevokeTokenId("demo", "long", absl::Hours(1)).ok());
  EXPECT_EQ(service->Prune(), 0u);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(service->Prune(), 1u);
  EXPECT_FALSE(service->checker()->IsRevoked("demo", "short", "", kT0));
  EXPECT_TRUE(service->checker()->IsRevoked("demo", "long", "", kT0));
  EXPECT_EQ(store_->entries().size(), 1u);
  EXPECT_EQ(store_->prunes().back(), kNow + absl::Minutes(1));
}

TEST_F(RevocationServiceTest, MaintenanceThreadPrunesOnItsTimer) {
  auto store = std::make_unique<FakeStore>();
  FakeStore* raw = store.get();
  RevocationServiceOptions options;
  options.prune_interval = absl::Milliseconds(5);
  RevocationService service(std::move(store), clock_, options);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(service.RevokeTokenId("demo", "j", absl::Minutes(1)).ok());
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(WaitFor([&] { return service.index().size() == 0; }));
  EXPECT_TRUE(WaitFor([&] { return raw->entries().empty(); }));
}

TEST_F(RevocationServiceTest, SqliteBackedRevocationSurvivesARestart) {
  char tmpl[] = "/tmp/tokend-service-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/revocations.db";
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    RevocationService service(std::move(*store), clock_);
    ASSERT_TRUE(service.Start().ok());
    ASSERT_TRUE(
        service.Revoke(Entry(Revocation::Kind::kSubject, "alice")).ok());
  }
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    RevocationService service(std::move(*store), clock_);
    ASSERT_TRUE(service.Start().ok());
    EXPECT_TRUE(service.Healthy());
    EXPECT_TRUE(service.checker()->IsRevoked("demo", "", "alice", kT0));
    EXPECT_FALSE(service.checker()->IsRevoked("demo", "", "bob", kT0));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove((path + suffix).c_str());
  }
  rmdir(tmpl);
}

TEST_F(RevocationServiceTest, CheckerRefusesIssuingOnlyWhileFailClosedAndDown) {
  auto closed = Make(true);
  FakeStore* closed_store = store_;
  ASSERT_TRUE(closed->Start().ok());
  auto open = Make(false);
  FakeStore* open_store = store_;
  ASSERT_TRUE(open->Start().ok());
  EXPECT_TRUE(closed->checker()->IssuingAllowed().ok());

  closed_store->SetUp(false);
  open_store->SetUp(false);
  const absl::Status refused = closed->checker()->IssuingAllowed();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetReason(refused), Reason::kUnavailable);
  EXPECT_TRUE(open->checker()->IssuingAllowed().ok());
  EXPECT_FALSE(open->Healthy());

  closed_store->SetUp(true);
  EXPECT_TRUE(closed->checker()->IssuingAllowed().ok());
}

TEST_F(RevocationServiceTest, StopDrainsWhatTheStoreTakesAndReportsTheRest) {
  auto service = Make(true);
  ASSERT_TRUE(service->Start().ok());
  store_->SetUp(false);
  const Revocation kept = Entry(Revocation::Kind::kTokenId, "kept");
  EXPECT_EQ(GetReason(service->Revoke(kept)), Reason::kUnavailable);
  EXPECT_EQ(service->pending(), 1u);
  // The store stays down through the drain: the revocation is reported,
  // not dropped silently.
  EXPECT_THAT(service->Stop(absl::Now() + absl::Milliseconds(20)),
              ElementsAre(kept));
  EXPECT_EQ(service->pending(), 0u);
  EXPECT_THAT(store_->entries(), IsEmpty());
  // Stopped: nothing more is taken, and a second Stop reports nothing.
  EXPECT_EQ(GetReason(service->Revoke(Entry(Revocation::Kind::kTokenId, "x"))),
            Reason::kUnavailable);
  EXPECT_THAT(service->Stop(absl::Now()), IsEmpty());
}

TEST_F(RevocationServiceTest, StopWritesTheQueueWhenTheStoreComesBack) {
  auto service = Make(true);
  ASSERT_TRUE(service->Start().ok());
  store_->SetUp(false);
  const Revocation late = Entry(Revocation::Kind::kSubject, "late");
  EXPECT_EQ(GetReason(service->Revoke(late)), Reason::kUnavailable);
  store_->SetUp(true);
  EXPECT_THAT(service->Stop(absl::Now() + kDeadline), IsEmpty());
  EXPECT_THAT(store_->entries(), ElementsAre(late));
}

TEST_F(RevocationServiceTest, ObserversSeeEveryStoreWriteAndRemoteEntry) {
  auto store = std::make_unique<FakeStore>();
  FakeStore* raw = store.get();
  absl::Mutex mu;
  std::vector<bool> writes;
  std::vector<Revocation> remote;
  RevocationServiceOptions options;
  options.retry_interval = absl::Milliseconds(5);
  options.on_store_write = [&](absl::Duration latency, bool ok) {
    EXPECT_GE(latency, absl::ZeroDuration());
    absl::MutexLock lock(&mu);
    writes.push_back(ok);
  };
  options.on_remote = [&](const Revocation& r) {
    absl::MutexLock lock(&mu);
    remote.push_back(r);
  };
  RevocationService service(std::move(store), clock_, options);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(service.Revoke(Entry(Revocation::Kind::kTokenId, "a")).ok());
  raw->SetUp(false);
  EXPECT_FALSE(service.Revoke(Entry(Revocation::Kind::kTokenId, "b")).ok());
  raw->SetUp(true);
  ASSERT_TRUE(WaitFor([&] { return service.pending() == 0; }));
  const Revocation other = Entry(Revocation::Kind::kSubject, "carol");
  ASSERT_TRUE(raw->Deliver(other));
  absl::MutexLock lock(&mu);
  ASSERT_GE(writes.size(), 3u);
  EXPECT_TRUE(writes.front());
  EXPECT_FALSE(writes[1]);
  EXPECT_TRUE(writes.back());
  EXPECT_THAT(remote, ElementsAre(other));
}

}  // namespace
}  // namespace tokend
