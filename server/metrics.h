// Every Prometheus metric tokend exports, declared in one place (Envoy's
// stats.h style). Labels are bounded: method names, status codes, reasons,
// configured tenant and profile names; never subjects, token ids or tokens.
//
//   tokend_rpc_handled_total{method,code}            counter
//   tokend_rpc_duration_seconds{method}              histogram
//   tokend_tokens_issued_total{tenant,profile}       counter (issue, renew)
//   tokend_verifications_total{tenant,profile,reason} counter (reason "OK")
//   tokend_revocations_total{tenant}                 counter
//   tokend_active_streams{method}                    gauge
//   tokend_config_reloads_total{result="ok|failed"}  counter
//   tokend_rate_limited_total{method}                counter
//   tokend_build_info{version}                       gauge (always 1)
//
// Thread-safe: every method may be called from any thread.
#ifndef TOKEND_SERVER_METRICS_H_
#define TOKEND_SERVER_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tokend {

class Metrics {
 public:
  // The process-wide instance.
  static Metrics& Get();

  void RpcHandled(absl::string_view method, absl::string_view code,
                  absl::Duration latency);
  void TokenIssued(absl::string_view tenant, absl::string_view profile);
  void Verified(absl::string_view tenant, absl::string_view profile,
                absl::string_view reason);
  void Revoked(absl::string_view tenant);
  void StreamOpened(absl::string_view method);
  void StreamClosed(absl::string_view method);
  void ConfigReload(bool ok);
  void RateLimited(absl::string_view method);

  // The classic Prometheus text exposition (text/plain; version=0.0.4).
  std::string ExpositionText() const;

 private:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& rpc_handled_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  prometheus::Family<prometheus::Counter>& tokens_issued_;
  prometheus::Family<prometheus::Counter>& verifications_;
  prometheus::Family<prometheus::Counter>& revocations_;
  prometheus::Family<prometheus::Gauge>& active_streams_;
  prometheus::Family<prometheus::Counter>& config_reloads_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  prometheus::Family<prometheus::Gauge>& build_info_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_METRICS_H_
