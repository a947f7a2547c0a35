// yaml-cpp accepts a mapping with the same key twice and keeps the first,
// so a second `ttl:` or `credentials:` would be ignored without a word.
// tokend refuses such a config instead.
#ifndef TOKEND_SERVER_CONFIG_YAML_DUPLICATES_H_
#define TOKEND_SERVER_CONFIG_YAML_DUPLICATES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

namespace tokend {

// OK, or a ConfigError of `source` naming the first duplicate key (its
// dotted path, e.g. "tenants[0].ttl") and the lines of both occurrences.
absl::Status CheckNoDuplicateKeys(const YAML::Node& root,
                                  absl::string_view source);

}  // namespace tokend

#endif  // TOKEND_SERVER_CONFIG_YAML_DUPLICATES_H_
