#include "server/runtime/issuer_key_sets.h"

#include <utility>

namespace tokend {

IssuerKeySets::IssuerKeySets(identity::Fetcher& http, const Clock& clock)
    : http_(http), clock_(clock) {}

identity::IssuerDeps IssuerKeySets::Deps() {
  identity::IssuerDeps deps;
  deps.http = &http_;
  deps.file = &file_;
  deps.clock = &clock_;
  deps.reuse = [this](const std::string& name,
                      const identity::KeySourceSpec& source,
                      const identity::JwksImportOptions& import,
                      const identity::KeyRefreshOptions& options) {
    return Find(name, source, import, options);
  };
  return deps;
}

void IssuerKeySets::Remember(const identity::TrustedIssuers* issuers) {
  std::vector<std::shared_ptr<identity::RemoteKeySet>> sets;
  if (issuers != nullptr) sets = issuers->key_sets();
  absl::MutexLock lock(&mu_);
  current_ = std::move(sets);
}

std::shared_ptr<identity::RemoteKeySet> IssuerKeySets::Find(
    const std::string& name, const identity::KeySourceSpec& source,
    const identity::JwksImportOptions& import,
    const identity::KeyRefreshOptions& options) const {
  absl::MutexLock lock(&mu_);
  for (const auto& set : current_) {
    if (set->name() == name && set->source() == source &&
        SameKeySetOptions(set->import_options(), import) &&
        SameRefreshOptions(set->options(), options)) {
      return set;
    }
  }
  return nullptr;
}

bool SameKeySetOptions(const identity::JwksImportOptions& a,
                       const identity::JwksImportOptions& b) {
  return a.algorithms == b.algorithms &&
         a.allow_symmetric == b.allow_symmetric &&
         a.spiffe_bundle == b.spiffe_bundle;
}

bool SameRefreshOptions(const identity::KeyRefreshOptions& a,
                        const identity::KeyRefreshOptions& b) {
  return a.refresh_interval == b.refresh_interval &&
         a.min_refresh_interval == b.min_refresh_interval &&
         a.max_refresh_interval == b.max_refresh_interval &&
         a.refresh_jitter == b.refresh_jitter &&
         a.unknown_kid_min_interval == b.unknown_kid_min_interval &&
         a.negative_cache_ttl == b.negative_cache_ttl &&
         a.negative_cache_size == b.negative_cache_size &&
         a.backoff_initial == b.backoff_initial &&
         a.backoff_max == b.backoff_max && a.max_stale == b.max_stale &&
         a.max_body_bytes == b.max_body_bytes &&
         a.fetch_timeout == b.fetch_timeout &&
         a.max_redirects == b.max_redirects;
}

}  // namespace tokend
