// A real redis-server for tests: Debian's /usr/bin/redis-server on a free
// loopback port, in its own temporary directory, without persistence.
// Missing redis-server is an error (setup.sh installs it), never a skip.
#ifndef TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_
#define TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tokend::testing {

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  // Starts a server and waits (up to `deadline`) until it answers PING.
  // `extra_args` go on its command line (e.g. {"--replicaof", "127.0.0.1",
  // "6379"}).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      absl::Duration deadline = absl::Seconds(10),
      std::vector<std::string> extra_args = {});
  // Stops the server and removes its directory.
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // SIGKILL and reap: the replicas see the connection drop at once.
  void Kill();
  // Starts again on the same port (the data is gone: no persistence).
  absl::Status Restart(absl::Duration deadline = absl::Seconds(10));
  // SIGSTOP / SIGCONT: a hung server that keeps its connections open.
  void Pause();
  void Resume();

  int port() const { return port_; }
  // redis://127.0.0.1:PORT/DB
  std::string Url(int db = 0) const;

 private:
  RedisServer(std::string dir, int port, std::vector<std::string> extra_args)
      : dir_(std::move(dir)), port_(port), extra_args_(std::move(extra_args)) {}
  absl::Status Launch(absl::Duration deadline);

  const std::string dir_;
  const int port_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

// One command on a fresh connection to 127.0.0.1:port (the test's own
// client: FLUSHALL, ROLE, ...). Returns the reply flattened to text: a
// status or bulk string as is, an integer in decimal, an array as its
// elements joined by spaces, nil as "(nil)"; an error reply or a failed
// connection is an error status.
absl::StatusOr<std::string> RedisCommand(int port,
                                         const std::vector<std::string>& args);

// A real redis-sentinel (Debian's /usr/bin/redis-sentinel) on a free
// loopback port, in its own temporary directory, monitoring one master on
// 127.0.0.1 with a quorum of 1 (it alone decides a failover), which it
// declares down after `down_after`.
class RedisSentinel {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-sentinel";

  static absl::StatusOr<std::unique_ptr<RedisSentinel>> Start(
      int master_port, std::string master_name,
      absl::Duration down_after = absl::Milliseconds(500),
      absl::Duration deadline = absl::Seconds(10));
  ~RedisSentinel();

  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  int port() const { return port_; }
  // redis-sentinel://127.0.0.1:PORT/MASTER/DB
  std::string Url(int db = 0) const;
  // The master's port as the sentinel names it now; -1 when it cannot say.
  int MasterPort() const;
  // The master's replicas the sentinel knows and sees up.
  int ReplicasUp() const;
  // SENTINEL FAILOVER: promotes a replica while the master stays up.
  absl::Status Failover() const;

 private:
  RedisSentinel(std::string dir, int port, std::string master_name)
      : dir_(std::move(dir)),
        port_(port),
        master_name_(std::move(master_name)) {}

  const std::string dir_;
  const int port_;
  const std::string master_name_;
  pid_t pid_ = -1;
};

// Polls `condition` until it holds or `deadline` passes; true if it held.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration deadline);

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_
