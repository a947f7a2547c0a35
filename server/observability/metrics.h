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
//   tokend_config_last_reload_successful             gauge (1: the last load
//                                                    or reload applied)
//   tokend_config_last_reload_success_timestamp_seconds gauge (Unix time of
//                                                    the last applied config)
//   tokend_rate_limited_total{method}                counter
//   tokend_build_info{version}                       gauge (always 1)
//   tokend_subscriptions_active                      gauge
//   tokend_renewals_delivered_total{reason}          counter (event reason)
//   tokend_renewal_issue_failures_total{reason}      counter (core reason)
//   tokend_renewal_retries_total                     counter
//   tokend_subscriptions_ended_revoked_total         counter
//   tokend_subscriptions_refused_total{cap="caller|global"} counter
//   tokend_renewal_lag_seconds                       histogram (delivery
//                                                    minus planned refresh)
//   tokend_subscription_writes_coalesced_total       counter (latest wins)
//   tokend_key_reload_failures_total{tenant}         counter (managed keys
//                                                    that failed to load)
//   tokend_key_unsafe_removals_total{tenant}         counter (signing keys
//                                                    removed with no
//                                                    retirement recorded)
//   tokend_keys{tenant,status="pending|active|retired"} gauge
//   tokend_signing_key_available{tenant}             gauge (1: the jwt tenant
//                                                    can sign now, 0: cannot)
//   tokend_signing_key_expiry_timestamp_seconds{tenant} gauge (generated
//                       keys with a rotation_period: when the signing key's
//                       period ends; absent for keys that do not expire)
//   tokend_revocations_by_kind_total{kind,origin}    counter (kind token_id|
//                       subject|tenant; origin local|remote: another replica)
//   tokend_revocation_store_healthy{store}           gauge (1 healthy, 0 not)
//   tokend_revocation_issuing_refused                gauge (1: fail-closed
//                                                    and the store is down)
//   tokend_revocation_store_pending                  gauge (not yet durable)
//   tokend_revocation_entries                        gauge (in the index)
//   tokend_revocation_store_write_failures_total     counter
//   tokend_revocation_store_write_seconds            histogram
//   tokend_revocations_dropped_at_shutdown_total{kind} counter (enforced
//                       here only, not durable when tokend stopped)
//   tokend_ext_authz_checks_total{tenant,mode,outcome,reason} counter
//                       (Envoy ext_authz Check; outcome allowed|denied|
//                       invalid|unavailable; tenant "" when none matched)
//   tokend_ext_authz_check_duration_seconds{mode} histogram
//   tokend_exchange_total{rule,outcome,via}          counter (identity
//                       exchange; outcome allowed, a denial of the policy,
//                       invalid_subject_token, invalid_actor_token,
//                       invalid_request, not_configured, issue_failed; rule
//                       "" when none applied; via grpc|oauth2|agora)
//   tokend_verify_cache_hits_total{tenant}           counter (verified-token
//                       cache; with _misses_total and _evictions_total,
//                       totals over every cache the tenant has had, so a
//                       reload never resets them)
//   tokend_verify_cache_misses_total{tenant}         counter
//   tokend_verify_cache_evictions_total{tenant}      counter (expired,
//                       untrusted key or over a bound)
//   tokend_verify_cache_bytes{tenant}                gauge (the live cache;
//                       absent for tenants no longer configured)
//   tokend_verify_cache_entries{tenant}              gauge
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}   counter
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//                                                    counter (go-grpc-
//                                                    prometheus names)
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//                                                    histogram
//   process_*                                        the standard process
//                                                    metrics
//                                                    (process_metrics.h)
//
// A labelled family with no series yet is still exposed (# HELP and # TYPE
// lines, no samples), so dashboards and alert rules find every name from
// the first scrape.
//
// Thread-safe: every method may be called from any thread.
#ifndef TOKEND_SERVER_OBSERVABILITY_METRICS_H_
#define TOKEND_SERVER_OBSERVABILITY_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace tokend {

