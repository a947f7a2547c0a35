// soak: a real tokend on a real redis-server under a steady mixed load,
// with the faults of a long-running deployment in the middle.
//
//   soak --minutes=N [--fraction=0.8] [--max_rss_growth_mb=24]
//
// 1. Starts redis-server (Debian's) and tokend with one ES256 jwt tenant
//    whose keys come from a directory, and revocations in that Redis.
// 2. Measures the maximum: --workers closed-loop clients for
//    --probe_seconds, each running the cycle below as fast as it can.
// 3. Runs the cycle at --fraction of that maximum for --minutes, paced.
//    One cycle: IssueToken, VerifyToken, RenewToken, VerifyToken of the
//    renewed token; every 8th cycle RevokeToken (by token id) and a
//    VerifyToken that must answer REVOKED; every 16th a SubscribeToken
//    stream that must deliver its first token before it is cancelled.
// 4. Meanwhile: a config reload (SIGHUP, another default TTL) at 20, 40,
//    60 and 80 % of the run; a one-step key swap (the key file replaced by
//    a new key's) at 35 % and 70 %; a Redis restart (kill, start on the
//    same port, empty) at 50 %.
// 5. Every 10 s prints tokend's RSS, the rate and the errors so far. At
//    the end prints the errors by gRPC code (and the verdicts that were not
//    the expected ones) and the RSS after warm-up (the first 25 % of the
//    run, at least 60 s).
//
// Tokens live 20-30 s (max 30 s, leeway 5 s) so that the revocation index
// reaches its steady size within the warm-up: an entry is kept for the
// longest a token it affects can be accepted and pruned once a minute
// (revocation.h), so with hour-long tokens RSS would grow by design for an
// hour (~0.15 MiB/s at this rate) and hide a leak.
//
// Expected errors: only UNAVAILABLE while Redis restarts (from the kill
// until 15 s after it answers again): with revocation.on_store_unavailable
// at its default, closed, tokend refuses IssueToken, RenewToken,
// SubscribeToken and RevokeToken until the store is back (README). Every
// other error, or a verdict other than the expected one, is unexpected.
//
// Exit status: 0 when there were no unexpected errors and RSS grew by at
// most --max_rss_growth_mb after warm-up; 1 otherwise; 3 on a setup error.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/keys/pem.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/revocation/redis_harness.h"
#include "tokend/v1/token_service.grpc.pb.h"

ABSL_FLAG(double, minutes, 2, "Length of the loaded run");
ABSL_FLAG(double, fraction, 0.8, "Load as a fraction of the measured max");
ABSL_FLAG(int, workers, 8, "Client threads (one channel each)");
ABSL_FLAG(int, probe_seconds, 5, "Length of the maximum measurement");
ABSL_FLAG(double, max_rss_growth_mb, 24,
          "Allowed RSS growth after warm-up (MiB)");
ABSL_FLAG(std::string, tokend, TOKEND_BINARY, "The tokend binary");

namespace tokend::bench {
namespace {

namespace v1 = ::tokend::v1;

void WriteFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
}

std::string NewKeyPem() {
  auto key = GenerateKey(Algorithm::kES256);
  if (!key.ok()) {
    std::fprintf(stderr, "soak: key generation failed\n");
    std::exit(3);
  }
  auto pem = PrivateKeyToPem(**key);
  if (!pem.ok()) std::exit(3);
  return *pem;
}

std::string Config(const std::string& dir, const std::string& redis_url,
                   int default_ttl_seconds) {
  return absl::StrCat(R"(listeners:
  unix_socket: )",
                      dir, R"(/tokend.sock
state_dir: )",
                      dir, R"(/state
tenants:
  - name: soak
    profile: jwt
    issuer: soak
    audience: [soak]
    algorithm: ES256
    keys: {dir: keys, jwks_max_age: 2s, publish_margin: 1s}
    ttl: {default: )",
                      default_ttl_seconds, R"(s, max: 30s}
    leeway: 5s
revocation:
  store: )",
                      redis_url, R"(
limits:
  rate_limit: {qps: 0}
renewal:
  max_subscriptions_per_caller: 100000
callers:
  - {name: soak, uid: )",
                      getuid(), R"(, issue: ["*"], revoke: ["*"], verify: ["*"]}
)");
}

int64_t RssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

