// tokend's configuration: one YAML file (see the README for every field),
// overridden by flags, or the embedded development default.
//
// ParseConfig checks the shape and the values it can check alone (types,
// ranges, addresses, unknown keys); building the tenants (loading keys,
// creating profiles) happens in config_snapshot.h and reports errors the same
// way. Every error is kInvalidArgument with the message
// "<file>: <field path>: <what is wrong>" and the field path (e.g.
// "tenants[1].ttl.max") as the status's field payload.
#ifndef TOKEND_SERVER_CONFIG_CONFIG_H_
#define TOKEND_SERVER_CONFIG_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/issuer_spec.h"
#include "server/config/ext_authz_config.h"

namespace tokend {

struct TlsListenerConfig {
  std::string address;         // host:port; "" disables the TLS listener
  std::string cert_file;       // server certificate chain (PEM)
  std::string key_file;        // server private key (PEM)
  std::string client_ca_file;  // set: mTLS, client certificates required
};

// listeners.http_cors: the browser origins that may call the HTTP port's
// exchange routes (server/api/cors.h). Exact origins, scheme://host[:port];
// "*" is refused.
struct HttpCorsConfig {
  std::vector<std::string> allowed_origins;
};

struct ListenersConfig {
  std::string unix_socket;  // path; "" disables
  std::string tcp;          // loopback host:port (plaintext); "" disables
  TlsListenerConfig tls;
  std::string health;  // plaintext gRPC health only; "" disables
  std::string http;    // /metrics, /healthz, /readyz, JWKS; "" disables
  bool reflection = true;
  // The base URL verifiers reach the HTTP listener at, for the
  // openid-configuration's jwks_uri. Default: http://<http>.
  std::string http_public_url;
  HttpCorsConfig http_cors;
};

// A jwt tenant's managed keys (core/keys/key_manager.h): a directory (a
// Secret mount) or one file of PEM/JWK/JWKS keys, or generated keys. Set
// instead of credentials.private_key / credentials.secret.
struct KeysConfig {
  std::string dir;   // resolved against the config file's directory
  std::string file;  // likewise
  bool generate = false;
  absl::Duration rotation_period = absl::InfiniteDuration();  // generate only
  std::string active_kid;  // pin the signer (dir/file only)
  absl::Duration jwks_max_age = absl::Minutes(5);
  absl::Duration publish_margin = absl::Seconds(30);