// One tenant's verified-token cache, as read at scrape time. The counts
// are the tenant's totals (never going back); `live` tells whether the
// tenant has a cache now (bytes and entries are then its gauges).
struct VerifyCacheSample {
  std::string tenant;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  bool live = false;
  int64_t bytes = 0;
  int64_t entries = 0;
};

class Metrics {
 public:
  // The process-wide instance.
  static Metrics& Get();

  void RpcHandled(absl::string_view method, absl::string_view code,
                  absl::Duration latency);
  // The go-grpc-prometheus series (grpc_method_info.h gives the labels).
  void GrpcStarted(absl::string_view service, absl::string_view method,
                   absl::string_view type);
  void GrpcHandled(absl::string_view service, absl::string_view method,
                   absl::string_view type, absl::string_view code,
                   absl::Duration latency);
  void TokenIssued(absl::string_view tenant, absl::string_view profile);
  void Verified(absl::string_view tenant, absl::string_view profile,
                absl::string_view reason);
  void Revoked(absl::string_view tenant);
  void StreamOpened(absl::string_view method);
  void StreamClosed(absl::string_view method);
  // A reload's outcome; also sets the last-reload gauges.
  void ConfigReload(bool ok);
  // The configuration tokend started with: the gauges only.
  void ConfigLoaded();
  void RateLimited(absl::string_view method);
  // Managed keys (key_registry.h).
  void KeyReloadFailed(absl::string_view tenant);
  // A signing key's file vanished with no retirement recorded.
  void KeyUnsafeRemoval(absl::string_view tenant);
  void SetKeyCount(absl::string_view tenant, absl::string_view status,
                   int count);
  // A jwt tenant's signer: whether it has one, and when its rotation
  // period ends (InfiniteFuture: never; the series is then not exported).
  void SetSigningKey(absl::string_view tenant, bool available,
                     absl::Time expiry);
  // Drops the signing-key series of jwt tenants not in `tenants` (removed
  // by a reload), so no alert fires for a tenant that is gone.
  void KeepSigningKeyTenants(const std::vector<std::string>& tenants);
  // Revocations: `origin` is "local" (RevokeToken here) or "remote".
  void RevocationAdded(absl::string_view kind, absl::string_view origin);
  void RevocationStoreWrite(absl::Duration latency, bool ok);
  void RevocationStoreState(absl::string_view store, bool healthy,
                            bool refusing, size_t pending, size_t entries);
  void RevocationDroppedAtShutdown(absl::string_view kind);
  // Envoy ext_authz (server/ext_authz/).
  void ExtAuthzChecked(absl::string_view tenant, absl::string_view mode,
                       absl::string_view outcome, absl::string_view reason,
                       absl::Duration latency);
  // Identity exchange (server/api/exchange_token.h).
  void Exchanged(absl::string_view rule, absl::string_view outcome,
                 absl::string_view via);

  // Renewal (SubscribeToken). `reason` of a delivery is the event reason's
  // lower-case name; `lag` is absent for first events.
  void SubscriptionsActive(int delta);
  void RenewalDelivered(absl::string_view reason, absl::Duration lag,
                        bool has_lag);
  void RenewalIssueFailed(absl::string_view reason);
  void RenewalRetry();
  void SubscriptionEndedRevoked();
  void SubscriptionRefused(bool per_caller);
  void SubscriptionWriteCoalesced();
  // A listener's accept() failed (`error`: "EMFILE", "ENFILE", ...).
  void AcceptError(absl::string_view listener, absl::string_view error);
  // A connection closed at accept: its peer held too many.
  void ConnectionRefused(absl::string_view listener);
  // A request whose message could not be parsed (method: the RPC name).
  void MalformedRequest(absl::string_view method);

