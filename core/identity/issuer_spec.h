// A trusted issuer, as configured (`issuers[]`): whose tokens tokend
// accepts as incoming identities, where their keys come from and what the
// tokens must satisfy. Plain data; TrustedIssuers (trusted_issuers.h)
// validates and compiles it.
//
// Three kinds, each with a preset below:
// - kOidc: an OpenID provider (Keycloak, Okta, Entra ID, Dex, Google):
//   keys from its discovery document.
// - kKubernetes: the Kubernetes service-account issuer. Its tokens carry a
//   "kubernetes.io" claim (namespace, serviceaccount {name, uid}, and for
//   pod-bound tokens pod and node {name, uid}), and "sub" must be
//   "system:serviceaccount:<namespace>:<name>" of that claim.
// - kSpiffe: a SPIFFE trust domain's JWT-SVIDs. "sub" must be a SPIFFE ID
//   in the trust domain (with a path: a workload, not the domain); "iss" is
//   optional in JWT-SVIDs, so `issuer` may be empty (the issuer is then
//   chosen by the trust domain of "sub", and only for tokens without iss);
//   typ, when present, is JWT or JOSE; algorithms RS*, ES*, PS* only.
//
// Audiences are required: a default never accepts every audience (RFC 8725
// §3.9). They are exact values. A token with several audiences can be
// replayed by any of them to the others (JWT-SVID §6.2, and the
// TokenRequest API's warning); audience_match says how many of a token's
// audiences must be accepted here.
#ifndef TOKEND_CORE_IDENTITY_ISSUER_SPEC_H_
#define TOKEND_CORE_IDENTITY_ISSUER_SPEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/identity/refresh_schedule.h"
#include "core/identity/remote_key_set.h"

namespace tokend::identity {

enum class IssuerKind { kOidc, kKubernetes, kSpiffe };
// "oidc", "kubernetes", "spiffe".
absl::string_view IssuerKindName(IssuerKind kind);

enum class AudienceMatch {
  kAny,     // at least one of the token's audiences is accepted (RFC 7519)
  kSingle,  // the token names exactly one audience, and it is accepted
  kAll,     // every audience the token names is accepted
};
// "any", "single", "all".
absl::string_view AudienceMatchName(AudienceMatch match);

struct IssuerSpec {
  // Names the issuer in rules, metrics and logs: [A-Za-z0-9_.-], 1 to 64.
  std::string name;
  IssuerKind kind = IssuerKind::kOidc;
  // The exact "iss" value (code point for code point). Required except for
  // kSpiffe.
  std::string issuer;
  // Where the keys come from. For kDiscovery the document must name
  // `issuer` (keys.issuer is filled in from it).
  KeySourceSpec keys;
  std::vector<std::string> audiences;
  AudienceMatch audience_match = AudienceMatch::kAny;
  // The algorithms this issuer signs with; keys for others are skipped.
  // HS* only with a JWKS file (a fetched set is public) and not mixed with
  // public-key algorithms.
  std::vector<Algorithm> algorithms;
  // Clock skew allowed for exp, nbf and iat: 0 to 10 minutes.
  absl::Duration leeway = absl::Seconds(60);
  // When finite, exp - iat may not exceed it.
  absl::Duration max_token_lifetime = absl::InfiniteDuration();
  // When set, the "typ" header must match (e.g. "at+jwt", RFC 9068).
  std::optional<std::string> typ;
  // Claim paths (claim_path.h) that must be present, e.g. "claims.email".
  std::vector<std::string> required_claims;
  // Tokens over this size are refused before any decoding: 1 to 64 KiB.
  size_t max_token_bytes = 16 * 1024;
  // kSpiffe: the trust domain ("example.org").
  std::string trust_domain;
  // kKubernetes: require a pod-bound token (kubernetes.io.pod present).
  bool require_bound_pod = false;
  // When false, this issuer's keys do not gate readiness (an optional
  // issuer whose outage should not take tokend out of service).
  bool required_for_readiness = true;
  KeyRefreshOptions refresh;
};

// OIDC provider: keys from issuer + "/.well-known/openid-configuration";
// algorithms {RS256} (OIDC Core §15.1; add what the provider uses).
IssuerSpec OidcIssuer(std::string name, std::string issuer,
                      std::vector<std::string> audiences);

// Kubernetes service-account issuer (the API server's
// --service-account-issuer, e.g. "https://kubernetes.default.svc.cluster.local"
// or a cloud's OIDC URL). Keys from the API server's own JWKS endpoint as
// seen from a pod: https://kubernetes.default.svc/openid/v1/jwks, with the
// pod's CA bundle and its own service-account token to authenticate
// (kDefaultKubernetes* below); algorithms {RS256, ES256}. Point `keys` at
// the issuer's public discovery URL instead when the cluster publishes one.
IssuerSpec KubernetesIssuer(std::string name, std::string issuer,
                            std::vector<std::string> audiences);
inline constexpr absl::string_view kDefaultKubernetesJwksUri =
    "https://kubernetes.default.svc/openid/v1/jwks";
inline constexpr absl::string_view kDefaultKubernetesCaFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
inline constexpr absl::string_view kDefaultKubernetesTokenFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";

// SPIFFE trust domain: keys from its bundle (a SPIFFE bundle endpoint URL
// or a bundle file); algorithms RS256..PS512 as JWT-SVID §2.1 lists;
// audience_match kSingle (JWT-SVID §6.2 strongly recommends single-audience
// tokens; relax to kAny only if your workloads need several).
IssuerSpec SpiffeIssuer(std::string name, std::string trust_domain,
                        KeySourceSpec bundle,
                        std::vector<std::string> audiences);

// kInvalidArgument naming the field under `field_prefix` (e.g.
// "issuers[2].audiences"). Checks one spec; TrustedIssuers::Create checks
// what spans specs (unique names, issuers and trust domains).
absl::Status ValidateIssuerSpec(const IssuerSpec& spec,
                                absl::string_view field_prefix);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_ISSUER_SPEC_H_
