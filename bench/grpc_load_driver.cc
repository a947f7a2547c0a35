#include "bench/grpc_load_driver.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tokend::bench {
namespace {

// No call of a healthy server takes this long; a stuck one fails the run.
constexpr absl::Duration kCallDeadline = absl::Seconds(60);
constexpr absl::Duration kDrainDeadline = absl::Seconds(120);

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i =
      static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
  return static_cast<double>(sorted[i]) / 1000.0;
}

}  // namespace

LoadDriver::LoadDriver(size_t inflight) : slots_(inflight) {
  for (size_t i = 0; i < slots_.size(); ++i) slots_[i].index = i;
}

PhaseResult LoadDriver::Run(const StartCall& start, absl::Duration warmup,
                            absl::Duration seconds) {
  return Drive(start, -1, warmup, seconds);
}

PhaseResult LoadDriver::RunCount(const StartCall& start, int64_t total) {
  return Drive(start, total, absl::ZeroDuration(), absl::ZeroDuration());
}

void LoadDriver::Launch(Slot& slot) {
  int64_t seq = 0;
  if (total_ >= 0) {
    seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
    if (seq >= total_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) idle_.notify_all();
      return;
    }
  }
  slot.context = std::make_unique<grpc::ClientContext>();
  slot.context->AddMetadata("tokend-request", "1");
  slot.context->set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  slot.start_ns = NowNs();
  (*start_)(slot.index, seq, slot.context.get(),
            [this, &slot](grpc::Status status) { OnDone(slot, status); });
}

void LoadDriver::OnDone(Slot& slot, const grpc::Status& status) {
  const int64_t end_ns = NowNs();
  const int phase = phase_.load(std::memory_order_acquire);
  if (!status.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    if (first_error_.empty()) {
      first_error_ = absl::StrCat("code ", status.error_code(), ": ",
                                  status.error_message());
    }
    // A failed slot stops: the run fails anyway, and a failing channel
    // must not turn into a tight retry loop.
    if (--active_ == 0) idle_.notify_all();
    return;
  }
  if (phase == kMeasure) slot.latencies_ns.push_back(end_ns - slot.start_ns);
  if (phase == kStop) {
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) idle_.notify_all();
    return;
  }
  Launch(slot);
}

PhaseResult LoadDriver::Drive(const StartCall& start, int64_t total,
                              absl::Duration warmup, absl::Duration seconds) {
  start_ = &start;
  total_ = total;
  next_seq_.store(0);
  errors_.store(0);
  for (Slot& slot : slots_) {
    slot.latencies_ns.clear();
    slot.latencies_ns.reserve(1 << 14);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    first_error_.clear();
    active_ = slots_.size();
  }
  phase_.store(total >= 0 ? kMeasure : kWarmup, std::memory_order_release);
  int64_t measure_start = NowNs();
  for (Slot& slot : slots_) Launch(slot);
  int64_t measure_end = 0;
  if (total < 0) {
    // The phase clock: the calls run on gRPC's threads meanwhile.
    absl::SleepFor(warmup);
    measure_start = NowNs();
    phase_.store(kMeasure, std::memory_order_release);
    absl::SleepFor(seconds);
    phase_.store(kStop, std::memory_order_release);
    measure_end = NowNs();
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!idle_.wait_until(lock,
                          absl::ToChronoTime(absl::Now() + kDrainDeadline),
                          [&] { return active_ == 0; })) {
      std::fprintf(stderr, "grpc_load: calls still outstanding after %s\n",
                   absl::FormatDuration(kDrainDeadline).c_str());
      std::exit(1);
    }
  }
  if (total >= 0) measure_end = NowNs();
  phase_.store(kStop, std::memory_order_release);

  PhaseResult result;
  std::vector<int64_t> all;
  for (Slot& slot : slots_) {
    all.insert(all.end(), slot.latencies_ns.begin(), slot.latencies_ns.end());
    slot.context.reset();
  }
  std::sort(all.begin(), all.end());
  result.calls = static_cast<int64_t>(all.size());
  result.errors = errors_.load();
  {
    std::lock_guard<std::mutex> lock(mu_);
    result.first_error = first_error_;
  }
  result.seconds = static_cast<double>(measure_end - measure_start) / 1e9;
  result.qps = result.seconds > 0
                   ? static_cast<double>(result.calls) / result.seconds
                   : 0;
  result.p50_us = Percentile(all, 0.50);
  result.p99_us = Percentile(all, 0.99);
  result.p999_us = Percentile(all, 0.999);
  return result;
}

}  // namespace tokend::bench
