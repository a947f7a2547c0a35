// The trusted issuers' key-set metrics, computed at scrape time from the
// sets' status (core/identity/remote_key_set.h):
//
//   tokend_issuer_jwks_last_success_timestamp_seconds{issuer}  gauge
//   tokend_issuer_jwks_keys{issuer}                            gauge
//   tokend_issuer_jwks_ready{issuer}                           gauge 0/1
//   tokend_issuer_jwks_fetches_total{issuer}                   counter
//   tokend_issuer_jwks_fetch_failures_total{issuer,reason}     counter
//
// A key set counts its failures, not each one's reason, so the failures
// seen since the previous scrape are attributed to the reason of the last
// one (exact when a scrape sees at most one kind of failure between two
// scrapes, the common case: an issuer down answers the same way), or to
// "unknown" when a success came after them.
//
// Threads: Collect from the HTTP threads that scrape; internally locked.
#ifndef TOKEND_SERVER_OBSERVABILITY_ISSUER_METRICS_H_
#define TOKEND_SERVER_OBSERVABILITY_ISSUER_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/identity/remote_key_set.h"
#include "prometheus/metric_family.h"

namespace tokend {

class IssuerMetrics {
 public:
  std::vector<prometheus::MetricFamily> Collect(
      const std::vector<identity::KeySetStatus>& statuses);

 private:
  absl::Mutex mu_;
  // Per issuer: the set's fetch_failures at the previous scrape.
  std::map<std::string, uint64_t> seen_ ABSL_GUARDED_BY(mu_);
  // (issuer, reason) -> failures attributed so far.
  std::map<std::pair<std::string, std::string>, uint64_t> failures_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_OBSERVABILITY_ISSUER_METRICS_H_
