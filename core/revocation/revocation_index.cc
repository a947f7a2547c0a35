#include "core/revocation/revocation_index.h"

#include "absl/strings/str_cat.h"

namespace tokend {

RevocationIndex::RevocationIndex() : map_(std::make_shared<const Map>()) {}

std::string RevocationIndex::KeyOf(Revocation::Kind kind,
                                   absl::string_view tenant,
                                   absl::string_view value) {
  return absl::StrCat(static_cast<int>(kind), std::string(1, '\0'), tenant,
                      std::string(1, '\0'), value);
}

void RevocationIndex::Insert(const Revocation& r, Map* map) {
  auto [it, inserted] = map->try_emplace(KeyOf(r.kind, r.tenant, r.value), r);
  if (!inserted) {
    it->second.revoked_at = std::max(it->second.revoked_at, r.revoked_at);
    it->second.expires_at = std::max(it->second.expires_at, r.expires_at);
  }
}

bool RevocationIndex::IsRevoked(absl::string_view tenant,
                                absl::string_view token_id,
                                absl::string_view subject,
                                absl::Time issued_at) const {
  std::shared_ptr<const Map> map = map_.load(std::memory_order_acquire);
  if (map->empty()) return false;
  if (!token_id.empty() &&
      map->contains(KeyOf(Revocation::Kind::kTokenId, tenant, token_id))) {
    return true;
  }
  // Subject and tenant entries cover tokens issued at or before them.
  if (!subject.empty()) {
    auto it = map->find(KeyOf(Revocation::Kind::kSubject, tenant, subject));
    if (it != map->end() && issued_at <= it->second.revoked_at) return true;
  }
  auto it = map->find(KeyOf(Revocation::Kind::kTenant, tenant, ""));
  return it != map->end() && issued_at <= it->second.revoked_at;
}

void RevocationIndex::Add(const Revocation& revocation) {
  absl::MutexLock lock(&write_mu_);
  auto next = std::make_shared<Map>(*map_.load());
  Insert(revocation, next.get());
  map_.store(std::move(next), std::memory_order_release);
}

void RevocationIndex::Replace(const std::vector<Revocation>& all) {
  auto next = std::make_shared<Map>();
  for (const Revocation& r : all) Insert(r, next.get());
  absl::MutexLock lock(&write_mu_);
  map_.store(std::move(next), std::memory_order_release);
}

size_t RevocationIndex::Prune(absl::Time now) {
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const Map> current = map_.load();
  auto next = std::make_shared<Map>();
  for (const auto& [key, r] : *current) {
    if (r.expires_at > now) next->emplace(key, r);
  }
  const size_t dropped = current->size() - next->size();
  if (dropped > 0) map_.store(std::move(next), std::memory_order_release);
  return dropped;
}

size_t RevocationIndex::size() const { return map_.load()->size(); }

}  // namespace tokend
