#include "tests/revocation/redis_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
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
#include "absl/strings/str_join.h"

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
    absl::Duration deadline, std::vector<std::string> extra_args) {
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
  std::unique_ptr<RedisServer> server(
      new RedisServer(tmpl, *port, std::move(extra_args)));
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
  std::vector<std::string> args = {
      "redis-server", "--port", port,    "--bind", "127.0.0.1",   "--save", "",
      "--appendonly", "no",     "--dir", dir_,     "--daemonize", "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
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
    execv(kBinary, argv.data());
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

void RedisServer::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

namespace {

std::string ReplyText(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < reply->elements; ++i) {
        parts.push_back(ReplyText(reply->element[i]));
      }
      return absl::StrJoin(parts, " ");
    }
    default:
      return "(nil)";
  }
}

}  // namespace

absl::StatusOr<std::string> RedisCommand(int port,
                                         const std::vector<std::string>& args) {
  redisContext* ctx = redisConnectWithTimeout("127.0.0.1", port, timeval{5, 0});
  if (ctx == nullptr || ctx->err != 0) {
    const std::string why = ctx != nullptr ? ctx->errstr : "out of memory";
    if (ctx != nullptr) redisFree(ctx);
    return absl::UnavailableError(absl::StrCat("connect to ", port, ": ", why));
  }
  redisSetTimeout(ctx, timeval{5, 0});
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      ctx, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  absl::StatusOr<std::string> result;
  if (reply == nullptr) {
    result = absl::UnavailableError(ctx->errstr);
  } else if (reply->type == REDIS_REPLY_ERROR) {
    result = absl::FailedPreconditionError(std::string(reply->str, reply->len));
  } else {
    result = ReplyText(reply);
  }
  if (reply != nullptr) freeReplyObject(reply);
  redisFree(ctx);
  return result;
}

absl::Status RedisServer::Restart(absl::Duration deadline) {
  Kill();
  return Launch(deadline);
}

}  // namespace tokend::testing
