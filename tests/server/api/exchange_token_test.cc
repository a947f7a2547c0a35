// DoExchange (server/api/exchange_token.h) in process: identity tokens as
// an app, a service and an attacker would present them, verified against a
// trusted issuer whose keys come from a JWKS *file* (FileFetcher, read
// synchronously here), decided by a compiled exchange policy and issued by
// the real core on agora, livekit and jwt tenants of the same snapshot.
// Each case asserts the exact code, reason, field and metric outcome. No
// gRPC server and no network: the e2e path needs the config parser (another
// branch).
#include "server/api/exchange_token.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/trusted_issuers.h"
#include "gtest/gtest.h"
#include "server/observability/metrics.h"
#include "tests/identity/identity_test_util.h"
#include "tests/server/api/handler_test_env.h"

namespace tokend {
namespace {

using identity::AgoraBoundsSpec;
using identity::AgoraRole;
using identity::AgoraRtcBoundsSpec;
using identity::AgoraRtmBoundsSpec;
using identity::ClaimMatcherSpec;
using identity::ExchangePolicy;
using identity::ExchangeRuleSpec;
using identity::IssuerSpec;
using identity::JwtBoundsSpec;
using identity::KeySourceKind;
using identity::LiveKitBoundsSpec;
using identity::MatchOp;
using identity::TrustedIssuers;
using identity::testing::HeaderFor;
using identity::testing::Jwks;
using identity::testing::NewKey;
using identity::testing::ParseOrDie;
using identity::testing::Sign;
using identity::testing::SignRaw;

constexpr char kCorpIss[] = "https://idp.test/realms/corp";
constexpr char kSvcIss[] = "https://services.test";

constexpr char kConfig[] = R"(
tenants:
  - name: agora-main
    profile: agora
    params: {app_id: 970CA35de60c44645bbae8a215061b33}
    credentials: {app_certificate: "env:EXCHANGE_TEST_AGORA_CERT"}
  - name: livekit-main
    profile: livekit
    params: {api_key: test-livekit-key}
    credentials: {api_secret: "env:EXCHANGE_TEST_SECRET"}
  - name: api
    profile: jwt
    issuer: https://tokend.test
    algorithm: HS256
    credentials: {secret: "env:EXCHANGE_TEST_SECRET"}
    ttl: {default: 10m, max: 1h}
limits:
  max_token_bytes: 4096
)";

ClaimMatcherSpec Claim(std::string path, MatchOp op,
                       std::vector<json::Value> values) {
  ClaimMatcherSpec spec;
  spec.path = std::move(path);
  spec.match.op = op;
  spec.match.values = std::move(values);
  return spec;
}

// Corp users of a team join their team's Agora channels as publishers,
// with the uid their IdP gives them.
ExchangeRuleSpec RtcRule() {
  ExchangeRuleSpec rule;
  rule.name = "rtc-teams";
  rule.issuers = {"corp"};
  rule.claims = {Claim("claims.team", MatchOp::kGlob, {"*"})};
  rule.tenant = "agora-main";
  rule.subject = "{{claims.email}}";
  AgoraBoundsSpec agora;
  agora.rtc =
      AgoraRtcBoundsSpec{"team-{{claims.team}}-*", "{{claims.agora_uid}}", "",
                         AgoraRole::kPublisher};
  agora.rtm = AgoraRtmBoundsSpec{};
  rule.grants = agora;
  rule.ttl.max = absl::Hours(1);
  return rule;
}

// Corp users join the LiveKit room their token names, subscribe only.
ExchangeRuleSpec RoomRule() {
  ExchangeRuleSpec rule;
  rule.name = "rooms";
  rule.issuers = {"corp"};
  rule.claims = {Claim("claims.room", MatchOp::kGlob, {"*"})};
  rule.tenant = "livekit-main";
  LiveKitBoundsSpec livekit;
  livekit.room = "{{claims.room}}";
  rule.grants = livekit;
  rule.ttl.max = absl::Minutes(10);
  return rule;
}

// Corp users get a reports token; a corp service may act for them.
ExchangeRuleSpec ApiRule() {
  ExchangeRuleSpec rule;
  rule.name = "api";
  rule.issuers = {"corp"};
  rule.tenant = "api";
  JwtBoundsSpec jwt;
  jwt.audiences = {"reports"};
  jwt.set_claims = {{"team", "{{claims.team}}"}};
  rule.grants = jwt;
  rule.ttl.max = absl::Minutes(20);
  rule.delegation.allow_actor = true;
  rule.delegation.actor_issuers = {"services"};
  rule.delegation.actor_claims = {
      Claim("claims.sub", MatchOp::kPrefix, {"svc-"})};
  return rule;
}

class ExchangeTokenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (keys_ != nullptr) return;
    keys_ = new Keys{NewKey(Algorithm::kES256, "corp-1"),
                     NewKey(Algorithm::kRS256, "corp-rsa"),
                     NewKey(Algorithm::kES256, "svc-1"),
                     NewKey(Algorithm::kES256, "corp-1")};
  }
  struct Keys {
    std::shared_ptr<const Key> corp, corp_rsa, svc, impostor;
  };

  void SetUp() override {
    setenv("EXCHANGE_TEST_SECRET", "0123456789abcdef0123456789abcdef-xchg", 1);
    setenv("EXCHANGE_TEST_AGORA_CERT", "5CFd2fd1755d40ecb72977518be15d3b", 1);
    absl::StatusOr<Config> config = ParseConfig(kConfig, "/tmp/exchange.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    plain_ = *snapshot;
    core_.SetTenants(plain_->tenants());
    core_.SetRevocationChecker(revocations_);

    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("exchange_token_test_", getpid());
    std::filesystem::create_directories(dir_);
    WriteFile("corp.jwks", Jwks({keys_->corp, keys_->corp_rsa}));
    WriteFile("svc.jwks", Jwks({keys_->svc}));

    IssuerSpec corp = identity::OidcIssuer("corp", kCorpIss, {"tokend"});
    corp.keys.kind = KeySourceKind::kJwksFile;
    corp.keys.location = (dir_ / "corp.jwks").string();
    corp.algorithms = {Algorithm::kES256, Algorithm::kRS256};
    IssuerSpec svc = identity::OidcIssuer("services", kSvcIss, {"tokend"});
    svc.keys.kind = KeySourceKind::kJwksFile;
    svc.keys.location = (dir_ / "svc.jwks").string();
    svc.algorithms = {Algorithm::kES256};
    identity::IssuerDeps deps;
    deps.clock = &clock_;
    deps.uniform = [] { return 0.0; };
    absl::StatusOr<std::shared_ptr<const TrustedIssuers>> issuers =
        TrustedIssuers::Create({corp, svc}, deps);
    ASSERT_TRUE(issuers.ok()) << issuers.status();
    // The refresher's first fetch, synchronously: the files are read now.
    for (const auto& set : (*issuers)->key_sets()) set->Fetch();
    ASSERT_TRUE((*issuers)->Ready());

    identity::PolicyEnvironment env;
    env.issuer_names = {"corp", "services"};
    env.tenant_profiles = {
        {"agora-main", "agora"}, {"livekit-main", "livekit"}, {"api", "jwt"}};
    absl::StatusOr<std::shared_ptr<const ExchangePolicy>> policy =
        ExchangePolicy::Compile({RtcRule(), RoomRule(), ApiRule()}, env);
    ASSERT_TRUE(policy.ok()) << policy.status();
    snapshot_ = plain_->WithIdentity(*issuers, *policy);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  CallContext Call() const {
    CallContext call;
    call.method = "ExchangeToken";
    call.request_id = "exchange-test";
    call.start = clock_.Now();
    call.caller.kind = CallerIdentity::Kind::kUnix;
    call.caller.uid = 4242;
    call.snapshot = snapshot_;
    return call;
  }

  // Alice from the corp IdP: valid 30 minutes from now.
  static json::Object AliceClaims(absl::Time now) {
    json::Object claims = ParseOrDie(
        R"({"sub":"u-1","aud":"tokend","team":"blue","room":"standup",)"
        R"("email":"alice@example.com","agora_uid":4711})");
    claims.Set("iss", kCorpIss);
    claims.Set("iat", absl::ToUnixSeconds(now) - 10);
    claims.Set("exp", absl::ToUnixSeconds(now + absl::Minutes(30)));
    return claims;
  }
  std::string Alice() const { return Sign(*keys_->corp, AliceClaims(Now())); }

  absl::Time Now() const { return clock_.Now(); }

  ExchangeInput Input(std::string subject_token, Grants grants = {},
                      std::string tenant = "") const {
    ExchangeInput input;
    input.subject_token = std::move(subject_token);
    input.grants = std::move(grants);
    input.tenant = std::move(tenant);
    input.via = "grpc";
    return input;
  }

  absl::StatusOr<ExchangeResult> Exchange(const ExchangeInput& input) {
    return DoExchange(core_, Call(), input);
  }

  // The counter tokend_exchange_total{rule,outcome,via="grpc"}.
  static double Count(absl::string_view rule, absl::string_view outcome) {
    const std::string text = Metrics::Get().ExpositionText();
    const std::string series =
        absl::StrCat("tokend_exchange_total{outcome=\"", outcome, "\",rule=\"",
                     rule, "\",via=\"grpc\"} ");
    const size_t at = text.find(series);
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size()));
  }

  // Expects `status` to fail with `code`, `reason` and `field`, counted
  // once under `rule` and `outcome`.
  void ExpectRefused(const ExchangeInput& input, absl::StatusCode code,
                     absl::string_view reason, absl::string_view field,
                     absl::string_view rule, absl::string_view outcome) {
    const double before = Count(rule, outcome);
    absl::StatusOr<ExchangeResult> result = Exchange(input);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_EQ(ReasonName(GetReason(result.status())), reason)
        << result.status();
    EXPECT_EQ(GetField(result.status()), field) << result.status();
    EXPECT_EQ(Count(rule, outcome), before + 1) << rule << " " << outcome;
  }

  static AgoraGrants Rtc(std::string channel) {
    AgoraService service;
    service.type = kAgoraRtc;
    service.channel = std::move(channel);
    AgoraGrants grants;
    grants.services = {service};
    return grants;
  }

  static Keys* keys_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  TokenService core_{clock_};
  std::shared_ptr<FakeRevocations> revocations_ =
      std::make_shared<FakeRevocations>();
  std::shared_ptr<const ConfigSnapshot> plain_;
  std::shared_ptr<const ConfigSnapshot> snapshot_;
  std::filesystem::path dir_;
};

