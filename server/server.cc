#include "server/server.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "grpc/grpc.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/config/credentials.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/runtime/config_snapshot.h"
#include "server/runtime/dev_default.h"
#include "server/runtime/renewal_reload.h"
#include "server/runtime/revocations.h"
#include "server/runtime/verify_cache_totals.h"
#include "server/transport/connection_handoff.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

// "8081" → "0.0.0.0:8081"; host:port stays.
std::string AsAddress(const std::string& value) {
  int port = 0;
  if (absl::SimpleAtoi(value, &port)) return absl::StrCat("0.0.0.0:", port);
  return value;
}

void Override(const std::string& flag, std::string* field, bool address) {
  if (flag.empty()) return;
  *field = flag == "none" ? "" : (address ? AsAddress(flag) : flag);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const Config& config) {
  const TlsListenerConfig& tls = config.listeners.tls;
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  absl::StatusOr<std::string> cert = ReadSmallFile(tls.cert_file);
  if (!cert.ok()) {
    return ConfigError(config.source, "listeners.tls.cert_file",
                       absl::StrCat("cannot read '", tls.cert_file, "'"));
  }
  absl::StatusOr<std::string> key = ReadSmallFile(tls.key_file);
  if (!key.ok()) {
    return ConfigError(config.source, "listeners.tls.key_file",
                       absl::StrCat("cannot read '", tls.key_file, "'"));
  }
  WarnIfOpenToOthers(tls.key_file, "listeners.tls.key_file");
  pair.cert_chain = *std::move(cert);
  pair.private_key = *std::move(key);
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadSmallFile(tls.client_ca_file);
    if (!ca.ok()) {
      return ConfigError(
          config.source, "listeners.tls.client_ca_file",
          absl::StrCat("cannot read '", tls.client_ca_file, "'"));
    }
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  } else {
    options.client_certificate_request =
        GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  }
  return grpc::SslServerCredentials(options);
}

// Removes the server reflection plugin from a builder. libgrpc++_reflection
// registers it for every builder when it is loaded, but the health port
// must serve nothing but grpc.health.v1, and `reflection: false` must mean
// it.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    std::erase_if(*plugins, [](const auto& p) {
      return p->name() == "proto_server_reflection";
    });
  }
};

void SetServing(grpc::Server* server, bool serving) {
  if (server == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health == nullptr) return;
  if (serving) {
    health->SetServingStatus("", true);
    health->SetServingStatus("tokend.v1.TokenService", true);
    health->SetServingStatus("tokend.v1.KeyService", true);
    health->SetServingStatus("envoy.service.auth.v3.Authorization", true);
  } else {
    // Sets every registered service, and makes later sets no-ops.
    health->Shutdown();
  }
}

// TokenService's own health entry follows the revocation store: NOT_SERVING
// while issuing is refused (fail-closed, store down). "" stays SERVING, as
// Verify keeps answering: probes must not restart or unready every replica
// of a fleet whose shared Redis is down.
void SetIssuing(grpc::Server* server, bool issuing) {
  if (server == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus("tokend.v1.TokenService", issuing);
  }
}

