// The standard Prometheus `process_*` metrics (as client_golang and
// client_python export them), read from /proc/self at scrape time;
// prometheus-cpp 1.0.1 (Debian 12) has no process collector:
//
//   process_cpu_seconds_total       counter  user + system CPU time
//   process_resident_memory_bytes   gauge    RSS
//   process_virtual_memory_bytes    gauge    virtual memory size
//   process_open_fds                gauge    entries of /proc/self/fd
//   process_max_fds                 gauge    RLIMIT_NOFILE (soft)
//   process_start_time_seconds      gauge    Unix time the process started
//
// A family whose source cannot be read is left out of the scrape rather
// than reported as 0. Runs on the HTTP server's worker threads (reads
// procfs, never on a gRPC thread); thread-safe.
#ifndef TOKEND_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
#define TOKEND_SERVER_OBSERVABILITY_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/metric_family.h"

namespace tokend {

std::vector<prometheus::MetricFamily> CollectProcessMetrics();

}  // namespace tokend

#endif  // TOKEND_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
