#include "server/observability/issuer_metrics.h"

#include "absl/strings/ascii.h"
#include "core/reason.h"

namespace tokend {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

prometheus::ClientMetric Sample(const std::string& issuer, double value,
                                bool counter) {
  prometheus::ClientMetric metric;
  metric.label.push_back({"issuer", issuer});
  if (counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> IssuerMetrics::Collect(
    const std::vector<identity::KeySetStatus>& statuses) {
  using prometheus::MetricType;
  prometheus::MetricFamily last_success =
      Family("tokend_issuer_jwks_last_success_timestamp_seconds",
             "When the issuer's keys were last fetched successfully (Unix "
             "time; absent before the first success).",
             MetricType::Gauge);
  prometheus::MetricFamily keys =
      Family("tokend_issuer_jwks_keys",
             "Keys of the issuer's set in use (0 before the first success).",
             MetricType::Gauge);
  prometheus::MetricFamily ready = Family(
      "tokend_issuer_jwks_ready",
      "1 when the issuer's key set is serving, else 0.", MetricType::Gauge);
  prometheus::MetricFamily fetches =
      Family("tokend_issuer_jwks_fetches_total",
             "Fetch attempts of the issuer's keys, successful or not.",
             MetricType::Counter);
  prometheus::MetricFamily failed =
      Family("tokend_issuer_jwks_fetch_failures_total",
             "Failed fetches of the issuer's keys, by reason code.",
             MetricType::Counter);
  absl::MutexLock lock(&mu_);
  for (const identity::KeySetStatus& status : statuses) {
    if (status.last_success != absl::InfinitePast()) {
      last_success.metric.push_back(
          Sample(status.name,
                 absl::ToDoubleSeconds(status.last_success - absl::UnixEpoch()),
                 false));
    }
    keys.metric.push_back(Sample(
        status.name, status.ready ? static_cast<double>(status.key_count) : 0,
        false));
    ready.metric.push_back(Sample(status.name, status.ready ? 1 : 0, false));
    fetches.metric.push_back(
        Sample(status.name, static_cast<double>(status.fetches), true));
    uint64_t& seen = seen_[status.name];
    // A new set for this issuer (its config changed) counts from zero.
    if (status.fetch_failures < seen) seen = 0;
    if (status.fetch_failures > seen) {
      // A success since the failures cleared their reason: "unknown".
      const std::string reason =
          status.last_error_reason == Reason::kOk
              ? std::string("unknown")
              : absl::AsciiStrToLower(ReasonName(status.last_error_reason));
      failures_[{status.name, reason}] += status.fetch_failures - seen;
      seen = status.fetch_failures;
    }
  }
  for (const auto& [key, count] : failures_) {
    prometheus::ClientMetric metric = Sample(key.first, count, true);
    metric.label.push_back({"reason", key.second});
    failed.metric.push_back(std::move(metric));
  }
  return {std::move(last_success), std::move(keys), std::move(ready),
          std::move(fetches), std::move(failed)};
}

}  // namespace tokend