ExchangeTokenTest::Keys* ExchangeTokenTest::keys_ = nullptr;

TEST_F(ExchangeTokenTest, AgoraTokenForTheTeamChannelWithTheMappedUid) {
  const double before = Count("rtc-teams", "allowed");
  absl::StatusOr<ExchangeResult> result =
      Exchange(Input(Alice(), Rtc("team-blue-standup")));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rule, "rtc-teams");
  EXPECT_EQ(result->tenant, "agora-main");
  EXPECT_EQ(result->profile, "agora");
  // The rule maps the uid from the IdP's claim; Agora's subject is it.
  EXPECT_EQ(result->info.subject, "4711");
  EXPECT_EQ(Count("rtc-teams", "allowed"), before + 1);
  // What the token says, read back by the core.
  VerifyExpectations expect;
  expect.channel = "team-blue-standup";
  expect.account = "4711";
  absl::StatusOr<TokenInfo> read =
      core_.Verify("agora-main", result->info.token, expect);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(std::get<AgoraGrants>(read->grants).services.size(), 1u);
  // Capped by the subject token's own remaining 30 minutes.
  EXPECT_EQ(read->expires_at - Now(), absl::Minutes(30));
}

TEST_F(ExchangeTokenTest, LiveKitTokenForTheRoomTheIdpNames) {
  LiveKitGrants grants;
  grants.video = LiveKitVideoGrant{};
  grants.video->room_join = true;
  grants.video->room = "standup";
  absl::StatusOr<ExchangeResult> result = Exchange(Input(Alice(), grants));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rule, "rooms");
  EXPECT_EQ(result->tenant, "livekit-main");
  EXPECT_EQ(result->info.subject, "u-1");
  EXPECT_EQ(result->info.expires_at - result->info.issued_at,
            absl::Minutes(10));  // the rule's max
  absl::StatusOr<TokenInfo> read =
      core_.Verify("livekit-main", result->info.token, {});
  ASSERT_TRUE(read.ok()) << read.status();
  const LiveKitVideoGrant& video = *std::get<LiveKitGrants>(read->grants).video;
  EXPECT_EQ(video.room, "standup");
  EXPECT_EQ(video.can_publish, false);  // withheld, written as false
  EXPECT_NE(video.can_subscribe, std::optional<bool>(false));
}