// tokend_keys{tenant,status}: the managed keys of each tenant;
// tokend_signing_key_*: whether each jwt tenant can sign, and when a
// generated signing key's rotation period ends.
void PublishKeyMetrics(const ConfigSnapshot& snapshot) {
  std::vector<std::string> jwt_tenants;
  for (const TenantJwks& view : snapshot.jwt_tenants()) {
    jwt_tenants.push_back(view.tenant);
  }
  Metrics::Get().KeepSigningKeyTenants(jwt_tenants);
  for (const TenantJwks& view : snapshot.jwt_tenants()) {
    absl::Time expiry = absl::InfiniteFuture();
    const TenantConfig* tenant = nullptr;
    for (const TenantConfig& t : snapshot.config().tenants) {
      if (t.name == view.tenant) tenant = &t;
    }
    if (view.key_state != nullptr && view.key_state->signing_key != nullptr &&
        tenant != nullptr &&
        tenant->keys.rotation_period != absl::InfiniteDuration()) {
      const ManagedKey* active =
          view.key_state->Find(view.key_state->signing_key->kid());
      if (active != nullptr && active->activated_at != absl::InfinitePast()) {
        expiry = active->activated_at + tenant->keys.rotation_period;
      }
    }
    Metrics::Get().SetSigningKey(view.tenant, view.has_signer, expiry);
    if (view.key_state == nullptr) continue;
    int counts[3] = {0, 0, 0};
    for (const ManagedKey& key : view.key_state->keys) {
      ++counts[static_cast<int>(key.status)];
    }
    for (KeyStatus status :
         {KeyStatus::kPending, KeyStatus::kActive, KeyStatus::kRetired}) {
      Metrics::Get().SetKeyCount(view.tenant, KeyStatusName(status),
                                 counts[static_cast<int>(status)]);
    }
  }
}

// What start needs of the SQLite revocation store (in the state dir),
// checked without creating or writing anything: the file, when it exists,
// is a readable and writable file; otherwise its nearest existing ancestor
// is a directory tokend may create it in. A Redis store is not checked
// (start does not need it up).
absl::Status CheckStateDir(const Config& config) {
  const std::string spec = RevocationStoreSpec(config);
  if (!absl::StartsWith(spec, "sqlite:")) return absl::OkStatus();
  const std::string file = spec.substr(7);
  const absl::string_view field =
      config.revocation.store.empty() ? "state_dir" : "revocation.store";
  struct stat st {};
  if (stat(file.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode) && access(file.c_str(), R_OK | W_OK) == 0) {
      return absl::OkStatus();
    }
    return ConfigError(config.source, field,
                       absl::StrCat("the revocation store '", file,
                                    "' is not a readable and writable file"));
  }
  std::string dir = DirName(file);
  while (stat(dir.c_str(), &st) != 0 && dir != "/" && dir != ".") {
    dir = DirName(dir);
  }
  if (!S_ISDIR(st.st_mode) || access(dir.c_str(), W_OK | X_OK) != 0) {
    return ConfigError(
        config.source, field,
        absl::StrCat("cannot create the revocation store '", file, "': '", dir,
                     "' is not a writable directory"));
  }
  return absl::OkStatus();
}

}  // namespace

void Server::BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      state_(RealClock::Get()),
      token_service_(state_),
      key_service_(state_) {}

Server::~Server() {
  {
    absl::MutexLock lock(&runtime_mu_);
    if (key_refresher_ != nullptr) key_refresher_->Stop();
  }
  Metrics::Get().SetVerifyCacheSource(nullptr);
  if (server_ != nullptr && !state_.shutting_down()) Shutdown();
  // Fetches in flight end before the refresher they report to goes.
  fetch_pool_.reset();
  Metrics::Get().SetCollector(nullptr);
  if (config_watch_ >= 0) close(config_watch_);
}

