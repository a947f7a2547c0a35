// Names that configuration gives issuers and exchange rules: they label
// metrics, audit lines and logs, so they are short and plain.
#ifndef TOKEND_CORE_IDENTITY_CONFIG_NAME_H_
#define TOKEND_CORE_IDENTITY_CONFIG_NAME_H_

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace tokend::identity {

inline constexpr size_t kMaxConfigNameBytes = 64;

// 1 to 64 of [A-Za-z0-9_.-].
inline bool IsValidConfigName(absl::string_view name) {
  return !name.empty() && name.size() <= kMaxConfigNameBytes &&
         absl::c_all_of(name, [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                  c == '_' || c == '.' || c == '-';
         });
}

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_CONFIG_NAME_H_
