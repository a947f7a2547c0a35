#include "core/revocation/redis_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"

namespace tokend {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::tokend::testing::RedisServer;
using ::tokend::testing::WaitUntil;

constexpr absl::Duration kDeadline = absl::Seconds(10);

// Real-clock times on whole milliseconds (what the store keeps).
absl::Time NowMs() {
  return absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
}

Revocation Entry(Revocation::Kind kind, std::string tenant, std::string value,
                 absl::Duration ttl = absl::Hours(1)) {
  const absl::Time now = NowMs();
  return {kind, std::move(tenant), std::move(value), now, now + ttl};
}

// Records what a Watch callback receives; signals on the first entry.
class Recorder {
 public:
  std::function<void(const Revocation&)> Callback() {
    return [this](const Revocation& r) {
      absl::MutexLock lock(&mu_);
      entries_.push_back(r);
      if (!first_.HasBeenNotified()) {
        first_at_ = absl::Now();
        first_.Notify();
      }
    };
  }
  std::vector<Revocation> entries() const {
    absl::MutexLock lock(&mu_);
    return entries_;
  }
  bool Has(const Revocation& r) const {
    absl::MutexLock lock(&mu_);
    for (const Revocation& e : entries_) {
      if (e == r) return true;
    }
    return false;
  }
  absl::Notification& first() { return first_; }
  absl::Time first_at() const {
    absl::MutexLock lock(&mu_);
    return first_at_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Revocation> entries_ ABSL_GUARDED_BY(mu_);
  absl::Time first_at_ ABSL_GUARDED_BY(mu_);
  absl::Notification first_;
};

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    // No redis-server is a failure, not a skip: setup.sh installs it.
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  std::unique_ptr<RedisStore> OpenHealthy(RedisStoreOptions options = {}) {
    auto store = RedisStore::Open(server_->Url(), std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return nullptr;
    EXPECT_TRUE(WaitUntil([&] { return (*store)->Healthy(); }, kDeadline));
    return std::move(*store);
  }

  std::unique_ptr<RedisServer> server_;
};

TEST(RedisUrlTest, ParsesHostPortAndDb) {
  auto a = ParseRedisUrl("redis://127.0.0.1:6380/3");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 3);
  auto b = ParseRedisUrl("redis://cache.internal");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "cache.internal");
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->db, 0);
  auto c = ParseRedisUrl("redis://[::1]:7000/1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7000);
  EXPECT_EQ(c->db, 1);
}

TEST(RedisUrlTest, RefusesMalformedUrls) {
  for (const char* url :
       {"http://h:1/0", "redis://", "redis://:6379/0", "redis://h:0/0",
        "redis://h:70000/0", "redis://h:x/0", "redis://h:1/-1", "redis://h:1/x",
        "redis://[::1/0", "redis://[::1]x/0"}) {
    auto parsed = ParseRedisUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(GetReason(parsed.status()), Reason::kInvalidArgument) << url;
    EXPECT_EQ(GetField(parsed.status()), "revocation.store") << url;
  }
  auto store = RedisStore::Open("redis://h:x/0");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(GetReason(store.status()), Reason::kInvalidArgument);
}

TEST(RedisUrlTest, ParsesSentinelUrls) {
  auto a = ParseRedisTarget(
      "redis-sentinel://10.0.0.1:26380,[::1],sentinel-c/tokend.main_1/2");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(a->sentinel());
  ASSERT_EQ(a->sentinels.size(), 3u);
  EXPECT_EQ(a->sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(a->sentinels[0].port, 26380);
  EXPECT_EQ(a->sentinels[1].host, "::1");
  EXPECT_EQ(a->sentinels[1].port, 26379);
  EXPECT_EQ(a->sentinels[2].host, "sentinel-c");
  EXPECT_EQ(a->master_name, "tokend.main_1");
  EXPECT_EQ(a->server.db, 2);
  auto b = ParseRedisTarget("redis-sentinel://s:1/m");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->server.db, 0);
  // redis:// goes through the same parser.
  auto c = ParseRedisTarget("redis://h:7/1");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->sentinel());
  EXPECT_EQ(c->server.host, "h");
  EXPECT_EQ(c->server.port, 7);
  EXPECT_EQ(c->server.db, 1);
}

