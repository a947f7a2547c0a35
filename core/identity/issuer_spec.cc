#include "core/identity/issuer_spec.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/identity/claim_path.h"
#include "core/identity/config_name.h"
#include "core/identity/discovery.h"
#include "core/identity/spiffe_id.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

constexpr size_t kMaxIssuerBytes = 1024;
constexpr size_t kMaxAudiences = 64;

absl::Status Invalid(absl::string_view prefix, absl::string_view field,
                     absl::string_view why) {
  return Error(Reason::kInvalidArgument, why, absl::StrCat(prefix, ".", field));
}

}  // namespace

absl::string_view IssuerKindName(IssuerKind kind) {
  switch (kind) {
    case IssuerKind::kOidc:
      return "oidc";
    case IssuerKind::kKubernetes:
      return "kubernetes";
    case IssuerKind::kSpiffe:
      return "spiffe";
  }
  return "?";
}

absl::string_view AudienceMatchName(AudienceMatch match) {
  switch (match) {
    case AudienceMatch::kAny:
      return "any";
    case AudienceMatch::kSingle:
      return "single";
    case AudienceMatch::kAll:
      return "all";
  }
  return "?";
}

IssuerSpec OidcIssuer(std::string name, std::string issuer,
                      std::vector<std::string> audiences) {
  IssuerSpec spec;
  spec.name = std::move(name);
  spec.kind = IssuerKind::kOidc;
  spec.keys.kind = KeySourceKind::kDiscovery;
  spec.keys.location = DiscoveryUrlFor(issuer);
  spec.issuer = std::move(issuer);
  spec.audiences = std::move(audiences);
  spec.algorithms = {Algorithm::kRS256};
  return spec;
}

IssuerSpec KubernetesIssuer(std::string name, std::string issuer,
                            std::vector<std::string> audiences) {
  IssuerSpec spec;
  spec.name = std::move(name);
  spec.kind = IssuerKind::kKubernetes;
  spec.issuer = std::move(issuer);
  spec.keys.kind = KeySourceKind::kJwksUri;
  spec.keys.location = std::string(kDefaultKubernetesJwksUri);
  spec.keys.ca_file = std::string(kDefaultKubernetesCaFile);
  spec.keys.bearer_token_file = std::string(kDefaultKubernetesTokenFile);
  spec.audiences = std::move(audiences);
  spec.algorithms = {Algorithm::kRS256, Algorithm::kES256};
  return spec;
}

IssuerSpec SpiffeIssuer(std::string name, std::string trust_domain,
                        KeySourceSpec bundle,
                        std::vector<std::string> audiences) {
  IssuerSpec spec;
  spec.name = std::move(name);
  spec.kind = IssuerKind::kSpiffe;
  spec.trust_domain = std::move(trust_domain);
  spec.keys = std::move(bundle);
  spec.audiences = std::move(audiences);
  spec.audience_match = AudienceMatch::kSingle;
  spec.algorithms = {Algorithm::kRS256, Algorithm::kRS384, Algorithm::kRS512,
                     Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
                     Algorithm::kPS256, Algorithm::kPS384, Algorithm::kPS512};
  return spec;
}

