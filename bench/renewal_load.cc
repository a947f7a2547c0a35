// renewal_load: opens many concurrent SubscribeToken streams against one
// real tokend and measures the renewal scheduler: lag (client receipt
// minus the planned refresh the previous event announced) p50/p99/max,
// tokens delivered after their predecessor expired, server RSS per
// subscription and server CPU in the steady phase. Exits 2 when a target
// is missed (p99 <= 50 ms, 0 late, <= 24 KiB per subscription, 0 errors).
//
// Not a test: run by hand. The client is callback reactors spread over
// several channels (distinct connections); every callback runs on gRPC's
// threads and touches only atomics and the reactor's own fields.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/free_port.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tokend/v1/token_service.grpc.pb.h"

ABSL_FLAG(int, subscriptions, 100000, "concurrent SubscribeToken streams");
ABSL_FLAG(int, seconds, 0,
          "steady-phase length after every stream is open (0: long enough "
          "for every subscription to renew at least once)");
ABSL_FLAG(int, channels, 0, "client connections (0: one per 1,000 streams)");
ABSL_FLAG(int, ttl_min, 50, "shortest token lifetime, seconds");
ABSL_FLAG(int, ttl_max, 75, "longest token lifetime, seconds");
ABSL_FLAG(int, open_window, 2000, "subscribes awaiting their first event");
ABSL_FLAG(std::string, tokend, TOKEND_BINARY, "the tokend binary");

namespace {

using tokend::v1::SubscribeTokenRequest;
using tokend::v1::TokenEvent;
using tokend::v1::TokenService;

int64_t NowNanos() { return absl::GetCurrentTimeNanos(); }

int64_t Nanos(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000000 + t.nanos();
}

// Lag histogram: 100 µs buckets up to 60 s, lock-free.
class LagHistogram {
 public:
  static constexpr int64_t kBucketNanos = 100000;
  static constexpr size_t kBuckets = 600000;
  LagHistogram() : buckets_(kBuckets + 1) {}
  void Add(int64_t lag_nanos) {
    lag_nanos = std::max<int64_t>(lag_nanos, 0);
    const size_t b = std::min<size_t>(lag_nanos / kBucketNanos, kBuckets);
    buckets_[b].fetch_add(1, std::memory_order_relaxed);
    int64_t max = max_.load(std::memory_order_relaxed);
    while (lag_nanos > max && !max_.compare_exchange_weak(
                                  max, lag_nanos, std::memory_order_relaxed)) {
    }
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(); }
  double MaxMs() const { return max_.load() / 1e6; }
  // Upper edge of the bucket holding the q-quantile, in ms.
  double QuantileMs(double q) const {
    const uint64_t n = count();
    if (n == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(q * (n - 1)) + 1;
    uint64_t seen = 0;
    for (size_t b = 0; b <= kBuckets; ++b) {
      seen += buckets_[b].load(std::memory_order_relaxed);
      if (seen >= rank) return (b + 1) * kBucketNanos / 1e6;
    }
    return MaxMs();
  }

 private:
  std::vector<std::atomic<uint32_t>> buckets_;
  std::atomic<int64_t> max_{0};
  std::atomic<uint64_t> count_{0};
};

struct Totals {
  LagHistogram lag;
  std::atomic<uint64_t> opened{0};  // first event received
  std::atomic<uint64_t> renewed_once{0};
  std::atomic<uint64_t> late{0};    // received after the previous expiry
  std::atomic<uint64_t> errors{0};  // streams ending before we cancel
  std::atomic<uint64_t> done{0};
  std::atomic<int64_t> pending_open{0};
  absl::Mutex mu;
  std::string first_error;
};

// One stream. Only OnReadDone touches the event fields, and gRPC runs at
// most one reaction per reactor at a time.
class Stream final : public grpc::ClientReadReactor<TokenEvent> {
 public:
  Stream(TokenService::Stub* stub, Totals* totals, int ttl_seconds)
      : totals_(totals) {
    context_.AddMetadata("tokend-request", "1");
    SubscribeTokenRequest request;
    request.set_tenant("load");
    request.mutable_spec()->set_tenant("load");
    request.mutable_spec()->mutable_subject()->set_user_id("load-client");
    request.mutable_spec()->mutable_ttl()->set_seconds(ttl_seconds);
    stub->async()->SubscribeToken(&context_, &request, this);
    StartRead(&event_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const int64_t now = NowNanos();
    if (event_.sequence() == 1) {
      totals_->opened.fetch_add(1, std::memory_order_relaxed);
      totals_->pending_open.fetch_sub(1, std::memory_order_relaxed);
    } else {
      totals_->lag.Add(now - planned_);
      if (now >= expires_)
        totals_->late.fetch_add(1, std::memory_order_relaxed);
      if (!renewed_) {
        renewed_ = true;
        totals_->renewed_once.fetch_add(1, std::memory_order_relaxed);
      }
    }
    planned_ = Nanos(event_.next_refresh_at());
    expires_ = Nanos(event_.expires_at());
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    if (status.error_code() != grpc::StatusCode::CANCELLED) {
      totals_->errors.fetch_add(1);
      absl::MutexLock lock(&totals_->mu);
      if (totals_->first_error.empty()) {
        totals_->first_error =
            absl::StrCat(status.error_code(), " ", status.error_message());
      }
    }
    totals_->done.fetch_add(1);
  }

 private:
  Totals* const totals_;
  grpc::ClientContext context_;
  TokenEvent event_;
  int64_t planned_ = 0;
  int64_t expires_ = 0;
  bool renewed_ = false;
};

// VmRSS in KiB of `pid`.
int64_t RssKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

// GET http://127.0.0.1:port/metrics; "" on failure.
std::string FetchMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string body;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      char buf[16384];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) body.append(buf, n);
    }
  }
  close(fd);
  return body;
}

