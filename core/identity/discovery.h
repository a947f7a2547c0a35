// OpenID Connect discovery: where an issuer's keys are.
//
// The configured discovery URL answers a JSON document (OpenID Connect
// Discovery 1.0 §3, RFC 8414 §2) whose "issuer" must equal the configured
// issuer exactly (§4.3: a document that names another issuer could point at
// that issuer's keys) and whose "jwks_uri" is the key set to fetch. Nothing
// else in the document is used, and no URL ever comes from a token.
#ifndef TOKEND_CORE_IDENTITY_DISCOVERY_H_
#define TOKEND_CORE_IDENTITY_DISCOVERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend::identity {

// issuer + "/.well-known/openid-configuration" (one slash between them,
// OIDC Discovery §4).
std::string DiscoveryUrlFor(absl::string_view issuer);

// The jwks_uri of a discovery document. Errors: kKeySetInvalid for a
// document that is not a strict JSON object or lacks a string "jwks_uri",
// or whose jwks_uri is not an https URL (http too when allow_http);
// kIssuerMismatch when "issuer" is absent or differs.
absl::StatusOr<std::string> JwksUriFromDiscovery(
    absl::string_view document, absl::string_view expected_issuer,
    bool allow_http);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_DISCOVERY_H_
