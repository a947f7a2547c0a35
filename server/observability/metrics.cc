#include "server/observability/metrics.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "prometheus/text_serializer.h"
#include "server/observability/process_metrics.h"

namespace tokend {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Latency buckets from 50 µs to 2.5 s: token calls are sub-millisecond
// except RSA signing.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
  return *buckets;
}

// The hot path's metric handles, cached per thread by family and label
// values, so that after a combination's first use on a thread a call costs
// one hash lookup: no std::map of labels, no family mutex. Each thread
// touches only its own cache. A handle stays valid for the process's life:
// tokend never removes a metric from a family.
struct HandleCache {
  std::string key;  // scratch, reused so lookups do not allocate
  absl::flat_hash_map<std::string, void*> handles;
};

// The handle of `family` for the label `values` (in the family's label
// order); on this thread's first use, `add` creates or finds it.
template <typename T, typename Add>
T& Cached(const void* family, std::initializer_list<absl::string_view> values,
          const Add& add) {
  thread_local HandleCache cache;
  std::string& key = cache.key;
  key.assign(reinterpret_cast<const char*>(&family), sizeof(family));
  for (absl::string_view v : values) {
    // Length-prefixed, so no two value lists share a key.
    const uint32_t size = static_cast<uint32_t>(v.size());
    key.append(reinterpret_cast<const char*>(&size), sizeof(size));
    key.append(v.data(), v.size());
  }
  auto it = cache.handles.find(key);
  if (it != cache.handles.end()) return *static_cast<T*>(it->second);
  T& handle = add();
  cache.handles.emplace(key, &handle);
  return handle;
}

// Renewal lag buckets from 1 ms to 10 s: the target is p99 <= 50 ms.
const prometheus::Histogram::BucketBoundaries& LagBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  return *buckets;
}

