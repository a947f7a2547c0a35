// One trusted issuer, compiled: its checks and its keys.
//
// Verify() runs the strict core exactly as for tokend's own tokens
// (core/jose VerifyJwt: size cap, strict base64url and JSON, alg bound to
// the key, "none" impossible, no key named by the token (jku, x5u, jwk,
// x5c, x5t refused), exp required, nbf/iat with leeway, exact iss, aud)
// against the issuer's current KeySet snapshot, then the issuer's own rules
// (audience_match, required claims, the Kubernetes or SPIFFE shape).
//
// An unknown kid: the snapshot is taken again (a fetch may just have
// installed the key) and, if it is still unknown, the key set is told
// (RemoteKeySet::OnUnknownKid, which plans a rate-limited fetch and never
// blocks) and this call fails with UNKNOWN_KID. The caller may retry after
// the fetch; the detail says whether one is planned.
//
// Thread-safe and lock-free on the success path.
#ifndef TOKEND_CORE_IDENTITY_TRUSTED_ISSUER_H_
#define TOKEND_CORE_IDENTITY_TRUSTED_ISSUER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/identity/claim_path.h"
#include "core/identity/issuer_spec.h"
#include "core/identity/remote_key_set.h"
#include "core/identity/verified_identity.h"
#include "core/jose/jwt.h"

namespace tokend::identity {

class TrustedIssuer {
 public:
  // `spec` must have passed ValidateIssuerSpec; `keys` serves this issuer.
  static absl::StatusOr<std::unique_ptr<TrustedIssuer>> Create(
      IssuerSpec spec, std::shared_ptr<RemoteKeySet> keys);

  const IssuerSpec& spec() const { return spec_; }
  const std::shared_ptr<RemoteKeySet>& keys() const { return keys_; }

  // Errors carry the core's reasons: token shape and signature reasons,
  // kTokenExpired, kIssuerMismatch, kAudienceMismatch (also for
  // audience_match), kBadClaim (missing sub or required claim, a broken
  // Kubernetes or SPIFFE shape, naming the claim), kTypeMismatch,
  // kUnknownKid (see above), kUnavailable when no key set is serving yet.
  absl::StatusOr<VerifiedIdentity> Verify(absl::string_view token,
                                          absl::Time now) const;

 private:
  TrustedIssuer(IssuerSpec spec, std::shared_ptr<RemoteKeySet> keys);
  absl::Status CheckAudiences(const VerifiedJwt& jwt) const;
  absl::Status CheckKind(VerifiedIdentity& identity,
                         const JoseHeader& header) const;

  IssuerSpec spec_;
  std::shared_ptr<RemoteKeySet> keys_;
  ValidationPolicy policy_;
  std::vector<ClaimPath> required_claims_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_TRUSTED_ISSUER_H_