void Server::WatchConfigFile() {
  if (options_.config_path.empty()) return;
  config_watch_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  config_name_ = BaseName(options_.config_path);
  if (config_watch_ >= 0 &&
      inotify_add_watch(config_watch_, DirName(options_.config_path).c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    log::Warn("cannot watch the config directory; reload with SIGHUP",
              {{"error", std::strerror(errno)}});
  }
}

absl::StatusOr<Config> Server::LoadConfig() const {
  absl::StatusOr<Config> config;
  if (options_.config_path.empty()) {
    config = DevelopmentConfig(DefaultStateDir(options_.state_dir));
  } else {
    config = LoadConfigFile(options_.config_path);
  }
  if (!config.ok()) return config;
  Override(options_.socket, &config->listeners.unix_socket, false);
  Override(options_.listen, &config->listeners.tcp, false);
  Override(options_.health, &config->listeners.health, true);
  Override(options_.http, &config->listeners.http, true);
  Override(options_.state_dir, &config->state_dir, false);
  Override(options_.log_level, &config->log_level, false);
  if (options_.drain_timeout) config->drain_timeout = *options_.drain_timeout;
  if (!config->listeners.tcp.empty() &&
      !IsLoopbackAddress(config->listeners.tcp)) {
    return ConfigError(config->source, "listeners.tcp (--listen)",
                       "must be a loopback address");
  }
  if (config->listeners.unix_socket.empty() && config->listeners.tcp.empty() &&
      config->listeners.tls.address.empty()) {
    return ConfigError(config->source, "listeners",
                       "no API listener: set unix_socket, tcp or tls.address");
  }
  return config;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server(std::move(options)));
  server->WatchConfigFile();
  absl::StatusOr<Config> config = server->LoadConfig();
  if (!config.ok()) return config.status();
  log::Level level;
  if (log::ParseLevel(config->log_level, &level)) log::SetMinLevel(level);
  const bool development = server->options_.config_path.empty();
  if (development) log::Raw(DevelopmentBanner(*config));
  Server* raw = server.get();
  server->keys_ = std::make_unique<KeyRegistry>(
      RealClock::Get(),
      [raw](const std::string& tenant) { raw->OnKeysChanged(tenant); });
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot;
  {
    absl::MutexLock lock(&server->runtime_mu_);
    absl::StatusOr<KeyRegistry::Plan> plan = server->keys_->Prepare(*config);
    if (!plan.ok()) return plan.status();
    const identity::IssuerDeps deps = server->issuer_key_sets_.Deps();
    snapshot =
        ConfigSnapshot::Build(*config, KeyRegistry::Lookup(*plan), &deps);
    if (!snapshot.ok()) return snapshot.status();
    server->keys_->Commit(*std::move(plan));
    server->state_.SetSnapshot(*snapshot);
    server->SyncIssuers(**snapshot);
    PublishKeyMetrics(**snapshot);
    Metrics::Get().ConfigLoaded();
    // The verify cache series, read at scrape time from the tenants in
    // force (~Server clears this before state_ goes).
    const ServerState* state = &server->state_;
    Metrics::Get().SetVerifyCacheSource([state] {
      std::shared_ptr<const ConfigSnapshot> current = state->snapshot();
      return VerifyCacheSamples(current != nullptr ? current->tenants().get()
                                                   : nullptr);
    });
  }
  const Config& started = (*snapshot)->config();
  absl::StatusOr<std::unique_ptr<RevocationService>> revocations =
      OpenRevocations(started, server->state_.clock());
  if (!revocations.ok()) return revocations.status();
  server->state_.SetRevocations(*std::move(revocations));
  if (absl::Status s = StartRevocations(server->state_.revocations(), started);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = server->Listen((*snapshot)->config()); !s.ok()) return s;
  Server* self = server.get();
  server->revocation_monitor_ = std::make_unique<RevocationMonitor>(
      server->state_.revocations(),
      std::string(RevocationStoreKind(RevocationStoreSpec(started))),
      [self](bool issuing) {
        SetIssuing(self->server_.get(), issuing);
        SetIssuing(self->health_server_.get(), issuing);
      });
  log::Info(
      "tokend started",
      {{"config", (*snapshot)->config().source},
       {"tenants", static_cast<int64_t>((*snapshot)->config().tenants.size())},
       {"unix_socket", server->listeners_.unix_socket},
       {"tcp", server->listeners_.tcp},
       {"tls", server->listeners_.tls.address},
       {"health", server->listeners_.health},
       {"http", server->listeners_.http}});
  return server;
}

absl::StatusOr<std::string> Server::CheckConfig(ServerOptions options) {
  // A Server only for its LoadConfig: constructing one starts no thread
  // and touches no file.
  Server server(std::move(options));
  absl::StatusOr<Config> config = server.LoadConfig();
  if (!config.ok()) return config.status();
  std::string source = config->source;
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
      ConfigSnapshot::Build(*std::move(config));
  if (!snapshot.ok()) return snapshot.status();
  if (!(*snapshot)->config().listeners.tls.address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
        TlsCredentials((*snapshot)->config());
    if (!creds.ok()) return creds.status();
  }
  if (absl::Status s = CheckStateDir((*snapshot)->config()); !s.ok()) return s;
  return source;
}