// The name, help and type of `family` (# HELP, # TYPE), read by collecting
// a probe series that is removed at once. Constructor only: no scrape runs
// yet.
template <typename T, typename... Args>
prometheus::MetricFamily HeaderOf(prometheus::Family<T>& family,
                                  Args&&... args) {
  T& probe = family.Add({{"tokend_probe", "1"}}, std::forward<Args>(args)...);
  std::vector<prometheus::MetricFamily> collected = family.Collect();
  family.Remove(&probe);
  prometheus::MetricFamily header = std::move(collected.at(0));
  header.metric.clear();
  return header;
}

}  // namespace

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics;
  return *metrics;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      rpc_handled_(BuildCounter()
                       .Name("tokend_rpc_handled_total")
                       .Help("RPCs completed, by method and gRPC status code")
                       .Register(*registry_)),
      rpc_duration_(BuildHistogram()
                        .Name("tokend_rpc_duration_seconds")
                        .Help("RPC handling latency (unary calls)")
                        .Register(*registry_)),
      tokens_issued_(
          BuildCounter()
              .Name("tokend_tokens_issued_total")
              .Help("Tokens issued or renewed, by tenant and profile")
              .Register(*registry_)),
      verifications_(BuildCounter()
                         .Name("tokend_verifications_total")
                         .Help("VerifyToken verdicts by tenant, profile and "
                               "reason (OK when valid)")
                         .Register(*registry_)),
      revocations_(BuildCounter()
                       .Name("tokend_revocations_total")
                       .Help("Revocations recorded, by tenant")
                       .Register(*registry_)),
      active_streams_(BuildGauge()
                          .Name("tokend_active_streams")
                          .Help("Open server streams, by method")
                          .Register(*registry_)),
      config_reloads_(BuildCounter()
                          .Name("tokend_config_reloads_total")
                          .Help("Configuration reloads by result (ok|failed)")
                          .Register(*registry_)),
      rate_limited_(BuildCounter()
                        .Name("tokend_rate_limited_total")
                        .Help("Calls refused by the per-caller rate limit")
                        .Register(*registry_)),
      build_info_(
          BuildGauge()
              .Name("tokend_build_info")
              .Help("Always 1; the version and commit labels say which build")
              .Register(*registry_)),
      subscriptions_active_(BuildGauge()
                                .Name("tokend_subscriptions_active")
                                .Help("Open SubscribeToken subscriptions")
                                .Register(*registry_)
                                .Add({})),
      renewals_delivered_(BuildCounter()
                              .Name("tokend_renewals_delivered_total")
                              .Help("Subscription events handed to gRPC, by "
                                    "event reason")
                              .Register(*registry_)),
      renewal_issue_failures_(BuildCounter()
                                  .Name("tokend_renewal_issue_failures_total")
                                  .Help("Failed re-issues of subscriptions, "
                                        "by reason")
                                  .Register(*registry_)),
      renewal_retries_(BuildCounter()
                           .Name("tokend_renewal_retries_total")
                           .Help("Re-issues retried after a failure (the "
                                 "current token stays in use)")
                           .Register(*registry_)
                           .Add({})),
      subscriptions_ended_revoked_(
          BuildCounter()
              .Name("tokend_subscriptions_ended_revoked_total")
              .Help("Subscriptions ended because their token was revoked")
              .Register(*registry_)
              .Add({})),
      subscriptions_refused_(BuildCounter()
                                 .Name("tokend_subscriptions_refused_total")
                                 .Help("Subscribes refused by the per-caller "
                                       "or the global cap")
                                 .Register(*registry_)),
      renewal_lag_(BuildHistogram()
                       .Name("tokend_renewal_lag_seconds")
                       .Help("Delivery time minus the planned refresh time")
                       .Register(*registry_)
                       .Add({}, LagBuckets())),
      writes_coalesced_(BuildCounter()
                            .Name("tokend_subscription_writes_coalesced_total")
                            .Help("Events replaced by a newer one before "
                                  "their write started (latest wins)")
                            .Register(*registry_)
                            .Add({})) {
  build_info_.Add({{"version", TOKEND_VERSION}, {"commit", TOKEND_GIT_COMMIT}})
      .Set(1);
  key_reload_failures_ = &BuildCounter()
                              .Name("tokend_key_reload_failures_total")
                              .Help(
                                  "Managed key loads that failed (the last "
                                  "good keys stayed), by tenant")
                              .Register(*registry_);
  key_unsafe_removals_ = &BuildCounter()
                              .Name("tokend_key_unsafe_removals_total")
                              .Help(
                                  "Signing keys whose file was removed with "
                                  "no retirement recorded (a one-step swap: "
                                  "restarted replicas reject their tokens), "
                                  "by tenant")
                              .Register(*registry_);
  keys_ = &BuildGauge()
               .Name("tokend_keys")
               .Help("Managed keys of each tenant by lifecycle status")
               .Register(*registry_);
  revocations_by_kind_ = &BuildCounter()
                              .Name("tokend_revocations_by_kind_total")
                              .Help(
                                  "Revocations learnt, by kind and origin "
                                  "(local RevokeToken, remote replica)")
                              .Register(*registry_);
  revocation_store_healthy_ = &BuildGauge()
                                   .Name("tokend_revocation_store_healthy")
                                   .Help(
                                       "1 while the revocation store is "
                                       "reachable and nothing waits for it")
                                   .Register(*registry_);
  revocation_refusing_ = &BuildGauge()
                              .Name("tokend_revocation_issuing_refused")
                              .Help(
                                  "1 while issuing is refused: the store is "
                                  "down and on_store_unavailable is closed")
                              .Register(*registry_)
                              .Add({});
  revocation_pending_ = &BuildGauge()
                             .Name("tokend_revocation_store_pending")
                             .Help(
                                 "Revocations enforced locally, not yet "
                                 "durable in the store")
                             .Register(*registry_)
                             .Add({});
  revocation_entries_ = &BuildGauge()
                             .Name("tokend_revocation_entries")
                             .Help("Live revocations in the in-memory index")
                             .Register(*registry_)
                             .Add({});
  revocation_write_failures_ =
      &BuildCounter()
           .Name("tokend_revocation_store_write_failures_total")
           .Help("Revocation store writes that failed (queued and retried)")
           .Register(*registry_)
           .Add({});
  revocation_write_seconds_ =
      &BuildHistogram()
           .Name("tokend_revocation_store_write_seconds")
           .Help("Latency of durable revocation store writes")
           .Register(*registry_)
           .Add({}, LatencyBuckets());
  revocations_dropped_ =
      &BuildCounter()
           .Name("tokend_revocations_dropped_at_shutdown_total")
           .Help(
               "Revocations not yet durable when tokend stopped (the store "
               "was down): they were enforced by this process only")
           .Register(*registry_);
  for (const char* kind : {"token_id", "subject", "tenant"}) {
    revocations_dropped_->Add({{"kind", kind}});
  }
  accept_errors_ = &BuildCounter()
                        .Name("tokend_accept_errors_total")
                        .Help(
                            "accept() failures of tokend's own listeners "
                            "(EMFILE: out of file descriptors)")
                        .Register(*registry_);
  accept_errors_->Add({{"listener", "unix"}, {"error", "EMFILE"}});
  accept_errors_->Add({{"listener", "tcp"}, {"error", "EMFILE"}});
  accept_errors_->Add({{"listener", "health"}, {"error", "EMFILE"}});
  accept_errors_->Add({{"listener", "tls"}, {"error", "EMFILE"}});
  connections_refused_ =
      &BuildCounter()
           .Name("tokend_connections_refused_total")
           .Help(
               "Connections closed at accept because their peer already "
               "held limits.max_connections_per_peer")
           .Register(*registry_);
  connections_refused_->Add({{"listener", "unix"}});
  connections_refused_->Add({{"listener", "tcp"}});
  connections_refused_->Add({{"listener", "health"}});
  connections_refused_->Add({{"listener", "tls"}});
  malformed_requests_ =
      &BuildCounter()
           .Name("tokend_malformed_requests_total")
           .Help("Requests whose protobuf message could not be parsed")
           .Register(*registry_);
  ext_authz_checks_ = &BuildCounter()
                           .Name("tokend_ext_authz_checks_total")
                           .Help(
                               "Envoy ext_authz Check calls by tenant, mode, "
                               "outcome and reason")
                           .Register(*registry_);
  ext_authz_duration_ = &BuildHistogram()
                             .Name("tokend_ext_authz_check_duration_seconds")
                             .Help("Latency of Envoy ext_authz Check calls")
                             .Register(*registry_);
  exchanges_ = &BuildCounter()
                    .Name("tokend_exchange_total")
                    .Help(
                        "Identity exchanges by rule, outcome and way in "
                        "(grpc, oauth2, agora)")
                    .Register(*registry_);
  signing_key_available_ =
      &BuildGauge()
           .Name("tokend_signing_key_available")
           .Help("1 while the jwt tenant has a key that may sign, 0 if not")
           .Register(*registry_);
  signing_key_expiry_ =
      &BuildGauge()
           .Name("tokend_signing_key_expiry_timestamp_seconds")
           .Help(
               "When the signing key's rotation period ends (generated keys "
               "with a rotation_period); a successor should take over by then")
           .Register(*registry_);
  config_last_reload_ok_ =
      &BuildGauge()
           .Name("tokend_config_last_reload_successful")
           .Help("Whether the last configuration load or reload succeeded")
           .Register(*registry_)
           .Add({});
  config_last_reload_time_ =
      &BuildGauge()
           .Name("tokend_config_last_reload_success_timestamp_seconds")
           .Help("Timestamp of the last successful configuration load")
           .Register(*registry_)
           .Add({});
  grpc_started_ = &BuildCounter()
                       .Name("grpc_server_started_total")
                       .Help("Total number of RPCs started on the server.")
                       .Register(*registry_);
  grpc_handled_ = &BuildCounter()
                       .Name("grpc_server_handled_total")
                       .Help(
                           "Total number of RPCs completed on the server, "
                           "regardless of success or failure.")
                       .Register(*registry_);
  grpc_handling_ = &BuildHistogram()
                        .Name("grpc_server_handling_seconds")
                        .Help(
                            "Histogram of response latency (seconds) of gRPC "
                            "that had been application-level handled by the "
                            "server.")
                        .Register(*registry_);
  for (auto* family : {&rpc_handled_,           &tokens_issued_,
                       &verifications_,         &revocations_,
                       &config_reloads_,        &rate_limited_,
                       &renewals_delivered_,    &renewal_issue_failures_,
                       &subscriptions_refused_, key_reload_failures_,
                       key_unsafe_removals_,    revocations_by_kind_,
                       revocations_dropped_,    grpc_started_,
                       grpc_handled_,           accept_errors_,
                       connections_refused_,    malformed_requests_,
                       ext_authz_checks_,       exchanges_}) {
    headers_.push_back(HeaderOf(*family));
  }
  for (auto* family :
       {&active_streams_, &build_info_, keys_, revocation_store_healthy_,
        signing_key_available_, signing_key_expiry_}) {
    headers_.push_back(HeaderOf(*family));
  }
  for (auto* family : {&rpc_duration_, grpc_handling_, ext_authz_duration_}) {
    headers_.push_back(HeaderOf(*family, LatencyBuckets()));
  }
  // Present from the start so that a scrape shows zeros, not absences.
  config_reloads_.Add({{"result", "ok"}});
  config_reloads_.Add({{"result", "failed"}});
  subscriptions_refused_.Add({{"cap", "caller"}});
  subscriptions_refused_.Add({{"cap", "global"}});
}

