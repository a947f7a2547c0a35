// Test support: runs the real `tokend` binary (TokendBinary()) in a temp
// directory and talks to it.
#ifndef TOKEND_TESTS_SERVER_TOKEND_PROCESS_H_
#define TOKEND_TESTS_SERVER_TOKEND_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace tokend::testing {

// A fresh directory under /tmp (short, so unix socket paths fit), removed
// with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A loopback TCP port that was free a moment ago.
int FreePort();

// Runs a shell command; returns its exit status.
int Shell(const std::string& command);

std::string ReadFile(const std::string& path);

// Polls `done` until it returns true or `timeout` passes; false on timeout.
// Every wait in these tests is on an observable event with a deadline.
bool WaitFor(const std::function<bool()>& done,
             absl::Duration timeout = absl::Seconds(20));

// The tokend these tests start: $TOKEND_TEST_BINARY when set and not empty
// (CI's ThreadSanitizer stage runs the normally built test binaries against
// a TSan-built tokend this way), else the one built with the tests
// (TOKEND_BINARY).
const std::string& TokendBinary();

class TokendProcess {
 public:
  // Starts `tokend` with `args`; stderr goes to `log_path`.
  TokendProcess(std::vector<std::string> args, std::string log_path);
  ~TokendProcess();  // SIGKILL if still running

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits for the exit; returns the exit code (128+signal when killed), or
  // -1 on timeout.
  int WaitExit(absl::Duration timeout = absl::Seconds(20));
  std::string Log() const { return ReadFile(log_path_); }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  int exit_code_ = -1;
};

// Plaintext channel to "unix:<path>" or "127.0.0.1:<port>".
std::shared_ptr<grpc::Channel> Connect(const std::string& target);

// grpc.health.v1.Health/Check for `service`; returns the status enum value
// (1 SERVING, 2 NOT_SERVING) or -1 with the RPC status in *error.
int HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                const std::string& service, grpc::Status* error = nullptr);

// Waits until Health/Check on `target` answers SERVING. Each attempt uses
// a fresh channel, so a server that is still starting is not hidden
// behind a channel's reconnect back-off.
bool WaitServing(const std::string& target,
                 absl::Duration timeout = absl::Seconds(30));

// Lists services through grpc.reflection.v1alpha.ServerReflection.
grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                          std::vector<std::string>* services);

// HTTP/1.0 GET on 127.0.0.1:port; returns the whole response (status line,
// headers, body) or "" when the connection fails.
std::string HttpGet(int port, const std::string& path);

// The marker header every TokenService / KeyService call needs.
void AddMarker(grpc::ClientContext* context);

// The value of the sample `series` (name plus labels exactly as exposed,
// e.g. `x{a="b"}`) in a Prometheus text exposition; nullopt when absent.
std::optional<double> MetricSample(const std::string& text,
                                   const std::string& series);

// The ErrorInfo (reason, field) in a failed status's details; empty
// strings when absent. `has_bad_request` / `retry_delay_ms` report the
// other details.
struct ErrorDetails {
  bool has_error_info = false;
  std::string reason;
  std::string domain;
  std::string field;
  bool has_bad_request = false;
  std::string bad_request_field;
  int64_t retry_delay_ms = -1;
};
ErrorDetails DetailsOf(const grpc::Status& status);

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_SERVER_TOKEND_PROCESS_H_
