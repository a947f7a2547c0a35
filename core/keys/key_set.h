// An immutable set of keys, looked up by exact kid.
//
// Readers hold a std::shared_ptr<const KeySet> snapshot and never lock; a
// reload builds a new set and swaps the pointer.
#ifndef TOKEND_CORE_KEYS_KEY_SET_H_
#define TOKEND_CORE_KEYS_KEY_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/key.h"

namespace tokend {

class KeySet {
 public:
  KeySet() = default;

  // Refuses (kKeySetInvalid) duplicate kids, more than one key without a kid,
  // and sets mixing symmetric and asymmetric keys.
  static absl::StatusOr<KeySet> Create(
      std::vector<std::shared_ptr<const Key>> keys);

  // Exact, case-sensitive match; nullptr when absent.
  const Key* FindByKid(absl::string_view kid) const;
  const std::vector<std::shared_ptr<const Key>>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

 private:
  std::vector<std::shared_ptr<const Key>> keys_;  // sorted by kid
};

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_KEY_SET_H_
