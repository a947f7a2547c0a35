// A free loopback TCP port for the benchmarks' own tokend listeners: bound
// to port 0, read back, released. Another process could take it in between;
// the benchmarks then fail at start-up, which is visible.
#ifndef TOKEND_BENCH_FREE_PORT_H_
#define TOKEND_BENCH_FREE_PORT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tokend::bench {

inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_FREE_PORT_H_
