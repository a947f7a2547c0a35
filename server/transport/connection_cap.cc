#include "server/transport/connection_cap.h"

#include <sys/stat.h>

#include <algorithm>

namespace tokend {
namespace {

// The socket inode `fd` names now, or 0 when it names no socket.
ino_t SocketInode(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino;
}

}  // namespace

int64_t ConnectionCap::Open(uint64_t peer) {
  auto it = open_.find(peer);
  if (it == open_.end()) return 0;
  std::erase_if(it->second, [](const Connection& c) {
    return SocketInode(c.fd) != c.inode;
  });
  const int64_t open = static_cast<int64_t>(it->second.size());
  if (open == 0) open_.erase(it);
  return open;
}

bool ConnectionCap::Admit(int fd, uint64_t peer) {
  // A reused fd number belongs to the new connection only.
  for (auto& [unused, connections] : open_) {
    std::erase_if(connections,
                  [fd](const Connection& c) { return c.fd == fd; });
  }
  if (Open(peer) >= max_per_peer_) return false;
  open_[peer].push_back(Connection{fd, SocketInode(fd)});
  return true;
}

}  // namespace tokend
