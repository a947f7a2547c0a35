// The Redis store behind Redis Sentinel, against a real redis-sentinel and
// two real redis-servers (a master and its replica): the store finds the
// master through Sentinel, follows a failover (the master killed in the
// middle of revocations, or promoted away while it stays up), and nothing
// it acknowledged is lost: what the killed master took but had not
// replicated is written back by the tokend replicas that hold it, once
// they are connected to the new master.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/reason.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/revocation_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"

namespace tokend {
namespace {

using ::tokend::testing::RedisCommand;
using ::tokend::testing::RedisSentinel;
using ::tokend::testing::RedisServer;
using ::tokend::testing::WaitUntil;

constexpr absl::Duration kDeadline = absl::Seconds(30);
constexpr char kMaster[] = "tokend";

std::unique_ptr<RevocationService> StartReplica(const std::string& url) {
  RedisStoreOptions options;
  options.resync_interval = absl::Seconds(1);
  options.reconnect_max_backoff = absl::Milliseconds(200);
  auto store = RedisStore::Open(url, options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  RevocationServiceOptions service_options;
  service_options.prune_interval = absl::Hours(1);
  service_options.retry_interval = absl::Milliseconds(100);
  service_options.refill_wait = absl::Seconds(1);
  auto replica = std::make_unique<RevocationService>(
      *std::move(store), RealClock::Get(), service_options);
  const absl::Status started = replica->Start();
  EXPECT_TRUE(started.ok()) << started;
  return replica;
}

// The token ids in the store, read through Sentinel as a new replica
// would.
std::vector<std::string> Stored(const std::string& url) {
  std::vector<std::string> ids;
  auto store = RedisStore::Open(url);
  if (!store.ok()) return ids;
  auto all = (*store)->LoadAll();
  if (!all.ok()) return ids;
  for (const Revocation& r : *all) ids.push_back(r.value);
  return ids;
}

bool IsMaster(int port) {
  absl::StatusOr<std::string> role = RedisCommand(port, {"ROLE"});
  return role.ok() && absl::StartsWith(*role, "master");
}

class RedisSentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto master = RedisServer::Start();
    ASSERT_TRUE(master.ok()) << master.status();
    master_ = std::move(*master);
    auto replica = RedisServer::Start(
        absl::Seconds(10),
        {"--replicaof", "127.0.0.1", absl::StrCat(master_->port())});
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = std::move(*replica);
    auto sentinel = RedisSentinel::Start(master_->port(), kMaster);
    ASSERT_TRUE(sentinel.ok()) << sentinel.status();
    sentinel_ = std::move(*sentinel);
    // Sentinel can fail over only to a replica it has discovered, and one
    // that has synchronised has the data.
    ASSERT_TRUE(WaitUntil(
        [&] {
          return absl::StrContains(
              RedisCommand(replica_->port(), {"ROLE"}).value_or(""),
              " connected ");
        },
        kDeadline));
    ASSERT_TRUE(
        WaitUntil([&] { return sentinel_->ReplicasUp() == 1; }, kDeadline));
    ASSERT_EQ(sentinel_->MasterPort(), master_->port());
  }

