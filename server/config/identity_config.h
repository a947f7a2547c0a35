// The identity-exchange sections of tokend's configuration: `issuers[]`
// (trusted issuers, core/identity/issuer_spec.h) and `exchange.rules[]`
// (core/identity/exchange_policy.h), parsed from YAML into core's specs.
// The README's "issuers" and "exchange" reference lists every field.
//
// Only the shape and the values YAML alone can check are refused here
// (types, unknown keys, enum names, durations); core validates the rest
// when the ConfigSnapshot is built (TrustedIssuers::Create,
// ExchangePolicy::Compile), and both report "<file>: <field>: <what>".
// Called from ParseConfig on the thread that loads the config.
#ifndef TOKEND_SERVER_CONFIG_IDENTITY_CONFIG_H_
#define TOKEND_SERVER_CONFIG_IDENTITY_CONFIG_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/issuer_spec.h"
#include "yaml-cpp/yaml.h"

namespace tokend {

// `issuers:` (a list). Relative file paths (keys.jwks_file, keys.ca_file,
// keys.bearer_token_file) are resolved against `base_dir`.
absl::Status ParseIssuers(const YAML::Node& node, absl::string_view source,
                          absl::string_view base_dir,
                          std::vector<identity::IssuerSpec>* out);

// `exchange:` (a mapping with `rules`).
absl::Status ParseExchange(const YAML::Node& node, absl::string_view source,
                           std::vector<identity::ExchangeRuleSpec>* out);

}  // namespace tokend

#endif  // TOKEND_SERVER_CONFIG_IDENTITY_CONFIG_H_
