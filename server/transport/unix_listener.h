// The unix-socket listener. tokend accepts connections itself so that it
// can read each peer's SO_PEERCRED (gRPC 1.51 exposes no peer credentials)
// and then hands the connected fd to gRPC with AddInsecureChannelFromFd,
// recording the credentials in the PeerTable under the peer name gRPC
// reports for that channel ("fd:<n>").
//
// Each uid may hold `max_connections_per_peer` connections open; more are
// closed at accept (counted in tokend_connections_refused_total). When
// accept() fails for want of resources (EMFILE at RLIMIT_NOFILE, ENFILE,
// ENOBUFS, ENOMEM) the loop backs off (10 ms doubling to 1 s) instead of
// spinning on the still-readable socket, counts each failure in
// tokend_accept_errors_total and logs at most one line per 10 s.
//
// The socket's directory is created 0750 when missing, the socket is made
// 0660, and a stale socket file left by a dead tokend is replaced (a live
// one is refused).
#ifndef TOKEND_SERVER_TRANSPORT_UNIX_LISTENER_H_
#define TOKEND_SERVER_TRANSPORT_UNIX_LISTENER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/transport/peer_table.h"

namespace tokend {

class UnixListener {
 public:
  static absl::StatusOr<std::unique_ptr<UnixListener>> Bind(
      const std::string& path);
  // The plaintext loopback TCP listener (listeners.tcp: 127.x.y.z:PORT,
  // [::1]:PORT, or localhost:PORT = 127.0.0.1), accepted the same way so
  // that its connections are capped too: all loopback peers together hold
  // at most max_connections_per_peer. Its callers are "loopback".
  static absl::StatusOr<std::unique_ptr<UnixListener>> BindLoopbackTcp(
      const std::string& address);
  // The plaintext gRPC health listener (listeners.health: an IP literal,
  // any interface, or localhost), accepted the same way: each source IP
  // address is one peer. Returns nullptr when the host is a DNS name,
  // which the caller leaves to gRPC (uncapped).
  static absl::StatusOr<std::unique_ptr<UnixListener>> BindHealthTcp(
      const std::string& address);
  ~UnixListener();

  // Starts the accept thread; `server` must be started.
  void Start(grpc::Server* server, PeerTable* peers,
             int64_t max_connections_per_peer);
  // Stops accepting and removes the socket file. Idempotent.
  void Stop();

 private:
  enum class Kind { kUnix, kLoopbackTcp, kHealthTcp };
  UnixListener(std::string path, int fd, int wake_read, int wake_write,
               Kind kind = Kind::kUnix);
  static absl::StatusOr<std::unique_ptr<UnixListener>> BindTcp(
      const std::string& address, Kind kind);
  // "unix", "tcp" or "health": the metrics label and the log prefix.
  const char* label() const;
  // Runs on the listener's own thread.
  void AcceptLoop(grpc::Server* server, PeerTable* peers,
                  int64_t max_connections_per_peer);
  // Waits up to `timeout` for Stop; true when stopping.
  bool WaitForStop(absl::Duration timeout);

  std::string path_;
  int fd_;
  int wake_read_;
  int wake_write_;
  const Kind kind_;
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_UNIX_LISTENER_H_