  // The verified-token cache series are read at scrape time from `source`
  // (the server's tenants; server.cc). Null: none (the families are still
  // exposed, empty). The caller clears it before what it reads goes away.
  void SetVerifyCacheSource(
      std::function<std::vector<VerifyCacheSample>()> source);

  // The classic Prometheus text exposition (text/plain; version=0.0.4).
  std::string ExpositionText() const;

  // Families computed at scrape time by their owner (the trusted issuers'
  // key sets: issuer_metrics.h), appended to the exposition. One collector;
  // a later call replaces it, nullptr removes it. It runs on the HTTP
  // thread that scrapes and must not block.
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  void SetCollector(Collector collector);

 private:
  Metrics();

  mutable absl::Mutex collector_mu_;
  Collector collector_ ABSL_GUARDED_BY(collector_mu_);
  // The # HELP / # TYPE of every labelled family, without samples.
  std::vector<prometheus::MetricFamily> headers_;

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
  // Renewal: unlabelled series are resolved once (hot path at ~2,000/s).
  prometheus::Gauge& subscriptions_active_;
  prometheus::Family<prometheus::Counter>& renewals_delivered_;
  prometheus::Family<prometheus::Counter>& renewal_issue_failures_;
  prometheus::Counter& renewal_retries_;
  prometheus::Counter& subscriptions_ended_revoked_;
  prometheus::Family<prometheus::Counter>& subscriptions_refused_;
  prometheus::Histogram& renewal_lag_;
  prometheus::Counter& writes_coalesced_;
  // Managed keys; registered in the constructor's body.
  prometheus::Family<prometheus::Counter>* key_reload_failures_ = nullptr;
  prometheus::Family<prometheus::Counter>* key_unsafe_removals_ = nullptr;
  prometheus::Family<prometheus::Gauge>* keys_ = nullptr;
  prometheus::Family<prometheus::Counter>* revocations_by_kind_ = nullptr;
  prometheus::Family<prometheus::Gauge>* revocation_store_healthy_ = nullptr;
  prometheus::Gauge* revocation_refusing_ = nullptr;
  prometheus::Gauge* revocation_pending_ = nullptr;
  prometheus::Gauge* revocation_entries_ = nullptr;
  prometheus::Counter* revocation_write_failures_ = nullptr;
  prometheus::Histogram* revocation_write_seconds_ = nullptr;
  prometheus::Family<prometheus::Counter>* revocations_dropped_ = nullptr;
  prometheus::Family<prometheus::Counter>* ext_authz_checks_ = nullptr;
  prometheus::Family<prometheus::Histogram>* ext_authz_duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* exchanges_ = nullptr;
  prometheus::Family<prometheus::Gauge>* signing_key_available_ = nullptr;
  // Tenants with signing-key series (prometheus-cpp cannot list a family's
  // label sets).
  absl::Mutex signing_key_mu_;
  std::vector<std::string> signing_key_tenants_
      ABSL_GUARDED_BY(signing_key_mu_);
  prometheus::Family<prometheus::Gauge>* signing_key_expiry_ = nullptr;
  prometheus::Gauge* config_last_reload_ok_ = nullptr;
  prometheus::Gauge* config_last_reload_time_ = nullptr;
  prometheus::Family<prometheus::Counter>* grpc_started_ = nullptr;
  prometheus::Family<prometheus::Counter>* grpc_handled_ = nullptr;
  prometheus::Family<prometheus::Histogram>* grpc_handling_ = nullptr;
  prometheus::Family<prometheus::Counter>* accept_errors_ = nullptr;
  prometheus::Family<prometheus::Counter>* connections_refused_ = nullptr;
  prometheus::Family<prometheus::Counter>* malformed_requests_ = nullptr;
  mutable absl::Mutex verify_cache_mu_;
  std::function<std::vector<VerifyCacheSample>()> verify_cache_source_
      ABSL_GUARDED_BY(verify_cache_mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_OBSERVABILITY_METRICS_H_
