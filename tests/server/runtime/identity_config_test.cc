// issuers[] and exchange.rules[] from YAML to a built ConfigSnapshot: the
// parser's defaults and every refused field named with the file, the
// identity half of ConfigSnapshot::Build (TrustedIssuers + ExchangePolicy
// against the configured tenants), and IssuerKeySets keeping a key set
// (and its fetched keys) across a reload that leaves its issuer unchanged.
// The HTTP fetcher is a fake here (nothing to reach); the fetcher and the
// refresher against a real issuer are in tests/server/e2e.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "core/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"
#include "server/runtime/issuer_key_sets.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;

constexpr char kTenants[] = R"(
tenants:
  - name: app
    profile: jwt
    issuer: https://tokend.test
    audience: svc
    credentials: {secret: "env:TOKEND_IDENTITY_TEST_SECRET"}
    algorithm: HS256
  - name: rtc
    profile: agora
    credentials: {app_certificate: "env:TOKEND_IDENTITY_TEST_AGORA"}
    params: {app_id: 970CA35de60c44645bbae8a215061b33}
)";

constexpr char kIssuers[] = R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
  - name: cluster
    kind: kubernetes
    issuer: https://kubernetes.default.svc.cluster.local
    audiences: [tokend]
    required_for_readiness: false
  - name: mesh
    kind: spiffe
    trust_domain: example.org
    audiences: [tokend]
    keys: {jwks_uri: "https://bundle.example.org/bundle"}
    refresh: {refresh_interval: 2m, min_refresh_interval: 30s,
              unknown_kid_min_interval: 10s, max_stale: 12h,
              max_body_bytes: 65536, fetch_timeout: 3s, max_redirects: 0}
)";

constexpr char kRules[] = R"(
exchange:
  rules:
    - name: team-rtc
      match:
        issuers: [corp]
        claims:
          - {path: claims.team, one_of: [red, blue]}
          - {path: claims.email_verified, equals: true}
      tenant: rtc
      subject: "{{claims.sub}}"
      grants:
        agora:
          rtc: {channel: "team-{{claims.team}}-*", max_role: publisher}
          rtm: {}
      ttl: {max: 30m, default: 10m}
    - name: svc-jwt
      match: {issuers: [cluster, mesh], audiences: [tokend]}
      tenant: app
      grants:
        jwt:
          audiences: [svc]
          set_claims: {team: "{{claims.sub}}"}
          allowed_claims: {scope: {prefix: "read:"}}
      ttl: {max: 1h, cap_to_subject_expiry: false}
)";

class IdentityConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TOKEND_IDENTITY_TEST_SECRET",
           "0123456789abcdef0123456789abcdef0123456789abcdef", 1);
    setenv("TOKEND_IDENTITY_TEST_AGORA", "5CFd2fd1755d40ecb72977518be15d3b", 1);
  }
  static absl::StatusOr<Config> Parse(const std::string& extra) {
    return ParseConfig(absl::StrCat(kTenants, extra), "/etc/tokend/t.yaml");
  }
};

