// Generic JWT grants: plain data, validated by the jwt profile.
#ifndef TOKEND_CORE_PROFILES_JWT_GRANTS_H_
#define TOKEND_CORE_PROFILES_JWT_GRANTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json.h"

namespace tokend {
struct JwtGrants {
  std::vector<std::string> audiences;  // empty: the tenant's default
  json::Object extra_claims;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_JWT_GRANTS_H_