absl::Status ValidateIssuerSpec(const IssuerSpec& spec,
                                absl::string_view prefix) {
  if (!IsValidConfigName(spec.name)) {
    return Invalid(prefix, "name",
                   "must be 1 to 64 of [A-Za-z0-9_.-] (it is a metric label)");
  }
  if (spec.issuer.empty() && spec.kind != IssuerKind::kSpiffe) {
    return Invalid(prefix, "issuer",
                   "is required: the exact iss value of the tokens");
  }
  if (spec.issuer.size() > kMaxIssuerBytes) {
    return Invalid(prefix, "issuer",
                   absl::StrCat("is longer than ", kMaxIssuerBytes, " bytes"));
  }

  // Keys.
  if (spec.keys.location.empty()) {
    return Invalid(prefix, "keys",
                   "need a discovery URL, a JWKS URL or a file");
  }
  if (spec.keys.kind == KeySourceKind::kJwksFile) {
    if (!spec.keys.ca_file.empty() || !spec.keys.bearer_token_file.empty()) {
      return Invalid(prefix, "keys",
                     "ca_file and bearer_token_file apply to URLs, not files");
    }
  } else if (!IsFetchableUrl(spec.keys.location, spec.keys.allow_http)) {
    return Invalid(prefix, "keys",
                   spec.keys.allow_http
                       ? "must be an http(s) URL with a host"
                       : "must be an https URL with a host (allow_http is "
                         "for tests only)");
  }
  if (spec.keys.kind == KeySourceKind::kDiscovery && spec.issuer.empty()) {
    return Invalid(prefix, "issuer",
                   "is required with discovery: the document must name it");
  }

  // Audiences.
  if (spec.audiences.empty()) {
    return Invalid(prefix, "audiences",
                   "are required: name the audience values this issuer's "
                   "tokens carry for tokend (never every audience)");
  }
  if (spec.audiences.size() > kMaxAudiences) {
    return Invalid(prefix, "audiences",
                   absl::StrCat("at most ", kMaxAudiences, " are allowed"));
  }
  for (size_t i = 0; i < spec.audiences.size(); ++i) {
    const std::string& aud = spec.audiences[i];
    const std::string field = absl::StrCat("audiences[", i, "]");
    if (aud.empty() || aud.size() > kMaxIssuerBytes) {
      return Invalid(prefix, field, "must be 1 to 1024 bytes");
    }
    if (aud == "*") {
      return Invalid(prefix, field,
                     "audiences are exact values: \"*\" would not mean any "
                     "audience, and accepting any is never a default");
    }
  }

  // Algorithms.
  if (spec.algorithms.empty()) {
    return Invalid(prefix, "algorithms", "name at least one algorithm");
  }
  bool symmetric = false;
  bool asymmetric = false;
  for (Algorithm alg : spec.algorithms) {
    (IsSymmetric(alg) ? symmetric : asymmetric) = true;
    if (spec.kind == IssuerKind::kSpiffe &&
        (IsSymmetric(alg) || alg == Algorithm::kEdDSA)) {
      return Invalid(prefix, "algorithms",
                     "JWT-SVIDs use RS*, ES* or PS* only (JWT-SVID §2.1)");
    }
  }
  if (symmetric && asymmetric) {
    return Invalid(prefix, "algorithms",
                   "must not mix HS* with public-key algorithms");
  }
  if (symmetric && spec.keys.kind != KeySourceKind::kJwksFile) {
    return Invalid(prefix, "algorithms",
                   "HS* needs a shared secret, which only a JWKS file may "
                   "hold: a fetched key set is public");
  }

  // Checks.
  if (spec.leeway < absl::ZeroDuration() || spec.leeway > absl::Minutes(10)) {
    return Invalid(prefix, "leeway", "must be between 0 and 10 minutes");
  }
  if (spec.max_token_lifetime <= absl::ZeroDuration()) {
    return Invalid(prefix, "max_token_lifetime", "must be positive");
  }
  if (spec.typ.has_value() && spec.typ->empty()) {
    return Invalid(prefix, "typ", "must not be empty when set");
  }
  for (size_t i = 0; i < spec.required_claims.size(); ++i) {
    absl::StatusOr<ClaimPath> path =
        ParseClaimPath(spec.required_claims[i],
                       absl::StrCat(prefix, ".required_claims[", i, "]"));
    if (!path.ok()) return path.status();
  }
  if (spec.max_token_bytes < 1024 || spec.max_token_bytes > 64 * 1024) {
    return Invalid(prefix, "max_token_bytes",
                   "must be between 1 KiB and 64 KiB");
  }

  // Kinds.
  if (spec.kind == IssuerKind::kSpiffe) {
    if (!IsValidTrustDomain(spec.trust_domain)) {
      return Invalid(prefix, "trust_domain",
                     "must be a SPIFFE trust domain name (lower-case "
                     "letters, digits, '.', '-', '_')");
    }
  } else if (!spec.trust_domain.empty()) {
    return Invalid(prefix, "trust_domain", "applies to kind spiffe only");
  }
  if (spec.require_bound_pod && spec.kind != IssuerKind::kKubernetes) {
    return Invalid(prefix, "require_bound_pod",
                   "applies to kind kubernetes only");
  }
  return ValidateKeyRefreshOptions(spec.refresh,
                                   absl::StrCat(prefix, ".refresh"));
}

}  // namespace tokend::identity
