#include "core/revocation/sqlite_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

Revocation Entry(Revocation::Kind kind, std::string tenant, std::string value,
                 absl::Time revoked_at = kT0,
                 absl::Time expires_at = kT0 + absl::Hours(1)) {
  return {kind, std::move(tenant), std::move(value), revoked_at, expires_at};
}

// A fresh directory per test, removed with its files at the end.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tokend-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/revocations.db";
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path_ + suffix).c_str());
    }
    rmdir(dir_.c_str());
  }

  std::unique_ptr<SqliteStore> OpenOrDie() {
    auto store = SqliteStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, AddThenLoadAllAcrossReopen) {
  const Revocation jti = Entry(Revocation::Kind::kTokenId, "demo", "jti-1");
  const Revocation sub = Entry(Revocation::Kind::kSubject, "demo", "alice");
  const Revocation tenant = Entry(Revocation::Kind::kTenant, "other", "");
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Add(jti).ok());
    ASSERT_TRUE(store->Add(sub).ok());
    ASSERT_TRUE(store->Add(tenant).ok());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(jti, sub, tenant));
}

TEST_F(SqliteStoreTest, BatchIsOneTransaction) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Revocation a = Entry(Revocation::Kind::kTokenId, "demo", "a");
  const Revocation b = Entry(Revocation::Kind::kSubject, "demo", "bob");
  Revocation b_later = b;
  b_later.expires_at += absl::Hours(1);
  ASSERT_TRUE(store->AddBatch({a, b, b_later}).ok());
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(a, b_later));

  // Another connection holds the write lock past the busy timeout (5 s):
  // the batch is refused, none of it is written, and the store stays
  // usable.
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  const Revocation c = Entry(Revocation::Kind::kTokenId, "demo", "c");
  const Revocation d = Entry(Revocation::Kind::kTokenId, "demo", "d");
  EXPECT_EQ(GetReason(store->AddBatch({c, d})), Reason::kUnavailable);
  ASSERT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(locker);
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(a, b_later));
  ASSERT_TRUE(store->AddBatch({c, d}).ok());
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(a, b_later, c, d));
}

TEST_F(SqliteStoreTest, ValuesAreBinarySafeAndKeyedByKindTenantValue) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::string odd("a\0b'\"%", 6);
  const Revocation a = Entry(Revocation::Kind::kTokenId, "demo", odd);
  const Revocation b = Entry(Revocation::Kind::kSubject, "demo", odd);
  const Revocation c = Entry(Revocation::Kind::kTokenId, "démo", odd);
  ASSERT_TRUE(store->Add(a).ok());
  ASSERT_TRUE(store->Add(b).ok());
  ASSERT_TRUE(store->Add(c).ok());
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, UnorderedElementsAre(a, b, c));
}

TEST_F(SqliteStoreTest, UpsertKeepsTheLaterTimes) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->Add(Entry(Revocation::Kind::kSubject, "demo", "alice",
                              kT0 + absl::Minutes(5), kT0 + absl::Hours(1)))
                  .ok());
  // Earlier revocation, later expiry: keeps revoked_at, extends expiry.
  ASSERT_TRUE(store
                  ->Add(Entry(Revocation::Kind::kSubject, "demo", "alice", kT0,
                              kT0 + absl::Hours(3)))
                  .ok());
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, UnorderedElementsAre(
                        Entry(Revocation::Kind::kSubject, "demo", "alice",
                              kT0 + absl::Minutes(5), kT0 + absl::Hours(3))));
}

TEST_F(SqliteStoreTest, TimesRoundUpToTheMillisecond) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->Add(Entry(Revocation::Kind::kTokenId, "demo", "j",
                              kT0 + absl::Microseconds(1),
                              kT0 + absl::Microseconds(1500)))
                  .ok());
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].revoked_at, kT0 + absl::Milliseconds(1));
  EXPECT_EQ((*all)[0].expires_at, kT0 + absl::Milliseconds(2));
}

TEST_F(SqliteStoreTest, PruneDeletesOnlyExpiredEntries) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Revocation soon = Entry(Revocation::Kind::kTokenId, "demo", "a", kT0,
                                kT0 + absl::Minutes(1));
  const Revocation later =
      Entry(Revocation::Kind::kTokenId, "demo", "b", kT0, kT0 + absl::Hours(1));
  ASSERT_TRUE(store->Add(soon).ok());
  ASSERT_TRUE(store->Add(later).ok());
  ASSERT_TRUE(
      store->Prune(kT0 + absl::Minutes(1) - absl::Milliseconds(1)).ok());
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(soon, later));
  // expires_at <= now is gone.
  ASSERT_TRUE(store->Prune(kT0 + absl::Minutes(1)).ok());
  EXPECT_THAT(*store->LoadAll(), UnorderedElementsAre(later));
  ASSERT_TRUE(store->Prune(kT0 + absl::Hours(2)).ok());
  EXPECT_TRUE(store->LoadAll()->empty());
}

TEST_F(SqliteStoreTest, OpensInWalMode) {
  { ASSERT_NE(OpenOrDie(), nullptr); }
  // The first page of a WAL-mode database has file format versions 2/2.
  std::ifstream in(path_, std::ios::binary);
  char header[20] = {};
  in.read(header, sizeof(header));
  ASSERT_TRUE(in.good());
  EXPECT_EQ(std::string(header, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
}

// kill -9 right after the acknowledgement loses nothing: a child process
// adds a revocation, reports the ack on a pipe and is SIGKILLed at once.
TEST_F(SqliteStoreTest, KillNineAfterAckLosesNothing) {
  int ack[2];
  ASSERT_EQ(pipe(ack), 0);
  const Revocation entry = Entry(Revocation::Kind::kTokenId, "demo", "killed");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ack[0]);
    auto store = SqliteStore::Open(path_);
    char verdict = 'E';
    if (store.ok() && (*store)->Add(entry).ok()) verdict = 'A';
    if (write(ack[1], &verdict, 1) != 1) _exit(2);
    // Stays alive holding the open connection until the parent kills it.
    for (;;) pause();
  }
  close(ack[1]);
  char verdict = 0;
  ASSERT_EQ(read(ack[0], &verdict, 1), 1);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  close(ack[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus));
  EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
  ASSERT_EQ(verdict, 'A');

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto all = store->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(entry));
}

TEST_F(SqliteStoreTest, CorruptFileIsRefusedNamingThePath) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(GetReason(store.status()), Reason::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
}

TEST_F(SqliteStoreTest, DamagedPagesAreRefusedNamingThePath) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->Add(Entry(Revocation::Kind::kTokenId, "demo", "x")).ok());
  }
  // Keep the 100-byte header, overwrite the schema page after it.
  {
    std::fstream io(path_, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(100);
    const std::string junk(3000, '\xa5');
    io.write(junk.data(), junk.size());
  }
  auto store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(GetReason(store.status()), Reason::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  { ASSERT_NE(OpenOrDie(), nullptr); }
  // A later tokend's file: reopening must refuse a schema it does not know.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(GetReason(store.status()), Reason::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
  EXPECT_THAT(store.status().message(), HasSubstr("99"));
}

TEST_F(SqliteStoreTest, UnopenablePathIsUnavailableNamingThePath) {
  const std::string missing = dir_ + "/no/such/dir/revocations.db";
  auto store = SqliteStore::Open(missing);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(GetReason(store.status()), Reason::kUnavailable);
  EXPECT_THAT(store.status().message(), HasSubstr(missing));
}

}  // namespace
}  // namespace tokend
