// A real redis-server for tests: Debian's /usr/bin/redis-server on a free
// loopback port, in its own temporary directory, without persistence.
// Missing redis-server is an error (setup.sh installs it), never a skip.
#ifndef TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_
#define TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tokend::testing {

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  // Starts a server and waits (up to `deadline`) until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      absl::Duration deadline = absl::Seconds(10));
  // Stops the server and removes its directory.
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // SIGKILL and reap: the replicas see the connection drop at once.
  void Kill();
  // Starts again on the same port (the data is gone: no persistence).
  absl::Status Restart(absl::Duration deadline = absl::Seconds(10));

  int port() const { return port_; }
  // redis://127.0.0.1:PORT/DB
  std::string Url(int db = 0) const;

 private:
  RedisServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  absl::Status Launch(absl::Duration deadline);

  const std::string dir_;
  const int port_;
  pid_t pid_ = -1;
};

// Polls `condition` until it holds or `deadline` passes; true if it held.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration deadline);

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_REVOCATION_REDIS_HARNESS_H_
