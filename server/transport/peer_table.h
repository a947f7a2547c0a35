// fd → SO_PEERCRED of the unix-socket connections tokend accepted and
// handed to gRPC (grpc::AddInsecureChannelFromFd). gRPC names such a
// connection's peer "fd:<n>"; the table is keyed by that string. An entry is
// written before the fd is handed over, so a reused fd number is always
// overwritten with the new connection's credentials before any call on it
// can be looked up. Thread-safe.
#ifndef TOKEND_SERVER_TRANSPORT_PEER_TABLE_H_
#define TOKEND_SERVER_TRANSPORT_PEER_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace tokend {

struct UnixPeer {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
  // A plaintext loopback TCP connection (no credentials): the caller is
  // "loopback", not a uid.
  bool loopback_tcp = false;
};

class PeerTable {
 public:
  // The peer string gRPC reports for a channel made from `fd`.
  static std::string PeerName(int fd);

  void Put(int fd, UnixPeer peer);
  std::optional<UnixPeer> Find(absl::string_view peer_name) const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, UnixPeer> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_PEER_TABLE_H_