TEST_F(IdentityConfigTest, ParsesEveryIssuerKindWithItsDefaults) {
  absl::StatusOr<Config> config = Parse(kIssuers);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->issuers_configured);
  ASSERT_EQ(config->issuers.size(), 3u);
  const identity::IssuerSpec& corp = config->issuers[0];
  EXPECT_EQ(corp.kind, identity::IssuerKind::kOidc);
  EXPECT_EQ(corp.keys.kind, identity::KeySourceKind::kDiscovery);
  EXPECT_EQ(corp.keys.location,
            "https://idp.example.com/.well-known/openid-configuration");
  EXPECT_EQ(corp.leeway, absl::Seconds(60));
  EXPECT_TRUE(corp.required_for_readiness);
  const identity::IssuerSpec& cluster = config->issuers[1];
  EXPECT_EQ(cluster.kind, identity::IssuerKind::kKubernetes);
  EXPECT_EQ(cluster.keys.location, identity::kDefaultKubernetesJwksUri);
  EXPECT_EQ(cluster.keys.ca_file, identity::kDefaultKubernetesCaFile);
  EXPECT_EQ(cluster.keys.bearer_token_file,
            identity::kDefaultKubernetesTokenFile);
  EXPECT_FALSE(cluster.required_for_readiness);
  const identity::IssuerSpec& mesh = config->issuers[2];
  EXPECT_EQ(mesh.kind, identity::IssuerKind::kSpiffe);
  EXPECT_EQ(mesh.trust_domain, "example.org");
  EXPECT_EQ(mesh.audience_match, identity::AudienceMatch::kSingle);
  EXPECT_EQ(mesh.keys.kind, identity::KeySourceKind::kJwksUri);
  EXPECT_EQ(mesh.refresh.refresh_interval, absl::Minutes(2));
  EXPECT_EQ(mesh.refresh.min_refresh_interval, absl::Seconds(30));
  EXPECT_EQ(mesh.refresh.max_stale, absl::Hours(12));
  EXPECT_EQ(mesh.refresh.max_body_bytes, 65536u);
  EXPECT_EQ(mesh.refresh.max_redirects, 0);
}

TEST_F(IdentityConfigTest, RelativeFilePathsFollowTheConfigFile) {
  absl::StatusOr<Config> config = Parse(R"(
issuers:
  - name: local
    issuer: https://idp.example.com
    audiences: [tokend]
    algorithms: [ES256]
    keys: {jwks_file: keys/idp.jwks}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->issuers[0].keys.kind, identity::KeySourceKind::kJwksFile);
  EXPECT_EQ(config->issuers[0].keys.location, "/etc/tokend/keys/idp.jwks");
  EXPECT_EQ(config->issuers[0].algorithms,
            std::vector<Algorithm>{Algorithm::kES256});
}

TEST_F(IdentityConfigTest, ParsesRulesIntoCoreSpecs) {
  absl::StatusOr<Config> config = Parse(absl::StrCat(kIssuers, kRules));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->exchange_rules.size(), 2u);
  const identity::ExchangeRuleSpec& rtc = config->exchange_rules[0];
  EXPECT_EQ(rtc.name, "team-rtc");
  ASSERT_EQ(rtc.claims.size(), 2u);
  EXPECT_EQ(rtc.claims[0].match.op, identity::MatchOp::kOneOf);
  EXPECT_EQ(rtc.claims[0].match.values.size(), 2u);
  ASSERT_EQ(rtc.claims[1].match.values.size(), 1u);
  EXPECT_TRUE(rtc.claims[1].match.values[0].is_bool());
  const auto* agora = std::get_if<identity::AgoraBoundsSpec>(&rtc.grants);
  ASSERT_NE(agora, nullptr);
  ASSERT_TRUE(agora->rtc.has_value());
  EXPECT_EQ(agora->rtc->channel, "team-{{claims.team}}-*");
  EXPECT_EQ(agora->rtc->max_role, identity::AgoraRole::kPublisher);
  EXPECT_TRUE(agora->rtm.has_value());
  EXPECT_EQ(rtc.ttl.max, absl::Minutes(30));
  EXPECT_EQ(rtc.ttl.default_ttl, absl::Minutes(10));
  const identity::ExchangeRuleSpec& svc = config->exchange_rules[1];
  const auto* jwt = std::get_if<identity::JwtBoundsSpec>(&svc.grants);
  ASSERT_NE(jwt, nullptr);
  EXPECT_EQ(jwt->audiences, std::vector<std::string>{"svc"});
  ASSERT_EQ(jwt->allowed_claims.size(), 1u);
  EXPECT_EQ(jwt->allowed_claims[0].match.op, identity::MatchOp::kPrefix);
  EXPECT_FALSE(svc.ttl.cap_to_subject_expiry);
}

struct BadCase {
  const char* yaml;
  const char* field;
};

class BadIdentityConfigTest : public IdentityConfigTest,
                              public ::testing::WithParamInterface<BadCase> {};

