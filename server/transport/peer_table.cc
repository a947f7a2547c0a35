#include "server/transport/peer_table.h"

#include "absl/strings/str_cat.h"

namespace tokend {

std::string PeerTable::PeerName(int fd) { return absl::StrCat("fd:", fd); }

void PeerTable::Put(int fd, UnixPeer peer) {
  absl::MutexLock lock(&mu_);
  peers_[PeerName(fd)] = peer;
}

std::optional<UnixPeer> PeerTable::Find(absl::string_view peer_name) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(peer_name);
  if (it == peers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tokend
