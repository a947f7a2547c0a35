#include "server/config/identity_config.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/crypto/algorithm.h"
#include "server/config/config.h"
#include "yaml-cpp/yaml.h"

namespace tokend {
namespace {

using identity::AgoraBoundsSpec;
using identity::ClaimMatcherSpec;
using identity::ExchangeRuleSpec;
using identity::IssuerKind;
using identity::IssuerSpec;
using identity::JwtBoundsSpec;
using identity::KeySourceKind;
using identity::KeySourceSpec;
using identity::LiveKitBoundsSpec;
using identity::MatcherSpec;
using identity::MatchOp;

// The YAML walking of config.cc, for these two sections: every failure is
// a ConfigError naming the field.
class Walker {
 public:
  Walker(absl::string_view source, absl::string_view base_dir)
      : source_(source), base_dir_(base_dir) {}

  absl::Status Fail(absl::string_view field, absl::string_view what) const {
    return ConfigError(source_, field, what);
  }

  absl::Status Keys(const YAML::Node& node, absl::string_view path,
                    std::initializer_list<absl::string_view> allowed) const {
    if (!node.IsMap()) return Fail(path, "must be a mapping");
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      bool ok = false;
      for (absl::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        return Fail(absl::StrCat(path, ".", key),
                    absl::StrCat("unknown field (expected one of: ",
                                 absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  static bool Set(const YAML::Node& node) {
    return node.IsDefined() && !node.IsNull();
  }

  absl::Status String(const YAML::Node& node, absl::string_view path,
                      std::string* out) const {
    if (!Set(node)) return absl::OkStatus();
    if (!node.IsScalar()) return Fail(path, "must be a string");
    *out = node.Scalar();
    return absl::OkStatus();
  }

  absl::Status Path(const YAML::Node& node, absl::string_view path,
                    std::string* out) const {
    if (auto s = String(node, path, out); !s.ok()) return s;
    if (!out->empty() && (*out)[0] != '/') {
      *out = absl::StrCat(base_dir_, "/", *out);
    }
    return absl::OkStatus();
  }

  absl::Status Bool(const YAML::Node& node, absl::string_view path,
                    bool* out) const {
    if (!Set(node)) return absl::OkStatus();
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
                   int64_t max, int64_t* out) const {
    if (!Set(node)) return absl::OkStatus();
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
                      double* out) const {
    if (!Set(node)) return absl::OkStatus();
    double v = 0;
    if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &v)) {
      return Fail(path, "must be a number");
    }
    *out = v;
    return absl::OkStatus();
  }

  // "90s", "15m", "1h30m", a whole number of seconds, or "inf".
  absl::Status Duration(const YAML::Node& node, absl::string_view path,
                        absl::Duration* out) const {
    if (!Set(node)) return absl::OkStatus();
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
                          std::vector<std::string>* out) const {
    if (!Set(node)) return absl::OkStatus();
    out->clear();
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

  // A scalar as JSON: quoted scalars are strings; plain ones are booleans
  // or numbers when they read as such, else strings.
  static json::Value Scalar(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    if (node.Tag() != "!") {
      if (s == "true") return json::Value(true);
      if (s == "false") return json::Value(false);
      int64_t i = 0;
      if (absl::SimpleAtoi(s, &i)) return json::Value(i);
      double d = 0;
      if (absl::SimpleAtod(s, &d) && s.find_first_of("0123456789") == 0) {
        return json::Value(d);
      }
    }
    return json::Value(s);
  }

  // One matcher: exactly one of equals, prefix, glob, one_of in `node`
  // (other keys are the caller's to check).
  absl::Status Matcher(const YAML::Node& node, absl::string_view path,
                       MatcherSpec* out) const {
    int found = 0;
    for (MatchOp op : {MatchOp::kEquals, MatchOp::kPrefix, MatchOp::kGlob,
                       MatchOp::kOneOf}) {
      const std::string key(identity::MatchOpName(op));
      const YAML::Node value = node[key];
      if (!value.IsDefined()) continue;
      ++found;
      out->op = op;
      out->values.clear();
      const std::string field = absl::StrCat(path, ".", key);
      if (op == MatchOp::kOneOf) {
        if (!value.IsSequence()) return Fail(field, "must be a list");
        for (size_t i = 0; i < value.size(); ++i) {
          if (!value[i].IsScalar()) {
            return Fail(absl::StrCat(field, "[", i, "]"),
                        "must be a string, number or boolean");
          }
          out->values.push_back(Scalar(value[i]));
        }
      } else {
        if (!value.IsScalar()) {
          return Fail(field, "must be a string, number or boolean");
        }
        out->values.push_back(op == MatchOp::kEquals
                                  ? Scalar(value)
                                  : json::Value(value.Scalar()));
      }
    }
    if (found != 1) {
      return Fail(path, "set exactly one of equals, prefix, glob, one_of");
    }
    return absl::OkStatus();
  }

  absl::Status ClaimMatchers(const YAML::Node& node, absl::string_view path,
                             std::vector<ClaimMatcherSpec>* out) const {
    if (!Set(node)) return absl::OkStatus();
    if (!node.IsSequence()) return Fail(path, "must be a list");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string field = absl::StrCat(path, "[", i, "]");
      const YAML::Node m = node[i];
      if (auto s =
              Keys(m, field, {"path", "equals", "prefix", "glob", "one_of"});
          !s.ok()) {
        return s;
      }
      ClaimMatcherSpec spec;
      if (auto s = String(m["path"], field + ".path", &spec.path); !s.ok()) {
        return s;
      }
      if (spec.path.empty()) return Fail(field + ".path", "is required");
      if (auto s = Matcher(m, field, &spec.match); !s.ok()) return s;
      out->push_back(std::move(spec));
    }
    return absl::OkStatus();
  }

 private:
  std::string source_;
  std::string base_dir_;
};

absl::Status Refresh(const Walker& w, const YAML::Node& node,
                     const std::string& path,
                     identity::KeyRefreshOptions* out) {
  if (!Walker::Set(node)) return absl::OkStatus();
  if (auto s = w.Keys(
          node, path,
          {"refresh_interval", "min_refresh_interval", "max_refresh_interval",
           "refresh_jitter", "unknown_kid_min_interval", "negative_cache_ttl",
           "negative_cache_size", "backoff_initial", "backoff_max", "max_stale",
           "max_body_bytes", "fetch_timeout", "max_redirects"});
      !s.ok()) {
    return s;
  }
  for (auto [key, dst] : {
           std::pair{"refresh_interval", &out->refresh_interval},
           std::pair{"min_refresh_interval", &out->min_refresh_interval},
           std::pair{"max_refresh_interval", &out->max_refresh_interval},
           std::pair{"unknown_kid_min_interval",
                     &out->unknown_kid_min_interval},
           std::pair{"negative_cache_ttl", &out->negative_cache_ttl},
           std::pair{"backoff_initial", &out->backoff_initial},
           std::pair{"backoff_max", &out->backoff_max},
           std::pair{"max_stale", &out->max_stale},
           std::pair{"fetch_timeout", &out->fetch_timeout},
       }) {
    if (auto s = w.Duration(node[key], absl::StrCat(path, ".", key), dst);
        !s.ok()) {
      return s;
    }
  }
  if (auto s = w.Double(node["refresh_jitter"], path + ".refresh_jitter",
                        &out->refresh_jitter);
      !s.ok()) {
    return s;
  }
  int64_t v = static_cast<int64_t>(out->negative_cache_size);
  if (auto s = w.Int(node["negative_cache_size"], path + ".negative_cache_size",
                     0, 1 << 20, &v);
      !s.ok()) {
    return s;
  }
  out->negative_cache_size = static_cast<size_t>(v);
  v = static_cast<int64_t>(out->max_body_bytes);
  if (auto s = w.Int(node["max_body_bytes"], path + ".max_body_bytes", 1,
                     64 << 20, &v);
      !s.ok()) {
    return s;
  }
  out->max_body_bytes = static_cast<size_t>(v);
  v = out->max_redirects;
  if (auto s = w.Int(node["max_redirects"], path + ".max_redirects", 0, 10, &v);
      !s.ok()) {
    return s;
  }
  out->max_redirects = static_cast<int>(v);
  return absl::OkStatus();
}

// issuers[i].keys: one of discovery, jwks_uri, jwks_file, and how to reach
// it.
absl::Status KeySource(const Walker& w, const YAML::Node& node,
                       const std::string& path, KeySourceSpec* out) {
  if (auto s = w.Keys(node, path,
                      {"discovery", "jwks_uri", "jwks_file", "allow_http",
                       "ca_file", "bearer_token_file"});
      !s.ok()) {
    return s;
  }
  int sources = 0;
  for (auto [key, kind] : {std::pair{"discovery", KeySourceKind::kDiscovery},
                           std::pair{"jwks_uri", KeySourceKind::kJwksUri},
                           std::pair{"jwks_file", KeySourceKind::kJwksFile}}) {
    if (!Walker::Set(node[key])) continue;
    ++sources;
    out->kind = kind;
    const std::string field = absl::StrCat(path, ".", key);
    if (auto s = kind == KeySourceKind::kJwksFile
                     ? w.Path(node[key], field, &out->location)
                     : w.String(node[key], field, &out->location);
        !s.ok()) {
      return s;
    }
  }
  if (sources > 1) {
    return w.Fail(path, "set one of discovery, jwks_uri, jwks_file");
  }
  if (sources == 0) {
    // Keep the kind's default source, with this section's options.
    if (Walker::Set(node["ca_file"])) out->ca_file.clear();
    if (Walker::Set(node["bearer_token_file"])) out->bearer_token_file.clear();
  } else {
    out->ca_file.clear();
    out->bearer_token_file.clear();
  }
  if (auto s =
          w.Bool(node["allow_http"], path + ".allow_http", &out->allow_http);
      !s.ok()) {
    return s;
  }
  if (auto s = w.Path(node["ca_file"], path + ".ca_file", &out->ca_file);
      !s.ok()) {
    return s;
  }
  return w.Path(node["bearer_token_file"], path + ".bearer_token_file",
                &out->bearer_token_file);
}

absl::Status Issuer(const Walker& w, const YAML::Node& node,
                    const std::string& path, IssuerSpec* out) {
  if (auto s = w.Keys(
          node, path,
          {"name", "kind", "issuer", "keys", "audiences", "audience_match",
           "algorithms", "leeway", "max_token_lifetime", "typ",
           "required_claims", "max_token_bytes", "trust_domain",
           "require_bound_pod", "required_for_readiness", "refresh"});
      !s.ok()) {
    return s;
  }
  std::string name, kind = "oidc", issuer, trust_domain;
  std::vector<std::string> audiences;
  if (auto s = w.String(node["name"], path + ".name", &name); !s.ok()) return s;
  if (auto s = w.String(node["kind"], path + ".kind", &kind); !s.ok()) return s;
  if (auto s = w.String(node["issuer"], path + ".issuer", &issuer); !s.ok()) {
    return s;
  }
  if (auto s =
          w.String(node["trust_domain"], path + ".trust_domain", &trust_domain);
      !s.ok()) {
    return s;
  }
  if (auto s = w.StringList(node["audiences"], path + ".audiences", &audiences);
      !s.ok()) {
    return s;
  }
  // The kind's preset supplies the defaults (issuer_spec.h).
  if (kind == "oidc") {
    *out = identity::OidcIssuer(name, issuer, audiences);
  } else if (kind == "kubernetes") {
    *out = identity::KubernetesIssuer(name, issuer, audiences);
  } else if (kind == "spiffe") {
    *out =
        identity::SpiffeIssuer(name, trust_domain, KeySourceSpec{}, audiences);
    out->issuer = issuer;
  } else {
    return w.Fail(path + ".kind", "must be oidc, kubernetes or spiffe");
  }
  out->trust_domain = trust_domain;
  const YAML::Node keys = node["keys"];
  if (Walker::Set(keys)) {
    if (auto s = KeySource(w, keys, path + ".keys", &out->keys); !s.ok()) {
      return s;
    }
  } else if (out->kind == IssuerKind::kSpiffe) {
    return w.Fail(path + ".keys",
                  "is required for spiffe (jwks_uri: the bundle endpoint, or "
                  "jwks_file)");
  }
  std::string match;
  if (auto s =
          w.String(node["audience_match"], path + ".audience_match", &match);
      !s.ok()) {
    return s;
  }
  if (!match.empty()) {
    if (match == "any") {
      out->audience_match = identity::AudienceMatch::kAny;
    } else if (match == "single") {
      out->audience_match = identity::AudienceMatch::kSingle;
    } else if (match == "all") {
      out->audience_match = identity::AudienceMatch::kAll;
    } else {
      return w.Fail(path + ".audience_match", "must be any, single or all");
    }
  }
  if (Walker::Set(node["algorithms"])) {
    std::vector<std::string> names;
    if (auto s = w.StringList(node["algorithms"], path + ".algorithms", &names);
        !s.ok()) {
      return s;
    }
    out->algorithms.clear();
    for (size_t i = 0; i < names.size(); ++i) {
      std::optional<Algorithm> alg = AlgorithmFromName(names[i]);
      if (!alg.has_value()) {
        return w.Fail(absl::StrCat(path, ".algorithms[", i, "]"),
                      absl::StrCat("'", names[i], "' is not an algorithm"));
      }
      out->algorithms.push_back(*alg);
    }
  }
  if (auto s = w.Duration(node["leeway"], path + ".leeway", &out->leeway);
      !s.ok()) {
    return s;
  }
  if (auto s =
          w.Duration(node["max_token_lifetime"], path + ".max_token_lifetime",
                     &out->max_token_lifetime);
      !s.ok()) {
    return s;
  }
  if (Walker::Set(node["typ"])) {
    std::string typ;
    if (auto s = w.String(node["typ"], path + ".typ", &typ); !s.ok()) return s;
    out->typ = typ;
  }
  if (auto s = w.StringList(node["required_claims"], path + ".required_claims",
                            &out->required_claims);
      !s.ok()) {
    return s;
  }
  int64_t max_bytes = static_cast<int64_t>(out->max_token_bytes);
  if (auto s = w.Int(node["max_token_bytes"], path + ".max_token_bytes", 1,
                     64 * 1024, &max_bytes);
      !s.ok()) {
    return s;
  }
  out->max_token_bytes = static_cast<size_t>(max_bytes);
  if (auto s = w.Bool(node["require_bound_pod"], path + ".require_bound_pod",
                      &out->require_bound_pod);
      !s.ok()) {
    return s;
  }
  if (auto s = w.Bool(node["required_for_readiness"],
                      path + ".required_for_readiness",
                      &out->required_for_readiness);
      !s.ok()) {
    return s;
  }
  return Refresh(w, node["refresh"], path + ".refresh", &out->refresh);
}

absl::Status Agora(const Walker& w, const YAML::Node& node,
                   const std::string& path, AgoraBoundsSpec* out) {
  if (auto s = w.Keys(node, path, {"rtc", "rtm"}); !s.ok()) return s;
  const YAML::Node rtc = node["rtc"];
  if (Walker::Set(rtc)) {
    const std::string p = path + ".rtc";
    if (auto s = w.Keys(rtc, p, {"channel", "uid", "account", "max_role"});
        !s.ok()) {
      return s;
    }
    identity::AgoraRtcBoundsSpec spec;
    if (auto s = w.String(rtc["channel"], p + ".channel", &spec.channel);
        !s.ok()) {
      return s;
    }
    if (auto s = w.String(rtc["uid"], p + ".uid", &spec.uid); !s.ok()) return s;
    if (auto s = w.String(rtc["account"], p + ".account", &spec.account);
        !s.ok()) {
      return s;
    }
    std::string role;
    if (auto s = w.String(rtc["max_role"], p + ".max_role", &role); !s.ok()) {
      return s;
    }
    if (role == "publisher") {
      spec.max_role = identity::AgoraRole::kPublisher;
    } else if (role.empty() || role == "subscriber") {
      spec.max_role = identity::AgoraRole::kSubscriber;
    } else {
      return w.Fail(p + ".max_role", "must be publisher or subscriber");
    }
    out->rtc = std::move(spec);
  }
  const YAML::Node rtm = node["rtm"];
  if (rtm.IsDefined()) {
    const std::string p = path + ".rtm";
    identity::AgoraRtmBoundsSpec spec;
    if (!rtm.IsNull()) {
      if (auto s = w.Keys(rtm, p, {"user_id"}); !s.ok()) return s;
      if (auto s = w.String(rtm["user_id"], p + ".user_id", &spec.user_id);
          !s.ok()) {
        return s;
      }
    }
    out->rtm = std::move(spec);
  }
  return absl::OkStatus();
}

absl::Status LiveKit(const Walker& w, const YAML::Node& node,
                     const std::string& path, LiveKitBoundsSpec* out) {
  if (auto s =
          w.Keys(node, path,
                 {"room", "can_publish", "can_subscribe", "can_publish_data",
                  "can_update_own_metadata", "can_publish_sources", "name"});
      !s.ok()) {
    return s;
  }
  if (auto s = w.String(node["room"], path + ".room", &out->room); !s.ok()) {
    return s;
  }
  if (auto s = w.String(node["name"], path + ".name", &out->name); !s.ok()) {
    return s;
  }
  for (auto [key, dst] :
       {std::pair{"can_publish", &out->can_publish},
        std::pair{"can_subscribe", &out->can_subscribe},
        std::pair{"can_publish_data", &out->can_publish_data},
        std::pair{"can_update_own_metadata", &out->can_update_own_metadata}}) {
    if (auto s = w.Bool(node[key], absl::StrCat(path, ".", key), dst);
        !s.ok()) {
      return s;
    }
  }
  return w.StringList(node["can_publish_sources"],
                      path + ".can_publish_sources", &out->can_publish_sources);
}

absl::Status Jwt(const Walker& w, const YAML::Node& node,
                 const std::string& path, JwtBoundsSpec* out) {
  if (auto s =
          w.Keys(node, path, {"audiences", "set_claims", "allowed_claims"});
      !s.ok()) {
    return s;
  }
  if (auto s =
          w.StringList(node["audiences"], path + ".audiences", &out->audiences);
      !s.ok()) {
    return s;
  }
  const YAML::Node set = node["set_claims"];
  if (Walker::Set(set)) {
    if (!set.IsMap()) return w.Fail(path + ".set_claims", "must be a mapping");
    for (auto it = set.begin(); it != set.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (!it->second.IsScalar()) {
        return w.Fail(absl::StrCat(path, ".set_claims.", name),
                      "must be a string (a template)");
      }
      out->set_claims.emplace_back(name, it->second.Scalar());
    }
  }
  const YAML::Node allowed = node["allowed_claims"];
  if (Walker::Set(allowed)) {
    if (!allowed.IsMap()) {
      return w.Fail(path + ".allowed_claims", "must be a mapping");
    }
    for (auto it = allowed.begin(); it != allowed.end(); ++it) {
      identity::JwtClaimBoundSpec bound;
      bound.name = it->first.Scalar();
      const std::string p = absl::StrCat(path, ".allowed_claims.", bound.name);
      if (auto s =
              w.Keys(it->second, p, {"equals", "prefix", "glob", "one_of"});
          !s.ok()) {
        return s;
      }
      if (auto s = w.Matcher(it->second, p, &bound.match); !s.ok()) return s;
      out->allowed_claims.push_back(std::move(bound));
    }
  }
  return absl::OkStatus();
}

absl::Status Rule(const Walker& w, const YAML::Node& node,
                  const std::string& path, ExchangeRuleSpec* out) {
  if (auto s = w.Keys(node, path,
                      {"name", "match", "tenant", "subject", "grants", "ttl",
                       "delegation"});
      !s.ok()) {
    return s;
  }
  if (auto s = w.String(node["name"], path + ".name", &out->name); !s.ok()) {
    return s;
  }
  const YAML::Node match = node["match"];
  if (!Walker::Set(match)) {
    return w.Fail(path + ".match", "is required (at least match.issuers)");
  }
  if (auto s =
          w.Keys(match, path + ".match", {"issuers", "audiences", "claims"});
      !s.ok()) {
    return s;
  }
  if (auto s = w.StringList(match["issuers"], path + ".match.issuers",
                            &out->issuers);
      !s.ok()) {
    return s;
  }
  if (auto s = w.StringList(match["audiences"], path + ".match.audiences",
                            &out->audiences);
      !s.ok()) {
    return s;
  }
  if (auto s = w.ClaimMatchers(match["claims"], path + ".match.claims",
                               &out->claims);
      !s.ok()) {
    return s;
  }
  if (auto s = w.String(node["tenant"], path + ".tenant", &out->tenant);
      !s.ok()) {
    return s;
  }
  if (auto s = w.String(node["subject"], path + ".subject", &out->subject);
      !s.ok()) {
    return s;
  }
  const YAML::Node grants = node["grants"];
  if (!Walker::Set(grants)) {
    return w.Fail(path + ".grants",
                  "is required: the bounds of one vendor (agora, livekit or "
                  "jwt)");
  }
  if (auto s = w.Keys(grants, path + ".grants", {"agora", "livekit", "jwt"});
      !s.ok()) {
    return s;
  }
  if (grants.size() != 1) {
    return w.Fail(path + ".grants", "name exactly one of agora, livekit, jwt");
  }
  if (grants["agora"].IsDefined()) {
    AgoraBoundsSpec spec;
    if (auto s = Agora(w, grants["agora"], path + ".grants.agora", &spec);
        !s.ok()) {
      return s;
    }
    out->grants = std::move(spec);
  } else if (grants["livekit"].IsDefined()) {
    LiveKitBoundsSpec spec;
    if (auto s = LiveKit(w, grants["livekit"], path + ".grants.livekit", &spec);
        !s.ok()) {
      return s;
    }
    out->grants = std::move(spec);
  } else {
    JwtBoundsSpec spec;
    if (Walker::Set(grants["jwt"])) {
      if (auto s = Jwt(w, grants["jwt"], path + ".grants.jwt", &spec);
          !s.ok()) {
        return s;
      }
    }
    out->grants = std::move(spec);
  }
  const YAML::Node ttl = node["ttl"];
  if (Walker::Set(ttl)) {
    if (auto s = w.Keys(ttl, path + ".ttl",
                        {"max", "default", "cap_to_subject_expiry"});
        !s.ok()) {
      return s;
    }
    if (auto s = w.Duration(ttl["max"], path + ".ttl.max", &out->ttl.max);
        !s.ok()) {
      return s;
    }
    if (auto s = w.Duration(ttl["default"], path + ".ttl.default",
                            &out->ttl.default_ttl);
        !s.ok()) {
      return s;
    }
    if (auto s = w.Bool(ttl["cap_to_subject_expiry"],
                        path + ".ttl.cap_to_subject_expiry",
                        &out->ttl.cap_to_subject_expiry);
        !s.ok()) {
      return s;
    }
  }
  const YAML::Node delegation = node["delegation"];
  if (Walker::Set(delegation)) {
    const std::string p = path + ".delegation";
    if (auto s = w.Keys(delegation, p,
                        {"allow_actor", "actor_issuers", "actor_claims"});
        !s.ok()) {
      return s;
    }
    if (auto s = w.Bool(delegation["allow_actor"], p + ".allow_actor",
                        &out->delegation.allow_actor);
        !s.ok()) {
      return s;
    }
    if (auto s = w.StringList(delegation["actor_issuers"], p + ".actor_issuers",
                              &out->delegation.actor_issuers);
        !s.ok()) {
      return s;
    }
    if (auto s =
            w.ClaimMatchers(delegation["actor_claims"], p + ".actor_claims",
                            &out->delegation.actor_claims);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseIssuers(const YAML::Node& node, absl::string_view source,
                          absl::string_view base_dir,
                          std::vector<IssuerSpec>* out) {
  Walker w(source, base_dir);
  if (!node.IsSequence()) return w.Fail("issuers", "must be a list");
  for (size_t i = 0; i < node.size(); ++i) {
    IssuerSpec spec;
    if (auto s = Issuer(w, node[i], absl::StrCat("issuers[", i, "]"), &spec);
        !s.ok()) {
      return s;
    }
    out->push_back(std::move(spec));
  }
  return absl::OkStatus();
}

absl::Status ParseExchange(const YAML::Node& node, absl::string_view source,
                           std::vector<ExchangeRuleSpec>* out) {
  Walker w(source, "");
  if (auto s = w.Keys(node, "exchange", {"rules"}); !s.ok()) return s;
  const YAML::Node rules = node["rules"];
  if (!Walker::Set(rules)) return absl::OkStatus();
  if (!rules.IsSequence()) return w.Fail("exchange.rules", "must be a list");
  for (size_t i = 0; i < rules.size(); ++i) {
    ExchangeRuleSpec spec;
    if (auto s =
            Rule(w, rules[i], absl::StrCat("exchange.rules[", i, "]"), &spec);
        !s.ok()) {
      return s;
    }
    out->push_back(std::move(spec));
  }
  return absl::OkStatus();
}

}  // namespace tokend