  std::unique_ptr<RedisServer> master_;
  std::unique_ptr<RedisServer> replica_;
  std::unique_ptr<RedisSentinel> sentinel_;
};

TEST_F(RedisSentinelTest, MasterKilledInTheMiddleOfRevocationsLosesNothing) {
  auto a = StartReplica(sentinel_->Url());
  auto b = StartReplica(sentinel_->Url());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<std::string> ids, acknowledged;
  const auto revoke = [&](int i) {
    ids.push_back(absl::StrCat("jti-", i));
    const absl::Status status =
        a->RevokeTokenId("demo", ids.back(), absl::Hours(1));
    if (status.ok()) {
      acknowledged.push_back(ids.back());
    } else {
      EXPECT_EQ(GetReason(status), Reason::kUnavailable) << status;
    }
  };
  for (int i = 0; i < 40; ++i) revoke(i);
  EXPECT_EQ(acknowledged.size(), 40u);

  // The master dies with whatever it had not replicated yet; revocations
  // go on meanwhile (refused while there is no master: enforced, queued).
  master_->Kill();
  // Replication is asynchronous: the replica may lack the last writes the
  // master acknowledged. Make it so, for the last ten (the marker stays,
  // as it would).
  ASSERT_TRUE(RedisCommand(replica_->port(),
                           {"CONFIG", "SET", "replica-read-only", "no"})
                  .ok());
  for (int i = 30; i < 40; ++i) {
    const std::string member = absl::StrCat("1:4:demojti-", i);
    for (const char* key :
         {"tokend:revocations:revoked", "tokend:revocations:expires"}) {
      ASSERT_EQ(*RedisCommand(replica_->port(), {"ZREM", key, member}), "1");
    }
  }
  for (int i = 40; i < 60; ++i) revoke(i);
  ASSERT_TRUE(WaitUntil(
      [&] { return sentinel_->MasterPort() == replica_->port(); }, kDeadline));
  ASSERT_TRUE(WaitUntil([&] { return a->Healthy(); }, kDeadline));
  const size_t before = acknowledged.size();
  for (int i = 60; i < 80; ++i) revoke(i);
  EXPECT_EQ(acknowledged.size(), before + 20);  // on the new master
  ASSERT_TRUE(WaitUntil([&] { return a->pending() == 0; }, kDeadline));
  EXPECT_TRUE(IsMaster(replica_->port()));

  // Everything, acknowledged or queued, is on the new master, and every
  // replica refuses it, one that starts now included.
  EXPECT_TRUE(
      WaitUntil([&] { return Stored(sentinel_->Url()).size() == ids.size(); },
                kDeadline));
  EXPECT_THAT(Stored(sentinel_->Url()),
              ::testing::UnorderedElementsAreArray(ids));
  auto c = StartReplica(sentinel_->Url());
  ASSERT_NE(c, nullptr);
  for (const std::string& id : ids) {
    EXPECT_TRUE(c->checker()->IsRevoked("demo", id, "", absl::Now())) << id;
    EXPECT_TRUE(WaitUntil(
        [&] { return b->checker()->IsRevoked("demo", id, "", absl::Now()); },
        kDeadline))
        << id;
  }
}

// SENTINEL FAILOVER promotes the replica while the old master stays up:
// the store follows Sentinel's announcement and writes to the new master.
TEST_F(RedisSentinelTest, PromotionWhileTheOldMasterStaysUpIsFollowed) {
  auto a = StartReplica(sentinel_->Url());
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->RevokeTokenId("demo", "before", absl::Hours(1)).ok());
  ASSERT_TRUE(sentinel_->Failover().ok());
  ASSERT_TRUE(WaitUntil(
      [&] { return sentinel_->MasterPort() == replica_->port(); }, kDeadline));
  ASSERT_TRUE(WaitUntil([&] { return IsMaster(replica_->port()); }, kDeadline));
  const auto on_new_master = [&] {
    return RedisCommand(replica_->port(),
                        {"ZRANGE", "tokend:revocations:revoked", "0", "-1"})
        .value_or("");
  };
  // Revoked right at the switch, this may reach the old master, which
  // still takes writes until Sentinel demotes it (its next look at the old
  // master, about 10 s on): the store follows Sentinel's +switch-master
  // announcement well before, and writes back what the new master lacks.
  ASSERT_TRUE(WaitUntil(
      [&] { return a->RevokeTokenId("demo", "after", absl::Hours(1)).ok(); },
      kDeadline));
  EXPECT_TRUE(WaitUntil(
      [&] {
        return absl::StrContains(on_new_master(), "before") &&
               absl::StrContains(on_new_master(), "after");
      },
      absl::Seconds(6)))
      << on_new_master();
  // From now on writes go to the new master itself.
  ASSERT_TRUE(a->RevokeTokenId("demo", "later", absl::Hours(1)).ok());
  EXPECT_THAT(on_new_master(), ::testing::HasSubstr("later"));
  EXPECT_TRUE(a->Healthy());
}

}  // namespace
}  // namespace tokend
