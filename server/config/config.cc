#include "server/config/config.h"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/profiles/vendor_table.h"
#include "core/reason.h"
#include "core/renewal/refresh_policy.h"
#include "core/revocation/redis_store.h"
#include "server/config/identity_config.h"
#include "server/config/yaml_duplicates.h"
#include "yaml-cpp/yaml.h"

namespace tokend {
namespace {

std::string DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

// Walks the YAML tree. yaml-cpp reports errors by exception; this class
// only calls accessors that do not throw on a well-formed tree (IsX(),
// Scalar(), iteration, const operator[]), and ParseConfig catches
// YAML::Exception at the boundary so none escapes.
class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  absl::StatusOr<Config> Parse(const YAML::Node& root) {
    Config config;
    config.source = source_;
    config.base_dir = DirName(source_);
    if (!root.IsDefined() || root.IsNull()) return config;
    if (!root.IsMap()) return Fail("", "the document must be a mapping");
    if (auto s = Keys(root, "",
                      {"listeners", "state_dir", "tenants", "renewal", "limits",
                       "callers", "logging", "shutdown", "revocation",
                       "ext_authz", "issuers", "exchange"});
        !s.ok()) {
      return s;
    }
    if (auto s = Listeners(root["listeners"], &config.listeners); !s.ok()) {
      return s;
    }
    if (auto s = String(root["state_dir"], "state_dir", &config.state_dir);
        !s.ok()) {
      return s;
    }
    if (auto s = Tenants(root["tenants"], &config.tenants); !s.ok()) return s;
    if (auto s = Renewal(root["renewal"], &config.renewal); !s.ok()) return s;
    if (auto s = Limits(root["limits"], &config.limits); !s.ok()) return s;
    if (auto s = RevocationSection(root["revocation"], config.base_dir,
                                   &config.revocation);
        !s.ok()) {
      return s;
    }
    if (auto s = Callers(root["callers"], config.tenants, &config.callers);
        !s.ok()) {
      return s;
    }
    if (auto s = ExtAuthz(root["ext_authz"], config.tenants, &config.ext_authz);
        !s.ok()) {
      return s;
    }
    if (root["issuers"].IsDefined() && !root["issuers"].IsNull()) {
      config.issuers_configured = true;
      if (auto s = ParseIssuers(root["issuers"], source_, config.base_dir,
                                &config.issuers);
          !s.ok()) {
        return s;
      }
    }
    if (root["exchange"].IsDefined() && !root["exchange"].IsNull()) {
      if (auto s =
              ParseExchange(root["exchange"], source_, &config.exchange_rules);
          !s.ok()) {
        return s;
      }
      if (!config.exchange_rules.empty() && !config.issuers_configured) {
        return Fail("exchange.rules",
                    "rules need trusted issuers: add an issuers section");
      }
    }
    const YAML::Node logging = root["logging"];
    if (logging.IsDefined()) {
      if (auto s = Keys(logging, "logging", {"level"}); !s.ok()) return s;
      if (auto s = String(logging["level"], "logging.level", &config.log_level);
          !s.ok()) {
        return s;
      }
      if (config.log_level != "debug" && config.log_level != "info" &&
          config.log_level != "warn" && config.log_level != "error") {
        return Fail("logging.level", "must be debug, info, warn or error");
      }
    }
    const YAML::Node shutdown = root["shutdown"];
    if (shutdown.IsDefined()) {
      if (auto s = Keys(shutdown, "shutdown", {"drain_timeout"}); !s.ok()) {
        return s;
      }
      if (auto s = Duration(shutdown["drain_timeout"], "shutdown.drain_timeout",
                            &config.drain_timeout);
          !s.ok()) {
        return s;
      }
    }
    return config;
  }

 private:
  absl::Status Fail(absl::string_view field, absl::string_view what) const {
    return ConfigError(source_, field.empty() ? "(root)" : field, what);
  }