TEST(RedisUrlTest, RefusesMalformedSentinelUrlsSayingWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"redis-sentinel://s:1", "needs the master's name"},
      {"redis-sentinel://s:1/", "needs the master's name"},
      {"redis-sentinel:///m/0", "no sentinel"},
      {"redis-sentinel://s:1,/m", "sentinel 2: no host"},
      {"redis-sentinel://s:1,t:0/m", "sentinel 2: the port must be 1-65535"},
      {"redis-sentinel://s:1/m m", "the master's name takes"},
      {"redis-sentinel://s:1/m/x", "the database must be"},
      {"redis-sentinel://s:1/m/0/1", "junk after the database"},
  };
  for (const auto& [url, why] : cases) {
    auto parsed = ParseRedisTarget(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(GetReason(parsed.status()), Reason::kInvalidArgument) << url;
    EXPECT_EQ(GetField(parsed.status()), "revocation.store") << url;
    EXPECT_THAT(std::string(parsed.status().message()),
                ::testing::HasSubstr(why))
        << url;
  }
  EXPECT_EQ(GetReason(RedisStore::Open("redis-sentinel://s:1/").status()),
            Reason::kInvalidArgument);
}

TEST_F(RedisStoreTest, ExposesFailClosed) {
  RedisStoreOptions open;
  open.fail_closed = false;
  auto a = RedisStore::Open(server_->Url(), open);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE((*a)->fail_closed());
  auto b = RedisStore::Open(server_->Url());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE((*b)->fail_closed());
}

TEST_F(RedisStoreTest, AddLoadAllUpsertAndPrune) {
  auto store = OpenHealthy();
  ASSERT_NE(store, nullptr);
  const std::string odd("a\0b:7:", 6);
  const Revocation jti = Entry(Revocation::Kind::kTokenId, "demo", odd);
  const Revocation sub =
      Entry(Revocation::Kind::kSubject, "de:mo", "alice", absl::Minutes(1));
  const Revocation tenant = Entry(Revocation::Kind::kTenant, "other", "");
  ASSERT_TRUE(store->Add(jti).ok());
  ASSERT_TRUE(store->Add(sub).ok());
  ASSERT_TRUE(store->Add(tenant).ok());
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(jti, sub, tenant));

  // Upsert: earlier revoked_at and later expiry keep the later of each.
  Revocation again = sub;
  again.revoked_at -= absl::Minutes(5);
  again.expires_at += absl::Hours(2);
  ASSERT_TRUE(store->Add(again).ok());
  Revocation merged = sub;
  merged.expires_at = again.expires_at;
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(jti, merged, tenant));

  ASSERT_TRUE(store->Prune(jti.expires_at).ok());
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(merged));
  ASSERT_TRUE(store->Prune(merged.expires_at).ok());
  EXPECT_THAT(*store->LoadAll(), IsEmpty());
}

TEST_F(RedisStoreTest, BatchIsOneTransactionAndEachEntryIsPublished) {
  auto a = OpenHealthy();
  auto b = OpenHealthy();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Recorder on_b;
  b->Watch(on_b.Callback());
  ASSERT_TRUE(
      WaitUntil([&] { return a->Healthy() && b->Healthy(); }, kDeadline));
  const Revocation e1 = Entry(Revocation::Kind::kTokenId, "demo", "j1");
  const Revocation e2 = Entry(Revocation::Kind::kSubject, "demo", "bob");
  const Revocation e3 = Entry(Revocation::Kind::kTenant, "other", "");
  ASSERT_TRUE(a->AddBatch({e1, e2, e3}).ok());
  EXPECT_THAT(*a->LoadAll(), UnorderedElementsAre(e1, e2, e3));
  EXPECT_TRUE(WaitUntil([&] { return on_b.entries().size() == 3; }, kDeadline));
  EXPECT_THAT(on_b.entries(), UnorderedElementsAre(e1, e2, e3));
}

TEST_F(RedisStoreTest, DatabasesAreSeparate) {
  auto db0 = OpenHealthy();
  ASSERT_NE(db0, nullptr);
  auto db1 = RedisStore::Open(server_->Url(1));
  ASSERT_TRUE(db1.ok());
  ASSERT_TRUE(db0->Add(Entry(Revocation::Kind::kTokenId, "demo", "j")).ok());
  auto other = (*db1)->LoadAll();
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT(*other, IsEmpty());
}

