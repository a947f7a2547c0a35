// grpc_load's own tokend: a temp directory under /dev/shm (cheap fsync)
// with generated keys and a config (unix socket, loopback TCP on a free
// port, the tenants hs256/es256/eddsa of profile jwt, no rate limit, this
// uid and loopback allowed everything), the real binary started on it, and
// everything removed again on destruction. Main thread only.
#ifndef TOKEND_BENCH_GRPC_LOAD_TOKEND_H_
#define TOKEND_BENCH_GRPC_LOAD_TOKEND_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tokend::bench {

class BenchTokend {
 public:
  // Writes the directory and starts `binary`; does not wait for it.
  // `claims_metadata`: ext_authz.claims_metadata (the claims as Check's
  // dynamic_metadata; tokend's default is off).
  static absl::StatusOr<std::unique_ptr<BenchTokend>> Start(
      const std::string& binary, bool claims_metadata = false);
  ~BenchTokend();  // SIGTERM, then SIGKILL after a grace period

  std::string unix_target() const { return "unix:" + socket_; }
  std::string tcp_target() const;
  const std::string& log_path() const { return log_; }
  pid_t pid() const { return pid_; }

 private:
  BenchTokend() = default;

  std::string dir_;
  std::string socket_;
  std::string log_;
  int tcp_port_ = 0;
  pid_t pid_ = -1;
};

// Polls grpc.health.v1.Health/Check on `target` (a fresh channel per try,
// so no reconnect back-off hides a server that just came up) until it
// answers SERVING or `timeout` passes.
bool WaitServing(const std::string& target, absl::Duration timeout);

}  // namespace tokend::bench

#endif  // TOKEND_BENCH_GRPC_LOAD_TOKEND_H_