// The server's own view of renewal lag (tokend_renewal_lag_seconds: the
// event handed to gRPC minus its planned time), as the upper bucket bounds
// holding the p50 and p99, so client-side delivery can be told apart from
// scheduling.
std::string ServerLag(const std::string& metrics) {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  std::istringstream in(metrics);
  std::string line;
  const std::string prefix = "tokend_renewal_lag_seconds_bucket{le=\"";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t end = line.find('"', prefix.size());
    const std::string le = line.substr(prefix.size(), end - prefix.size());
    const double bound = le == "+Inf" ? 1e9 : std::atof(le.c_str());
    buckets.emplace_back(bound,
                         std::atof(line.substr(line.rfind(' ') + 1).c_str()));
  }
  if (buckets.empty() || buckets.back().second <= 0) return "n/a";
  auto at = [&](double q) {
    const double want = q * buckets.back().second;
    for (const auto& [le, count] : buckets) {
      if (count >= want)
        return le >= 1e9 ? std::string("+Inf")
                         : absl::StrCat("<= ", le * 1000, " ms");
    }
    return std::string("+Inf");
  };
  return absl::StrCat("p50 ", at(0.5), "  p99 ", at(0.99), "  (",
                      static_cast<int64_t>(buckets.back().second), " events)");
}

// utime + stime of `pid`, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string all((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  const size_t paren = all.rfind(')');
  std::istringstream fields(all.substr(paren + 2));
  std::string skip;
  // Fields 3..13, then utime (14) and stime (15).
  for (int i = 3; i <= 13; ++i) fields >> skip;
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