absl::Status Server::Listen(const Config& config) {
  listeners_ = config.listeners;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Links health.proto's descriptor into the generated pool, which is what
  // reflection describes (gRPC's own health service does not use it).
  (void)grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::ServerBuilder builder;
  if (!listeners_.reflection) {
    builder.SetOption(std::make_unique<WithoutReflection>());
  }
  const LimitsConfig& limits = config.limits;
  builder.SetMaxReceiveMessageSize(static_cast<int>(limits.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(limits.max_message_bytes));
  // Memory is bounded before gRPC allocates: the quota covers every
  // connection's buffers and calls (past it gRPC refuses new streams), one
  // connection has at most max_concurrent_streams calls open, and headers
  // are capped. Without BDP probing the flow-control window stays small,
  // so a peer cannot push more than the window ahead of what tokend reads.
  grpc::ResourceQuota quota("tokend");
  quota.Resize(static_cast<size_t>(limits.memory_quota_bytes));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(limits.max_concurrent_streams));
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 * 1024);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_time)));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Clients may ping as often as every 10 s without being told off.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // The TLS credentials are read here, once: a reload does not re-read the
  // certificate, key or client CA files (a restart does).
  std::shared_ptr<grpc::ServerCredentials> tls_creds;
  if (!listeners_.tls.address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
        TlsCredentials(config);
    if (!creds.ok()) return creds.status();
    tls_creds = *std::move(creds);
  }
  builder.RegisterService(&token_service_);
  builder.RegisterService(&key_service_);
  // Envoy ext_authz; the outbound cache subscribes to the renewal manager
  // the first SetSnapshot created.
  outbound_ =
      std::make_unique<OutboundTokens>(state_.subscriptions(), state_.clock());
  authorization_service_ =
      std::make_unique<AuthorizationServiceImpl>(state_, outbound_.get());
  builder.RegisterService(authorization_service_.get());
  // Unparseable requests are classified by the raw unary handlers
  // themselves (server/api/raw_messages.h); the old opt-in is a no-op.
  if (config.limits.classify_malformed_requests) {
    log::Warn(
        "limits.classify_malformed_requests is deprecated and ignored: "
        "unparseable requests are always INVALID_ARGUMENT now");
  }
  // Bind the unix socket first: a second tokend on the same socket fails
  // before it touches the TCP ports.
  if (!listeners_.unix_socket.empty()) {
    absl::StatusOr<std::unique_ptr<UnixListener>> unix =
        UnixListener::Bind(listeners_.unix_socket);
    if (!unix.ok()) return unix.status();
    unix_ = *std::move(unix);
  }
  // The loopback TCP listener is accepted here too, so its connections are
  // capped (gRPC 1.51 has no connection limit).
  if (!listeners_.tcp.empty()) {
    absl::StatusOr<std::unique_ptr<UnixListener>> tcp =
        UnixListener::BindLoopbackTcp(listeners_.tcp);
    if (!tcp.ok()) return tcp.status();
    tcp_ = *std::move(tcp);
  }
  // The TLS port too (capped per source address): tokend accepts, and an
  // ExternalConnectionAcceptor made from the TLS credentials has gRPC run
  // the handshake on each admitted fd as on a port it bound itself.
  if (tls_creds != nullptr) {
    absl::StatusOr<std::unique_ptr<UnixListener>> tls =
        UnixListener::BindTls(listeners_.tls.address);
    if (!tls.ok()) return tls.status();
    tls_ = *std::move(tls);
    if (tls_ != nullptr) {
      tls_acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
          grpc::ServerBuilder::experimental_type::ExternalConnectionType::
              FROM_FD,
          tls_creds);
    } else {
      log::Warn(
          "listeners.tls.address is a host name: gRPC binds it, and its "
          "connections are not capped per peer",
          {{"address", listeners_.tls.address}});
      builder.AddListeningPort(listeners_.tls.address, tls_creds);
    }
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return Error(Reason::kUnavailable,
                 absl::StrCat("cannot start the gRPC server (tcp '",
                              listeners_.tcp, "', tls '",
                              listeners_.tls.address, "'): address in use?"));
  }
  // The HTTP port (probes, metrics, JWKS) listens before the API listeners
  // accept and before anything reports SERVING, so a client (or a test)
  // that has seen tokend serve gRPC finds it too.
  if (!listeners_.http.empty()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> http =
        HttpServer::Start(listeners_.http, &state_);
    if (!http.ok()) return http.status();
    http_ = *std::move(http);
  }
  SetServing(server_.get(), true);
  if (unix_ != nullptr) {
    unix_->Start(server_.get(), &state_.peers(),
                 limits.max_connections_per_peer);
  }
  if (tcp_ != nullptr) {
    tcp_->Start(server_.get(), &state_.peers(),
                limits.max_connections_per_peer);
  }
  if (tls_ != nullptr) {
    tls_->Start(AcceptorHandoff(tls_acceptor_.get()), &state_.peers(),
                limits.max_connections_per_peer);
  }

  if (!listeners_.health.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.SetOption(std::make_unique<WithoutReflection>());
    // A server needs one non-async service to poll its completion queue;
    // this one answers every other method UNIMPLEMENTED.
    health_builder.RegisterCallbackGenericService(&unimplemented_);
    // Probes are tiny: a small fixed quota, few streams per connection, a
    // request of a service name, and connections capped per source address
    // (tokend accepts them itself), so the port the kubelet probes cannot
    // be used to grow tokend's memory.
    grpc::ResourceQuota health_quota("tokend-health");
    health_quota.Resize(4 << 20);
    health_builder.SetResourceQuota(health_quota);
    health_builder.SetMaxReceiveMessageSize(4096);
    health_builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 4);
    health_builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 8 * 1024);
    health_builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    health_builder.AddChannelArgument(
        GRPC_ARG_KEEPALIVE_TIME_MS,
        static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_time)));
    health_builder.AddChannelArgument(
        GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
        static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_timeout)));
    health_builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
                                      1);
    health_builder.AddChannelArgument(
        GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
    absl::StatusOr<std::unique_ptr<UnixListener>> health_tcp =
        UnixListener::BindHealthTcp(listeners_.health);
    if (!health_tcp.ok()) return health_tcp.status();
    health_tcp_ = *std::move(health_tcp);
    if (health_tcp_ == nullptr) {
      log::Warn(
          "listeners.health is a host name: gRPC binds it, and its "
          "connections are not capped per peer",
          {{"address", listeners_.health}});
      health_builder.AddListeningPort(listeners_.health,
                                      grpc::InsecureServerCredentials());
    }
    health_server_ = health_builder.BuildAndStart();
    if (health_server_ == nullptr) {
      return Error(Reason::kUnavailable,
                   absl::StrCat("cannot serve health on ", listeners_.health));
    }
    SetServing(health_server_.get(), true);
    if (health_tcp_ != nullptr) {
      health_tcp_->Start(health_server_.get(), &state_.peers(),
                         limits.max_connections_per_peer);
    }
  }
  return absl::OkStatus();
}

