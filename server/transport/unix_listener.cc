#include "server/transport/unix_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/reason.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/transport/connection_cap.h"

namespace tokend {
namespace {

absl::Status Fail(absl::string_view what, const std::string& path) {
  return Error(Reason::kUnavailable,
               absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

const char* ErrnoName(int error) {
  switch (error) {
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENOBUFS:
      return "ENOBUFS";
    case ENOMEM:
      return "ENOMEM";
    default:
      return "other";
  }
}

// The ConnectionCap key of a TCP peer: its IPv4 address (also when
// IPv4-mapped), or a hash of its IPv6 address with the top bit set so the
// two never meet.
uint64_t SourceAddressKey(const sockaddr_storage& from) {
  if (from.ss_family == AF_INET) {
    return ntohl(reinterpret_cast<const sockaddr_in&>(from).sin_addr.s_addr);
  }
  const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(from).sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    uint32_t v4;
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    return ntohl(v4);
  }
  return absl::HashOf(absl::string_view(
             reinterpret_cast<const char*>(v6.s6_addr), sizeof(v6.s6_addr))) |
         (uint64_t{1} << 63);
}

std::string SourceAddressText(const sockaddr_storage& from) {
  char text[INET6_ADDRSTRLEN] = "";
  if (from.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(from).sin_addr,
              text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(from).sin6_addr,
              text, sizeof(text));
  }
  return text;
}

// One log line per interval for a repeating event, saying how many were
// not logged since the last line. Accept thread only.
class ThrottledLog {
 public:
  explicit ThrottledLog(std::string message,
                        absl::Duration interval = absl::Seconds(10))
      : message_(std::move(message)), interval_(interval) {}

  void Warn(absl::string_view key, const std::string& value) {
    const absl::Time now = absl::Now();
    if (now < next_) {
      ++suppressed_;
      return;
    }
    log::Warn(message_, {{key, value}, {"suppressed_since_last", suppressed_}});
    suppressed_ = 0;
    next_ = now + interval_;
  }

 private:
  const std::string message_;
  const absl::Duration interval_;
  absl::Time next_ = absl::InfinitePast();
  int64_t suppressed_ = 0;
};

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::Bind(
    const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unix socket path must be 1 to ",
                              sizeof(addr.sun_path) - 1, " bytes: ", path));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const std::string dir = DirOf(path);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    if (mkdir(dir.c_str(), 0750) != 0) return Fail("cannot create", dir);
  }
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error(Reason::kUnavailable,
                   absl::StrCat(path, " exists and is not a socket"));
    }
    // A live server answers connect(); a stale file does not.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live =
        probe >= 0 &&
        connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    if (probe >= 0) close(probe);
    if (live) {
      return Error(Reason::kUnavailable,
                   absl::StrCat("another server is listening on ", path));
    }
    unlink(path.c_str());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Fail("cannot create a socket for", path);
  // Tighten the umask around bind so the socket never exists with looser
  // permissions than 0660.
  const mode_t old_mask = umask(0117);
  const int bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old_mask);
  if (bound != 0) {
    absl::Status s = Fail("cannot bind", path);
    close(fd);
    return s;
  }
  if (chmod(path.c_str(), 0660) != 0 || listen(fd, 512) != 0) {
    absl::Status s = Fail("cannot listen on", path);
    close(fd);
    return s;
  }
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    return Fail("cannot create a pipe for", path);
  }
  return std::unique_ptr<UnixListener>(
      new UnixListener(path, fd, wake[0], wake[1]));
}

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::BindLoopbackTcp(
    const std::string& address) {
  return BindTcp(address, Kind::kLoopbackTcp);
}

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::BindHealthTcp(
    const std::string& address) {
  return BindTcp(address, Kind::kHealthTcp);
}

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::BindTls(
    const std::string& address) {
  return BindTcp(address, Kind::kTls);
}

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::BindTcp(
    const std::string& address, Kind kind) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("not a host:port address: ", address));
  }
  std::string host = address.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v6);
  } else if (kind == Kind::kHealthTcp || kind == Kind::kTls) {
    return nullptr;
  } else {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("not a loopback IP address: ", address));
  }
  int fd = -1;
  if (host == "0.0.0.0") {
    // As gRPC binds a wildcard: one dual-stack socket, so IPv6 clients are
    // served too; IPv4 alone where the kernel has no IPv6.
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int zero = 0;
    if (fd >= 0 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == 0) {
      storage = sockaddr_storage{};
      v6->sin6_family = AF_INET6;
      v6->sin6_addr = in6addr_any;
      v6->sin6_port = htons(static_cast<uint16_t>(port));
      length = sizeof(*v6);
    } else if (fd >= 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                0);
  }
  if (fd < 0) return Fail("cannot create a socket for", address);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      listen(fd, 512) != 0) {
    absl::Status s = Fail("cannot listen on", address);
    close(fd);
    return s;
  }
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    return Fail("cannot create a pipe for", address);
  }
  return std::unique_ptr<UnixListener>(
      new UnixListener(address, fd, wake[0], wake[1], kind));
}