pid_t StartTokend(const std::string& binary, const std::string& config,
                  const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    const std::string arg = "--config=" + config;
    execl(binary.c_str(), binary.c_str(), arg.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

bool WaitReady(TokenService::Stub* stub, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.AddMetadata("tokend-request", "1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    context.set_wait_for_ready(true);
    tokend::v1::IssueTokenRequest request;
    request.set_tenant("load");
    request.mutable_subject()->set_user_id("probe");
    tokend::v1::IssueTokenResponse response;
    if (stub->IssueToken(&context, request, &response).ok()) return true;
    absl::SleepFor(absl::Milliseconds(100));  // a startup poll, not a sync
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int count = absl::GetFlag(FLAGS_subscriptions);
  const int ttl_min = absl::GetFlag(FLAGS_ttl_min);
  const int ttl_max = std::max(ttl_min, absl::GetFlag(FLAGS_ttl_max));
  int channels = absl::GetFlag(FLAGS_channels);
  if (channels <= 0) channels = std::max(1, (count + 999) / 1000);
  const int streams_per_channel = (count + channels - 1) / channels;

  char dir_template[] = "/dev/shm/renewal_load.XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string socket = dir + "/s.sock";
  const int http_port = tokend::bench::FreePort();
  {
    std::ofstream(dir + "/hs.secret")
        << "renewal-load-0123456789abcdef0123456789abcdef";
    std::ofstream(dir + "/tokend.yaml")
        << absl::StrCat(R"(
listeners: {unix_socket: )",
                        socket, R"(, http: "127.0.0.1:)", http_port, R"("}
state_dir: )",
                        dir, R"(/state
tenants:
  - name: load
    profile: jwt
    issuer: https://load.test
    algorithm: HS256
    credentials: {secret: hs.secret}
    ttl: {default: 60s, max: 10m}
renewal:
  max_subscriptions_per_caller: )",
                        count + 10, R"(
  max_subscriptions: )",
                        count + 10, R"(
limits: {rate_limit: {qps: 0}, max_streams: )",
                        count + 10,
                        // A central tokend at this scale: the sidecar
                        // defaults (32 MiB of gRPC memory, 100 streams per
                        // connection) would refuse or queue most streams.
                        ", memory_quota_bytes: ",
                        int64_t{64} * (1 << 20) + int64_t{count} * 32 * 1024,
                        ", max_concurrent_streams: ", streams_per_channel + 100,
                        R"(}
callers:
  - {uid: )",
                        getuid(), R"(, issue: ["*"]}
logging: {level: warn}
)");
  }
  const pid_t pid = StartTokend(absl::GetFlag(FLAGS_tokend),
                                dir + "/tokend.yaml", dir + "/tokend.log");

  std::vector<std::unique_ptr<TokenService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // A distinct connection per channel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("renewal_load.channel", i);
    stubs.push_back(TokenService::NewStub(grpc::CreateCustomChannel(
        "unix:" + socket, grpc::InsecureChannelCredentials(), args)));
  }
  if (!WaitReady(stubs[0].get(), absl::Seconds(60))) {
    std::fprintf(stderr, "tokend did not start; log in %s/tokend.log\n",
                 dir.c_str());
    kill(pid, SIGKILL);
    return 1;
  }
  const int64_t rss_before = RssKib(pid);

  // Open, keeping at most open_window subscribes awaiting their first event.
  Totals totals;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> ttl(ttl_min, ttl_max);
  std::vector<std::unique_ptr<Stream>> streams;
  streams.reserve(count);
  const absl::Time open_start = absl::Now();
  const int window = absl::GetFlag(FLAGS_open_window);
  for (int i = 0; i < count; ++i) {
    while (totals.pending_open.load() >= window && totals.errors.load() == 0) {
      absl::SleepFor(absl::Milliseconds(1));  // client-side pacing only
    }
    totals.pending_open.fetch_add(1);
    streams.push_back(
        std::make_unique<Stream>(stubs[i % channels].get(), &totals, ttl(rng)));
  }
  while (totals.opened.load() + totals.errors.load() <
             static_cast<uint64_t>(count) &&
         absl::Now() - open_start < absl::Minutes(10)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Duration open_time = absl::Now() - open_start;
  const int64_t rss_open = RssKib(pid);

  // Steady phase.
  int seconds = absl::GetFlag(FLAGS_seconds);
  if (seconds <= 0) seconds = static_cast<int>(0.75 * ttl_max) + 5;
  const double cpu_start = CpuSeconds(pid);
  const absl::Time steady_start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const double steady_wall = absl::ToDoubleSeconds(absl::Now() - steady_start);
  const double cpu = (CpuSeconds(pid) - cpu_start) / steady_wall;
  const int64_t rss_end = RssKib(pid);
  const uint64_t renewals = totals.lag.count();
  const std::string server_lag = ServerLag(FetchMetrics(http_port));

  for (auto& s : streams) s->Cancel();
  const absl::Time cancel_deadline = absl::Now() + absl::Seconds(60);
  while (totals.done.load() < streams.size() && absl::Now() < cancel_deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid, SIGTERM);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);

  const double per_sub_kib =
      count > 0 ? static_cast<double>(rss_open - rss_before) / count : 0;
  const double p50 = totals.lag.QuantileMs(0.50);
  const double p99 = totals.lag.QuantileMs(0.99);
  std::printf(
      "subscriptions          %d over %d connections (opened %llu in %.1f s)\n",
      count, channels, static_cast<unsigned long long>(totals.opened.load()),
      absl::ToDoubleSeconds(open_time));
  std::printf("ttl                    uniform %d-%d s\n", ttl_min, ttl_max);
  std::printf(
      "steady phase           %.1f s, %llu renewals (%.0f/s), %llu of %d "
      "renewed at least once\n",
      steady_wall, static_cast<unsigned long long>(renewals),
      renewals / (steady_wall + absl::ToDoubleSeconds(open_time)),
      static_cast<unsigned long long>(totals.renewed_once.load()), count);
  std::printf(
      "renewal lag            p50 %.1f ms  p99 %.1f ms  max %.1f ms   (target "
      "p99 <= 50 ms)\n",
      p50, p99, totals.lag.MaxMs());
  std::printf("server-side lag         %s (histogram buckets)\n",
              server_lag.c_str());
  std::printf("late tokens            %llu   (target 0)\n",
              static_cast<unsigned long long>(totals.late.load()));
  std::printf(
      "server RSS             %lld KiB idle, %lld KiB open, %lld KiB at end\n",
      static_cast<long long>(rss_before), static_cast<long long>(rss_open),
      static_cast<long long>(rss_end));
  std::printf("RSS per subscription   %.2f KiB   (target <= 24 KiB)\n",
              per_sub_kib);
  std::printf("server CPU (steady)    %.3f cores\n", cpu);
  std::printf("client errors          %llu%s%s\n",
              static_cast<unsigned long long>(totals.errors.load()),
              totals.first_error.empty() ? "" : "  first: ",
              totals.first_error.c_str());
  const bool missed = p99 > 50 || totals.late.load() > 0 || per_sub_kib > 24 ||
                      totals.errors.load() > 0 ||
                      totals.opened.load() < static_cast<uint64_t>(count);
  std::printf("%s\n", missed ? "TARGET MISSED" : "all targets met");
  std::string cleanup = "rm -rf '" + dir + "'";
  if (std::system(cleanup.c_str()) != 0)
    std::fprintf(stderr, "cleanup failed\n");
  return missed ? 2 : 0;
}
