// How a listener tokend accepts itself hands an admitted connection to
// gRPC (see unix_listener.h). The plaintext listeners (unix socket,
// loopback TCP, health) make an insecure channel of the fd; the TLS
// listener gives it to an ExternalConnectionAcceptor made from the TLS
// server credentials, and gRPC then runs the TLS (or mTLS) handshake on it
// exactly as on a port it bound itself: the peer gRPC reports is the
// socket's address ("ipv4:..."), never "fd:<n>", so a TLS connection is
// never looked up in the PeerTable.
//
// Thread: called on the listener's accept thread; gRPC owns the fd after.
#ifndef TOKEND_SERVER_TRANSPORT_CONNECTION_HANDOFF_H_
#define TOKEND_SERVER_TRANSPORT_CONNECTION_HANDOFF_H_

#include <functional>

#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace tokend {

// Takes the accepted `fd` of the listening socket `listener_fd`.
using ConnectionHandoff = std::function<void(int listener_fd, int fd)>;

// grpc::AddInsecureChannelFromFd on a started `server`.
ConnectionHandoff InsecureChannelHandoff(grpc::Server* server);

// `acceptor`->HandleNewConnection; the acceptor (from a builder whose
// server is started) must outlive the listener's accept thread.
ConnectionHandoff AcceptorHandoff(
    grpc::experimental::ExternalConnectionAcceptor* acceptor);

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_CONNECTION_HANDOFF_H_
