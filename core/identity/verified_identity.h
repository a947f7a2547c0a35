// An incoming identity token that passed every check of its trusted issuer.
#ifndef TOKEND_CORE_IDENTITY_VERIFIED_IDENTITY_H_
#define TOKEND_CORE_IDENTITY_VERIFIED_IDENTITY_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/identity/claim_path.h"
#include "core/identity/issuer_spec.h"
#include "core/json/json.h"

namespace tokend::identity {

struct VerifiedIdentity {
  std::string issuer_name;  // the configured name (IssuerSpec::name)
  IssuerKind kind = IssuerKind::kOidc;
  std::string issuer;   // "iss" as received ("" for a JWT-SVID without one)
  std::string subject;  // "sub", never empty
  std::vector<std::string> audiences;
  absl::Time issued_at = absl::InfinitePast();  // InfinitePast when absent
  absl::Time not_before = absl::InfinitePast();
  absl::Time expires_at = absl::InfiniteFuture();
  std::string token_id;  // "jti", "" when absent
  std::string kid;       // of the key that verified it
  Algorithm alg = Algorithm::kRS256;
  // The whole verified claim set, as the issuer signed it.
  json::Object claims;
  // What the issuer's kind derives, for rules (claim paths k8s.* and
  // spiffe.*):
  //   "k8s":    namespace, service_account, service_account_uid, pod,
  //             pod_uid, node, node_uid (strings; the optional ones only
  //             when the token has them)
  //   "spiffe": id, trust_domain, path
  json::Object attributes;

  EvalContext Context() const { return EvalContext{&claims, &attributes}; }
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_VERIFIED_IDENTITY_H_
