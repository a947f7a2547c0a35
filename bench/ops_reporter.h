// What core_bench and profiles_bench share: a Google Benchmark reporter
// that prints as the console reporter does and keeps ops per CPU-second per
// benchmark (e.g. "HS256/tokend_sign") for the ratio tables, and their
// start-up. CPU time, not wall time: the machine is shared, and a
// single-threaded operation's CPU cost is what the ratios compare.
#ifndef TOKEND_BENCH_OPS_REPORTER_H_
#define TOKEND_BENCH_OPS_REPORTER_H_

#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace tokend::bench {

class OpsReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.cpu_accumulated_time <= 0) continue;
      // The median aggregate arrives after the single runs and wins.
      const bool median =
          run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      ops_per_second_[run.run_name.function_name] =
          static_cast<double>(run.iterations) / run.cpu_accumulated_time;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // 0 when the benchmark did not run (filtered out or failed).
  double Get(const std::string& name) const {
    auto it = ops_per_second_.find(name);
    return it == ops_per_second_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> ops_per_second_;
};

// benchmark::Initialize, with the repetitions of all benchmarks run in a
// random interleaved order unless the command line says otherwise. On a
// shared machine a busy spell of a few milliseconds then slows one run of
// several benchmarks, which the median drops, rather than every run of one
// benchmark, which would skew its ratio.
inline void Initialize(int* argc, char** argv) {
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  std::vector<char*> args(argv, argv + *argc);
  args.insert(args.begin() + (args.empty() ? 0 : 1), interleave);
  args.push_back(nullptr);
  int remaining = static_cast<int>(args.size()) - 1;
  benchmark::Initialize(&remaining, args.data());
  // The added flag is always consumed, so what remains fits in argv.
  *argc = std::min(remaining, *argc);
  for (int i = 0; i < *argc; ++i) argv[i] = args[i];
}

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_OPS_REPORTER_H_
