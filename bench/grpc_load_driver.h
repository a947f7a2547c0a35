// The closed-loop load generator of grpc_load: keeps exactly `inflight`
// unary calls outstanding over a fixed set of channels (slot i uses channel
// i % channels) and starts the next call of a slot from the completion of
// the previous one, so the offered load adapts to the server.
//
// Threads: Run/RunCount are called from the main thread and block; the
// completions run on gRPC's callback threads and only touch their own slot
// (plus a few atomics), so no lock is taken on the call path.
#ifndef TOKEND_BENCH_GRPC_LOAD_DRIVER_H_
#define TOKEND_BENCH_GRPC_LOAD_DRIVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace tokend::bench {

// Starts one call for `slot` (its `seq`-th call in a RunCount) on `context`
// and calls `done` exactly once with its status. `slot` < inflight; the
// function owns per-slot response storage so slots never share one.
using StartCall =
    std::function<void(size_t slot, int64_t seq, grpc::ClientContext* context,
                       std::function<void(grpc::Status)> done)>;

struct PhaseResult {
  int64_t calls = 0;   // completed in the measured window
  int64_t errors = 0;  // failed calls (any phase part)
  std::string first_error;
  double seconds = 0;  // the measured window
  double qps = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
};

class LoadDriver {
 public:
  explicit LoadDriver(size_t inflight);

  // Warms up for `warmup`, then measures the calls completed during
  // `seconds`; returns once every call has finished.
  PhaseResult Run(const StartCall& start, absl::Duration warmup,
                  absl::Duration seconds);

  // Makes exactly `total` calls (seq 0..total-1) and measures them all.
  PhaseResult RunCount(const StartCall& start, int64_t total);

 private:
  enum Phase : int { kWarmup, kMeasure, kStop };

  struct Slot {
    size_t index = 0;
    int64_t start_ns = 0;
    std::unique_ptr<grpc::ClientContext> context;
    std::vector<int64_t> latencies_ns;
  };

  void Launch(Slot& slot);
  void OnDone(Slot& slot, const grpc::Status& status);
  // Starts every slot and blocks until `stop` says so and all calls ended.
  PhaseResult Drive(const StartCall& start, int64_t total,
                    absl::Duration warmup, absl::Duration seconds);

  std::vector<Slot> slots_;
  const StartCall* start_ = nullptr;
  std::atomic<int> phase_{kStop};
  // RunCount: the next sequence number and the total (-1: unbounded).
  std::atomic<int64_t> next_seq_{0};
  int64_t total_ = -1;
  std::atomic<int64_t> errors_{0};

  std::mutex mu_;
  std::condition_variable idle_;
  size_t active_ = 0;        // slots with a call outstanding; guarded by mu_
  std::string first_error_;  // guarded by mu_
};

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_GRPC_LOAD_DRIVER_H_
