#include "server/config/yaml_duplicates.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/config/config.h"

namespace tokend {
namespace {

absl::Status Check(const YAML::Node& node, const std::string& path,
                   absl::string_view source, int depth) {
  // Deeper than any tokend config; also bounds the recursion.
  if (depth > 64) return absl::OkStatus();
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (absl::Status s = Check(node[i], absl::StrCat(path, "[", i, "]"),
                                 source, depth + 1);
          !s.ok()) {
        return s;
      }
    }
  } else if (node.IsMap()) {
    absl::flat_hash_map<std::string, int> first_line;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;
      const std::string& key = entry.first.Scalar();
      // An empty key is named "" so that the error still names a field.
      const std::string name = key.empty() ? "\"\"" : key;
      const std::string child =
          path.empty() ? name : absl::StrCat(path, ".", name);
      const int line = entry.first.Mark().line + 1;
      auto [it, inserted] = first_line.emplace(key, line);
      if (!inserted) {
        return ConfigError(source, child,
                           absl::StrCat("duplicate key (line ", line,
                                        "; first at line ", it->second, ")"));
      }
      if (absl::Status s = Check(entry.second, child, source, depth + 1);
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNoDuplicateKeys(const YAML::Node& root,
                                  absl::string_view source) {
  return Check(root, "", source, 0);
}

}  // namespace tokend
