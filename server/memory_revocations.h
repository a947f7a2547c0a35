// An in-memory RevocationChecker: the STAND-IN until the durable stores of
// issue "5 of 6" (SQLite, Redis) land. Revocations are lost on restart.
//
// By token id (kept until the token's expiry), by subject and by whole
// tenant (every token issued at or before the revocation time; token times
// are whole seconds, so a token issued in the same second is revoked too).
// Thread-safe; reads take a shared lock.
#ifndef TOKEND_SERVER_MEMORY_REVOCATIONS_H_
#define TOKEND_SERVER_MEMORY_REVOCATIONS_H_

#include <shared_mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/token_service.h"

namespace tokend {

class MemoryRevocations final : public RevocationChecker {
 public:
  // `keep_until`: when the entry can be dropped (the token's expiry).
  void RevokeToken(absl::string_view tenant, absl::string_view token_id,
                   absl::Time keep_until, absl::Time now);
  void RevokeSubject(absl::string_view tenant, absl::string_view subject,
                     absl::Time at);
  void RevokeTenant(absl::string_view tenant, absl::Time at);

  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override;

 private:
  static std::string Key(absl::string_view tenant, absl::string_view part);

  mutable std::shared_mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> tokens_;    // → keep until
  absl::flat_hash_map<std::string, absl::Time> subjects_;  // → revoked at
  absl::flat_hash_map<std::string, absl::Time> tenants_;   // → revoked at
};

}  // namespace tokend

#endif  // TOKEND_SERVER_MEMORY_REVOCATIONS_H_
