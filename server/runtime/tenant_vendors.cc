// Builds the vendor tenants. Secrets come from `credentials` (env: / file:
// references), non-secret identifiers from `params`:
//
// | profile | params                         | credentials                 |
// |---------|--------------------------------|-----------------------------|
// | agora   | app_id                         | app_certificate             |
// | apirtc  | api_key, allow_wildcard        | secret                      |
// | daily   | domain_id                      | api_key                     |
// | livekit | api_key                        | api_secret                  |
// | twilio  | account_sid, api_key_sid       | api_key_secret              |
// | vonage  | application_id                 | private_key, public_key     |
// | zoom    | app_key, user_claim            | secret                      |
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/apirtc_profile.h"
#include "core/profiles/daily_profile.h"
#include "core/profiles/livekit_profile.h"
#include "core/profiles/twilio_profile.h"
#include "core/profiles/vonage_profile.h"
#include "core/profiles/zoom_profile.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "server/config/credentials.h"
#include "server/runtime/tenant_builder.h"

namespace tokend {
namespace {

class VendorFields {
 public:
  VendorFields(const Config& config, size_t index)
      : config_(config),
        tenant_(config.tenants[index]),
        path_(absl::StrCat("tenants[", index, "]")) {}

  const TenantConfig& tenant() const { return tenant_; }

  absl::Status Param(const std::string& name, std::string* out,
                     bool required = true) const {
    auto it = tenant_.params.find(name);
    if (it == tenant_.params.end() || it->second.empty()) {
      if (!required) return absl::OkStatus();
      return Missing(absl::StrCat("params.", name));
    }
    *out = it->second;
    return absl::OkStatus();
  }

  absl::Status Secret(const std::string& name, std::string* out,
                      bool required = true) const {
    auto it = tenant_.credentials.find(name);
    if (it == tenant_.credentials.end()) {
      if (!required) return absl::OkStatus();
      return Missing(absl::StrCat("credentials.", name));
    }
    absl::StatusOr<std::string> value =
        ResolveCredential(it->second, config_.base_dir, config_.source,
                          absl::StrCat(path_, ".credentials.", name));
    if (!value.ok()) return value.status();
    *out = *std::move(value);
    return absl::OkStatus();
  }

  // Refuses params the profile does not read: a misspelt name (say
  // user_clam) must not silently leave a default in force.
  absl::Status KnownParams(
      std::initializer_list<absl::string_view> known) const {
    for (const auto& [name, value] : tenant_.params) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return ConfigError(
            config_.source, absl::StrCat(path_, ".params.", name),
            absl::StrCat("is not a parameter of profile ", tenant_.profile,
                         " (expected one of: ", absl::StrJoin(known, ", "),
                         ")"));
      }
    }
    return absl::OkStatus();
  }

  TtlBounds Ttl() const { return {tenant_.default_ttl, tenant_.max_ttl}; }

  // A profile constructor's error, re-reported as a config error under
  // this tenant.
  absl::Status Wrap(const absl::Status& status) const {
    const std::string field = GetField(status);
    return ConfigError(config_.source,
                       field.empty() ? path_ : absl::StrCat(path_, ".", field),
                       StatusDetail(status));
  }

 private:
  absl::Status Missing(const std::string& field) const {
    return ConfigError(
        config_.source, absl::StrCat(path_, ".", field),
        absl::StrCat("is required for profile ", tenant_.profile));
  }

  const Config& config_;
  const TenantConfig& tenant_;
  std::string path_;
};

template <typename T>
absl::StatusOr<std::shared_ptr<const Profile>> Finish(
    const VendorFields& f, absl::StatusOr<T> profile) {
  if (!profile.ok()) return f.Wrap(profile.status());
  return *std::move(profile);
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildAgora(
    const Config& config, size_t index, const VendorFields& f) {
  AgoraProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"app_id"}));
  TOKEND_RETURN_IF_ERROR(f.Param("app_id", &c.app_id));
  TOKEND_RETURN_IF_ERROR(f.Secret("app_certificate", &c.app_certificate));
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  c.max_token_bytes = static_cast<size_t>(config.limits.max_token_bytes);
  return Finish(f, NewAgoraProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildApiRtc(
    const Config& config, size_t index, const VendorFields& f) {
  ApiRtcProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"api_key", "allow_wildcard"}));
  TOKEND_RETURN_IF_ERROR(f.Param("api_key", &c.api_key));
  TOKEND_RETURN_IF_ERROR(f.Secret("secret", &c.secret));
  std::string wildcard;
  TOKEND_RETURN_IF_ERROR(f.Param("allow_wildcard", &wildcard, false));
  if (!wildcard.empty() && wildcard != "true" && wildcard != "false") {
    return ConfigError(
        config.source,
        absl::StrCat("tenants[", index, "].params.allow_wildcard"),
        "must be true or false");
  }
  c.allow_wildcard = wildcard == "true";
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewApiRtcProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildDaily(
    const Config& config, size_t index, const VendorFields& f) {
  DailyProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"domain_id"}));
  TOKEND_RETURN_IF_ERROR(f.Secret("api_key", &c.api_key));
  TOKEND_RETURN_IF_ERROR(f.Param("domain_id", &c.domain_id, false));
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewDailyProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildLiveKit(
    const Config& config, size_t index, const VendorFields& f) {
  LiveKitProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"api_key"}));
  TOKEND_RETURN_IF_ERROR(f.Param("api_key", &c.api_key));
  TOKEND_RETURN_IF_ERROR(f.Secret("api_secret", &c.api_secret));
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewLiveKitProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildTwilio(
    const Config& config, size_t index, const VendorFields& f) {
  TwilioProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"account_sid", "api_key_sid"}));
  TOKEND_RETURN_IF_ERROR(f.Param("account_sid", &c.account_sid));
  TOKEND_RETURN_IF_ERROR(f.Param("api_key_sid", &c.api_key_sid));
  TOKEND_RETURN_IF_ERROR(f.Secret("api_key_secret", &c.api_key_secret));
  if (!f.tenant().algorithm.empty()) {
    std::optional<Algorithm> alg = AlgorithmFromName(f.tenant().algorithm);
    if (!alg) {
      return ConfigError(config.source,
                         absl::StrCat("tenants[", index, "].algorithm"),
                         "is not an algorithm");
    }
    c.algorithm = *alg;
  }
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewTwilioProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildVonage(
    const Config& config, size_t index, const VendorFields& f) {
  VonageProfileConfig c;
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"application_id"}));
  TOKEND_RETURN_IF_ERROR(f.Param("application_id", &c.application_id));
  TOKEND_RETURN_IF_ERROR(f.Secret("private_key", &c.private_key_pem, false));
  TOKEND_RETURN_IF_ERROR(f.Secret("public_key", &c.public_key_pem, false));
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewVonageProfile(std::move(c)));
}

