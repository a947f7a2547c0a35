// Replicas (RevocationService over RedisStore) sharing a real
// redis-server that loses its data while they run: FLUSHALL, or a restart
// without persistence. The running replicas notice at once and write back
// what they hold; a replica that starts right after the loss waits for
// that refill rather than serving an empty set.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/revocation_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"

namespace tokend {
namespace {

using ::tokend::testing::RedisCommand;
using ::tokend::testing::RedisServer;
using ::tokend::testing::WaitUntil;

constexpr absl::Duration kDeadline = absl::Seconds(20);

// One replica: a RevocationService over its own RedisStore.
std::unique_ptr<RevocationService> StartReplica(const std::string& url) {
  RedisStoreOptions options;
  options.resync_interval = absl::Seconds(1);
  auto store = RedisStore::Open(url, options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  RevocationServiceOptions service_options;
  // Far beyond the tests: only the loss detection can refill in time.
  service_options.prune_interval = absl::Hours(1);
  service_options.refill_wait = absl::Seconds(2);
  auto replica = std::make_unique<RevocationService>(
      *std::move(store), RealClock::Get(), service_options);
  const absl::Status started = replica->Start();
  EXPECT_TRUE(started.ok()) << started;
  return replica;
}

// Token ids revoked on `replica`.
std::vector<std::string> RevokeSome(RevocationService& replica, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(absl::StrCat("jti-", i));
    EXPECT_TRUE(replica.RevokeTokenId("demo", ids.back(), absl::Hours(1)).ok());
  }
  return ids;
}

int RevokedCount(const RevocationService& replica,
                 const std::vector<std::string>& ids) {
  int n = 0;
  for (const std::string& id : ids) {
    n += replica.checker()->IsRevoked("demo", id, "", absl::Now());
  }
  return n;
}

size_t StoredCount(const std::string& url) {
  auto store = RedisStore::Open(url);
  if (!store.ok()) return 0;
  auto all = (*store)->LoadAll();
  return all.ok() ? all->size() : 0;
}

class RedisReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisReplicasTest, FlushallIsRefilledAtOnceAndANewReplicaWaitsForIt) {
  auto a = StartReplica(server_->Url());
  ASSERT_NE(a, nullptr);
  const std::vector<std::string> ids = RevokeSome(*a, 10);
  ASSERT_EQ(StoredCount(server_->Url()), 10u);

  ASSERT_TRUE(RedisCommand(server_->port(), {"FLUSHALL"}).ok());
  // A replica that starts right away refuses every revoked token as soon
  // as it has started.
  auto c = StartReplica(server_->Url());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(RevokedCount(*c, ids), 10);
  // The running replica wrote them back long before its prune round.
  EXPECT_TRUE(
      WaitUntil([&] { return StoredCount(server_->Url()) == 10; }, kDeadline));
}

TEST_F(RedisReplicasTest, RestartWithoutPersistenceIsRefilledBeforeANewStart) {
  auto a = StartReplica(server_->Url());
  ASSERT_NE(a, nullptr);
  const std::vector<std::string> ids = RevokeSome(*a, 10);

  ASSERT_TRUE(server_->Restart().ok());
  auto c = StartReplica(server_->Url());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(RevokedCount(*c, ids), 10);
  EXPECT_TRUE(
      WaitUntil([&] { return StoredCount(server_->Url()) == 10; }, kDeadline));
}

// Nobody is left to refill: a new deployment, or every replica restarted
// after the loss. The first replica takes the store as it is, after its
// wait, and the next ones start without waiting.
TEST_F(RedisReplicasTest, FirstReplicaOnAnEmptyStoreMarksItAfterItsWait) {
  const auto integrity = [&] {
    auto probe = RedisStore::Open(server_->Url());
    EXPECT_TRUE(probe.ok());
    auto read = (*probe)->CheckIntegrity();
    EXPECT_TRUE(read.ok()) << read.status();
    return read.value_or(RevocationStore::Integrity{});
  };
  EXPECT_FALSE(integrity().intact);
  auto first = StartReplica(server_->Url());
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return first->Healthy(); }, kDeadline));
  const RevocationStore::Integrity marked = integrity();
  EXPECT_TRUE(marked.intact);
  // Taken as found: settled at once, so the next replica does not wait.
  // The marker keeps whole milliseconds, rounded up (a replica reading it
  // must never settle early), so it may read up to 1 ms past the moment
  // it was written.
  EXPECT_LE(marked.settled_at, absl::Now() + absl::Milliseconds(1));
}

}  // namespace
}  // namespace tokend
