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

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

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

namespace {

// Runs `binary` with `args` (args[0] is its name), output to `log`, and
// waits until it answers PING on `port`; *pid is -1 when it did not.
absl::Status Spawn(const char* binary, std::vector<std::string> args,
                   const std::string& log, int port, absl::Duration deadline,
                   pid_t* pid) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) return absl::InternalError("fork failed");
  if (child == 0) {
    // Dies with the test binary, whatever happens to it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    execv(binary, argv.data());
    _exit(127);
  }
  *pid = child;
  const bool up = WaitUntil(
      [&] {
        int wstatus = 0;
        if (*pid > 0 && waitpid(*pid, &wstatus, WNOHANG) == *pid) *pid = -1;
        return *pid < 0 || Pings(port);
      },
      deadline);
  if (*pid > 0 && !up) {
    kill(*pid, SIGKILL);
    waitpid(*pid, nullptr, 0);
    *pid = -1;
  }
  if (*pid < 0) {
    return absl::UnavailableError(
        absl::StrCat(args[0], " on port ", port,
                     " did not answer PING; its log:\n", ReadLog(log)));
  }
  return absl::OkStatus();
}

void KillAndReap(pid_t* pid) {
  if (*pid <= 0) return;
  kill(*pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(*pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  *pid = -1;
}

}  // namespace

absl::Status RedisServer::Launch(absl::Duration deadline) {
  std::vector<std::string> args = {"redis-server",
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--daemonize",
                                   "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  return Spawn(kBinary, std::move(args), dir_ + "/redis.log", port_, deadline,
               &pid_);
}

void RedisServer::Kill() { KillAndReap(&pid_); }

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

absl::StatusOr<std::unique_ptr<RedisSentinel>> RedisSentinel::Start(
    int master_port, std::string master_name, absl::Duration down_after,
    absl::Duration deadline) {
  if (access(kBinary, X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        kBinary,
        " is missing: run setup.sh (installs the redis-sentinel package)"));
  }
  char tmpl[] = "/tmp/tokend-sentinel-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<RedisSentinel> sentinel(
      new RedisSentinel(tmpl, *port, std::move(master_name)));
  // Sentinel rewrites its configuration file: it lives in the directory.
  const std::string config = sentinel->dir_ + "/sentinel.conf";
  {
    std::ofstream out(config);
    const std::string& name = sentinel->master_name_;
    out << "port " << *port << "\nbind 127.0.0.1\ndaemonize no\n"
        << "dir " << sentinel->dir_ << "\n"
        << "sentinel monitor " << name << " 127.0.0.1 " << master_port << " 1\n"
        << "sentinel down-after-milliseconds " << name << " "
        << absl::ToInt64Milliseconds(down_after) << "\n"
        << "sentinel failover-timeout " << name << " 10000\n"
        << "sentinel parallel-syncs " << name << " 1\n";
  }
  absl::Status status =
      Spawn(kBinary, {"redis-sentinel", config}, sentinel->dir_ + "/log", *port,
            deadline, &sentinel->pid_);
  if (!status.ok()) return status;
  return sentinel;
}

RedisSentinel::~RedisSentinel() {
  KillAndReap(&pid_);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisSentinel::Url(int db) const {
  return absl::StrCat("redis-sentinel://127.0.0.1:", port_, "/", master_name_,
                      "/", db);
}

int RedisSentinel::MasterPort() const {
  absl::StatusOr<std::string> reply = RedisCommand(
      port_, {"SENTINEL", "get-master-addr-by-name", master_name_});
  if (!reply.ok()) return -1;
  const std::vector<std::string> parts = absl::StrSplit(*reply, ' ');
  int master_port = -1;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &master_port)) {
    return -1;
  }
  return master_port;
}

int RedisSentinel::ReplicasUp() const {
  absl::StatusOr<std::string> reply =
      RedisCommand(port_, {"SENTINEL", "replicas", master_name_});
  if (!reply.ok()) return 0;
  // Each replica is a flat list of fields; "flags slave" for one that is up
  // ("flags slave,s_down,..." when it is not).
  const std::vector<absl::string_view> words = absl::StrSplit(*reply, ' ');
  int up = 0;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    up += words[i] == "flags" && words[i + 1] == "slave";
  }
  return up;
}

absl::Status RedisSentinel::Failover() const {
  return RedisCommand(port_, {"SENTINEL", "FAILOVER", master_name_}).status();
}

}  // namespace tokend::testing
