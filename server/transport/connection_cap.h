// Caps the connections each peer holds open on a listener tokend accepts
// itself (the unix socket: one peer per uid). gRPC owns an accepted fd and
// closes it without telling tokend, so a connection counts as open while its
// fd number still names the same socket (same inode): a closed connection
// whose number was reused by another file no longer counts.
//
// Thread: the listener's accept thread only (not thread-safe).
#ifndef TOKEND_SERVER_TRANSPORT_CONNECTION_CAP_H_
#define TOKEND_SERVER_TRANSPORT_CONNECTION_CAP_H_

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace tokend {

class ConnectionCap {
 public:
  explicit ConnectionCap(int64_t max_per_peer) : max_per_peer_(max_per_peer) {}

  // Records the accepted `fd` for `peer` and returns true, or returns false
  // (nothing recorded; the caller closes it) when `peer` already holds
  // max_per_peer open connections.
  bool Admit(int fd, uint64_t peer);

  // Open connections of `peer` (after dropping the closed ones).
  int64_t Open(uint64_t peer);

 private:
  struct Connection {
    int fd;
    ino_t inode;
  };
  const int64_t max_per_peer_;
  absl::flat_hash_map<uint64_t, std::vector<Connection>> open_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_CONNECTION_CAP_H_
