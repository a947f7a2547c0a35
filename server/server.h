// The tokend process: loads the configuration (file or embedded default,
// then flag overrides), builds the gRPC servers and listeners, and runs the
// signal / config-watch loop until SIGTERM or SIGINT.
//
// Listeners: the unix socket and loopback TCP (plaintext), both accepted
// here (see unix_listener.h) so their connections are capped, TLS or mTLS TCP,
// a separate plaintext gRPC server that serves only grpc.health.v1 (kubelet
// probes; accepted here too, capped per source address, with its own small
// resource quota), and the HTTP port (http_server.h).
//
// Reload: SIGHUP, or a change of the config file seen by inotify on its
// directory (so editors' rename-replace and Kubernetes ..data symlink swaps
// count). A config that fails to parse or build is refused, logged and
// counted (tokend_config_reloads_total{result="failed"}); the old one stays.
// Listener changes need a restart (logged).
//
// Shutdown (SIGTERM/SIGINT): health NOT_SERVING, new calls refused with
// UNAVAILABLE, the unix listener closed, open streams ended with
// UNAVAILABLE, in-flight unary calls drained within the drain timeout,
// exit 0.
#ifndef TOKEND_SERVER_SERVER_H_
#define TOKEND_SERVER_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/identity/key_refresher.h"
#include "core/renewal/executor.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/api/http_server.h"
#include "server/api/key_service_impl.h"
#include "server/api/server_state.h"
#include "server/api/token_service_impl.h"
#include "server/config/config.h"
#include "server/ext_authz/authorization_service.h"
#include "server/ext_authz/outbound_tokens.h"
#include "server/observability/issuer_metrics.h"
#include "server/runtime/issuer_key_sets.h"
#include "server/runtime/key_registry.h"
#include "server/runtime/revocations.h"
#include "server/transport/curl_fetcher.h"
#include "server/transport/unix_listener.h"

namespace tokend {

// Flag values; empty / nullopt means "keep the config's value".
struct ServerOptions {
  std::string config_path;  // empty: the embedded development default
  std::string socket;       // unix socket path ("none" disables)
  std::string listen;       // loopback TCP host:port ("none" disables)
  std::string health;       // health address or port ("none" disables)
  std::string http;         // HTTP address or port ("none" disables)
  std::string state_dir;
  std::string log_level;
  std::optional<absl::Duration> drain_timeout;
};

class Server {
 public:
  // Loads and validates the configuration and starts serving. Errors name
  // the config file and field; the caller exits non-zero.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);
  // `tokend --check-config`: loads the configuration file with the flag
  // overrides and builds the ConfigSnapshot (tenants, credential files and env
  // refs, keys) and the TLS credentials exactly as Start does, but opens no
  // listener and writes nothing (options.config_path must be set: the
  // embedded default would create the state folder). Returns the config's
  // source, or the field-named error Start would fail with.
  static absl::StatusOr<std::string> CheckConfig(ServerOptions options);
  ~Server();

  // Blocks until SIGTERM/SIGINT, reloading on SIGHUP and file changes;
  // then shuts down. Returns the process exit code. The signals must be
  // blocked in every thread before Start (see BlockSignals).
  int Run();

  // Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in
  // threads it creates later) and ignores SIGPIPE.
  static void BlockSignals();

 private:
  explicit Server(ServerOptions options);
  absl::StatusOr<Config> LoadConfig() const;
  absl::Status Listen(const Config& config);
  void Reload(absl::string_view why);
  // Starts watching the config file's directory (inotify), before the file
  // is first read, so that no change after that read can be missed.
  void WatchConfigFile();
  // On the key thread: `tenant`'s managed keys changed; swap in a
  // ConfigSnapshot with them, push them to WatchJwks streams and, when the
  // signer changed, re-issue the tenant's subscriptions (KEY_ROTATED).
  void OnKeysChanged(const std::string& tenant);
  // Under runtime_mu_, after a snapshot is installed: the key refresher
  // follows its trusted issuers' key sets (new ones are fetched at once,
  // dropped ones no longer), and the next Build may reuse them.
  void SyncIssuers(const ConfigSnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(runtime_mu_);
  void Shutdown();

  ServerOptions options_;
  // The inotify descriptor watching the config directory (-1: none), and
  // the config file's name in it. Run reads and closes it.
  int config_watch_ = -1;
  std::string config_name_;
  // The trusted issuers' fetchers and key sets: they outlive every
  // snapshot in state_ (whose key sets refer to them).
  CurlFetcher http_fetcher_;
  IssuerKeySets issuer_key_sets_{http_fetcher_, RealClock::Get()};
  IssuerMetrics issuer_metrics_;
  ServerState state_;
  TokenServiceImpl token_service_;
  KeyServiceImpl key_service_;
  // Envoy ext_authz (created by Listen); the cache outlives the service.
  std::unique_ptr<OutboundTokens> outbound_;
  std::unique_ptr<AuthorizationServiceImpl> authorization_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  grpc::CallbackGenericService unimplemented_;  // the health server's rest
  std::unique_ptr<UnixListener> unix_;
  std::unique_ptr<UnixListener> tcp_;  // listeners.tcp, also accepted here
  // listeners.health when it is an IP address (else gRPC binds it).
  std::unique_ptr<UnixListener> health_tcp_;
  // listeners.tls.address when it is an IP address (else gRPC binds it):
  // tokend accepts, the acceptor (declared first: it outlives the accept
  // thread) has gRPC do the TLS handshake.
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> tls_acceptor_;
  std::unique_ptr<UnixListener> tls_;
  std::unique_ptr<HttpServer> http_;
  ListenersConfig listeners_;  // as started
  // Held while a ConfigSnapshot is built and swapped in (reloads, key changes).
  absl::Mutex runtime_mu_;
  // Fetches the trusted issuers' keys (its timer thread, and the pool's
  // threads for the fetches themselves: never a gRPC or HTTP thread).
  // Created with the first snapshot that has issuers; stopped first at
  // shutdown, before the pool drains.
  std::unique_ptr<identity::KeyRefresher> key_refresher_
      ABSL_GUARDED_BY(runtime_mu_);
  std::unique_ptr<ThreadPool> fetch_pool_;
  // Managed keys. Declared after everything its key thread calls into
  // (OnKeysChanged), so that thread stops first.
  std::unique_ptr<KeyRegistry> keys_;
  // Last: stopped before the servers whose health it sets.
  std::unique_ptr<RevocationMonitor> revocation_monitor_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_SERVER_H_
