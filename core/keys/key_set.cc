#include "core/keys/key_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/reason.h"

namespace tokend {
namespace {

bool KidLess(const std::shared_ptr<const Key>& a,
             const std::shared_ptr<const Key>& b) {
  return a->kid() < b->kid();
}

}  // namespace

absl::StatusOr<KeySet> KeySet::Create(
    std::vector<std::shared_ptr<const Key>> keys) {
  for (const std::shared_ptr<const Key>& key : keys) {
    if (key == nullptr) {
      return Error(Reason::kKeySetInvalid, "the key set holds a null key");
    }
  }
  if (!keys.empty()) {
    // A set is either all HMAC secrets or all public-key keys: a mixed set
    // invites HS/RS confusion when a token names the wrong kind of key.
    const bool symmetric = IsSymmetric(keys.front()->alg());
    for (const std::shared_ptr<const Key>& key : keys) {
      if (IsSymmetric(key->alg()) != symmetric) {
        return Error(Reason::kKeySetInvalid,
                     "a key set must not mix symmetric and asymmetric keys");
      }
    }
  }
  // std::string's operator< is byte order, so the sort and FindByKid's
  // binary search agree and the match is exact and case-sensitive.
  std::stable_sort(keys.begin(), keys.end(), KidLess);
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i - 1]->kid() != keys[i]->kid()) continue;
    if (keys[i]->kid().empty()) {
      return Error(Reason::kKeySetInvalid,
                   "more than one key in the set has no kid");
    }
    // The kid is an identifier, not secret material, so naming it (escaped
    // and shortened) helps the operator find the clash.
    return Error(
        Reason::kKeySetInvalid,
        absl::StrCat(
            "duplicate kid \"",
            absl::CHexEscape(absl::string_view(keys[i]->kid()).substr(0, 64)),
            "\""));
  }
  KeySet set;
  set.keys_ = std::move(keys);
  return set;
}

const Key* KeySet::FindByKid(absl::string_view kid) const {
  auto it = std::lower_bound(
      keys_.begin(), keys_.end(), kid,
      [](const std::shared_ptr<const Key>& key, absl::string_view wanted) {
        return absl::string_view(key->kid()) < wanted;
      });
  if (it == keys_.end() || (*it)->kid() != kid) return nullptr;
  return it->get();
}

}  // namespace tokend
