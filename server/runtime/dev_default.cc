#include "server/runtime/dev_default.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/crypto/key.h"
#include "core/keys/pem.h"
#include "core/random.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "server/config/credentials.h"
#include "server/observability/logging.h"
#include "server/runtime/tenant_builder.h"

namespace tokend {
namespace {

constexpr char kSource[] = "<embedded development default>";

absl::Status MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
  return Error(Reason::kUnavailable,
               absl::StrCat("cannot create ", dir, ": ", std::strerror(errno)));
}

// Writes `content` to a new file with mode 0600 (never overwrites).
absl::Status WritePrivateFile(const std::string& path,
                              const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(
        Reason::kUnavailable,
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  const bool ok = write(fd, content.data(), content.size()) ==
                  static_cast<ssize_t>(content.size());
  close(fd);
  if (!ok)
    return Error(Reason::kUnavailable, absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The PEM file of a development key, generated on first use.
absl::StatusOr<std::string> DevKeyFile(const std::string& keys_dir,
                                       Algorithm alg, absl::string_view name) {
  const std::string path = absl::StrCat(keys_dir, "/", name, ".pem");
  if (access(path.c_str(), R_OK) == 0) return path;
  TOKEND_ASSIGN_OR_RETURN(std::shared_ptr<const Key> key, GenerateKey(alg));
  TOKEND_ASSIGN_OR_RETURN(std::string pem, PrivateKeyToPem(*key));
  TOKEND_RETURN_IF_ERROR(WritePrivateFile(path, pem));
  return path;
}

// A random development secret (hex text), generated on first use.
absl::StatusOr<std::string> DevSecretFile(const std::string& keys_dir,
                                          absl::string_view name,
                                          size_t bytes) {
  const std::string path = absl::StrCat(keys_dir, "/", name, ".secret");
  if (access(path.c_str(), R_OK) == 0) return path;
  std::string raw(bytes, '\0');
  SecureRandomBytes(raw.data(), raw.size());
  if (absl::Status s = WritePrivateFile(path, absl::BytesToHexString(raw));
      !s.ok()) {
    return s;
  }
  return path;
}

// Adds one development tenant per vendor profile that builds; a vendor
// whose profile refuses the fake credentials is left out with a warning.
void AddVendorTenants(const std::string& keys, Config* config) {
  for (const DevVendorTenant& v : DevVendorTenants()) {
    TenantConfig t;
    t.name = absl::StrCat("dev-", v.profile);
    t.profile = std::string(v.profile);
    t.default_ttl = v.default_ttl;
    t.max_ttl = v.max_ttl;
    for (const auto& [name, value] : v.params) t.params[name] = value;
    bool ok = true;
    for (const auto& [name, bytes] : v.secrets) {
      absl::StatusOr<std::string> file =
          bytes == 0
              ? DevKeyFile(keys, Algorithm::kRS256,
                           absl::StrCat("dev-", v.profile, "-rs256"))
              : DevSecretFile(keys, absl::StrCat("dev-", v.profile), bytes);
      ok = ok && file.ok();
      if (file.ok()) t.credentials[name] = absl::StrCat("file:", *file);
    }
    Config probe = *config;
    probe.tenants = {t};
    absl::StatusOr<BuiltTenant> built =
        ok ? BuildTenant(probe, 0)
           : absl::StatusOr<BuiltTenant>(absl::UnavailableError("keys"));
    if (!built.ok()) {
      log::Warn("development tenant left out",
                {{"tenant", t.name}, {"error", built.status().message()}});
      continue;
    }
    config->tenants.push_back(std::move(t));
  }
}

}  // namespace

std::string DefaultStateDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("TOKEND_STATE_DIR"); env && *env) {
    return env;
  }
  return "./.tokend";
}

absl::StatusOr<Config> DevelopmentConfig(const std::string& state_dir) {
  if (absl::Status s = MakeDir(state_dir); !s.ok()) return s;
  const std::string keys = absl::StrCat(state_dir, "/keys");
  if (absl::Status s = MakeDir(keys); !s.ok()) return s;

  Config config;
  config.source = kSource;
  config.base_dir = ".";  // state_dir and the key paths are relative to the cwd
  config.state_dir = state_dir;
  config.listeners.unix_socket = absl::StrCat(state_dir, "/tokend.sock");
  config.listeners.tcp = "127.0.0.1:50051";
  config.listeners.reflection = true;

  TOKEND_ASSIGN_OR_RETURN(std::string jwt_key,
                          DevKeyFile(keys, Algorithm::kES256, "dev-jwt-es256"));
  TenantConfig jwt;
  jwt.name = "dev-jwt";
  jwt.profile = "jwt";
  jwt.issuer = "tokend-dev";
  jwt.audiences = {"dev"};
  jwt.algorithm = "ES256";
  jwt.credentials["private_key"] = absl::StrCat("file:", jwt_key);
  jwt.default_ttl = absl::Minutes(15);
  jwt.max_ttl = absl::Hours(1);
  jwt.session_cap = absl::Hours(12);
  jwt.renew_grace = absl::Minutes(5);
  config.tenants.push_back(std::move(jwt));
  AddVendorTenants(keys, &config);

  CallerConfig me;
  me.name = "this user (development)";
  me.uid = static_cast<uint32_t>(getuid());
  me.issue = me.issue_app_level = me.revoke = me.verify = {"*"};
  config.callers.push_back(me);
  CallerConfig loopback;
  loopback.name = "loopback (development)";
  loopback.loopback = true;
  loopback.issue = loopback.issue_app_level = loopback.revoke =
      loopback.verify = {"*"};
  config.callers.push_back(loopback);
  return config;
}

namespace {

// How the banner names tokenctl so that its commands work when pasted: the
// tokenctl built or installed next to this tokend (absolute path), else the
// bare name for one on the PATH. Runs once, at start, on the main thread.
std::string TokenctlCommand() {
  std::error_code ec;
  const std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "tokenctl";
  const std::filesystem::path sibling = self.parent_path() / "tokenctl";
  if (!std::filesystem::exists(sibling, ec) || ec) return "tokenctl";
  std::string path = sibling.string();
  if (path.find_first_of(" '\"\\$`") != std::string::npos) {
    return absl::StrCat("'", absl::StrReplaceAll(path, {{"'", "'\\''"}}), "'");
  }
  return path;
}

}  // namespace

std::string DevelopmentBanner(const Config& config) {
  std::string tenants;
  for (const TenantConfig& t : config.tenants) {
    absl::StrAppend(&tenants, "      ", t.name, " (profile ", t.profile, ")\n");
  }
  const std::string ctl = absl::StrCat(
      TokenctlCommand(), " --socket=unix:", config.listeners.unix_socket);
  return absl::StrCat(
      "\n"
      "  ==================================================================\n"
      "   tokend DEVELOPMENT MODE - no config file given (--config)\n"
      "   NOT FOR PRODUCTION: keys are generated into ",
      config.state_dir,
      "/keys\n"
      "   and every process of this user may issue tokens.\n"
      "  ==================================================================\n"
      "   listening on unix:",
      config.listeners.unix_socket, "\n", "             and ",
      config.listeners.tcp,
      " (loopback)\n"
      "   tenants:\n",
      tenants,
      "   try (from this folder, in another terminal):\n"
      "     ",
      ctl, " issue --tenant=dev-jwt --sub=alice --aud=dev > token.txt\n",
      "     ", ctl, " verify --tenant=dev-jwt < token.txt\n", "     ", ctl,
      " jwks\n", "     ", ctl, " health\n",
      "   tokenctl sends the metadata header 'tokend-request: 1' every call "
      "needs\n"
      "  "
      "==================================================================\n\n");
}

}  // namespace tokend
