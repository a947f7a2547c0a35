#include "server/transport/connection_handoff.h"

#include "grpcpp/server_posix.h"

namespace tokend {

ConnectionHandoff InsecureChannelHandoff(grpc::Server* server) {
  return [server](int /*listener_fd*/, int fd) {
    grpc::AddInsecureChannelFromFd(server, fd);
  };
}

ConnectionHandoff AcceptorHandoff(
    grpc::experimental::ExternalConnectionAcceptor* acceptor) {
  return [acceptor](int listener_fd, int fd) {
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters
        connection;
    connection.listener_fd = listener_fd;
    connection.fd = fd;
    acceptor->HandleNewConnection(&connection);
  };
}

}  // namespace tokend