UnixListener::UnixListener(std::string path, int fd, int wake_read,
                           int wake_write, Kind kind)
    : path_(std::move(path)),
      fd_(fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      kind_(kind) {}

const char* UnixListener::label() const {
  switch (kind_) {
    case Kind::kUnix:
      return "unix";
    case Kind::kLoopbackTcp:
      return "tcp";
    case Kind::kHealthTcp:
      return "health";
    case Kind::kTls:
      return "tls";
  }
  return "unix";
}

UnixListener::~UnixListener() {
  Stop();
  close(wake_read_);
  close(wake_write_);
}

void UnixListener::Start(grpc::Server* server, PeerTable* peers,
                         int64_t max_connections_per_peer) {
  Start(InsecureChannelHandoff(server), peers, max_connections_per_peer);
}

void UnixListener::Start(ConnectionHandoff handoff, PeerTable* peers,
                         int64_t max_connections_per_peer) {
  thread_ = std::thread(
      [this, handoff = std::move(handoff), peers, max_connections_per_peer] {
        AcceptLoop(handoff, peers, max_connections_per_peer);
      });
}

bool UnixListener::WaitForStop(absl::Duration timeout) {
  pollfd wake = {wake_read_, POLLIN, 0};
  const int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  return poll(&wake, 1, ms) > 0;
}

void UnixListener::Stop() {
  if (fd_ < 0) return;
  const char byte = 1;
  (void)!write(wake_write_, &byte, 1);
  if (thread_.joinable()) thread_.join();
  close(fd_);
  fd_ = -1;
  if (kind_ == Kind::kUnix) unlink(path_.c_str());
}

std::optional<UnixListener::Peer> UnixListener::Identify(
    int conn, const sockaddr_storage& from) const {
  Peer peer;
  if (kind_ == Kind::kUnix) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      log::Warn("SO_PEERCRED failed; connection closed",
                {{"error", std::strerror(errno)}});
      return std::nullopt;
    }
    peer.key = cred.uid;
    peer.text = absl::StrCat("uid ", cred.uid);
    peer.entry = UnixPeer{cred.uid, cred.gid, cred.pid};
    return peer;
  }
  // gRPC's own listener sets this; small unary calls would otherwise wait
  // on Nagle and delayed ACKs.
  const int one = 1;
  setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (kind_ == Kind::kLoopbackTcp) {
    // Every loopback client together is one peer, the caller "loopback".
    peer.text = "loopback";
    peer.entry = UnixPeer{};
    peer.entry->loopback_tcp = true;
    return peer;
  }
  peer.key = SourceAddressKey(from);
  peer.text = SourceAddressText(from);
  return peer;
}

void UnixListener::AcceptLoop(const ConnectionHandoff& handoff,
                              PeerTable* peers,
                              int64_t max_connections_per_peer) {
  ConnectionCap cap(max_connections_per_peer);
  ThrottledLog accept_errors(absl::StrCat(label(), " accept failed"));
  ThrottledLog refusals(absl::StrCat(
      label(),
      " connection closed: its peer (a uid; every loopback TCP client "
      "together; a source address on the health and TLS ports) holds "
      "limits.max_connections_per_peer connections"));
  absl::Duration backoff = absl::ZeroDuration();
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
  while (true) {
    if (backoff > absl::ZeroDuration()) {
      // The socket stays readable while accept() fails: wait on the wake
      // pipe alone, or the loop spins.
      if (WaitForStop(backoff)) return;
    } else if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::Error(absl::StrCat(label(), " listener poll failed"),
                 {{"error", std::strerror(errno)}});
      return;
    } else if (fds[1].revents != 0) {
      return;
    }
    sockaddr_storage from{};
    socklen_t from_length = sizeof(from);
    int conn = accept4(fd_, reinterpret_cast<sockaddr*>(&from), &from_length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn < 0) {
      const int error = errno;
      if (error == EMFILE || error == ENFILE || error == ENOBUFS ||
          error == ENOMEM) {
        Metrics::Get().AcceptError(label(), ErrnoName(error));
        accept_errors.Warn("error", std::strerror(error));
        backoff =
            std::clamp(backoff * 2, absl::Milliseconds(10), absl::Seconds(1));
      } else if (error != EAGAIN && error != EINTR && error != ECONNABORTED) {
        Metrics::Get().AcceptError(label(), ErrnoName(error));
        accept_errors.Warn("error", std::strerror(error));
      }
      continue;
    }
    backoff = absl::ZeroDuration();
    std::optional<Peer> peer = Identify(conn, from);
    if (!peer.has_value()) {
      close(conn);
      continue;
    }
    if (!cap.Admit(conn, peer->key)) {
      Metrics::Get().ConnectionRefused(label());
      refusals.Warn("peer", peer->text);
      close(conn);
      continue;
    }
    // Written before the handoff, so a call on a reused fd number never
    // sees the previous connection's credentials.
    if (peer->entry.has_value()) peers->Put(conn, *peer->entry);
    handoff(fd_, conn);
  }
}

}  // namespace tokend
