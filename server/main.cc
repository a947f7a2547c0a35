// tokend: the token sidecar. See server/server.h for what it serves and
// the README for the configuration file.
//
//   tokend --config=/etc/tokend/tokend.yaml
//   tokend                     # development mode: embedded default config
#include <cstdio>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "server/server.h"

ABSL_FLAG(std::string, config, "",
          "the YAML config file; empty: the embedded development default");
ABSL_FLAG(std::string, socket, "",
          "unix socket path, overriding listeners.unix_socket (none: off)");
ABSL_FLAG(std::string, listen, "",
          "loopback TCP host:port, overriding listeners.tcp (none: off)");
ABSL_FLAG(std::string, health_port, "",
          "plaintext gRPC health port or host:port, overriding "
          "listeners.health (none: off)");
ABSL_FLAG(std::string, http_port, "",
          "HTTP port or host:port for /metrics, /healthz, /readyz and JWKS, "
          "overriding listeners.http (none: off)");
ABSL_FLAG(std::string, state_dir, "",
          "state folder (default: $TOKEND_STATE_DIR, else ./.tokend)");
ABSL_FLAG(std::string, log_level, "", "debug, info, warn or error");
ABSL_FLAG(std::optional<std::string>, drain_timeout, std::nullopt,
          "how long SIGTERM waits for in-flight calls, e.g. 10s");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tokend: gRPC token sidecar (issue, verify, renew, revoke tokens)");
  absl::ParseCommandLine(argc, argv);
  // Before any thread exists, so every thread inherits the mask and the
  // signals reach only Server::Run's signalfd.
  tokend::Server::BlockSignals();

  tokend::ServerOptions options;
  options.config_path = absl::GetFlag(FLAGS_config);
  options.socket = absl::GetFlag(FLAGS_socket);
  options.listen = absl::GetFlag(FLAGS_listen);
  options.health = absl::GetFlag(FLAGS_health_port);
  options.http = absl::GetFlag(FLAGS_http_port);
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.log_level = absl::GetFlag(FLAGS_log_level);
  if (std::optional<std::string> d = absl::GetFlag(FLAGS_drain_timeout)) {
    absl::Duration drain;
    if (!absl::ParseDuration(*d, &drain) || drain < absl::ZeroDuration()) {
      std::fprintf(stderr, "tokend: --drain_timeout: '%s' is not a duration\n",
                   d->c_str());
      return 2;
    }
    options.drain_timeout = drain;
  }

  absl::StatusOr<std::unique_ptr<tokend::Server>> server =
      tokend::Server::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "tokend: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  return (*server)->Run();
}