void Server::Reload(absl::string_view why) {
  // Serialised with key changes (OnKeysChanged), which also swap Runtimes.
  absl::MutexLock lock(&runtime_mu_);
  absl::StatusOr<Config> config = LoadConfig();
  absl::StatusOr<KeyRegistry::Plan> plan =
      config.ok() ? keys_->Prepare(*config)
                  : absl::StatusOr<KeyRegistry::Plan>(config.status());
  const identity::IssuerDeps deps = issuer_key_sets_.Deps();
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
      plan.ok() ? ConfigSnapshot::Build(*std::move(config),
                                        KeyRegistry::Lookup(*plan), &deps)
                : absl::StatusOr<std::shared_ptr<const ConfigSnapshot>>(
                      plan.status());
  if (snapshot.ok() && state_.snapshot() != nullptr) {
    if (absl::Status s = CheckRevocationReload(state_.snapshot()->config(),
                                               (*snapshot)->config());
        !s.ok()) {
      snapshot = s;
    }
  }
  if (!snapshot.ok()) {
    Metrics::Get().ConfigReload(false);
    log::Error("config reload refused; the previous config stays in force",
               {{"trigger", why},
                {"error", snapshot.status().message()},
                {"field", GetField(snapshot.status())}});
    return;
  }
  const ListenersConfig& l = (*snapshot)->config().listeners;
  if (l.unix_socket != listeners_.unix_socket || l.tcp != listeners_.tcp ||
      l.tls.address != listeners_.tls.address ||
      l.health != listeners_.health || l.http != listeners_.http) {
    log::Warn("listener changes take effect only after a restart");
  }
  log::Level level;
  if (log::ParseLevel((*snapshot)->config().log_level, &level)) {
    log::SetMinLevel(level);
  }
  const std::shared_ptr<const ConfigSnapshot> before = state_.snapshot();
  keys_->Commit(*std::move(plan));
  state_.SetSnapshot(*snapshot);
  SyncIssuers(**snapshot);
  key_service_.NotifyJwksChanged();
  PublishKeyMetrics(**snapshot);
  // Subscriptions of a tenant whose published keys changed are re-issued
  // (spread over the rotation window) so clients move to the new key.
  for (const TenantConfig& tenant : (*snapshot)->config().tenants) {
    if (before != nullptr &&
        before->JwksJson(tenant.name) != (*snapshot)->JwksJson(tenant.name)) {
      state_.subscriptions().OnTenantChanged(tenant.name,
                                             EventReason::kKeyRotated);
    }
  }
  if (before != nullptr) {
    ApplyReloadToSubscriptions(before->config(), (*snapshot)->config(),
                               state_.subscriptions());
  }
  Metrics::Get().ConfigReload(true);
  log::Info("config reloaded",
            {{"trigger", why},
             {"tenants",
              static_cast<int64_t>((*snapshot)->config().tenants.size())}});
}