// The parser, or the build (core's checks), refuses each naming the file
// and the field.
TEST_P(BadIdentityConfigTest, RefusedNamingTheField) {
  absl::StatusOr<Config> config = Parse(GetParam().yaml);
  absl::Status status = config.status();
  if (config.ok()) {
    status = ConfigSnapshot::Build(*std::move(config)).status();
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(status.message()),
      HasSubstr(absl::StrCat("/etc/tokend/t.yaml: ", GetParam().field, ":")));
  EXPECT_EQ(GetField(status), GetParam().field);
}

constexpr char kCorp[] = R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
)";

std::string WithRule(const std::string& rule) {
  return absl::StrCat(kCorp, "exchange:\n  rules:\n", rule);
}

const std::string kBadRuleAgora = WithRule(R"(
    - name: r
      match: {issuers: [corp]}
      tenant: rtc
      grants: {agora: {rtc: {channel: "team-{{claims.team"}}}
)");
const std::string kBadRuleIssuer = WithRule(R"(
    - name: r
      match: {issuers: [corp, other]}
      tenant: app
      grants: {jwt: {}}
)");
const std::string kBadRuleTenant = WithRule(R"(
    - name: r
      match: {issuers: [corp]}
      tenant: app
      grants: {livekit: {room: "x"}}
)");
const std::string kBadRuleMatcher = WithRule(R"(
    - name: r
      match: {issuers: [corp], claims: [{path: claims.team, equals: a, glob: b}]}
      tenant: app
      grants: {jwt: {}}
)");
const std::string kBadRuleRole = WithRule(R"(
    - name: r
      match: {issuers: [corp]}
      tenant: rtc
      grants: {agora: {rtc: {channel: "x", max_role: admin}}}
)");
const std::string kBadRuleTtl = WithRule(R"(
    - name: r
      match: {issuers: [corp]}
      tenant: app
      grants: {jwt: {}}
      ttl: {max: 48h}
)");
const std::string kBadRuleKey = WithRule(R"(
    - name: r
      match: {issuers: [corp]}
      tenant: app
      grant: {jwt: {}}
)");

INSTANTIATE_TEST_SUITE_P(
    Fields, BadIdentityConfigTest,
    ::testing::Values(
        BadCase{"issuers: {corp: 1}", "issuers"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    jwks: https://idp.example.com/jwks
)",
                "issuers[0].jwks"},
        BadCase{R"(
issuers:
  - name: corp
    kind: saml
    audiences: [tokend]
)",
                "issuers[0].kind"},
        BadCase{R"(
issuers:
  - name: a
    issuer: https://a.example.com
    audiences: [tokend]
  - name: b
    issuer: https://b.example.com
    audiences: [tokend]
    keys: {jwks_uri: "http://b.example.com/jwks"}
)",
                "issuers[1].keys"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: []
)",
                "issuers[0].audiences"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    algorithms: [RS256, none]
)",
                "issuers[0].algorithms[1]"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    leeway: soon
)",
                "issuers[0].leeway"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    refresh: {min_refresh_interval: 1h, max_refresh_interval: 1m}
)",
                "issuers[0].refresh.max_refresh_interval"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    keys: {jwks_uri: "https://x/jwks", jwks_file: "/x.jwks"}
)",
                "issuers[0].keys"},
        BadCase{R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
  - name: corp
    issuer: https://idp2.example.com
    audiences: [tokend]
)",
                "issuers[1].name"},
        BadCase{"exchange: {rules: [{name: r}]}", "exchange.rules[0].match"},
        BadCase{kBadRuleAgora.c_str(),
                "exchange.rules[0].grants.agora.rtc.channel"},
        BadCase{kBadRuleIssuer.c_str(), "exchange.rules[0].match.issuers[1]"},
        BadCase{kBadRuleTenant.c_str(), "exchange.rules[0].grants"},
        BadCase{kBadRuleMatcher.c_str(), "exchange.rules[0].match.claims[0]"},
        BadCase{kBadRuleRole.c_str(),
                "exchange.rules[0].grants.agora.rtc.max_role"},
        BadCase{kBadRuleTtl.c_str(), "exchange.rules[0].ttl.max"},
        BadCase{kBadRuleKey.c_str(), "exchange.rules[0].grant"}));