TEST_F(ExchangeTokenTest, JwtTokenWithTheRulesClaimsAndTheAskedTtl) {
  ExchangeInput input = Input(Alice(), JwtGrants{}, "api");
  input.ttl = absl::Minutes(5);
  input.subject_token_type = kTokenTypeIdToken;
  absl::StatusOr<ExchangeResult> result = Exchange(input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rule, "api");
  absl::StatusOr<TokenInfo> read = core_.Verify("api", result->info.token, {});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->subject, "u-1");
  EXPECT_EQ(read->expires_at - read->issued_at, absl::Minutes(5));
  EXPECT_EQ(json::Serialize(*read->claims.Find("team")), R"("blue")");
  EXPECT_EQ(read->claims.Find("act"), nullptr);
}

TEST_F(ExchangeTokenTest, EveryDenialStageIsNamedAndCounted) {
  // A tenant no rule issues for.
  ExpectRefused(Input(Alice(), {}, "elsewhere"),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "tenant", "rtc-teams", "target_not_allowed");
  // A token from the services issuer: no rule takes its subjects.
  json::Object svc = ParseOrDie(R"({"sub":"svc-bot","aud":"tokend"})");
  svc.Set("iss", kSvcIss);
  svc.Set("exp", absl::ToUnixSeconds(Now() + absl::Minutes(5)));
  ExpectRefused(Input(Sign(*keys_->svc, svc)),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "match.issuers", "", "no_matching_rule");
  // A channel of another team.
  ExpectRefused(Input(Alice(), Rtc("team-red-standup")),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "grants.agora.services[0].channel", "rtc-teams",
                "grant_not_allowed");
  // An actor the rule does not accept (not from the services issuer).
  ExchangeInput input = Input(Alice(), JwtGrants{}, "api");
  input.actor_token = Alice();
  ExpectRefused(input, absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "actor_token", "api", "delegation_refused");
  // A subject token about to expire.
  json::Object expiring = AliceClaims(Now());
  expiring.Set("exp", absl::ToUnixSeconds(Now()));
  ExpectRefused(Input(Sign(*keys_->corp, expiring), JwtGrants{}, "api"),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", "ttl",
                "api", "subject_expiring");
}

