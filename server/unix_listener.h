// The unix-socket listener. tokend accepts connections itself so that it
// can read each peer's SO_PEERCRED (gRPC 1.51 exposes no peer credentials)
// and then hands the connected fd to gRPC with AddInsecureChannelFromFd,
// recording the credentials in the PeerTable under the peer name gRPC
// reports for that channel ("fd:<n>").
//
// The socket's directory is created 0750 when missing, the socket is made
// 0660, and a stale socket file left by a dead tokend is replaced (a live
// one is refused).
#ifndef TOKEND_SERVER_UNIX_LISTENER_H_
#define TOKEND_SERVER_UNIX_LISTENER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "server/peer_table.h"

namespace tokend {

class UnixListener {
 public:
  static absl::StatusOr<std::unique_ptr<UnixListener>> Bind(
      const std::string& path);
  ~UnixListener();

  // Starts the accept thread; `server` must be started.
  void Start(grpc::Server* server, PeerTable* peers);
  // Stops accepting and removes the socket file. Idempotent.
  void Stop();

 private:
  UnixListener(std::string path, int fd, int wake_read, int wake_write);
  void AcceptLoop(grpc::Server* server, PeerTable* peers);

  std::string path_;
  int fd_;
  int wake_read_;
  int wake_write_;
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_UNIX_LISTENER_H_
