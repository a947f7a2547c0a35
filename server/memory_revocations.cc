#include "server/memory_revocations.h"

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace tokend {

std::string MemoryRevocations::Key(absl::string_view tenant,
                                   absl::string_view part) {
  // Tenant names never contain '\0'.
  return absl::StrCat(tenant, absl::string_view("\0", 1), part);
}

void MemoryRevocations::RevokeToken(absl::string_view tenant,
                                    absl::string_view token_id,
                                    absl::Time keep_until, absl::Time now) {
  std::unique_lock lock(mu_);
  absl::erase_if(tokens_, [&](const auto& e) { return e.second < now; });
  absl::Time& until = tokens_[Key(tenant, token_id)];
  until = std::max(until, keep_until);
}

void MemoryRevocations::RevokeSubject(absl::string_view tenant,
                                      absl::string_view subject,
                                      absl::Time at) {
  std::unique_lock lock(mu_);
  absl::Time& t = subjects_[Key(tenant, subject)];
  t = std::max(t, at);
}

void MemoryRevocations::RevokeTenant(absl::string_view tenant, absl::Time at) {
  std::unique_lock lock(mu_);
  absl::Time& t = tenants_[std::string(tenant)];
  t = std::max(t, at);
}

bool MemoryRevocations::IsRevoked(absl::string_view tenant,
                                  absl::string_view token_id,
                                  absl::string_view subject,
                                  absl::Time issued_at) const {
  std::shared_lock lock(mu_);
  if (auto it = tenants_.find(tenant);
      it != tenants_.end() && issued_at <= it->second) {
    return true;
  }
  if (auto it = subjects_.find(Key(tenant, subject));
      it != subjects_.end() && issued_at <= it->second) {
    return true;
  }
  return !token_id.empty() && tokens_.contains(Key(tenant, token_id));
}

}  // namespace tokend