TEST_F(ExchangeTokenTest, TokensThatDoNotVerifyAreUnauthenticated) {
  const auto refused = [&](const std::string& token, const char* reason) {
    SCOPED_TRACE(reason);
    ExpectRefused(Input(token, JwtGrants{}, "api"),
                  absl::StatusCode::kUnauthenticated, reason, "subject_token",
                  "", "invalid_subject_token");
  };
  // An issuer tokend does not trust.
  json::Object foreign = AliceClaims(Now());
  foreign.Set("iss", "https://evil.test");
  refused(Sign(*keys_->corp, foreign), "ISSUER_MISMATCH");
  // The corp kid, signed with another key.
  refused(Sign(*keys_->impostor, AliceClaims(Now())), "BAD_SIGNATURE");
  // Expired (past the 60 s leeway).
  json::Object expired = AliceClaims(Now() - absl::Hours(1));
  refused(Sign(*keys_->corp, expired), "TOKEN_EXPIRED");
  // alg none (with or without a signature).
  json::Object none;
  none.Set("alg", "none");
  none.Set("typ", "JWT");
  const std::string signed_none =
      SignRaw(*keys_->corp, none, AliceClaims(Now()));
  refused(signed_none, "ALG_NOT_ALLOWED");
  refused(signed_none.substr(0, signed_none.rfind('.') + 1), "MALFORMED");
  // A token for another audience (a token for another service).
  json::Object other = AliceClaims(Now());
  other.Set("aud", "billing");
  refused(Sign(*keys_->corp, other), "AUDIENCE_MISMATCH");
  // Not a JWT at all.
  refused("not-a-token", "MALFORMED");
}

TEST_F(ExchangeTokenTest, RsaTokensOfTheSameIssuerVerifyToo) {
  absl::StatusOr<ExchangeResult> result = Exchange(
      Input(Sign(*keys_->corp_rsa, AliceClaims(Now())), JwtGrants{}, "api"));
  ASSERT_TRUE(result.ok()) << result.status();
}

