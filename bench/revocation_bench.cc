// Revocation write latency: how long RevocationStore::Add takes to return
// (the moment RevokeToken may answer OK), for the SQLite store (WAL,
// synchronous=FULL: one fsync per commit) on the real disk under /tmp and,
// for reference, on /dev/shm (tmpfs: no real fsync), and for the Redis
// store against its own redis-server (started on a free port, no
// persistence, so "durable" means acknowledged by Redis). Each store takes N
// writes sequentially, then N writes from 8 concurrent writers.
//
//   revocation_bench [--n=2000] [--writers=8]
//
// Prints one table row per store and mode: p50, p99, max (ms) and writes/s.
//
// A second table measures the same writes through RevocationService on the
// SQLite disk store, as the server makes them: how long the caller's
// thread is held by the synchronous Revoke (until durable) against the
// asynchronous RevokeAsync (until it returns; the write goes to the
// service's store thread) and when RevokeAsync's completion arrives; then
// RevokeAsync while another connection holds the file's write lock (a
// stalled store), where the caller must still not wait.
//
// A benchmark, not a test: exits non-zero only when a store cannot be
// opened or a write fails.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/revocation.h"
#include "core/revocation/revocation_service.h"
#include "core/revocation/sqlite_store.h"
#include "tests/revocation/redis_harness.h"

namespace tokend {
namespace {

struct Result {
  std::vector<double> ms;  // one latency per write
  absl::Duration wall;
  bool ok = true;
};

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1,
                            static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
  return sorted[i];
}

// `writers` threads write `n` distinct token-id revocations in total.
Result Run(RevocationStore& store, const std::string& tag, int n, int writers) {
  Result result;
  std::vector<std::vector<double>> per(writers);
  std::vector<int> failures(writers, 0);
  const absl::Time now = absl::Now();
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < n; i += writers) {
        Revocation r;
        r.kind = Revocation::Kind::kTokenId;
        r.tenant = "bench";
        r.value = absl::StrCat(tag, "-", i);
        r.revoked_at = now;
        r.expires_at = now + absl::Hours(1);
        const absl::Time t0 = absl::Now();
        const absl::Status status = store.Add(r);
        per[w].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        if (!status.ok()) ++failures[w];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  result.wall = absl::Now() - start;
  for (int w = 0; w < writers; ++w) {
    result.ms.insert(result.ms.end(), per[w].begin(), per[w].end());
    if (failures[w] > 0) result.ok = false;
  }
  std::sort(result.ms.begin(), result.ms.end());
  return result;
}

void Row(const std::string& store, int writers, const Result& r) {
  std::printf("| %-24s | %7d | %5zu | %8.3f | %8.3f | %8.3f | %9.0f |\n",
              store.c_str(), writers, r.ms.size(), Percentile(r.ms, 0.50),
              Percentile(r.ms, 0.99), r.ms.empty() ? 0 : r.ms.back(),
              r.ms.size() / absl::ToDoubleSeconds(r.wall));
}

bool Measure(const std::string& name, RevocationStore& store, int n,
             int writers) {
  const Result sequential = Run(store, name + "-seq", n, 1);
  Row(name, 1, sequential);
  const Result concurrent = Run(store, name + "-par", n, writers);
  Row(name, writers, concurrent);
  return sequential.ok && concurrent.ok;
}

bool MeasureSqlite(const std::string& label, const std::string& dir_template,
                   int n, int writers) {
  std::string dir = dir_template;
  if (mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "cannot create %s\n", dir_template.c_str());
    return false;
  }
  bool ok = false;
  {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(dir + "/revocations.db");
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n",
                   std::string(store.status().message()).c_str());
    } else {
      ok = Measure(label, **store, n, writers);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return ok;
}

bool MeasureRedis(int n, int writers) {
  absl::StatusOr<std::unique_ptr<testing::RedisServer>> redis =
      testing::RedisServer::Start();
  if (!redis.ok()) {
    std::fprintf(stderr, "%s\n", std::string(redis.status().message()).c_str());
    return false;
  }
  absl::StatusOr<std::unique_ptr<RedisStore>> store =
      RedisStore::Open((*redis)->Url());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return false;
  }
  if (!testing::WaitUntil([&] { return (*store)->Healthy(); },
                          absl::Seconds(10))) {
    std::fprintf(stderr, "the redis store did not become healthy\n");
    return false;
  }
  return Measure("redis (no persistence)", **store, n, writers);
}

Revocation BenchEntry(const std::string& id) {
  const absl::Time now = absl::Now();
  return {Revocation::Kind::kTokenId, "bench", id, now, now + absl::Hours(1)};
}

