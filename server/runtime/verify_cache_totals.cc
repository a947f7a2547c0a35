#include "server/runtime/verify_cache_totals.h"

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"

namespace tokend {
namespace {

struct Registry {
  absl::Mutex mu;
  // Ordered, so the exposition lists tenants in a stable order.
  std::map<std::string, std::shared_ptr<VerifyCacheCounters>, std::less<>>
      totals ABSL_GUARDED_BY(mu);
};

Registry& TheRegistry() {
  static Registry* const registry = new Registry();  // never destroyed
  return *registry;
}

}  // namespace

std::shared_ptr<VerifyCacheCounters> VerifyCacheTotalsFor(
    absl::string_view tenant) {
  Registry& registry = TheRegistry();
  absl::MutexLock lock(&registry.mu);
  auto it = registry.totals.find(tenant);
  if (it == registry.totals.end()) {
    it = registry.totals
             .emplace(std::string(tenant),
                      std::make_shared<VerifyCacheCounters>())
             .first;
  }
  return it->second;
}

std::vector<VerifyCacheSample> VerifyCacheSamples(const TenantSet* current) {
  std::vector<VerifyCacheSample> samples;
  Registry& registry = TheRegistry();
  absl::MutexLock lock(&registry.mu);
  for (const auto& [tenant, totals] : registry.totals) {
    VerifyCacheSample& sample = samples.emplace_back();
    sample.tenant = tenant;
    sample.hits = totals->hits.load(std::memory_order_relaxed);
    sample.misses = totals->misses.load(std::memory_order_relaxed);
    sample.evictions = totals->evictions.load(std::memory_order_relaxed);
    const Tenant* live = current != nullptr ? current->Find(tenant) : nullptr;
    if (live != nullptr && live->verify_cache != nullptr) {
      sample.live = true;
      sample.bytes = live->verify_cache->bytes();
      sample.entries = live->verify_cache->entries();
    }
  }
  return samples;
}

}  // namespace tokend
