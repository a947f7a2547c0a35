// The listeners tokend accepts itself. The unix socket, so that it can read
// each peer's SO_PEERCRED (gRPC 1.51 exposes no peer credentials), then
// hands the connected fd to gRPC with AddInsecureChannelFromFd, recording
// the credentials in the PeerTable under the peer name gRPC reports for
// that channel ("fd:<n>"). The TCP listeners (loopback plaintext, health,
// TLS), so that their connections are capped too (gRPC 1.51 has no
// connection limit); the TLS one hands its fds to an
// ExternalConnectionAcceptor (connection_handoff.h), which does the TLS
// handshake.
//
// Each peer (a uid; all loopback TCP clients together; a source IP address
// on the health and TLS ports) may hold `max_connections_per_peer`
// connections open; more are closed at accept (counted in
// tokend_connections_refused_total{listener}). When
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

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/transport/connection_handoff.h"
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
  // The TLS API listener (listeners.tls.address: an IP literal, any
  // interface, or localhost), accepted the same way: each source IP address
  // is one peer, and the handoff is an ExternalConnectionAcceptor's. Returns
  // nullptr when the host is a DNS name, which the caller leaves to gRPC
  // (uncapped). For both, 0.0.0.0 is one dual-stack IPv6 socket (IPv4
  // alone without kernel IPv6), as gRPC binds a wildcard.
  static absl::StatusOr<std::unique_ptr<UnixListener>> BindTls(
      const std::string& address);
  ~UnixListener();

  // Starts the accept thread; `server` must be started. Admitted
  // connections become insecure channels of `server`.
  void Start(grpc::Server* server, PeerTable* peers,
             int64_t max_connections_per_peer);
  // Starts the accept thread handing admitted connections to `handoff`
  // (whose server must be started).
  void Start(ConnectionHandoff handoff, PeerTable* peers,
             int64_t max_connections_per_peer);
  // Stops accepting and removes the socket file. Idempotent.
  void Stop();

 private:
  enum class Kind { kUnix, kLoopbackTcp, kHealthTcp, kTls };
  // Whom an accepted connection counts against, and what the PeerTable
  // records for it (nothing for the health and TLS ports: the health
  // server has no callers, TLS callers are known by their certificate).
  struct Peer {
    uint64_t key = 0;
    std::string text;  // for the refusal log: "uid 1000", "127.0.0.2"
    std::optional<UnixPeer> entry;
  };
  UnixListener(std::string path, int fd, int wake_read, int wake_write,
               Kind kind = Kind::kUnix);
  static absl::StatusOr<std::unique_ptr<UnixListener>> BindTcp(
      const std::string& address, Kind kind);
  // "unix", "tcp", "health" or "tls": the metrics label and log prefix.
  const char* label() const;
  // The peer of the accepted `conn` from `from`; nullopt (logged) when its
  // credentials cannot be read. Accept thread.
  std::optional<Peer> Identify(int conn, const sockaddr_storage& from) const;
  // Runs on the listener's own thread.
  void AcceptLoop(const ConnectionHandoff& handoff, PeerTable* peers,
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
