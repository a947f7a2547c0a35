// The Google Benchmark reporter core_bench and profiles_bench share: it
// prints as the console reporter does and keeps ops per CPU-second per
// benchmark (e.g. "HS256/tokend_sign") for the ratio tables. CPU time, not
// wall time: the machine is shared, and a single-threaded operation's CPU
// cost is what the ratios compare.
#ifndef TOKEND_BENCH_OPS_REPORTER_H_
#define TOKEND_BENCH_OPS_REPORTER_H_

#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace tokend::bench {

class OpsReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.cpu_accumulated_time <= 0) continue;
      // The median aggregate arrives after the single runs and wins.
      const bool median = run.run_type == Run::RT_Aggregate &&
                          run.aggregate_name == "median";
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

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_OPS_REPORTER_H_
