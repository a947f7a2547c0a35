// tokend: the token sidecar. See server/server.h for what it serves and
// the README for the configuration file.
//
//   tokend --config=/etc/tokend/tokend.yaml
//   tokend                     # development mode: embedded default config
//   tokend --check-config --config=/etc/tokend/tokend.yaml   # check, exit
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/server.h"
#include "server/usage.h"

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
ABSL_FLAG(bool, check_config, false,
          "load the --config file and build its tenants and keys as a start "
          "would, print 'config OK: <file>' and exit 0, or print the error "
          "and exit 1; opens no listener, writes nothing. Also spelled "
          "--check-config, and --check-config=FILE sets --config=FILE");

namespace {

// Abseil flag names cannot contain '-': rewrites --check-config to
// --check_config and --check-config=FILE to --check_config --config=FILE.
std::vector<std::string> RewriteCheckConfig(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string name = "--check-config";
    if (i > 0 && absl::StartsWith(arg, name) &&
        (arg.size() == name.size() || arg[name.size()] == '=')) {
      args.push_back("--check_config");
      if (arg.size() > name.size()) {
        args.push_back("--config=" + arg.substr(name.size() + 1));
      }
      continue;
    }
    args.push_back(arg);
  }
  return args;
}

constexpr char kUsage[] =
    "tokend: gRPC token sidecar (issue, verify, renew, revoke tokens)\n\n"
    "  tokend                       development mode: the embedded default\n"
    "  tokend --config=FILE         serve the YAML config FILE\n"
    "  tokend --check-config=FILE   check FILE and exit";

// The flags tokend defines are this file's; Abseil's --helpfull and
// --helpmatch use the same filter.
bool IsTokendFlagFile(absl::string_view file) {
  return absl::EndsWith(file, "main.cc");
}

// --help, -h (and Abseil's -help, --helpshort) print tokend's flags and
// exit 0; --version prints the version. Returns -1 when none is given.
int HandleHelpAndVersion(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a == "--help" || a == "-h" || a == "-help" || a == "--helpshort") {
      std::fputs(tokend::FlagsHelp(kUsage, "main.cc").c_str(), stdout);
      return 0;
    }
    if (a == "--version" || a == "-version") {
      std::printf("%s\n", tokend::VersionLine().c_str());
      return 0;
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which keeps
  // a global lock-order graph updated on every absl::Mutex acquisition
  // (gRPC's included): a measurable share of each RPC. tokend's lock order
  // is covered by its tests, so production runs without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_helpshort_flags = IsTokendFlagFile;
  usage_config.contains_help_flags = IsTokendFlagFile;
  usage_config.version_string = [] { return tokend::VersionLine() + "\n"; };
  absl::SetFlagsUsageConfig(usage_config);
  std::vector<std::string> args = RewriteCheckConfig(argc, argv);
  if (int rc = HandleHelpAndVersion(args); rc >= 0) return rc;
  std::vector<char*> arg_ptrs;
  arg_ptrs.reserve(args.size());
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
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

  if (absl::GetFlag(FLAGS_check_config)) {
    if (options.config_path.empty()) {
      std::fprintf(stderr,
                   "tokend: --check-config needs --config=FILE (the embedded "
                   "development default is not checked: it writes keys)\n");
      return 2;
    }
    absl::StatusOr<std::string> checked =
        tokend::Server::CheckConfig(std::move(options));
    if (!checked.ok()) {
      // "<file>: <field path>: <what is wrong>", without the reason prefix.
      std::fprintf(stderr, "tokend: %s\n",
                   tokend::StatusDetail(checked.status()).c_str());
      return 1;
    }
    std::printf("config OK: %s\n", checked->c_str());
    return 0;
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