void Server::OnKeysChanged(const std::string& tenant) {
  absl::MutexLock lock(&runtime_mu_);
  const std::shared_ptr<const ConfigSnapshot> before = state_.snapshot();
  const std::shared_ptr<const KeyState> keys = keys_->Snapshot(tenant);
  const TenantJwks* view = before != nullptr ? before->JwksOf(tenant) : nullptr;
  // Gone from the config, or already applied (a reload picked it up).
  if (keys == nullptr || view == nullptr || view->key_state == keys) return;
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> next =
      before->WithKeyState(tenant, keys);
  if (!next.ok()) {
    log::Error("cannot apply the new keys; the previous keys stay",
               {{"tenant", tenant}, {"error", next.status().message()}});
    return;
  }
  state_.SetSnapshot(*next);
  key_service_.NotifyJwksChanged();
  PublishKeyMetrics(**next);
  const std::string old_kid =
      view->key_state != nullptr && view->key_state->signing_key != nullptr
          ? view->key_state->signing_key->kid()
          : "";
  const std::string new_kid =
      keys->signing_key != nullptr ? keys->signing_key->kid() : "";
  if (new_kid == old_kid) return;
  log::Info("signing key changed",
            {{"tenant", tenant}, {"kid", new_kid}, {"previous_kid", old_kid}});
  // Subscriptions move to the new key, spread over the rotation window.
  if (!new_kid.empty()) {
    state_.subscriptions().OnTenantChanged(tenant, EventReason::kKeyRotated);
  }
}

