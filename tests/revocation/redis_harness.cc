#include "tests/revocation/redis_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace tokend::testing {
namespace {

// A port the kernel just handed out on 127.0.0.1, released for redis.
absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError("bind to a free loopback port failed");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// One PING on a fresh connection: true on "+PONG".
bool Pings(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const char ping[] = "PING\r\n";
    pollfd pfd{fd, POLLIN, 0};
    char buf[16] = {};
    ok = write(fd, ping, sizeof(ping) - 1) == sizeof(ping) - 1 &&
         poll(&pfd, 1, 1000) == 1 && read(fd, buf, sizeof(buf)) >= 5 &&
         std::string(buf, 5) == "+PONG";
  }
  close(fd);
  return ok;
}

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool WaitUntil(const std::function<bool()>& condition,
               absl::Duration deadline) {
  const absl::Time end = absl::Now() + deadline;
  while (!condition()) {
    if (absl::Now() >= end) return false;
    poll(nullptr, 0, 5);  // polling interval, not synchronisation
  }
  return true;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    absl::Duration deadline) {
  if (access(kBinary, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(kBinary,
                     " is missing: run setup.sh (installs the "
                     "redis-server package)"));
  }
  char tmpl[] = "/tmp/tokend-redis-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<RedisServer> server(new RedisServer(tmpl, *port));
  absl::Status status = server->Launch(deadline);
  if (!status.ok()) return status;
  return server;
}

RedisServer::~RedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::Url(int db) const {
  return absl::StrCat("redis://127.0.0.1:", port_, "/", db);
}

absl::Status RedisServer::Launch(absl::Duration deadline) {
  const std::string log = dir_ + "/redis.log";
  const std::string port = absl::StrCat(port_);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Dies with the test binary, whatever happens to it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    execl(kBinary, "redis-server", "--port", port.c_str(), "--bind",
          "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
          dir_.c_str(), "--daemonize", "no", static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  const bool up = WaitUntil(
      [&] {
        int wstatus = 0;
        if (pid_ > 0 && waitpid(pid_, &wstatus, WNOHANG) == pid_) pid_ = -1;
        return pid_ < 0 || Pings(port_);
      },
      deadline);
  if (pid_ < 0 || !up) {
    Kill();
    return absl::UnavailableError(
        absl::StrCat("redis-server on port ", port_,
                     " did not answer PING; its log:\n", ReadLog(log)));
  }
  return absl::OkStatus();
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

absl::Status RedisServer::Restart(absl::Duration deadline) {
  Kill();
  return Launch(deadline);
}

}  // namespace tokend::testing
