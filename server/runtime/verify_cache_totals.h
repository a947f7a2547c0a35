// Per-tenant totals of the verified-token caches (core/cache), kept for the
// life of the process: every cache a tenant is given (each build of its
// Tenant, i.e. every reload) counts into the same VerifyCacheCounters, so
// the exported hit, miss and eviction counters never reset or go back,
// even while calls that began before a reload still use the old cache.
// (Chosen over carrying a retired cache's counts forward at scrape time,
// which would race with those calls.)
//
// Thread-safe: any thread (the reload thread builds tenants, the metrics
// scrape thread reads).
#ifndef TOKEND_SERVER_RUNTIME_VERIFY_CACHE_TOTALS_H_
#define TOKEND_SERVER_RUNTIME_VERIFY_CACHE_TOTALS_H_

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/cache/verified_token_cache.h"
#include "core/tenant_set.h"
#include "server/observability/metrics.h"

namespace tokend {

// The process-wide totals of `tenant` (created on first use).
std::shared_ptr<VerifyCacheCounters> VerifyCacheTotalsFor(
    absl::string_view tenant);

// Every tenant's totals, and the bytes and entries of the caches in
// `current` (the tenants configured now; may be null).
std::vector<VerifyCacheSample> VerifyCacheSamples(const TenantSet* current);

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_VERIFY_CACHE_TOTALS_H_