int Server::Run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) {
    log::Error("signalfd failed", {{"error", std::strerror(errno)}});
    Shutdown();
    return 1;
  }
  const int ifd = config_watch_;
  config_watch_ = -1;
  const std::string& config_name = config_name_;
  while (true) {
    pollfd fds[2] = {{sfd, POLLIN, 0}, {ifd, POLLIN, 0}};
    if (poll(fds, ifd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ifd >= 0 && (fds[1].revents & POLLIN)) {
      alignas(inotify_event) char buffer[8192];
      bool changed = false;
      ssize_t n;
      while ((n = read(ifd, buffer, sizeof(buffer))) > 0) {
        for (char* p = buffer; p < buffer + n;) {
          auto* event = reinterpret_cast<inotify_event*>(p);
          const std::string name = event->len > 0 ? event->name : "";
          // Kubernetes swaps the ..data symlink; editors rename over the
          // file; plain writers close it.
          changed = changed || name == config_name || name == "..data";
          p += sizeof(inotify_event) + event->len;
        }
      }
      if (changed) Reload("file changed");
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(sfd, &info, sizeof(info)) != sizeof(info)) continue;
      if (info.ssi_signo == SIGHUP) {
        Reload("SIGHUP");
        continue;
      }
      log::Info("shutting down",
                {{"signal", info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
  }
  close(sfd);
  if (ifd >= 0) close(ifd);
  Shutdown();
  log::Info("tokend stopped");
  return 0;
}

void Server::SyncIssuers(const ConfigSnapshot& snapshot) {
  const identity::TrustedIssuers* issuers = snapshot.issuers().get();
  issuer_key_sets_.Remember(issuers);
  std::vector<std::shared_ptr<identity::RemoteKeySet>> wanted;
  if (issuers != nullptr) wanted = issuers->key_sets();
  if (key_refresher_ == nullptr) {
    if (wanted.empty()) return;
    // One slow issuer must not hold up the others' fetches.
    fetch_pool_ = std::make_unique<ThreadPool>(4);
    key_refresher_ = std::make_unique<identity::KeyRefresher>(*fetch_pool_,
                                                              RealClock::Get());
    key_refresher_->Start();
    ServerState* state = &state_;
    IssuerMetrics* metrics = &issuer_metrics_;
    Metrics::Get().SetCollector([state, metrics] {
      const std::shared_ptr<const ConfigSnapshot> current = state->snapshot();
      if (current == nullptr || current->issuers() == nullptr) {
        return metrics->Collect({});
      }
      return metrics->Collect(current->issuers()->Statuses());
    });
  }
  for (const auto& set : key_refresher_->sets()) {
    if (std::find(wanted.begin(), wanted.end(), set) == wanted.end()) {
      key_refresher_->Remove(set.get());
    }
  }
  for (const auto& set : wanted) key_refresher_->Add(set);
}

void Server::Shutdown() {
  {
    absl::MutexLock lock(&runtime_mu_);
    if (key_refresher_ != nullptr) key_refresher_->Stop();
  }
  state_.set_shutting_down();
  revocation_monitor_.reset();
  SetServing(server_.get(), false);
  SetServing(health_server_.get(), false);
  if (unix_ != nullptr) unix_->Stop();
  if (tcp_ != nullptr) tcp_->Stop();
  // Before the server stops: its acceptor takes no connection after that.
  if (tls_ != nullptr) tls_->Stop();
  // SubscribeToken streams end through the renewal manager (UNAVAILABLE,
  // mapped by each stream); the registry ends the rest (WatchJwks).
  state_.subscriptions().Shutdown();
  state_.streams().EndAll(ToGrpcStatus(Error(
      Reason::kUnavailable, "tokend is shutting down; reconnect and resume")));
  const absl::Duration drain = state_.snapshot() != nullptr
                                   ? state_.snapshot()->config().drain_timeout
                                   : absl::Seconds(5);
  // New calls are refused from here on (Admit); wait for the admitted
  // ones, then stop. Idle connections do not hold the drain up.
  const absl::Time deadline = absl::Now() + drain;
  if (!state_.WaitIdle(deadline)) {
    log::Warn("drain deadline passed; cancelling the calls still running");
  }
  StopRevocations(state_.revocations(), deadline);
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  if (health_tcp_ != nullptr) health_tcp_->Stop();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }
  http_.reset();
}

}  // namespace tokend