TEST_F(RedisStoreTest, RevocationReachesTheOtherReplicaWithinOneSecond) {
  auto a = OpenHealthy();
  auto b = OpenHealthy();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Recorder on_a, on_b;
  a->Watch(on_a.Callback());
  b->Watch(on_b.Callback());
  // Both have subscribed and run their first resync once healthy again.
  ASSERT_TRUE(
      WaitUntil([&] { return a->Healthy() && b->Healthy(); }, kDeadline));

  const Revocation entry = Entry(Revocation::Kind::kSubject, "demo", "alice");
  const absl::Time written = absl::Now();
  ASSERT_TRUE(a->Add(entry).ok());
  ASSERT_TRUE(on_b.first().WaitForNotificationWithTimeout(absl::Seconds(1)));
  EXPECT_LT(on_b.first_at() - written, absl::Seconds(1));
  EXPECT_THAT(on_b.entries(), ElementsAre(entry));
  // A wrote it: its own callback never hears of it.
  ASSERT_TRUE(b->Add(Entry(Revocation::Kind::kTokenId, "demo", "marker")).ok());
  ASSERT_TRUE(on_a.first().WaitForNotificationWithTimeout(absl::Seconds(1)));
  EXPECT_EQ(on_a.entries().size(), 1u);
  EXPECT_EQ(on_a.entries()[0].value, "marker");
}

TEST_F(RedisStoreTest, LateReplicaLoadsTheWholeSetAndThenOnlyNewEntries) {
  auto a = OpenHealthy();
  ASSERT_NE(a, nullptr);
  const Revocation e1 = Entry(Revocation::Kind::kTokenId, "demo", "j1");
  const Revocation e2 = Entry(Revocation::Kind::kSubject, "demo", "bob");
  const Revocation e3 = Entry(Revocation::Kind::kTenant, "zoom", "");
  ASSERT_TRUE(a->Add(e1).ok());
  ASSERT_TRUE(a->Add(e2).ok());
  ASSERT_TRUE(a->Add(e3).ok());

  auto late = OpenHealthy();
  ASSERT_NE(late, nullptr);
  auto all = late->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(e1, e2, e3));

  // Watching after the load delivers only what the load did not return.
  Recorder on_late;
  late->Watch(on_late.Callback());
  const Revocation e4 = Entry(Revocation::Kind::kTokenId, "demo", "j4");
  ASSERT_TRUE(a->Add(e4).ok());
  ASSERT_TRUE(on_late.first().WaitForNotificationWithTimeout(absl::Seconds(1)));
  EXPECT_THAT(on_late.entries(), ElementsAre(e4));
}

TEST_F(RedisStoreTest, RedisOutageIsVisibleAndRecoversByItself) {
  RedisStoreOptions options;
  options.resync_interval = absl::Milliseconds(200);
  options.reconnect_max_backoff = absl::Milliseconds(200);
  auto a = OpenHealthy(options);
  auto b = OpenHealthy(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Recorder on_b;
  b->Watch(on_b.Callback());

  server_->Kill();
  ASSERT_TRUE(
      WaitUntil([&] { return !a->Healthy() && !b->Healthy(); }, kDeadline));
  absl::Status down = a->Add(Entry(Revocation::Kind::kTokenId, "demo", "x"));
  EXPECT_EQ(GetReason(down), Reason::kUnavailable);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetReason(a->LoadAll().status()), Reason::kUnavailable);
  EXPECT_FALSE(a->Healthy());

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return a->Healthy() && b->Healthy(); }, kDeadline));
  EXPECT_TRUE(a->Add(Entry(Revocation::Kind::kTokenId, "demo", "y")).ok());

  // A missed message: a writer publishing on a channel B does not hear.
  // Only B's periodic resync can find it.
  RedisStoreOptions elsewhere = options;
  elsewhere.channel = "tokend:revocations:elsewhere";
  auto c = OpenHealthy(elsewhere);
  ASSERT_NE(c, nullptr);
  const Revocation missed = Entry(Revocation::Kind::kSubject, "demo", "eve");
  ASSERT_TRUE(c->Add(missed).ok());
  EXPECT_TRUE(WaitUntil([&] { return on_b.Has(missed); }, kDeadline));
}

TEST_F(RedisStoreTest, StoreOpenedWhileRedisIsDownConnectsWhenItComes) {
  server_->Kill();
  RedisStoreOptions options;
  options.reconnect_max_backoff = absl::Milliseconds(200);
  auto store = RedisStore::Open(server_->Url(), options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE((*store)->Healthy());
  EXPECT_EQ(
      GetReason((*store)->Add(Entry(Revocation::Kind::kTokenId, "d", "j"))),
      Reason::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(WaitUntil([&] { return (*store)->Healthy(); }, kDeadline));
  EXPECT_TRUE((*store)->Add(Entry(Revocation::Kind::kTokenId, "d", "j")).ok());
}

}  // namespace
}  // namespace tokend
