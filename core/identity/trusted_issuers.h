// Every trusted issuer (`issuers[]`), and the choice among them.
//
// An incoming token names its issuer ("iss"), read before verification
// (token_peek.h) and looked up exactly among the configured ones: an
// unconfigured issuer is refused (ISSUER_MISMATCH) and never contacted, and
// one issuer's keys never verify another's tokens. A token without "iss"
// whose "sub" is a SPIFFE ID goes to the SPIFFE issuer of that trust domain
// configured without an `issuer`. The lookup is a hash map, so the number of
// issuers does not add signature work (Istio's latency grew with each JWT
// issuer it tried, istio/istio #49691).
//
// Immutable once built; a config reload builds a new one. Thread-safe.
#ifndef TOKEND_CORE_IDENTITY_TRUSTED_ISSUERS_H_
#define TOKEND_CORE_IDENTITY_TRUSTED_ISSUERS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/identity/fetcher.h"
#include "core/identity/issuer_spec.h"
#include "core/identity/remote_key_set.h"
#include "core/identity/trusted_issuer.h"
#include "core/identity/verified_identity.h"

namespace tokend::identity {

// What the key sets need; everything must outlive the registry.
struct IssuerDeps {
  Fetcher* http = nullptr;  // URLs (discovery, jwks_uri)
  Fetcher* file = nullptr;  // JWKS files; nullptr: a FileFetcher of its own
  const Clock* clock = nullptr;
  // Uniform draws in [0, 1) for jitter; nullptr: the CSPRNG.
  std::function<double()> uniform;
  // Optional: a key set built by an earlier Create for the same issuer
  // name, key source, import options and refresh options, to use instead
  // of a new one (a reload that keeps an issuer keeps its fetched keys);
  // nullptr: build a new one. Consulted only when `file` is set (a reused
  // set must not refer to a FileFetcher owned by an older registry).
  std::function<std::shared_ptr<RemoteKeySet>(
      const std::string& name, const KeySourceSpec& source,
      const JwksImportOptions& import, const KeyRefreshOptions& options)>
      reuse;
};

class TrustedIssuers {
 public:
  // Validates every spec (errors name "issuers[i].<field>"), refuses two
  // issuers with one name, one iss, or one SPIFFE trust domain without an
  // issuer, and builds a RemoteKeySet per issuer (nothing is fetched yet:
  // hand key_sets() to a KeyRefresher). An empty list is valid (no
  // exchange possible).
  static absl::StatusOr<std::shared_ptr<const TrustedIssuers>> Create(
      std::vector<IssuerSpec> specs, const IssuerDeps& deps);

  // Chooses the issuer, then TrustedIssuer::Verify.
  absl::StatusOr<VerifiedIdentity> Verify(absl::string_view token,
                                          absl::Time now) const;

  // nullptr when no issuer has this name.
  const TrustedIssuer* Find(absl::string_view name) const;
  const std::vector<std::unique_ptr<TrustedIssuer>>& issuers() const {
    return issuers_;
  }
  std::vector<std::shared_ptr<RemoteKeySet>> key_sets() const;

  // True when every issuer with required_for_readiness has keys serving.
  bool Ready() const;
  // One ReadinessLine per issuer, in configuration order.
  std::vector<std::string> ReadinessLines(absl::Time now) const;
  std::vector<KeySetStatus> Statuses() const;

 private:
  TrustedIssuers() = default;
  absl::StatusOr<const TrustedIssuer*> Select(absl::string_view token) const;

  std::unique_ptr<Fetcher> own_file_fetcher_;
  std::vector<std::unique_ptr<TrustedIssuer>> issuers_;
  absl::flat_hash_map<std::string, const TrustedIssuer*> by_name_;
  absl::flat_hash_map<std::string, const TrustedIssuer*> by_iss_;
  // SPIFFE issuers configured without an iss, by trust domain.
  absl::flat_hash_map<std::string, const TrustedIssuer*> by_trust_domain_;
  size_t max_token_bytes_ = 0;  // the largest of the issuers'
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_TRUSTED_ISSUERS_H_