// `n` RevokeAsync from one thread: the caller's time per call, and the time
// from the call to its completion. False when a write failed.
bool RunAsync(RevocationService& service, const std::string& tag, int n,
              Result* caller, Result* completion) {
  absl::Mutex mu;
  int left = n;
  bool ok = true;
  absl::Notification all_done;
  const absl::Time start = absl::Now();
  for (int i = 0; i < n; ++i) {
    const absl::Time t0 = absl::Now();
    const absl::Status taken = service.RevokeAsync(
        BenchEntry(absl::StrCat(tag, "-", i)), absl::InfiniteFuture(),
        [&, t0](absl::Status status) {
          absl::MutexLock lock(&mu);
          completion->ms.push_back(
              absl::ToDoubleMilliseconds(absl::Now() - t0));
          ok = ok && status.ok();
          if (--left == 0) all_done.Notify();
        });
    caller->ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    if (!taken.ok()) return false;
  }
  caller->wall = absl::Now() - start;
  all_done.WaitForNotification();
  completion->wall = absl::Now() - start;
  std::sort(caller->ms.begin(), caller->ms.end());
  absl::MutexLock lock(&mu);
  std::sort(completion->ms.begin(), completion->ms.end());
  return ok;
}

bool MeasureService(int n) {
  char dir[] = "/tmp/tokend-revbench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return false;
  const std::string path = std::string(dir) + "/revocations.db";
  bool ok = false;
  {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(path);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n",
                   std::string(store.status().message()).c_str());
      return false;
    }
    RevocationService service(*std::move(store), RealClock::Get());
    if (!service.Start().ok()) return false;

    Result sync;
    const absl::Time start = absl::Now();
    ok = true;
    for (int i = 0; i < n; ++i) {
      const absl::Time t0 = absl::Now();
      ok = service.Revoke(BenchEntry(absl::StrCat("sync-", i))).ok() && ok;
      sync.ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    sync.wall = absl::Now() - start;
    std::sort(sync.ms.begin(), sync.ms.end());
    Row("Revoke: caller", 1, sync);

    Result caller, completion;
    ok = RunAsync(service, "async", n, &caller, &completion) && ok;
    Row("RevokeAsync: caller", 1, caller);
    Row("RevokeAsync: completion", 1, completion);

    // Stalled: another connection holds the write lock while the calls
    // are made, and lets go only once they have all returned.
    sqlite3* locker = nullptr;
    if (sqlite3_open(path.c_str(), &locker) != SQLITE_OK ||
        sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
      sqlite3_close(locker);
      return false;
    }
    Result stalled_caller, stalled_completion;
    const int stalled_n = std::min(n, 200);
    std::thread release([&] {
      // Holds the lock for a fixed 200 ms, then lets go.
      absl::SleepFor(absl::Milliseconds(200));
      sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
    });
    ok = RunAsync(service, "stalled", stalled_n, &stalled_caller,
                  &stalled_completion) &&
         ok;
    release.join();
    sqlite3_close(locker);
    Row("stalled 200ms: caller", 1, stalled_caller);
    Row("stalled 200ms: completion", 1, stalled_completion);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return ok;
}

int Flag(int argc, char** argv, absl::string_view name, int fallback) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    int value = 0;
    if (absl::StartsWith(arg, prefix) &&
        absl::SimpleAtoi(arg.substr(prefix.size()), &value) && value > 0) {
      return value;
    }
  }
  return fallback;
}

}  // namespace
}  // namespace tokend

int main(int argc, char** argv) {
  const int n = tokend::Flag(argc, argv, "n", 2000);
  const int writers = tokend::Flag(argc, argv, "writers", 8);
  std::printf(
      "Revocation write latency: RevocationStore::Add until it "
      "returns (durable), N=%d per row\n\n",
      n);
  std::printf("| %-24s | %7s | %5s | %8s | %8s | %8s | %9s |\n", "store",
              "writers", "n", "p50 ms", "p99 ms", "max ms", "writes/s");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(26, '-').c_str(),
              std::string(9, '-').c_str(), std::string(7, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(11, '-').c_str());
  bool ok = tokend::MeasureSqlite("sqlite /tmp (disk)",
                                  "/tmp/tokend-revbench-XXXXXX", n, writers);
  ok = tokend::MeasureSqlite("sqlite /dev/shm (ref.)",
                             "/dev/shm/tokend-revbench-XXXXXX", n, writers) &&
       ok;
  ok = tokend::MeasureRedis(n, writers) && ok;

  std::printf(
      "\nThrough RevocationService (SQLite on /tmp), one caller thread, "
      "N=%d: the time the caller is held, and when the outcome arrives\n\n",
      n);
  std::printf("| %-24s | %7s | %5s | %8s | %8s | %8s | %9s |\n", "mode",
              "threads", "n", "p50 ms", "p99 ms", "max ms", "calls/s");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(26, '-').c_str(),
              std::string(9, '-').c_str(), std::string(7, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(11, '-').c_str());
  ok = tokend::MeasureService(n) && ok;
  return ok ? 0 : 1;
}