TEST_F(ExchangeTokenTest, ClaimValuesAreDataNotTemplates) {
  // A team "*" would widen team-{{claims.team}}-* to every team; an email
  // holding template syntax would pick another claim. Neither happens.
  json::Object mallory = AliceClaims(Now());
  mallory.Set("team", "*");
  mallory.Set("email", "{{claims.admin}}");
  mallory.Set("admin", "root@example.com");
  const std::string token = Sign(*keys_->corp, mallory);
  ExpectRefused(Input(token, Rtc("team-blue-standup")),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "grants.agora.services[0].channel", "rtc-teams",
                "grant_not_allowed");
  // A subject claim of template syntax is written as text.
  json::Object templated = AliceClaims(Now());
  templated.Set("sub", "{{claims.admin}}");
  absl::StatusOr<ExchangeResult> result =
      Exchange(Input(Sign(*keys_->corp, templated), JwtGrants{}, "api"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->info.subject, "{{claims.admin}}");
}

TEST_F(ExchangeTokenTest, AMissingClaimFailsTheRule) {
  json::Object no_uid = AliceClaims(Now());
  no_uid.Erase("agora_uid");
  ExpectRefused(Input(Sign(*keys_->corp, no_uid), Rtc("team-blue-standup")),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                "claims.agora_uid", "rtc-teams", "grant_not_allowed");
}

TEST_F(ExchangeTokenTest, AnActorTokenBecomesTheActClaim) {
  json::Object subject = AliceClaims(Now());
  subject.Set("may_act", ParseOrDie(R"({"sub":"svc-bot"})"));
  json::Object svc = ParseOrDie(R"({"sub":"svc-bot","aud":"tokend"})");
  svc.Set("iss", kSvcIss);
  svc.Set("exp", absl::ToUnixSeconds(Now() + absl::Minutes(5)));
  ExchangeInput input = Input(Sign(*keys_->corp, subject), JwtGrants{}, "api");
  input.actor_token = Sign(*keys_->svc, svc);
  input.actor_token_type = kTokenTypeJwt;
  absl::StatusOr<ExchangeResult> result = Exchange(input);
  ASSERT_TRUE(result.ok()) << result.status();
  absl::StatusOr<TokenInfo> read = core_.Verify("api", result->info.token, {});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->subject, "u-1");
  EXPECT_EQ(json::Serialize(*read->claims.Find("act")),
            absl::StrCat(R"({"iss":")", kSvcIss, R"(","sub":"svc-bot"})"));
  // Capped by the actor token's 5 minutes.
  EXPECT_EQ(read->expires_at - read->issued_at, absl::Minutes(5));

  // An expired actor token is refused as the actor's.
  svc.Set("exp", absl::ToUnixSeconds(Now() - absl::Minutes(5)));
  input.actor_token = Sign(*keys_->svc, svc);
  ExpectRefused(input, absl::StatusCode::kUnauthenticated, "TOKEN_EXPIRED",
                "actor_token", "", "invalid_actor_token");
}

TEST_F(ExchangeTokenTest, ADelegatedTokenIsNeverLaunderedIntoImpersonation) {
  json::Object delegated = AliceClaims(Now());
  delegated.Set("act", ParseOrDie(R"({"sub":"svc-bot"})"));
  const std::string token = Sign(*keys_->corp, delegated);
  // An Agora token cannot say who acts: refused.
  ExpectRefused(Input(token, Rtc("team-blue-standup")),
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", "act",
                "rtc-teams", "delegation_refused");
  // A JWT keeps the act.
  absl::StatusOr<ExchangeResult> result =
      Exchange(Input(token, JwtGrants{}, "api"));
  ASSERT_TRUE(result.ok()) << result.status();
  absl::StatusOr<TokenInfo> read = core_.Verify("api", result->info.token, {});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(json::Serialize(*read->claims.Find("act")), R"({"sub":"svc-bot"})");
  // The caller cannot strip it by asking for claims either.
  JwtGrants strip;
  strip.extra_claims.Set("act", json::Value());
  ExpectRefused(Input(token, strip, "api"), absl::StatusCode::kPermissionDenied,
                "PERMISSION_DENIED", "grants.jwt.extra_claims.act", "api",
                "grant_not_allowed");
}

TEST_F(ExchangeTokenTest, NoIssuersConfiguredIsAFailedPrecondition) {
  CallContext call = Call();
  call.snapshot = plain_;  // as built from a config without issuers
  const double before = Count("", "not_configured");
  absl::StatusOr<ExchangeResult> result =
      DoExchange(core_, call, Input(Alice()));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("", "not_configured"), before + 1);
}