  // Refuses keys outside `allowed` (typos must not pass silently).
  absl::Status Keys(const YAML::Node& node, absl::string_view path,
                    std::initializer_list<absl::string_view> allowed) {
    if (!node.IsMap()) {
      return Fail(path, "must be a mapping");
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      bool ok = false;
      for (absl::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        return Fail(Join(path, key),
                    absl::StrCat("unknown field (expected one of: ",
                                 absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  static std::string Join(absl::string_view path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

  absl::Status String(const YAML::Node& node, absl::string_view path,
                      std::string* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (!node.IsScalar()) return Fail(path, "must be a string");
    *out = node.Scalar();
    return absl::OkStatus();
  }

  absl::Status Bool(const YAML::Node& node, absl::string_view path, bool* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    const std::string s = node.IsScalar() ? node.Scalar() : "";
    if (s == "true") {
      *out = true;
    } else if (s == "false") {
      *out = false;
    } else {
      return Fail(path, "must be true or false");
    }
    return absl::OkStatus();
  }

  absl::Status Int(const YAML::Node& node, absl::string_view path, int64_t min,
                   int64_t max, int64_t* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    int64_t v = 0;
    if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &v)) {
      return Fail(path, "must be an integer");
    }
    if (v < min || v > max) {
      return Fail(path, absl::StrCat("must be between ", min, " and ", max));
    }
    *out = v;
    return absl::OkStatus();
  }

  absl::Status Double(const YAML::Node& node, absl::string_view path,
                      double min, double max, double* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    double v = 0;
    if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &v)) {
      return Fail(path, "must be a number");
    }
    if (!(v >= min && v <= max)) {
      return Fail(path, absl::StrCat("must be between ", min, " and ", max));
    }
    *out = v;
    return absl::OkStatus();
  }

  // "90s", "15m", "1h30m", or a whole number of seconds.
  absl::Status Duration(const YAML::Node& node, absl::string_view path,
                        absl::Duration* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (!node.IsScalar()) return Fail(path, "must be a duration like 90s");
    const std::string& s = node.Scalar();
    int64_t seconds = 0;
    absl::Duration d;
    if (absl::SimpleAtoi(s, &seconds)) {
      d = absl::Seconds(seconds);
    } else if (!absl::ParseDuration(s, &d)) {
      return Fail(path, absl::StrCat(
                            "'", s, "' is not a duration (e.g. 90s, 15m, 1h)"));
    }
    if (d < absl::ZeroDuration()) return Fail(path, "must not be negative");
    *out = d;
    return absl::OkStatus();
  }

  absl::Status StringList(const YAML::Node& node, absl::string_view path,
                          std::vector<std::string>* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (node.IsScalar()) {
      out->push_back(node.Scalar());
      return absl::OkStatus();
    }
    if (!node.IsSequence()) return Fail(path, "must be a list of strings");
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        return Fail(absl::StrCat(path, "[", i, "]"), "must be a string");
      }
      out->push_back(node[i].Scalar());
    }
    return absl::OkStatus();
  }