void Metrics::RpcHandled(absl::string_view method, absl::string_view code,
                         absl::Duration latency) {
  Cached<prometheus::Counter>(
      &rpc_handled_, {method, code},
      [&]() -> auto& {
        return rpc_handled_.Add(
            {{"method", std::string(method)}, {"code", std::string(code)}});
      })
      .Increment();
  Cached<prometheus::Histogram>(
      &rpc_duration_, {method},
      [&]() -> auto& {
        return rpc_duration_.Add({{"method", std::string(method)}},
                                 LatencyBuckets());
      })
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::ExtAuthzChecked(absl::string_view tenant, absl::string_view mode,
                              absl::string_view outcome,
                              absl::string_view reason,
                              absl::Duration latency) {
  Cached<prometheus::Counter>(
      ext_authz_checks_, {tenant, mode, outcome, reason},
      [&]() -> auto& {
        return ext_authz_checks_->Add({{"tenant", std::string(tenant)},
                                       {"mode", std::string(mode)},
                                       {"outcome", std::string(outcome)},
                                       {"reason", std::string(reason)}});
      })
      .Increment();
  Cached<prometheus::Histogram>(
      ext_authz_duration_, {mode},
      [&]() -> auto& {
        return ext_authz_duration_->Add({{"mode", std::string(mode)}},
                                        LatencyBuckets());
      })
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::Exchanged(absl::string_view rule, absl::string_view outcome,
                        absl::string_view via) {
  Cached<prometheus::Counter>(
      exchanges_, {rule, outcome, via},
      [&]() -> auto& {
        return exchanges_->Add({{"rule", std::string(rule)},
                                {"outcome", std::string(outcome)},
                                {"via", std::string(via)}});
      })
      .Increment();
}

void Metrics::GrpcStarted(absl::string_view service, absl::string_view method,
                          absl::string_view type) {
  Cached<prometheus::Counter>(
      grpc_started_, {service, method, type},
      [&]() -> auto& {
        return grpc_started_->Add({{"grpc_service", std::string(service)},
                                   {"grpc_method", std::string(method)},
                                   {"grpc_type", std::string(type)}});
      })
      .Increment();
}

void Metrics::GrpcHandled(absl::string_view service, absl::string_view method,
                          absl::string_view type, absl::string_view code,
                          absl::Duration latency) {
  Cached<prometheus::Counter>(
      grpc_handled_, {service, method, type, code},
      [&]() -> auto& {
        return grpc_handled_->Add({{"grpc_service", std::string(service)},
                                   {"grpc_method", std::string(method)},
                                   {"grpc_type", std::string(type)},
                                   {"grpc_code", std::string(code)}});
      })
      .Increment();
  Cached<prometheus::Histogram>(
      grpc_handling_, {service, method, type},
      [&]() -> auto& {
        return grpc_handling_->Add({{"grpc_service", std::string(service)},
                                    {"grpc_method", std::string(method)},
                                    {"grpc_type", std::string(type)}},
                                   LatencyBuckets());
      })
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::TokenIssued(absl::string_view tenant, absl::string_view profile) {
  Cached<prometheus::Counter>(
      &tokens_issued_, {tenant, profile},
      [&]() -> auto& {
        return tokens_issued_.Add({{"tenant", std::string(tenant)},
                                   {"profile", std::string(profile)}});
      })
      .Increment();
}

void Metrics::Verified(absl::string_view tenant, absl::string_view profile,
                       absl::string_view reason) {
  Cached<prometheus::Counter>(
      &verifications_, {tenant, profile, reason},
      [&]() -> auto& {
        return verifications_.Add({{"tenant", std::string(tenant)},
                                   {"profile", std::string(profile)},
                                   {"reason", std::string(reason)}});
      })
      .Increment();
}

void Metrics::Revoked(absl::string_view tenant) {
  Cached<prometheus::Counter>(
      &revocations_, {tenant},
      [&]() -> auto& {
        return revocations_.Add({{"tenant", std::string(tenant)}});
      })
      .Increment();
}

void Metrics::StreamOpened(absl::string_view method) {
  active_streams_.Add({{"method", std::string(method)}}).Increment();
}

void Metrics::StreamClosed(absl::string_view method) {
  active_streams_.Add({{"method", std::string(method)}}).Decrement();
}

void Metrics::ConfigReload(bool ok) {
  config_reloads_.Add({{"result", ok ? "ok" : "failed"}}).Increment();
  if (ok) {
    ConfigLoaded();
  } else {
    config_last_reload_ok_->Set(0);
  }
}

void Metrics::ConfigLoaded() {
  config_last_reload_ok_->Set(1);
  config_last_reload_time_->Set(
      absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
}

void Metrics::RateLimited(absl::string_view method) {
  rate_limited_.Add({{"method", std::string(method)}}).Increment();
}

void Metrics::KeyReloadFailed(absl::string_view tenant) {
  key_reload_failures_->Add({{"tenant", std::string(tenant)}}).Increment();
}

void Metrics::KeyUnsafeRemoval(absl::string_view tenant) {
  key_unsafe_removals_->Add({{"tenant", std::string(tenant)}}).Increment();
}

void Metrics::SetKeyCount(absl::string_view tenant, absl::string_view status,
                          int count) {
  keys_->Add({{"tenant", std::string(tenant)}, {"status", std::string(status)}})
      .Set(count);
}

void Metrics::SetSigningKey(absl::string_view tenant, bool available,
                            absl::Time expiry) {
  const prometheus::Labels labels{{"tenant", std::string(tenant)}};
  {
    absl::MutexLock lock(&signing_key_mu_);
    if (std::find(signing_key_tenants_.begin(), signing_key_tenants_.end(),
                  tenant) == signing_key_tenants_.end()) {
      signing_key_tenants_.push_back(std::string(tenant));
    }
  }
  signing_key_available_->Add(labels).Set(available ? 1 : 0);
  if (expiry != absl::InfiniteFuture() && expiry != absl::InfinitePast()) {
    signing_key_expiry_->Add(labels).Set(
        absl::ToDoubleSeconds(expiry - absl::UnixEpoch()));
  } else if (signing_key_expiry_->Has(labels)) {
    signing_key_expiry_->Remove(&signing_key_expiry_->Add(labels));
  }
}

void Metrics::KeepSigningKeyTenants(const std::vector<std::string>& tenants) {
  absl::MutexLock lock(&signing_key_mu_);
  std::erase_if(signing_key_tenants_, [&](const std::string& tenant) {
    if (std::find(tenants.begin(), tenants.end(), tenant) != tenants.end()) {
      return false;
    }
    const prometheus::Labels labels{{"tenant", tenant}};
    for (auto* family : {signing_key_available_, signing_key_expiry_}) {
      if (family->Has(labels)) family->Remove(&family->Add(labels));
    }
    return true;
  });
}

void Metrics::RevocationAdded(absl::string_view kind,
                              absl::string_view origin) {
  revocations_by_kind_
      ->Add({{"kind", std::string(kind)}, {"origin", std::string(origin)}})
      .Increment();
}

void Metrics::RevocationDroppedAtShutdown(absl::string_view kind) {
  revocations_dropped_->Add({{"kind", std::string(kind)}}).Increment();
}

void Metrics::AcceptError(absl::string_view listener, absl::string_view error) {
  accept_errors_
      ->Add(
          {{"listener", std::string(listener)}, {"error", std::string(error)}})
      .Increment();
}

void Metrics::ConnectionRefused(absl::string_view listener) {
  connections_refused_->Add({{"listener", std::string(listener)}}).Increment();
}

void Metrics::MalformedRequest(absl::string_view method) {
  malformed_requests_->Add({{"method", std::string(method)}}).Increment();
}

void Metrics::RevocationStoreWrite(absl::Duration latency, bool ok) {
  revocation_write_seconds_->Observe(absl::ToDoubleSeconds(latency));
  if (!ok) revocation_write_failures_->Increment();
}

void Metrics::RevocationStoreState(absl::string_view store, bool healthy,
                                   bool refusing, size_t pending,
                                   size_t entries) {
  revocation_store_healthy_->Add({{"store", std::string(store)}})
      .Set(healthy ? 1 : 0);
  revocation_refusing_->Set(refusing ? 1 : 0);
  revocation_pending_->Set(static_cast<double>(pending));
  revocation_entries_->Set(static_cast<double>(entries));
}

void Metrics::SubscriptionsActive(int delta) {
  subscriptions_active_.Increment(delta);
}

void Metrics::RenewalDelivered(absl::string_view reason, absl::Duration lag,
                               bool has_lag) {
  renewals_delivered_.Add({{"reason", std::string(reason)}}).Increment();
  if (has_lag) {
    renewal_lag_.Observe(
        absl::ToDoubleSeconds(std::max(lag, absl::ZeroDuration())));
  }
}

void Metrics::RenewalIssueFailed(absl::string_view reason) {
  renewal_issue_failures_.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::RenewalRetry() { renewal_retries_.Increment(); }

void Metrics::SubscriptionEndedRevoked() {
  subscriptions_ended_revoked_.Increment();
}

void Metrics::SubscriptionRefused(bool per_caller) {
  subscriptions_refused_.Add({{"cap", per_caller ? "caller" : "global"}})
      .Increment();
}

void Metrics::SubscriptionWriteCoalesced() { writes_coalesced_.Increment(); }

void Metrics::SetVerifyCacheSource(
    std::function<std::vector<VerifyCacheSample>()> source) {
  absl::MutexLock lock(&verify_cache_mu_);
  verify_cache_source_ = std::move(source);
}

namespace {

prometheus::ClientMetric TenantSample(const std::string& tenant) {
  prometheus::ClientMetric metric;
  metric.label.push_back({"tenant", tenant});
  return metric;
}

// The verified-token cache families, built at scrape time: the counters
// are totals the caches add to directly (core/cache VerifyCacheCounters,
// kept per tenant across reloads), so they cannot go back; the gauges are
// the live caches'.
std::vector<prometheus::MetricFamily> VerifyCacheFamilies(
    const std::vector<VerifyCacheSample>& samples) {
  using Type = prometheus::MetricType;
  struct Spec {
    const char* name;
    const char* help;
    Type type;
    bool live_only;
    double (*value)(const VerifyCacheSample&);
  };
  static constexpr Spec kSpecs[] = {
      {"tokend_verify_cache_hits_total",
       "Verifications answered from the verified-token cache", Type::Counter,
       false, [](const VerifyCacheSample& s) { return double(s.hits); }},
      {"tokend_verify_cache_misses_total",
       "Verifications the verified-token cache could not answer", Type::Counter,
       false, [](const VerifyCacheSample& s) { return double(s.misses); }},
      {"tokend_verify_cache_evictions_total",
       "Entries dropped from the verified-token cache (expired, untrusted "
       "key, or over a bound)",
       Type::Counter, false,
       [](const VerifyCacheSample& s) { return double(s.evictions); }},
      {"tokend_verify_cache_bytes",
       "Bytes held by the tenant's verified-token cache (an estimate)",
       Type::Gauge, true,
       [](const VerifyCacheSample& s) { return double(s.bytes); }},
      {"tokend_verify_cache_entries",
       "Entries in the tenant's verified-token cache", Type::Gauge, true,
       [](const VerifyCacheSample& s) { return double(s.entries); }},
  };
  std::vector<prometheus::MetricFamily> families;
  for (const Spec& spec : kSpecs) {
    prometheus::MetricFamily family;
    family.name = spec.name;
    family.help = spec.help;
    family.type = spec.type;
    for (const VerifyCacheSample& sample : samples) {
      if (spec.live_only && !sample.live) continue;
      prometheus::ClientMetric metric = TenantSample(sample.tenant);
      if (spec.type == Type::Counter) {
        metric.counter.value = spec.value(sample);
      } else {
        metric.gauge.value = spec.value(sample);
      }
      family.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(family));
  }
  return families;
}

}  // namespace

std::string Metrics::ExpositionText() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    std::vector<VerifyCacheSample> samples;
    absl::MutexLock lock(&verify_cache_mu_);
    if (verify_cache_source_) samples = verify_cache_source_();
    for (prometheus::MetricFamily& family : VerifyCacheFamilies(samples)) {
      families.push_back(std::move(family));
    }
  }
  absl::flat_hash_set<std::string> present;
  for (const prometheus::MetricFamily& family : families) {
    present.insert(family.name);
  }
  for (const prometheus::MetricFamily& header : headers_) {
    if (!present.contains(header.name)) families.push_back(header);
  }
  for (prometheus::MetricFamily& family : CollectProcessMetrics()) {
    families.push_back(std::move(family));
  }
  Collector collector;
  {
    absl::MutexLock lock(&collector_mu_);
    collector = collector_;
  }
  if (collector) {
    for (prometheus::MetricFamily& family : collector()) {
      families.push_back(std::move(family));
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

void Metrics::SetCollector(Collector collector) {
  absl::MutexLock lock(&collector_mu_);
  collector_ = std::move(collector);
}

}  // namespace tokend
