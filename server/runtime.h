// Everything tokend derives from one configuration: the tenants (with
// their loaded keys and profiles), the caller policy, and the published
// JWKS. Immutable: a reload builds a new Runtime and the server swaps the
// pointer; a Runtime that fails to build never replaces the current one.
#ifndef TOKEND_SERVER_RUNTIME_H_
#define TOKEND_SERVER_RUNTIME_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tenant_set.h"
#include "server/config.h"
#include "server/policy.h"

namespace tokend {

struct PublishedKeyInfo {
  std::string tenant;
  std::string kid;
  std::string alg;
  std::string kty;
  std::string jwk_json;  // public members only
};

class Runtime {
 public:
  // Builds every tenant; the first failure is returned (a config error
  // naming the field).
  static absl::StatusOr<std::shared_ptr<const Runtime>> Build(Config config);

  const Config& config() const { return config_; }
  const std::shared_ptr<const TenantSet>& tenants() const { return tenants_; }
  const Policy& policy() const { return policy_; }
  // The tenant's profile name, or "" for an unknown tenant.
  absl::string_view ProfileOf(absl::string_view tenant) const;

  // Published keys of one tenant ("" = all), as a JWKS document, and an
  // etag that changes whenever that document does.
  std::vector<PublishedKeyInfo> PublishedKeys(absl::string_view tenant) const;
  std::string JwksJson(absl::string_view tenant) const;
  static std::string Etag(absl::string_view jwks_json);

 private:
  Runtime() = default;

  Config config_;
  std::shared_ptr<const TenantSet> tenants_;
  Policy policy_;
  absl::flat_hash_map<std::string, std::string> profiles_;
  std::vector<PublishedKeyInfo> published_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_H_