// Error counts by what failed, shared by the workers.
class Errors {
 public:
  void Add(const std::string& what, bool expected) {
    absl::MutexLock lock(&mu_);
    ++(expected ? expected_ : unexpected_)[what];
  }
  int64_t Unexpected() const {
    absl::MutexLock lock(&mu_);
    int64_t n = 0;
    for (const auto& [what, count] : unexpected_) n += count;
    return n;
  }
  void Print() const {
    absl::MutexLock lock(&mu_);
    std::printf("errors, unexpected:%s\n", unexpected_.empty() ? " none" : "");
    for (const auto& [what, count] : unexpected_) {
      std::printf("  %-40s %lld\n", what.c_str(),
                  static_cast<long long>(count));
    }
    std::printf("errors, expected (Redis restart):%s\n",
                expected_.empty() ? " none" : "");
    for (const auto& [what, count] : expected_) {
      std::printf("  %-40s %lld\n", what.c_str(),
                  static_cast<long long>(count));
    }
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> unexpected_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> expected_ ABSL_GUARDED_BY(mu_);
};

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return "OTHER";
  }
}

// Redis is restarting (or just did) while this is true.
std::atomic<bool> g_redis_fault{false};

// One client thread's cycle over its own channel. Thread: its worker.
class Worker {
 public:
  Worker(const std::string& target, int id, Errors* errors)
      : stub_(v1::TokenService::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))),
        id_(id),
        errors_(errors) {}

  // One cycle; returns the number of RPCs made.
  int Cycle() {
    ++cycle_;
    int rpcs = 0;
    const std::string subject = absl::StrCat("user-", id_, "-", cycle_ % 64);
    v1::IssueTokenRequest issue;
    issue.set_tenant("soak");
    issue.mutable_subject()->set_user_id(subject);
    v1::IssueTokenResponse issued;
    ++rpcs;
    if (!Check("IssueToken",
               Call(&v1::TokenService::Stub::IssueToken, issue, &issued))) {
      return rpcs;
    }
    ++rpcs;
    Verify(issued.token(), "");
    v1::RenewTokenRequest renew;
    renew.set_tenant("soak");
    renew.set_token(issued.token());
    v1::RenewTokenResponse renewed;
    ++rpcs;
    if (!Check("RenewToken",
               Call(&v1::TokenService::Stub::RenewToken, renew, &renewed))) {
      return rpcs;
    }
    ++rpcs;
    Verify(renewed.token(), "");
    if (cycle_ % 8 == 0) {
      v1::RevokeTokenRequest revoke;
      revoke.set_tenant("soak");
      revoke.set_token_id(renewed.token_id());
      v1::RevokeTokenResponse revoked;
      ++rpcs;
      if (Check("RevokeToken",
                Call(&v1::TokenService::Stub::RevokeToken, revoke, &revoked))) {
        ++rpcs;
        Verify(renewed.token(), "REVOKED");
      }
    }
    if (cycle_ % 16 == 0) {
      ++rpcs;
      Subscribe(subject);
    }
    return rpcs;
  }

 private:
  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.AddMetadata("tokend-request", "1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return (stub_.get()->*method)(&context, request, response);
  }

  bool Check(const char* rpc, const grpc::Status& s) {
    if (s.ok()) return true;
    const bool expected =
        s.error_code() == grpc::StatusCode::UNAVAILABLE && g_redis_fault.load();
    // The message tells what failed (tokend never puts a token or secret in
    // one); cut so that a key stays a short line.
    errors_->Add(
        absl::StrCat(rpc, " ", CodeName(s.error_code()), expected ? "" : ": ",
                     expected ? "" : s.error_message().substr(0, 80)),
        expected);
    return false;
  }

  // `reason` "": the token must be valid; else the verdict's reason.
  void Verify(const std::string& token, const std::string& reason) {
    v1::VerifyTokenRequest request;
    request.set_tenant("soak");
    request.set_token(token);
    v1::VerifyTokenResponse response;
    if (!Check("VerifyToken", Call(&v1::TokenService::Stub::VerifyToken,
                                   request, &response))) {
      return;
    }
    if (reason.empty() && !response.valid()) {
      errors_->Add(absl::StrCat("VerifyToken verdict ", response.reason()),
                   false);
    } else if (!reason.empty() && response.reason() != reason) {
      errors_->Add(absl::StrCat("VerifyToken verdict ",
                                response.valid() ? "valid" : response.reason(),
                                " (expected ", reason, ")"),
                   false);
    }
  }

  void Subscribe(const std::string& subject) {
    grpc::ClientContext context;
    context.AddMetadata("tokend-request", "1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::SubscribeTokenRequest request;
    request.set_tenant("soak");
    request.mutable_spec()->set_tenant("soak");
    request.mutable_spec()->mutable_subject()->set_user_id(subject);
    auto reader = stub_->SubscribeToken(&context, request);
    v1::TokenEvent event;
    const bool got = reader->Read(&event);
    // Cancel only a stream that is still open. After Read() returned false
    // the server's status is already on its way, and a TryCancel before
    // Finish() replaces it with CANCELLED (every time: 20,000 of 20,000
    // refused streams read back CANCELLED). That hid the real status of the
    // one stream a 30-minute soak saw refused.
    if (got) context.TryCancel();
    while (reader->Read(&event)) {
    }
    const grpc::Status s = reader->Finish();
    if (!got || event.token().empty()) {
      Check("SubscribeToken",
            s.ok() ? grpc::Status(grpc::StatusCode::UNKNOWN, "no first event")
                   : s);
    } else if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED) {
      Check("SubscribeToken", s);
    }
  }

  std::unique_ptr<v1::TokenService::Stub> stub_;
  const int id_;
  Errors* const errors_;
  int64_t cycle_ = 0;
};