TEST_F(IdentityConfigTest, BuildCompilesIssuersAndPolicy) {
  absl::StatusOr<Config> config = Parse(absl::StrCat(kIssuers, kRules));
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
      ConfigSnapshot::Build(*std::move(config));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_NE((*snapshot)->issuers(), nullptr);
  EXPECT_EQ((*snapshot)->issuers()->issuers().size(), 3u);
  ASSERT_NE((*snapshot)->exchange_policy(), nullptr);
  EXPECT_EQ((*snapshot)->exchange_policy()->rule_names(),
            (std::vector<std::string>{"team-rtc", "svc-jwt"}));
  // Nothing fetched: not ready (corp and mesh are required).
  EXPECT_FALSE((*snapshot)->issuers()->Ready());
}

TEST_F(IdentityConfigTest, NoIssuersSectionMeansNoExchange) {
  absl::StatusOr<Config> config = Parse("");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
      ConfigSnapshot::Build(*std::move(config));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->issuers(), nullptr);
  EXPECT_EQ((*snapshot)->exchange_policy(), nullptr);
}

// Answers every request with one JWKS and counts them.
class CountingFetcher final : public identity::Fetcher {
 public:
  absl::StatusOr<identity::FetchResponse> Fetch(
      const identity::FetchRequest& request) override {
    ++count;
    identity::FetchResponse response;
    response.status = 200;
    response.final_url = request.url;
    response.body = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1",)"
                    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";
    return response;
  }
  int count = 0;
};

constexpr char kOneIssuer[] = R"(
issuers:
  - name: corp
    issuer: https://idp.example.com
    audiences: [tokend]
    algorithms: [ES256]
    keys: {jwks_uri: "https://idp.example.com/jwks"}
)";

TEST_F(IdentityConfigTest, AReloadWithTheSameIssuerKeepsItsKeySet) {
  CountingFetcher http;
  IssuerKeySets sets(http, RealClock::Get());
  const identity::IssuerDeps deps = sets.Deps();
  auto build = [&](const std::string& yaml) {
    absl::StatusOr<Config> config = Parse(yaml);
    EXPECT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*std::move(config), {}, &deps);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return *snapshot;
  };
  std::shared_ptr<const ConfigSnapshot> first = build(kOneIssuer);
  sets.Remember(first->issuers().get());
  std::shared_ptr<identity::RemoteKeySet> set = first->issuers()->key_sets()[0];
  set->Fetch();
  ASSERT_EQ(http.count, 1);
  ASSERT_TRUE(first->issuers()->Ready());

  // Same issuer, other sections changed: the very same set, still ready.
  std::shared_ptr<const ConfigSnapshot> second =
      build(absl::StrCat(kOneIssuer, "logging: {level: debug}\n"));
  sets.Remember(second->issuers().get());
  EXPECT_EQ(second->issuers()->key_sets()[0], set);
  EXPECT_TRUE(second->issuers()->Ready());
  EXPECT_EQ(http.count, 1);

  // Its refresh options changed: a new set, not ready until fetched.
  std::shared_ptr<const ConfigSnapshot> third =
      build(absl::StrCat(kOneIssuer, "    refresh: {refresh_interval: 5m}\n"));
  sets.Remember(third->issuers().get());
  EXPECT_NE(third->issuers()->key_sets()[0], set);
  EXPECT_FALSE(third->issuers()->Ready());

  // A failed build (a bad rule) changes nothing that serves.
  absl::StatusOr<Config> bad = Parse(absl::StrCat(
      kOneIssuer,
      "exchange: {rules: [{name: r, match: {issuers: [nobody]}, tenant: app, "
      "grants: {jwt: {}}}]}\n"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_FALSE(ConfigSnapshot::Build(*std::move(bad), {}, &deps).ok());
}

}  // namespace
}  // namespace tokend
