// The shape of a Kubernetes service-account token (TokenRequest API and
// projected volumes):
//
//   "sub": "system:serviceaccount:<namespace>:<name>",
//   "kubernetes.io": {
//     "namespace": "<namespace>",
//     "serviceaccount": {"name": "<name>", "uid": "..."},
//     "pod": {"name": "...", "uid": "..."},    // pod-bound tokens
//     "node": {"name": "...", "uid": "..."},   // recent API servers
//     "secret": {...}, "warnafter": ...        // not used
//   }
//
// Legacy secret-based tokens (iss "kubernetes/serviceaccount", flat
// "kubernetes.io/serviceaccount/..." claims, no exp) do not have it and are
// refused (they never expire).
#ifndef TOKEND_CORE_IDENTITY_KUBERNETES_CLAIMS_H_
#define TOKEND_CORE_IDENTITY_KUBERNETES_CLAIMS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/json/json.h"

namespace tokend::identity {

// The "k8s" attributes (namespace, service_account, service_account_uid,
// pod, pod_uid, node, node_uid; the optional ones when present), or
// kBadClaim naming the claim: "kubernetes.io" missing or not an object,
// namespace or serviceaccount.name missing or not a non-empty string, sub
// not naming that service account, or, with require_bound_pod, no
// pod.name and pod.uid.
absl::StatusOr<json::Object> KubernetesAttributes(const json::Object& claims,
                                                  absl::string_view subject,
                                                  bool require_bound_pod);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_KUBERNETES_CLAIMS_H_