// Runs the workers for `length`; each starts a cycle every `interval`
// (zero: back to back). Returns the cycles done. `rpcs` counts RPCs.
int64_t Drive(std::vector<std::unique_ptr<Worker>>& workers,
              absl::Duration length, absl::Duration interval,
              std::atomic<int64_t>* rpcs) {
  std::atomic<int64_t> cycles{0};
  const absl::Time end = absl::Now() + length;
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      absl::Time next = absl::Now();
      while (absl::Now() < end) {
        rpcs->fetch_add(w->Cycle());
        cycles.fetch_add(1);
        if (interval > absl::ZeroDuration()) {
          next += interval;
          const absl::Time now = absl::Now();
          // Behind schedule: start again from now instead of bursting.
          if (next < now) next = now;
          absl::SleepFor(next - now);  // pacing, not synchronisation
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return cycles.load();
}

int Run() {
  const absl::Duration length =
      absl::Seconds(absl::GetFlag(FLAGS_minutes) * 60);
  auto redis = testing::RedisServer::Start();
  if (!redis.ok()) {
    std::fprintf(stderr, "soak: %s\n", redis.status().ToString().c_str());
    return 3;
  }
  char tmpl[] = "/dev/shm/soak.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 3;
  const std::string dir = tmpl;
  std::filesystem::create_directories(dir + "/keys");
  int key_generation = 1;
  WriteFile(dir + "/keys/k1.pem", NewKeyPem());
  const std::string config = dir + "/tokend.yaml";
  WriteFile(config, Config(dir, (*redis)->Url(), 20));

  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd =
        open((dir + "/tokend.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 2);
      close(fd);
    }
    std::string bin = absl::GetFlag(FLAGS_tokend);
    std::string arg = "--config=" + config;
    char* argv[] = {bin.data(), arg.data(), nullptr};
    execv(bin.c_str(), argv);
    _exit(127);
  }
  const std::string target = "unix:" + dir + "/tokend.sock";
  Errors errors;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < absl::GetFlag(FLAGS_workers); ++i) {
    workers.push_back(std::make_unique<Worker>(target, i, &errors));
  }
  // Ready when a first cycle succeeds (polled with a deadline).
  const absl::Time ready_deadline = absl::Now() + absl::Seconds(30);
  while (true) {
    Errors probe_errors;
    Worker first(target, 999, &probe_errors);
    first.Cycle();
    if (probe_errors.Unexpected() == 0) break;
    if (absl::Now() > ready_deadline) {
      probe_errors.Print();
      std::fprintf(stderr, "soak: tokend did not serve; see %s/tokend.log\n",
                   dir.c_str());
      kill(pid, SIGKILL);
      return 3;
    }
    absl::SleepFor(absl::Milliseconds(100));  // poll interval
  }

  std::atomic<int64_t> rpcs{0};
  const absl::Duration probe =
      absl::Seconds(absl::GetFlag(FLAGS_probe_seconds));
  const int64_t probe_cycles =
      Drive(workers, probe, absl::ZeroDuration(), &rpcs);
  const double max_rate = probe_cycles / absl::ToDoubleSeconds(probe);
  const double rate = max_rate * absl::GetFlag(FLAGS_fraction);
  const absl::Duration interval =
      absl::Seconds(workers.size() / std::max(rate, 1.0));
  std::printf(
      "soak: max %.0f cycles/s (%.0f RPC/s) with %zu workers; running %.0f "
      "cycles/s (%.0f %%) for %.1f min\n",
      max_rate, rpcs.load() / absl::ToDoubleSeconds(probe), workers.size(),
      rate, absl::GetFlag(FLAGS_fraction) * 100, absl::ToDoubleMinutes(length));
  std::fflush(stdout);
  rpcs.store(0);

  // Faults and the RSS reporter run beside the load.
  std::atomic<bool> done{false};
  const absl::Time start = absl::Now();
  const absl::Duration warmup = std::max(absl::Seconds(60), length / 4);
  int64_t rss_after_warmup = -1, rss_max_after = -1, rss_last = -1;
  std::thread chaos([&] {
    struct Event {
      double at;
      int kind;  // 0 reload, 1 key swap, 2 redis restart
    };
    const Event events[] = {{0.2, 0}, {0.35, 1}, {0.4, 0}, {0.5, 2},
                            {0.6, 0}, {0.7, 1},  {0.8, 0}};
    int reloads = 0;
    absl::Time next_report = start + absl::Seconds(10);
    size_t e = 0;
    while (!done.load()) {
      const absl::Time now = absl::Now();
      if (e < std::size(events) && now >= start + length * events[e].at) {
        const int kind = events[e++].kind;
        if (kind == 0) {
          ++reloads;
          WriteFile(config,
                    Config(dir, (*redis)->Url(), 20 + 5 * (reloads % 2)));
          kill(pid, SIGHUP);
          std::printf("  %5.0fs  config reload (default ttl %ds)\n",
                      absl::ToDoubleSeconds(now - start),
                      20 + 5 * (reloads % 2));
        } else if (kind == 1) {
          const std::string old_file =
              absl::StrCat(dir, "/keys/k", key_generation, ".pem");
          ++key_generation;
          WriteFile(absl::StrCat(dir, "/keys/k", key_generation, ".pem"),
                    NewKeyPem());
          std::filesystem::remove(old_file);
          std::printf("  %5.0fs  key swap (k%d replaced by k%d)\n",
                      absl::ToDoubleSeconds(now - start), key_generation - 1,
                      key_generation);
        } else {
          g_redis_fault.store(true);
          (*redis)->Kill();
          std::printf("  %5.0fs  redis killed\n",
                      absl::ToDoubleSeconds(now - start));
          std::fflush(stdout);
          absl::SleepFor(absl::Seconds(2));  // the outage itself
          const absl::Status s = (*redis)->Restart();
          std::printf("  %5.0fs  redis restarted (empty): %s\n",
                      absl::ToDoubleSeconds(absl::Now() - start),
                      s.ok() ? "ok" : s.ToString().c_str());
          std::thread([] {
            absl::SleepFor(absl::Seconds(15));  // the recovery window
            g_redis_fault.store(false);
          }).detach();
        }
        std::fflush(stdout);
      }
      if (now >= next_report) {
        const int64_t rss = RssKb(pid);
        rss_last = rss;
        if (now - start >= warmup) {
          if (rss_after_warmup < 0) rss_after_warmup = rss;
          rss_max_after = std::max(rss_max_after, rss);
        }
        std::printf(
            "  %5.0fs  rss %6.1f MiB  %7.0f RPC/s  unexpected errors %lld\n",
            absl::ToDoubleSeconds(now - start), rss / 1024.0,
            rpcs.exchange(0) / 10.0,
            static_cast<long long>(errors.Unexpected()));
        std::fflush(stdout);
        next_report += absl::Seconds(10);
      }
      absl::SleepFor(absl::Milliseconds(50));  // the event loop's tick
    }
  });
  Drive(workers, length, interval, &rpcs);
  done.store(true);
  chaos.join();

  const bool alive = waitpid(pid, nullptr, WNOHANG) == 0;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::printf("\n");
  errors.Print();
  const double growth = (rss_max_after - rss_after_warmup) / 1024.0;
  std::printf(
      "rss after warm-up (%.0fs) %.1f MiB, max after %.1f MiB, last %.1f MiB: "
      "growth %.1f MiB (bound %.0f)\n",
      absl::ToDoubleSeconds(warmup), rss_after_warmup / 1024.0,
      rss_max_after / 1024.0, rss_last / 1024.0, growth,
      absl::GetFlag(FLAGS_max_rss_growth_mb));
  const bool ok = alive && errors.Unexpected() == 0 && rss_after_warmup > 0 &&
                  growth <= absl::GetFlag(FLAGS_max_rss_growth_mb);
  if (!alive) std::printf("tokend died; see %s/tokend.log\n", dir.c_str());
  std::printf("soak: %s\n", ok ? "PASS" : "FAIL");
  if (ok) std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace tokend::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tokend::bench::Run();
}
