#include "server/observability/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace tokend {
namespace {

std::optional<std::string> ReadProcFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The fields of /proc/self/stat after the command name, which may contain
// spaces and parentheses: the text after the last ')'. fields[0] is the
// state (field 3 of proc(5)), so field N of proc(5) is fields[N - 3].
std::vector<std::string> StatFields() {
  const std::optional<std::string> stat = ReadProcFile("/proc/self/stat");
  if (!stat) return {};
  const size_t paren = stat->rfind(')');
  if (paren == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(*stat).substr(paren + 1), ' ',
                        absl::SkipEmpty());
}

std::optional<double> StatNumber(const std::vector<std::string>& fields,
                                 int proc5_field) {
  const size_t index = static_cast<size_t>(proc5_field - 3);
  double value = 0;
  if (index >= fields.size() || !absl::SimpleAtod(fields[index], &value)) {
    return std::nullopt;
  }
  return value;
}

// The boot time (btime of /proc/stat), in Unix seconds.
std::optional<double> BootTime() {
  const std::optional<std::string> stat = ReadProcFile("/proc/stat");
  if (!stat) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

void Add(std::vector<prometheus::MetricFamily>* out, const char* name,
         const char* help, prometheus::MetricType type,
         std::optional<double> value) {
  if (!value) return;
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = *value;
  } else {
    metric.gauge.value = *value;
  }
  family.metric.push_back(std::move(metric));
  out->push_back(std::move(family));
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectProcessMetrics() {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const long page = sysconf(_SC_PAGESIZE);
  std::vector<prometheus::MetricFamily> out;
  const std::vector<std::string> stat = StatFields();
  const std::optional<double> utime = StatNumber(stat, 14);
  const std::optional<double> stime = StatNumber(stat, 15);
  std::optional<double> cpu;
  if (utime && stime && ticks > 0) cpu = (*utime + *stime) / ticks;
  Add(&out, "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds.",
      prometheus::MetricType::Counter, cpu);
  std::optional<double> rss = StatNumber(stat, 24);
  if (rss) *rss *= static_cast<double>(page);
  Add(&out, "process_resident_memory_bytes", "Resident memory size in bytes.",
      prometheus::MetricType::Gauge, rss);
  Add(&out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
      prometheus::MetricType::Gauge, StatNumber(stat, 23));
  Add(&out, "process_open_fds", "Number of open file descriptors.",
      prometheus::MetricType::Gauge, OpenFds());
  std::optional<double> max_fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    max_fds = static_cast<double>(limit.rlim_cur);
  }
  Add(&out, "process_max_fds", "Maximum number of open file descriptors.",
      prometheus::MetricType::Gauge, max_fds);
  // The start time never changes: computed once.
  static const std::optional<double> start = [&]() -> std::optional<double> {
    const std::optional<double> since_boot = StatNumber(stat, 22);
    const std::optional<double> boot = BootTime();
    if (!since_boot || !boot || ticks <= 0) return std::nullopt;
    return *boot + *since_boot / ticks;
  }();
  Add(&out, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      prometheus::MetricType::Gauge, start);
  return out;
}

}  // namespace tokend