  bool configured() const { return !dir.empty() || !file.empty() || generate; }
};

// tenants[].verify_cache: the tenant's verified-token cache
// (core/cache/verified_token_cache.h). On by default, bounded; max_entries
// 0 turns it off.
struct VerifyCacheConfig {
  int64_t max_entries = 10000;
  int64_t max_bytes = 16 << 20;
  absl::Duration max_age = absl::Minutes(10);
};

struct TenantConfig {
  std::string name;
  std::string profile;  // a name of core/profiles/vendor_table.h
  std::string issuer;
  std::vector<std::string> audiences;
  std::string algorithm;  // jwt: the signing algorithm (default ES256)
  std::string kid;        // jwt: the signing key's kid (default: thumbprint)
  // jwt: the token type (typ header). Empty: "JWT" is written and a typ is
  // optional on verify (a present one must be JWT); set: written and
  // required (JwtProfileConfig::typ).
  std::string typ;
  // Credential name → reference: "env:NAME", "file:PATH" or a bare PATH
  // (relative to the config file). Resolved when the tenant is built.
  std::map<std::string, std::string> credentials;
  // Non-secret vendor parameters (app ids, account sids, ...).
  std::map<std::string, std::string> params;
  absl::Duration default_ttl = absl::Hours(1);
  absl::Duration max_ttl = absl::Hours(24);
  absl::Duration session_cap = absl::InfiniteDuration();
  absl::Duration renew_grace = absl::ZeroDuration();
  absl::Duration leeway = absl::Seconds(60);
  bool verify_open = true;  // false: only callers listing it under verify
  KeysConfig keys;          // jwt only
  VerifyCacheConfig verify_cache;
};

// SubscribeToken's schedule and caps: the first six fields are core's
// RefreshPolicy (core/renewal/refresh_policy.h), the rest
// SubscriptionManager::Options. A reload applies them from then on (see the
// README).
struct RenewalConfig {
  double refresh_fraction = 0.8;
  double jitter = 0.1;
  absl::Duration min_lead = absl::Seconds(30);
  double max_lead_fraction = 0.25;
  absl::Duration retry_initial = absl::Seconds(1);
  absl::Duration retry_max = absl::Seconds(30);
  int64_t max_subscriptions_per_caller = 1000;
  // Unset: limits.max_streams. 0: no cap.
  std::optional<int64_t> max_subscriptions;
  absl::Duration rotation_window = absl::Seconds(30);
  // The range a client's own SubscribeTokenRequest.refresh_fraction is
  // clamped to.
  double min_refresh_fraction = 0.5;
  double max_refresh_fraction = 0.9;
};

struct LimitsConfig {
  int64_t max_message_bytes = 64 * 1024;
  int64_t max_token_bytes = 8 * 1024;
  double rate_qps = 200;  // per caller; 0 disables the limiter
  int64_t rate_burst = 400;
  int64_t max_streams = 10000;
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Memory gRPC may use for connections and calls (a grpc::ResourceQuota):
  // past it, gRPC refuses new streams and shrinks its windows before it
  // allocates. The default fits the shipped 128 Mi sidecar limit.
  int64_t memory_quota_bytes = 32 << 20;
  // HTTP/2 streams one connection may have open at once (more wait in the
  // client).
  int64_t max_concurrent_streams = 100;
  // Connections one peer may hold open on the unix socket (per uid) and the
  // loopback TCP port (all loopback peers together); more are closed at
  // accept.
  int64_t max_connections_per_peer = 256;
  // Answer an unparseable request message INVALID_ARGUMENT with ErrorInfo
  // (and count it) instead of gRPC's bare UNIMPLEMENTED. Off by default: it
  // needs a gRPC server interceptor on every call, which measured about
  // 13 us of server CPU per call (VerifyToken HS256 at 0.55x the gRPC floor
  // with it, 0.94x without).
  bool classify_malformed_requests = false;
};

// Who may do what. An entry matches a caller when every selector it sets
// matches; it must set at least one.
struct CallerConfig {
  std::string name;
  std::optional<uint32_t> uid;  // unix-socket peers (SO_PEERCRED)
  std::optional<uint32_t> gid;
  std::string spiffe_id;  // mTLS: a URI SAN, exactly
  std::string dns;        // mTLS: a DNS SAN, exactly
  bool loopback = false;  // plaintext loopback TCP peers
  // Tenant names, or "*" for all.
  std::vector<std::string> issue;  // IssueToken, RenewToken, SubscribeToken
  // The same for app-level tokens, which act for the whole app rather than
  // one user (Profile::IsAppLevel): also needs the tenant under `issue`.
  std::vector<std::string> issue_app_level;
  std::vector<std::string> revoke;  // RevokeToken
  std::vector<std::string> verify;  // VerifyToken on restricted tenants
};

// Where revocations live (core/revocation/) and what tokend does when that
// store cannot be reached. Fixed at start: a reload that changes it is
// refused ("needs a restart").
struct RevocationConfig {
  // "sqlite:PATH" (a relative PATH is resolved against the config file's
  // directory when parsed) or "redis://HOST:PORT/DB". Empty: the default,
  // sqlite:<state_dir>/revocations.db (see server/revocations.h).
  std::string store;
  bool fail_closed = true;  // on_store_unavailable: closed (true) | open
  absl::Duration resync_interval = absl::Seconds(5);  // redis only
  absl::Duration prune_interval = absl::Minutes(1);

  bool operator==(const RevocationConfig&) const = default;
};

struct Config {
  std::string source;    // the file, or "<embedded development default>"
  std::string base_dir;  // for relative paths
  ListenersConfig listeners;
  std::string state_dir;
  std::vector<TenantConfig> tenants;
  RenewalConfig renewal;
  LimitsConfig limits;
  RevocationConfig revocation;
  ExtAuthzConfig ext_authz;
  std::vector<CallerConfig> callers;
  // Identity exchange (server/config/identity_config.h): whether an
  // `issuers` section is present (an empty list still enables the
  // exchange endpoints, which then refuse every token), the trusted
  // issuers, and `exchange.rules`.
  bool issuers_configured = false;
  std::vector<identity::IssuerSpec> issuers;
  std::vector<identity::ExchangeRuleSpec> exchange_rules;
  std::string log_level = "info";
  absl::Duration drain_timeout = absl::Seconds(10);
};

// Parses and checks a YAML document. `source` names it in errors and its
// directory resolves relative paths.
absl::StatusOr<Config> ParseConfig(absl::string_view yaml,
                                   absl::string_view source);
// Reads and parses a file.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The kInvalidArgument status every config error uses.
absl::Status ConfigError(absl::string_view source, absl::string_view field,
                         absl::string_view what);

// A status's message without core's "REASON: " prefix, for nesting one
// error's text inside a config error.
std::string StatusDetail(const absl::Status& status);

// True for 127.0.0.0/8, ::1 and "localhost" host:port addresses.
bool IsLoopbackAddress(absl::string_view host_port);

}  // namespace tokend

#endif  // TOKEND_SERVER_CONFIG_CONFIG_H_
