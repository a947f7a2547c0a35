#include "core/identity/discovery.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/identity/fetcher.h"
#include "core/json/json.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

constexpr size_t kMaxDiscoveryBytes = 1 << 20;
constexpr size_t kMaxDiscoveryDepth = 16;

}  // namespace

std::string DiscoveryUrlFor(absl::string_view issuer) {
  if (absl::EndsWith(issuer, "/")) issuer.remove_suffix(1);
  return absl::StrCat(issuer, "/.well-known/openid-configuration");
}

absl::StatusOr<std::string> JwksUriFromDiscovery(
    absl::string_view document, absl::string_view expected_issuer,
    bool allow_http) {
  json::ParseLimits limits;
  limits.max_bytes = kMaxDiscoveryBytes;
  limits.max_depth = kMaxDiscoveryDepth;
  absl::StatusOr<json::Object> root = json::ParseObject(document, limits);
  if (!root.ok()) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat("the discovery document is not a strict JSON "
                              "object (",
                              ReasonName(GetReason(root.status())), ")"));
  }
  const json::Value* issuer = root->Find("issuer");
  if (issuer == nullptr || !issuer->is_string() ||
      issuer->as_string() != expected_issuer) {
    return Error(Reason::kIssuerMismatch,
                 "the discovery document names another issuer than the "
                 "configured one",
                 "issuer");
  }
  const json::Value* jwks_uri = root->Find("jwks_uri");
  if (jwks_uri == nullptr || !jwks_uri->is_string()) {
    return Error(Reason::kKeySetInvalid,
                 "the discovery document has no jwks_uri", "jwks_uri");
  }
  if (!IsFetchableUrl(jwks_uri->as_string(), allow_http)) {
    return Error(Reason::kKeySetInvalid,
                 allow_http ? "jwks_uri is not an http(s) URL"
                            : "jwks_uri is not an https URL",
                 "jwks_uri");
  }
  return jwks_uri->as_string();
}

}  // namespace tokend::identity
