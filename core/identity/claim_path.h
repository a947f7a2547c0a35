// Where a rule reads a value: a path into a verified identity.
//
// Syntax: a root, then member names. Roots: `claims` (the verified claim
// set, exactly as the issuer signed it), `k8s` (a Kubernetes service-account
// token's namespace, service_account, pod, ...) and `spiffe` (a JWT-SVID's
// id, trust_domain, path); see VerifiedIdentity::attributes. A name made of
// [A-Za-z0-9_-] follows a dot; any other name is written in brackets and
// double quotes:
//
//   claims.sub
//   claims.realm_access.roles
//   claims["kubernetes.io"].namespace
//   claims["https://example.com/roles"]
//
// Quoted names may not contain '"' or '\' (no escapes: claim names that
// need them are not addressable). At most kMaxClaimPathSegments names.
#ifndef TOKEND_CORE_IDENTITY_CLAIM_PATH_H_
#define TOKEND_CORE_IDENTITY_CLAIM_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/json/json.h"

namespace tokend::identity {

inline constexpr size_t kMaxClaimPathSegments = 8;
inline constexpr size_t kMaxClaimPathBytes = 256;

struct ClaimPath {
  std::string root;                   // "claims", "k8s" or "spiffe"
  std::vector<std::string> segments;  // at least one
  std::string text;                   // as written, for messages

  bool operator==(const ClaimPath& other) const {
    return root == other.root && segments == other.segments;
  }
};

// kInvalidArgument naming `field` with what is wrong.
absl::StatusOr<ClaimPath> ParseClaimPath(absl::string_view text,
                                         absl::string_view field);

// What a path is looked up in: the verified claims and the derived
// attributes of one identity (core/identity/verified_identity.h). Both must
// outlive the context.
struct EvalContext {
  const json::Object* claims = nullptr;
  const json::Object* attributes = nullptr;
};

// The value at `path`, or nullptr when any member on the way is absent or
// not an object.
const json::Value* Lookup(const EvalContext& context, const ClaimPath& path);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_CLAIM_PATH_H_
