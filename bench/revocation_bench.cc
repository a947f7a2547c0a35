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
// A benchmark, not a test: exits non-zero only when a store cannot be
// opened or a write fails.
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/revocation.h"
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
  return ok ? 0 : 1;
}
