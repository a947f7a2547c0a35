#include "core/identity/kubernetes_claims.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

constexpr absl::string_view kClaim = "kubernetes.io";

const json::Object* ObjectMember(const json::Object& object,
                                 absl::string_view name) {
  const json::Value* value = object.Find(name);
  return value != nullptr && value->is_object() ? &value->as_object() : nullptr;
}

// A non-empty string member, or nullptr.
const std::string* StringMember(const json::Object* object,
                                absl::string_view name) {
  if (object == nullptr) return nullptr;
  const json::Value* value = object->Find(name);
  if (value == nullptr || !value->is_string() || value->as_string().empty()) {
    return nullptr;
  }
  return &value->as_string();
}

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return Error(Reason::kBadClaim, why, absl::StrCat(kClaim, ".", field));
}

// Copies object[name].{name, uid} into out[prefix], out[prefix + "_uid"].
void CopyRef(const json::Object& k8s, absl::string_view name,
             absl::string_view prefix, json::Object* out) {
  const json::Object* ref = ObjectMember(k8s, name);
  if (const std::string* n = StringMember(ref, "name"))
    out->Set(std::string(prefix), *n);
  if (const std::string* uid = StringMember(ref, "uid")) {
    out->Set(absl::StrCat(prefix, "_uid"), *uid);
  }
}

}  // namespace

absl::StatusOr<json::Object> KubernetesAttributes(const json::Object& claims,
                                                  absl::string_view subject,
                                                  bool require_bound_pod) {
  const json::Object* k8s = ObjectMember(claims, kClaim);
  if (k8s == nullptr) {
    return Error(Reason::kBadClaim,
                 "a Kubernetes service-account token carries a "
                 "\"kubernetes.io\" object",
                 kClaim);
  }
  const std::string* ns = StringMember(k8s, "namespace");
  if (ns == nullptr) return Bad("namespace", "is missing or not a string");
  const std::string* sa =
      StringMember(ObjectMember(*k8s, "serviceaccount"), "name");
  if (sa == nullptr) {
    return Bad("serviceaccount.name", "is missing or not a string");
  }
  if (subject != absl::StrCat("system:serviceaccount:", *ns, ":", *sa)) {
    return Error(Reason::kBadClaim,
                 "sub is not system:serviceaccount:<namespace>:<name> of the "
                 "kubernetes.io claim",
                 "sub");
  }
  json::Object out;
  out.Set("namespace", *ns);
  CopyRef(*k8s, "serviceaccount", "service_account", &out);
  CopyRef(*k8s, "pod", "pod", &out);
  CopyRef(*k8s, "node", "node", &out);
  if (require_bound_pod &&
      (out.Find("pod") == nullptr || out.Find("pod_uid") == nullptr)) {
    return Bad("pod",
               "is required: this issuer accepts pod-bound tokens only "
               "(require_bound_pod)");
  }
  return out;
}

}  // namespace tokend::identity