absl::StatusOr<std::shared_ptr<const Profile>> BuildZoom(
    const Config& config, size_t index, const VendorFields& f) {
  ZoomProfileConfig c;  // Zoom: TTLs between 30 min and 48 h
  TOKEND_RETURN_IF_ERROR(f.KnownParams({"app_key", "user_claim"}));
  TOKEND_RETURN_IF_ERROR(f.Param("app_key", &c.app_key));
  TOKEND_RETURN_IF_ERROR(f.Secret("secret", &c.secret));
  // The claim the user is written into: Zoom's current user_key (the
  // default) or its former user_identity. Both are read.
  std::string user_claim;
  TOKEND_RETURN_IF_ERROR(f.Param("user_claim", &user_claim, false));
  if (user_claim == "user_identity") {
    c.user_claim = ZoomUserClaim::kUserIdentity;
  } else if (!user_claim.empty() && user_claim != "user_key") {
    return ConfigError(config.source,
                       absl::StrCat("tenants[", index, "].params.user_claim"),
                       "must be user_key or user_identity");
  }
  c.ttl = f.Ttl();
  c.leeway = f.tenant().leeway;
  return Finish(f, NewZoomProfile(std::move(c)));
}

// One row per vendor profile (core/profiles/vendor_table.h names them): its
// builder and its development tenant.
struct VendorBuilder {
  absl::string_view name;
  absl::StatusOr<std::shared_ptr<const Profile>> (*build)(
      const Config& config, size_t index, const VendorFields& f);
  DevVendorTenant dev;
};

const std::vector<VendorBuilder>& VendorBuilders() {
  static const auto* rows = new std::vector<VendorBuilder>{
      {"agora",
       BuildAgora,
       {.params = {{"app_id", "00000000000000000000000000000000"}},
        .secrets = {{"app_certificate", 16}}}},
      {"apirtc",
       BuildApiRtc,
       {.params = {{"api_key", "dev-apirtc-key"}},
        .secrets = {{"secret", 32}}}},
      {"daily",
       BuildDaily,
       {.params = {{"domain_id", "00000000-0000-0000-0000-000000000000"}},
        .secrets = {{"api_key", 32}}}},
      {"livekit",
       BuildLiveKit,
       {.params = {{"api_key", "dev-livekit-key"}},
        .secrets = {{"api_secret", 32}}}},
      {"twilio",
       BuildTwilio,
       {.params = {{"account_sid", "AC00000000000000000000000000000000"},
                   {"api_key_sid", "SK00000000000000000000000000000000"}},
        .secrets = {{"api_key_secret", 32}}}},
      {"vonage",
       BuildVonage,
       {.params = {{"application_id", "00000000-0000-0000-0000-000000000000"}},
        .secrets = {{"private_key", 0}}}},
      // Zoom's vendor window starts at 30 min.
      {"zoom",
       BuildZoom,
       {.params = {{"app_key", "dev-zoom-key"}},
        .secrets = {{"secret", 32}},
        .default_ttl = absl::Hours(1),
        .max_ttl = absl::Hours(2)}},
  };
  return *rows;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> BuildVendorProfile(
    const Config& config, size_t index) {
  const VendorFields f(config, index);
  const std::string& profile = f.tenant().profile;
  for (const VendorBuilder& v : VendorBuilders()) {
    if (v.name == profile) return v.build(config, index, f);
  }
  return ConfigError(config.source,
                     absl::StrCat("tenants[", index, "].profile"),
                     absl::StrCat("'", profile, "' is not a vendor profile"));
}

bool HasVendorBuilder(absl::string_view profile) {
  for (const VendorBuilder& v : VendorBuilders()) {
    if (v.name == profile) return true;
  }
  return false;
}

std::vector<DevVendorTenant> DevVendorTenants() {
  std::vector<DevVendorTenant> out;
  for (const VendorBuilder& v : VendorBuilders()) {
    out.push_back(v.dev);
    out.back().profile = v.name;
  }
  return out;
}

}  // namespace tokend