  absl::Status StringMap(const YAML::Node& node, absl::string_view path,
                         std::map<std::string, std::string>* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) return Fail(path, "must be a mapping of strings");
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->second.IsScalar()) {
        return Fail(Join(path, it->first.Scalar()), "must be a string");
      }
      (*out)[it->first.Scalar()] = it->second.Scalar();
    }
    return absl::OkStatus();
  }

  absl::Status Address(const YAML::Node& node, absl::string_view path,
                       std::string* out) {
    if (auto s = String(node, path, out); !s.ok()) return s;
    if (out->empty()) return absl::OkStatus();
    const size_t colon = out->rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(out->substr(colon + 1), &port) || port < 0 ||
        port > 65535) {
      return Fail(path, absl::StrCat("'", *out, "' is not host:port"));
    }
    return absl::OkStatus();
  }

  absl::Status Listeners(const YAML::Node& node, ListenersConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, "listeners",
                      {"unix_socket", "tcp", "tls", "health", "http",
                       "http_public_url", "reflection", "http_cors"});
        !s.ok()) {
      return s;
    }
    if (auto s = String(node["unix_socket"], "listeners.unix_socket",
                        &out->unix_socket);
        !s.ok()) {
      return s;
    }
    if (auto s = Address(node["tcp"], "listeners.tcp", &out->tcp); !s.ok()) {
      return s;
    }
    if (!out->tcp.empty() && !IsLoopbackAddress(out->tcp)) {
      return Fail("listeners.tcp",
                  "the plaintext TCP listener must be a loopback address "
                  "(127.0.0.1 or [::1]); use listeners.tls for others");
    }
    if (auto s = Address(node["health"], "listeners.health", &out->health);
        !s.ok()) {
      return s;
    }
    if (auto s = Address(node["http"], "listeners.http", &out->http); !s.ok()) {
      return s;
    }
    if (auto s = String(node["http_public_url"], "listeners.http_public_url",
                        &out->http_public_url);
        !s.ok()) {
      return s;
    }
    if (!out->http_public_url.empty() &&
        !absl::StartsWith(out->http_public_url, "http://") &&
        !absl::StartsWith(out->http_public_url, "https://")) {
      return Fail("listeners.http_public_url",
                  "must start with http:// or https://");
    }
    while (absl::EndsWith(out->http_public_url, "/")) {
      out->http_public_url.pop_back();
    }
    if (auto s =
            Bool(node["reflection"], "listeners.reflection", &out->reflection);
        !s.ok()) {
      return s;
    }
    if (auto s = HttpCors(node["http_cors"], &out->http_cors); !s.ok()) {
      return s;
    }
    const YAML::Node tls = node["tls"];
    if (tls.IsDefined() && !tls.IsNull()) {
      if (auto s = Keys(tls, "listeners.tls",
                        {"address", "cert_file", "key_file", "client_ca_file"});
          !s.ok()) {
        return s;
      }
      if (auto s = Address(tls["address"], "listeners.tls.address",
                           &out->tls.address);
          !s.ok()) {
        return s;
      }
      for (auto [key, dst] :
           {std::pair{"cert_file", &out->tls.cert_file},
            std::pair{"key_file", &out->tls.key_file},
            std::pair{"client_ca_file", &out->tls.client_ca_file}}) {
        if (auto s = String(tls[key], Join("listeners.tls", key), dst);
            !s.ok()) {
          return s;
        }
        if (!dst->empty() && (*dst)[0] != '/') {
          *dst = absl::StrCat(DirName(source_), "/", *dst);
        }
      }
      if (!out->tls.address.empty()) {
        if (out->tls.cert_file.empty()) {
          return Fail("listeners.tls.cert_file", "is required with an address");
        }
        if (out->tls.key_file.empty()) {
          return Fail("listeners.tls.key_file", "is required with an address");
        }
      }
    }
    return absl::OkStatus();
  }

  // listeners.http_cors: exact origins only. "*" would let any web page
  // spend its visitors' identity tokens here (development mode has no
  // HTTP listener, so it is refused everywhere).
  absl::Status HttpCors(const YAML::Node& node, HttpCorsConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, "listeners.http_cors", {"allowed_origins"});
        !s.ok()) {
      return s;
    }
    const std::string path = "listeners.http_cors.allowed_origins";
    if (auto s =
            StringList(node["allowed_origins"], path, &out->allowed_origins);
        !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < out->allowed_origins.size(); ++i) {
      const std::string field = absl::StrCat(path, "[", i, "]");
      const std::string& origin = out->allowed_origins[i];
      if (origin == "*") {
        return Fail(field,
                    "\"*\" is not allowed: list each origin "
                    "(e.g. https://app.example.com)");
      }
      absl::string_view rest = origin;
      if (!absl::ConsumePrefix(&rest, "https://") &&
          !absl::ConsumePrefix(&rest, "http://")) {
        return Fail(field, "must start with https:// or http://");
      }
      if (rest.empty() || absl::StrContains(rest, "/") ||
          absl::StrContains(rest, "*") || absl::StrContains(rest, " ")) {
        return Fail(field,
                    "must be an exact origin: scheme://host[:port], no path, "
                    "no trailing slash, no wildcard");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Tenants(const YAML::Node& node, std::vector<TenantConfig>* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (!node.IsSequence()) return Fail("tenants", "must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = absl::StrCat("tenants[", i, "]");
      const YAML::Node t = node[i];
      if (auto s =
              Keys(t, path,
                   {"name", "profile", "issuer", "audience", "algorithm", "kid",
                    "typ", "credentials", "params", "ttl", "session_cap",
                    "renew_grace", "leeway", "verify", "keys", "verify_cache"});
          !s.ok()) {
        return s;
      }
      TenantConfig tenant;
      if (auto s = String(t["name"], path + ".name", &tenant.name); !s.ok()) {
        return s;
      }
      if (tenant.name.empty()) return Fail(path + ".name", "is required");
      if (!names.insert(tenant.name).second) {
        return Fail(path + ".name",
                    absl::StrCat("duplicate tenant '", tenant.name, "'"));
      }
      if (auto s = String(t["profile"], path + ".profile", &tenant.profile);
          !s.ok()) {
        return s;
      }
      if (FindVendor(tenant.profile) == nullptr) {
        return Fail(
            path + ".profile",
            absl::StrCat(
                "'", tenant.profile, "' is not a profile (expected one of: ",
                absl::StrJoin(Vendors(), ", ",
                              [](std::string* out, const VendorTraits& v) {
                                absl::StrAppend(out, v.name);
                              }),
                ")"));
      }
      if (auto s = String(t["issuer"], path + ".issuer", &tenant.issuer);
          !s.ok()) {
        return s;
      }
      if (auto s =
              StringList(t["audience"], path + ".audience", &tenant.audiences);
          !s.ok()) {
        return s;
      }
      if (auto s =
              String(t["algorithm"], path + ".algorithm", &tenant.algorithm);
          !s.ok()) {
        return s;
      }
      if (auto s = String(t["kid"], path + ".kid", &tenant.kid); !s.ok()) {
        return s;
      }
      if (auto s = String(t["typ"], path + ".typ", &tenant.typ); !s.ok()) {
        return s;
      }
      // Vendor tokens carry their vendor's typ (or none); only a generic
      // JWT tenant chooses its own.
      if (!tenant.typ.empty() && tenant.profile != "jwt") {
        return Fail(path + ".typ", "only jwt tenants set typ");
      }
      if (auto s = StringMap(t["credentials"], path + ".credentials",
                             &tenant.credentials);
          !s.ok()) {
        return s;
      }
      if (auto s = StringMap(t["params"], path + ".params", &tenant.params);
          !s.ok()) {
        return s;
      }
      const YAML::Node ttl = t["ttl"];
      if (ttl.IsDefined() && !ttl.IsNull()) {
        if (auto s = Keys(ttl, path + ".ttl", {"default", "max"}); !s.ok()) {
          return s;
        }
        if (auto s = Duration(ttl["default"], path + ".ttl.default",
                              &tenant.default_ttl);
            !s.ok()) {
          return s;
        }
        if (auto s = Duration(ttl["max"], path + ".ttl.max", &tenant.max_ttl);
            !s.ok()) {
          return s;
        }
      }
      if (tenant.default_ttl < absl::Seconds(1)) {
        return Fail(path + ".ttl.default", "must be at least 1s");
      }
      if (tenant.max_ttl < tenant.default_ttl) {
        return Fail(
            path + ".ttl.max",
            absl::StrCat("must be at least ttl.default (",
                         absl::FormatDuration(tenant.default_ttl), ")"));
      }
      if (auto s = Duration(t["session_cap"], path + ".session_cap",
                            &tenant.session_cap);
          !s.ok()) {
        return s;
      }
      if (tenant.session_cap != absl::InfiniteDuration() &&
          tenant.session_cap < tenant.default_ttl) {
        return Fail(path + ".session_cap", "must be at least ttl.default");
      }
      if (auto s = Duration(t["renew_grace"], path + ".renew_grace",
                            &tenant.renew_grace);
          !s.ok()) {
        return s;
      }
      if (auto s = Duration(t["leeway"], path + ".leeway", &tenant.leeway);
          !s.ok()) {
        return s;
      }
      std::string verify = "open";
      if (auto s = String(t["verify"], path + ".verify", &verify); !s.ok()) {
        return s;
      }
      if (verify != "open" && verify != "restricted") {
        return Fail(path + ".verify", "must be open or restricted");
      }
      tenant.verify_open = verify == "open";
      if (auto s = ManagedKeys(t["keys"], path + ".keys", tenant, &tenant.keys);
          !s.ok()) {
        return s;
      }
      if (auto s = VerifyCache(t["verify_cache"], path + ".verify_cache",
                               &tenant.verify_cache);
          !s.ok()) {
        return s;
      }
      out->push_back(std::move(tenant));
    }
    return absl::OkStatus();
  }

  // tenants[i].verify_cache: bounds of the tenant's verified-token cache.
  absl::Status VerifyCache(const YAML::Node& node, const std::string& path,
                           VerifyCacheConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, path, {"max_entries", "max_bytes", "max_age"});
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["max_entries"], path + ".max_entries", 0, 10000000,
                     &out->max_entries);
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["max_bytes"], path + ".max_bytes", 0,
                     int64_t{1} << 34, &out->max_bytes);
        !s.ok()) {
      return s;
    }
    if (auto s = Duration(node["max_age"], path + ".max_age", &out->max_age);
        !s.ok()) {
      return s;
    }
    if (out->max_age > absl::Hours(24)) {
      return Fail(path + ".max_age", "must be at most 24h");
    }
    return absl::OkStatus();
  }

  // tenants[i].keys: where a jwt tenant's managed keys come from.
  absl::Status ManagedKeys(const YAML::Node& node, const std::string& path,
                           const TenantConfig& tenant, KeysConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, path,
                      {"dir", "file", "generate", "rotation_period",
                       "active_kid", "jwks_max_age", "publish_margin"});
        !s.ok()) {
      return s;
    }
    if (tenant.profile != "jwt") {
      return Fail(path, "only jwt tenants have managed keys");
    }
    for (auto [key, dst] :
         {std::pair{"dir", &out->dir}, std::pair{"file", &out->file}}) {
      if (auto s = String(node[key], Join(path, key), dst); !s.ok()) return s;
      if (!dst->empty() && (*dst)[0] != '/') {
        *dst = absl::StrCat(DirName(source_), "/", *dst);
      }
    }
    if (auto s = Bool(node["generate"], path + ".generate", &out->generate);
        !s.ok()) {
      return s;
    }
    if (auto s =
            String(node["active_kid"], path + ".active_kid", &out->active_kid);
        !s.ok()) {
      return s;
    }
    for (auto [key, dst] :
         {std::pair{"rotation_period", &out->rotation_period},
          std::pair{"jwks_max_age", &out->jwks_max_age},
          std::pair{"publish_margin", &out->publish_margin}}) {
      if (auto s = Duration(node[key], Join(path, key), dst); !s.ok()) {
        return s;
      }
    }
    const int sources = (out->dir.empty() ? 0 : 1) +
                        (out->file.empty() ? 0 : 1) + (out->generate ? 1 : 0);
    if (sources != 1) {
      return Fail(path, "set exactly one of dir, file or generate: true");
    }
    if (node["rotation_period"].IsDefined() && !out->generate) {
      return Fail(path + ".rotation_period",
                  "applies to generated keys only; rotate file keys by "
                  "changing the files");
    }
    if (out->rotation_period <= absl::ZeroDuration()) {
      return Fail(path + ".rotation_period", "must be positive");
    }
    if (!out->active_kid.empty() && out->generate) {
      return Fail(path + ".active_kid", "generated keys have no fixed kid");
    }
    for (absl::string_view secret : {"private_key", "secret", "jwks"}) {
      if (tenant.credentials.count(std::string(secret)) > 0) {
        return Fail(path, absl::StrCat("conflicts with credentials.", secret,
                                       ": use one or the other"));
      }
    }
    if (!tenant.kid.empty()) {
      return Fail(path,
                  "conflicts with kid: pin the signer with "
                  "keys.active_kid");
    }
    return absl::OkStatus();
  }

  absl::Status Renewal(const YAML::Node& node, RenewalConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s =
            Keys(node, "renewal",
                 {"refresh_fraction", "jitter", "min_lead", "max_lead_fraction",
                  "retry_initial", "retry_max", "max_subscriptions_per_caller",
                  "max_subscriptions", "rotation_window",
                  "min_refresh_fraction", "max_refresh_fraction"});
        !s.ok()) {
      return s;
    }
    // Types here; the ranges are core's (ValidateRefreshPolicy), so the
    // config cannot accept a schedule the scheduler would refuse.
    for (const auto& [key, field] :
         {std::pair{"refresh_fraction", &out->refresh_fraction},
          std::pair{"jitter", &out->jitter},
          std::pair{"max_lead_fraction", &out->max_lead_fraction}}) {
      if (auto s = Double(node[key], Join("renewal", key), -1e9, 1e9, field);
          !s.ok()) {
        return s;
      }
    }
    for (const auto& [key, field] :
         {std::pair{"min_lead", &out->min_lead},
          std::pair{"retry_initial", &out->retry_initial},
          std::pair{"retry_max", &out->retry_max},
          std::pair{"rotation_window", &out->rotation_window}}) {
      if (auto s = Duration(node[key], Join("renewal", key), field); !s.ok()) {
        return s;
      }
    }
    RefreshPolicy policy;
    policy.fraction = out->refresh_fraction;
    policy.jitter = out->jitter;
    policy.min_lead = out->min_lead;
    policy.max_lead_fraction = out->max_lead_fraction;
    policy.retry_initial = out->retry_initial;
    policy.retry_max = out->retry_max;
    if (absl::Status s = ValidateRefreshPolicy(policy, "renewal."); !s.ok()) {
      return Fail(GetField(s), StatusDetail(s));
    }
    if (auto s = Int(node["max_subscriptions_per_caller"],
                     "renewal.max_subscriptions_per_caller", 1, 1 << 24,
                     &out->max_subscriptions_per_caller);
        !s.ok()) {
      return s;
    }
    if (node["max_subscriptions"].IsDefined() &&
        !node["max_subscriptions"].IsNull()) {
      int64_t cap = 0;
      if (auto s = Int(node["max_subscriptions"], "renewal.max_subscriptions",
                       0, 1 << 24, &cap);
          !s.ok()) {
        return s;
      }
      out->max_subscriptions = cap;
    }
    if (auto s =
            Double(node["min_refresh_fraction"], "renewal.min_refresh_fraction",
                   0.1, 0.95, &out->min_refresh_fraction);
        !s.ok()) {
      return s;
    }
    return Double(node["max_refresh_fraction"], "renewal.max_refresh_fraction",
                  out->min_refresh_fraction, 0.95, &out->max_refresh_fraction);
  }

  // The revocation store. A relative sqlite path is made absolute against
  // the config file's directory here, so a reload compares like with like.
  absl::Status RevocationSection(const YAML::Node& node,
                                 const std::string& base_dir,
                                 RevocationConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, "revocation",
                      {"store", "on_store_unavailable", "resync_interval",
                       "prune_interval"});
        !s.ok()) {
      return s;
    }
    if (auto s = String(node["store"], "revocation.store", &out->store);
        !s.ok()) {
      return s;
    }
    absl::string_view store = out->store;
    if (absl::ConsumePrefix(&store, "sqlite:")) {
      if (store.empty()) {
        return Fail("revocation.store", "sqlite: needs a file path");
      }
      if (store[0] != '/') {
        out->store = absl::StrCat("sqlite:", base_dir, "/", store);
      }
    } else if (absl::StartsWith(store, "redis://") ||
               absl::StartsWith(store, "redis-sentinel://")) {
      if (absl::StatusOr<RedisTarget> t = ParseRedisTarget(store); !t.ok()) {
        return Fail("revocation.store", StatusDetail(t.status()));
      }
    } else if (!store.empty()) {
      return Fail("revocation.store",
                  absl::StrCat("'", store,
                               "' is not sqlite:PATH, redis://HOST:PORT/DB or "
                               "redis-sentinel://HOST:PORT[,HOST:PORT...]/"
                               "MASTER/DB"));
    }
    std::string mode = out->fail_closed ? "closed" : "open";
    if (auto s = String(node["on_store_unavailable"],
                        "revocation.on_store_unavailable", &mode);
        !s.ok()) {
      return s;
    }
    if (mode != "closed" && mode != "open") {
      return Fail("revocation.on_store_unavailable", "must be closed or open");
    }
    out->fail_closed = mode == "closed";
    if (auto s = Duration(node["resync_interval"], "revocation.resync_interval",
                          &out->resync_interval);
        !s.ok()) {
      return s;
    }
    if (out->resync_interval < absl::Milliseconds(100)) {
      return Fail("revocation.resync_interval", "must be at least 100ms");
    }
    if (auto s = Duration(node["prune_interval"], "revocation.prune_interval",
                          &out->prune_interval);
        !s.ok()) {
      return s;
    }
    if (out->prune_interval < absl::Seconds(1)) {
      return Fail("revocation.prune_interval", "must be at least 1s");
    }
    return absl::OkStatus();
  }

  absl::Status Limits(const YAML::Node& node, LimitsConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, "limits",
                      {"max_message_bytes", "max_token_bytes", "rate_limit",
                       "max_streams", "keepalive", "memory_quota_bytes",
                       "max_concurrent_streams", "max_connections_per_peer",
                       "classify_malformed_requests"});
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["max_message_bytes"], "limits.max_message_bytes",
                     1024, 64 << 20, &out->max_message_bytes);
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["max_token_bytes"], "limits.max_token_bytes", 256,
                     1 << 20, &out->max_token_bytes);
        !s.ok()) {
      return s;
    }
    if (out->max_token_bytes > out->max_message_bytes) {
      return Fail("limits.max_token_bytes",
                  "must not exceed limits.max_message_bytes");
    }
    if (auto s = Int(node["max_streams"], "limits.max_streams", 0, 1 << 24,
                     &out->max_streams);
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["memory_quota_bytes"], "limits.memory_quota_bytes",
                     4 << 20, int64_t{1} << 32, &out->memory_quota_bytes);
        !s.ok()) {
      return s;
    }
    if (auto s =
            Int(node["max_concurrent_streams"], "limits.max_concurrent_streams",
                1, 1 << 16, &out->max_concurrent_streams);
        !s.ok()) {
      return s;
    }
    if (auto s = Bool(node["classify_malformed_requests"],
                      "limits.classify_malformed_requests",
                      &out->classify_malformed_requests);
        !s.ok()) {
      return s;
    }
    if (auto s = Int(node["max_connections_per_peer"],
                     "limits.max_connections_per_peer", 1, 1 << 16,
                     &out->max_connections_per_peer);
        !s.ok()) {
      return s;
    }
    const YAML::Node rate = node["rate_limit"];
    if (rate.IsDefined() && !rate.IsNull()) {
      if (auto s = Keys(rate, "limits.rate_limit", {"qps", "burst"}); !s.ok()) {
        return s;
      }
      if (auto s = Double(rate["qps"], "limits.rate_limit.qps", 0, 1e7,
                          &out->rate_qps);
          !s.ok()) {
        return s;
      }
      if (auto s = Int(rate["burst"], "limits.rate_limit.burst", 1, 1 << 24,
                       &out->rate_burst);
          !s.ok()) {
        return s;
      }
    }
    const YAML::Node keepalive = node["keepalive"];
    if (keepalive.IsDefined() && !keepalive.IsNull()) {
      if (auto s = Keys(keepalive, "limits.keepalive", {"time", "timeout"});
          !s.ok()) {
        return s;
      }
      if (auto s = Duration(keepalive["time"], "limits.keepalive.time",
                            &out->keepalive_time);
          !s.ok()) {
        return s;
      }
      if (auto s = Duration(keepalive["timeout"], "limits.keepalive.timeout",
                            &out->keepalive_timeout);
          !s.ok()) {
        return s;
      }
      if (out->keepalive_time < absl::Seconds(10)) {
        return Fail("limits.keepalive.time", "must be at least 10s");
      }
    }
    return absl::OkStatus();
  }

  // A header name as Envoy hands them over: lower-case token characters.
  absl::Status HeaderName(const YAML::Node& node, const std::string& path,
                          std::string* out) {
    if (auto s = String(node, path, out); !s.ok()) return s;
    for (char c : *out) {
      if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' ||
            c == '_')) {
        return Fail(path, "must be a lower-case header name (a-z, 0-9, -, _)");
      }
    }
    return absl::OkStatus();
  }

  absl::Status KnownTenant(const std::string& name, const std::string& path,
                           const std::vector<TenantConfig>& tenants) {
    if (name.empty()) return Fail(path, "is required");
    for (const TenantConfig& t : tenants) {
      if (t.name == name) return absl::OkStatus();
    }
    return Fail(path, absl::StrCat("unknown tenant '", name, "'"));
  }

  absl::Status ExtAuthz(const YAML::Node& node,
                        const std::vector<TenantConfig>& tenants,
                        ExtAuthzConfig* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (auto s = Keys(node, "ext_authz",
                      {"token_header", "token_cookie", "allow_query_token",
                       "context_keys", "routes", "headers", "claim_headers",
                       "remove_token", "claims_metadata",
                       "on_store_unavailable", "max_header_bytes", "outbound"});
        !s.ok()) {
      return s;
    }
    if (auto s = HeaderName(node["token_header"], "ext_authz.token_header",
                            &out->token_header);
        !s.ok()) {
      return s;
    }
    if (out->token_header.empty()) {
      return Fail("ext_authz.token_header", "must not be empty");
    }
    if (auto s = String(node["token_cookie"], "ext_authz.token_cookie",
                        &out->token_cookie);
        !s.ok()) {
      return s;
    }
    if (auto s = Bool(node["allow_query_token"], "ext_authz.allow_query_token",
                      &out->allow_query_token);
        !s.ok()) {
      return s;
    }
    const YAML::Node keys = node["context_keys"];
    if (keys.IsDefined() && !keys.IsNull()) {
      if (auto s = Keys(keys, "ext_authz.context_keys",
                        {"tenant", "mode", "audience", "subject"});
          !s.ok()) {
        return s;
      }
      const std::pair<const char*, std::string*> fields[] = {
          {"tenant", &out->tenant_key},
          {"mode", &out->mode_key},
          {"audience", &out->audience_key},
          {"subject", &out->subject_key}};
      for (const auto& [name, value] : fields) {
        const std::string path = absl::StrCat("ext_authz.context_keys.", name);
        if (auto s = String(keys[name], path, value); !s.ok()) return s;
        if (value->empty()) return Fail(path, "must not be empty");
      }
    }
    const YAML::Node routes = node["routes"];
    if (routes.IsDefined() && !routes.IsNull()) {
      if (!routes.IsSequence()) {
        return Fail("ext_authz.routes", "must be a list");
      }
      for (size_t i = 0; i < routes.size(); ++i) {
        const std::string path = absl::StrCat("ext_authz.routes[", i, "]");
        const YAML::Node r = routes[i];
        if (auto s = Keys(r, path,
                          {"host", "path_prefix", "tenant", "mode", "audience",
                           "channel_header", "channel_path_segment"});
            !s.ok()) {
          return s;
        }
        ExtAuthzRoute route;
        if (auto s = String(r["host"], path + ".host", &route.host); !s.ok()) {
          return s;
        }
        route.host = absl::AsciiStrToLower(route.host);
        if (auto s = String(r["path_prefix"], path + ".path_prefix",
                            &route.path_prefix);
            !s.ok()) {
          return s;
        }
        if (!route.path_prefix.empty() && route.path_prefix[0] != '/') {
          return Fail(path + ".path_prefix", "must start with /");
        }
        if (auto s = String(r["tenant"], path + ".tenant", &route.tenant);
            !s.ok()) {
          return s;
        }
        if (auto s = KnownTenant(route.tenant, path + ".tenant", tenants);
            !s.ok()) {
          return s;
        }
        if (auto s = String(r["mode"], path + ".mode", &route.mode); !s.ok()) {
          return s;
        }
        if (route.mode != "inbound" && route.mode != "outbound") {
          return Fail(path + ".mode", "must be inbound or outbound");
        }
        if (auto s = String(r["audience"], path + ".audience", &route.audience);
            !s.ok()) {
          return s;
        }
        if (auto s = HeaderName(r["channel_header"], path + ".channel_header",
                                &route.channel_header);
            !s.ok()) {
          return s;
        }
        if (auto s =
                Int(r["channel_path_segment"], path + ".channel_path_segment",
                    0, 64, &route.channel_path_segment);
            !s.ok()) {
          return s;
        }
        if (!route.channel_header.empty() || route.channel_path_segment >= 0) {
          // Only these profiles' tokens name a channel (Agora) or room
          // (LiveKit); elsewhere the expectation would be silently unmet.
          for (const TenantConfig& t : tenants) {
            const VendorTraits* vendor = FindVendor(t.profile);
            if (t.name == route.tenant &&
                (vendor == nullptr || !vendor->token_names_channel)) {
              return Fail(path,
                          absl::StrCat("tenant '", t.name, "' (profile ",
                                       t.profile, ") has no channel or room"));
            }
          }
        }
        if (!route.channel_header.empty() && route.channel_path_segment >= 0) {
          return Fail(path,
                      "set channel_header or channel_path_segment, "
                      "not both");
        }
        out->routes.push_back(std::move(route));
      }
    }
    const YAML::Node headers = node["headers"];
    if (headers.IsDefined() && !headers.IsNull()) {
      if (auto s = Keys(headers, "ext_authz.headers",
                        {"subject", "tenant", "token_id"});
          !s.ok()) {
        return s;
      }
      const std::pair<const char*, std::string*> fields[] = {
          {"subject", &out->subject_header},
          {"tenant", &out->tenant_header},
          {"token_id", &out->token_id_header}};
      for (const auto& [name, value] : fields) {
        if (auto s = HeaderName(
                headers[name], absl::StrCat("ext_authz.headers.", name), value);
            !s.ok()) {
          return s;
        }
      }
    }
    if (auto s = StringMap(node["claim_headers"], "ext_authz.claim_headers",
                           &out->claim_headers);
        !s.ok()) {
      return s;
    }
    for (const auto& [claim, header] : out->claim_headers) {
      const std::string path = absl::StrCat("ext_authz.claim_headers.", claim);
      YAML::Node h(header);
      std::string checked;
      if (auto s = HeaderName(h, path, &checked); !s.ok()) return s;
      if (checked.empty()) return Fail(path, "must not be empty");
    }
    if (auto s = Bool(node["remove_token"], "ext_authz.remove_token",
                      &out->remove_token);
        !s.ok()) {
      return s;
    }
    if (auto s = Bool(node["claims_metadata"], "ext_authz.claims_metadata",
                      &out->claims_metadata);
        !s.ok()) {
      return s;
    }
    std::string mode = out->fail_closed ? "closed" : "open";
    if (auto s = String(node["on_store_unavailable"],
                        "ext_authz.on_store_unavailable", &mode);
        !s.ok()) {
      return s;
    }
    if (mode != "closed" && mode != "open") {
      return Fail("ext_authz.on_store_unavailable", "must be closed or open");
    }
    out->fail_closed = mode == "closed";
    if (auto s = Int(node["max_header_bytes"], "ext_authz.max_header_bytes",
                     1024, 1 << 20, &out->max_header_bytes);
        !s.ok()) {
      return s;
    }
    const YAML::Node outbound = node["outbound"];
    if (outbound.IsDefined() && !outbound.IsNull()) {
      if (auto s = Keys(outbound, "ext_authz.outbound",
                        {"header", "ttl", "max_cached"});
          !s.ok()) {
        return s;
      }
      if (auto s = HeaderName(outbound["header"], "ext_authz.outbound.header",
                              &out->outbound_header);
          !s.ok()) {
        return s;
      }
      if (out->outbound_header.empty()) {
        return Fail("ext_authz.outbound.header", "must not be empty");
      }
      if (auto s = Duration(outbound["ttl"], "ext_authz.outbound.ttl",
                            &out->outbound_ttl);
          !s.ok()) {
        return s;
      }
      if (out->outbound_ttl < absl::Seconds(2)) {
        return Fail("ext_authz.outbound.ttl", "must be at least 2s");
      }
      if (auto s = Int(outbound["max_cached"], "ext_authz.outbound.max_cached",
                       1, 10000000, &out->outbound_max_cached);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status TenantList(const YAML::Node& node, const std::string& path,
                          const std::vector<TenantConfig>& tenants,
                          std::vector<std::string>* out) {
    if (auto s = StringList(node, path, out); !s.ok()) return s;
    for (size_t i = 0; i < out->size(); ++i) {
      const std::string& name = (*out)[i];
      if (name == "*") continue;
      bool found = false;
      for (const TenantConfig& t : tenants) found = found || t.name == name;
      if (!found) {
        return Fail(absl::StrCat(path, "[", i, "]"),
                    absl::StrCat("'", name, "' is not a configured tenant"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Callers(const YAML::Node& node,
                       const std::vector<TenantConfig>& tenants,
                       std::vector<CallerConfig>* out) {
    if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
    if (!node.IsSequence()) return Fail("callers", "must be a list");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = absl::StrCat("callers[", i, "]");
      const YAML::Node c = node[i];
      if (auto s = Keys(c, path,
                        {"name", "uid", "gid", "spiffe_id", "dns", "loopback",
                         "issue", "issue_app_level", "revoke", "verify"});
          !s.ok()) {
        return s;
      }
      CallerConfig caller;
      if (auto s = String(c["name"], path + ".name", &caller.name); !s.ok()) {
        return s;
      }
      if (caller.name.empty()) caller.name = path;
      for (auto [key, dst] :
           {std::pair{"uid", &caller.uid}, std::pair{"gid", &caller.gid}}) {
        int64_t v = -1;
        if (auto s = Int(c[key], Join(path, key), 0, 0xfffffffe, &v); !s.ok()) {
          return s;
        }
        if (v >= 0) *dst = static_cast<uint32_t>(v);
      }
      if (auto s =
              String(c["spiffe_id"], path + ".spiffe_id", &caller.spiffe_id);
          !s.ok()) {
        return s;
      }
      if (!caller.spiffe_id.empty() &&
          !absl::StartsWith(caller.spiffe_id, "spiffe://")) {
        return Fail(path + ".spiffe_id", "must start with spiffe://");
      }
      if (auto s = String(c["dns"], path + ".dns", &caller.dns); !s.ok()) {
        return s;
      }
      if (auto s = Bool(c["loopback"], path + ".loopback", &caller.loopback);
          !s.ok()) {
        return s;
      }
      if (!caller.uid && !caller.gid && caller.spiffe_id.empty() &&
          caller.dns.empty() && !caller.loopback) {
        return Fail(path,
                    "must set at least one of uid, gid, spiffe_id, dns, "
                    "loopback");
      }
      if (auto s =
              TenantList(c["issue"], path + ".issue", tenants, &caller.issue);
          !s.ok()) {
        return s;
      }
      if (auto s = TenantList(c["issue_app_level"], path + ".issue_app_level",
                              tenants, &caller.issue_app_level);
          !s.ok()) {
        return s;
      }
      if (auto s = TenantList(c["revoke"], path + ".revoke", tenants,
                              &caller.revoke);
          !s.ok()) {
        return s;
      }
      if (auto s = TenantList(c["verify"], path + ".verify", tenants,
                              &caller.verify);
          !s.ok()) {
        return s;
      }
      out->push_back(std::move(caller));
    }
    return absl::OkStatus();
  }

  std::string source_;
};

}  // namespace

absl::Status ConfigError(absl::string_view source, absl::string_view field,
                         absl::string_view what) {
  return Error(Reason::kInvalidArgument,
               absl::StrCat(source, ": ", field, ": ", what), field);
}

std::string StatusDetail(const absl::Status& status) {
  absl::string_view message = status.message();
  absl::ConsumePrefix(&message,
                      absl::StrCat(ReasonName(GetReason(status)), ": "));
  return std::string(message);
}

bool IsLoopbackAddress(absl::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = host_port.substr(0, colon);
  return absl::StartsWith(host, "127.") || host == "[::1]" ||
         host == "localhost";
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml,
                                   absl::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ConfigError(
        source,
        absl::StrCat("line ", e.mark.line + 1, " column ", e.mark.column + 1),
        absl::StrCat("not valid YAML: ", e.msg));
  }
  try {
    if (absl::Status s = CheckNoDuplicateKeys(root, source); !s.ok()) return s;
    return Parser(std::string(source)).Parse(root);
  } catch (const YAML::Exception& e) {
    return ConfigError(source, absl::StrCat("line ", e.mark.line + 1),
                       absl::StrCat("unexpected YAML structure: ", e.msg));
  }
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError(path, "(file)", "cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().size() > (1 << 20)) {
    return ConfigError(path, "(file)", "is larger than 1 MiB");
  }
  return ParseConfig(buffer.str(), path);
}

}  // namespace tokend