TEST_F(ExchangeTokenTest, BadRequestsNameTheirField) {
  ExpectRefused(Input(""), absl::StatusCode::kInvalidArgument,
                "INVALID_ARGUMENT", "subject_token", "", "invalid_request");
  ExpectRefused(Input(std::string(5000, 'a')),
                absl::StatusCode::kInvalidArgument, "TOKEN_TOO_LARGE",
                "subject_token", "", "invalid_request");
  ExchangeInput input = Input(Alice());
  input.subject_token_type = "urn:ietf:params:oauth:token-type:saml2";
  ExpectRefused(input, absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
                "subject_token_type", "", "invalid_request");
  input = Input(Alice());
  input.actor_token_type = kTokenTypeJwt;
  ExpectRefused(input, absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
                "actor_token_type", "", "invalid_request");
  input = Input(Alice());
  input.actor_token = std::string(5000, 'a');
  ExpectRefused(input, absl::StatusCode::kInvalidArgument, "TOKEN_TOO_LARGE",
                "actor_token", "", "invalid_request");
}

TEST_F(ExchangeTokenTest, ARevokedSubjectGetsNoToken) {
  revocations_->SetStoreDown();  // fail-closed: nothing may be minted
  ExpectRefused(Input(Alice(), JwtGrants{}, "api"),
                absl::StatusCode::kUnavailable, "UNAVAILABLE", "", "api",
                "issue_failed");
}

TEST_F(ExchangeTokenTest, TheAuditLineNamesTheExchangeButNeverAToken) {
  const std::string subject_token = Alice();
  ::testing::internal::CaptureStderr();
  absl::StatusOr<ExchangeResult> result =
      Exchange(Input(subject_token, JwtGrants{}, "api"));
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(absl::StrContains(log, R"("level":"audit")")) << log;
  EXPECT_TRUE(absl::StrContains(log, R"("msg":"exchange")")) << log;
  EXPECT_TRUE(absl::StrContains(log, R"("rule":"api")")) << log;
  EXPECT_TRUE(absl::StrContains(log, R"("issuer":"corp")")) << log;
  EXPECT_TRUE(absl::StrContains(log, R"("incoming_subject":"u-1")")) << log;
  EXPECT_TRUE(absl::StrContains(
      log, absl::StrCat(R"("token_id":")", result->info.token_id, "\"")))
      << log;
  EXPECT_FALSE(absl::StrContains(log, subject_token)) << log;
  EXPECT_FALSE(absl::StrContains(log, result->info.token)) << log;
  // Nor any of their segments (a signature alone is a secret's proof).
  for (const std::string& token : {subject_token, result->info.token}) {
    EXPECT_FALSE(absl::StrContains(log, token.substr(token.rfind('.') + 1)));
  }
}

TEST_F(ExchangeTokenTest, TheRpcCarriesGrantsTtlAndAnswersWithTheRule) {
  v1::ExchangeTokenRequest request;
  request.set_subject_token(Alice());
  request.set_subject_token_type(kTokenTypeAccessToken);
  request.mutable_ttl()->set_seconds(120);
  v1::LiveKitGrants* livekit = request.mutable_livekit();
  livekit->mutable_video()->set_room_join(true);
  livekit->mutable_video()->set_room("standup");
  v1::ExchangeTokenResponse response;
  const double before = Count("rooms", "allowed");
  ASSERT_TRUE(DoExchangeToken(core_, Call(), request, &response).ok());
  EXPECT_EQ(Count("rooms", "allowed"), before + 1);
  EXPECT_EQ(response.rule(), "rooms");
  EXPECT_EQ(response.tenant(), "livekit-main");
  EXPECT_EQ(response.profile(), v1::PROFILE_LIVEKIT);
  EXPECT_EQ(response.subject(), "u-1");
  EXPECT_EQ(response.expires_at().seconds() - response.issued_at().seconds(),
            120);
  EXPECT_FALSE(response.token_id().empty());
  absl::StatusOr<TokenInfo> read =
      core_.Verify("livekit-main", response.token(), {});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(std::get<LiveKitGrants>(read->grants).video->room, "standup");

  // Grants of a vendor no rule covers: the policy names the target.
  request.mutable_zoom();
  absl::Status s = DoExchangeToken(core_, Call(), request, &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(GetField(s), "grants") << s;
  // A negative TTL is the request's fault, named and counted.
  const double invalid = Count("", "invalid_request");
  request.mutable_livekit();
  request.mutable_ttl()->set_seconds(-1);
  s = DoExchangeToken(core_, Call(), request, &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(GetField(s), "ttl") << s;
  EXPECT_EQ(Count("", "invalid_request"), invalid + 1);
}

}  // namespace
}  // namespace tokend
