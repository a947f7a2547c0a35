// What verifying an incoming identity token and deciding an exchange cost
// on top of the core's own JWT verification, in one binary: for RS256 and
// ES256 (what identity providers sign with), an OIDC-shaped token with a
// Kubernetes-sized claim set.
//
//   core_verify      VerifyJwt against the issuer's KeySet (the baseline)
//   identity_verify  TrustedIssuers::Verify: issuer chosen by iss, the same
//                    VerifyJwt, the claims decoded, the issuer's rules
//   decide           ExchangePolicy::Decide on the verified identity
//                    (three rules, the last one allows; Agora bounds)
//   exchange         identity_verify + decide
//
// The table gives each as a ratio of core_verify (ops/s). Informational: the
// exchange target (≥ 0.5 of IssueToken over gRPC) is measured end to end
// once the server serves exchanges.
//   build/bench/identity_bench [--benchmark_filter=ES256]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/ops_reporter.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/trusted_issuers.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/keys/jwk.h"

namespace tokend::identity {
namespace {

constexpr double kMinTimeSeconds = 0.04;
constexpr int kRepetitions = 5;
constexpr Algorithm kAlgorithms[] = {Algorithm::kRS256, Algorithm::kES256};
const absl::Time kNow = absl::FromUnixSeconds(1735689600);
constexpr char kIssuer[] = "https://idp.example.com/realms/corp";
constexpr char kJwksUri[] = "https://idp.example.com/realms/corp/certs";

// Serves one JWKS from memory.
class StaticFetcher final : public Fetcher {
 public:
  explicit StaticFetcher(std::string body) : body_(std::move(body)) {}
  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) override {
    FetchResponse response;
    response.status = 200;
    response.final_url = request.url;
    response.body = body_;
    return response;
  }

 private:
  std::string body_;
};

struct Fixture {
  std::shared_ptr<const Key> key;
  std::unique_ptr<StaticFetcher> fetcher;
  FakeClock clock{kNow};
  std::shared_ptr<const TrustedIssuers> issuers;
  std::shared_ptr<const ExchangePolicy> policy;
  ValidationPolicy core_policy;
  std::string token;
  AgoraGrants grants;
};

std::string SignToken(const Key& key) {
  json::Object header;
  header.Set("alg", std::string(AlgorithmName(key.alg())));
  header.Set("kid", key.kid());
  header.Set("typ", "JWT");
  json::Object claims;
  claims.Set("iss", kIssuer);
  claims.Set("sub", "2f1c9b7e-5d0a-4c11-9a43-3f2b0c8d9e11");
  claims.Set("aud", json::Array{"account", "tokend"});
  claims.Set("azp", "media-app");
  claims.Set("iat", absl::ToUnixSeconds(kNow) - 60);
  claims.Set("exp", absl::ToUnixSeconds(kNow) + 3600);
  claims.Set("jti", "0f6f2a34-7c1e-4f5e-9a43-3f2b0c8d9e11");
  claims.Set("email", "alice@example.com");
  claims.Set("email_verified", true);
  claims.Set("team", "blue");
  claims.Set("agora_uid", 4711);
  claims.Set("groups", json::Array{"rtc-users", "staff", "eu"});
  const std::string input =
      absl::StrCat(Base64UrlEncode(json::Serialize(header)), ".",
                   Base64UrlEncode(json::Serialize(claims)));
  return absl::StrCat(input, ".", Base64UrlEncode(*key.Sign(input)));
}

ExchangeRuleSpec Rule(std::string name, std::string team) {
  ExchangeRuleSpec rule;
  rule.name = std::move(name);
  rule.issuers = {"corp"};
  ClaimMatcherSpec team_matcher;
  team_matcher.path = "claims.team";
  team_matcher.match.op = MatchOp::kEquals;
  team_matcher.match.values = {std::move(team)};
  ClaimMatcherSpec group;
  group.path = "claims.groups";
  group.match.op = MatchOp::kOneOf;
  group.match.values = {"rtc-users"};
  rule.claims = {team_matcher, group};
  rule.tenant = "agora-main";
  rule.subject = "{{claims.email}}";
  AgoraBoundsSpec agora;
  agora.rtc =
      AgoraRtcBoundsSpec{"team-{{claims.team}}-*", "{{claims.agora_uid}}", "",
                         AgoraRole::kPublisher};
  rule.grants = agora;
  return rule;
}

Fixture& FixtureFor(Algorithm alg) {
  static auto* fixtures = new std::map<Algorithm, std::unique_ptr<Fixture>>();
  std::unique_ptr<Fixture>& slot = (*fixtures)[alg];
  if (slot != nullptr) return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  f.key = *GenerateKey(alg, "corp-1");
  json::Object root;
  root.Set("keys", json::Array{*PublicJwk(*f.key)});
  f.fetcher = std::make_unique<StaticFetcher>(json::Serialize(root));
  IssuerSpec spec = OidcIssuer("corp", kIssuer, {"tokend"});
  spec.keys.kind = KeySourceKind::kJwksUri;
  spec.keys.location = kJwksUri;
  spec.algorithms = {alg};
  IssuerDeps deps;
  deps.http = f.fetcher.get();
  deps.clock = &f.clock;
  f.issuers = *TrustedIssuers::Create({spec}, deps);
  f.issuers->key_sets()[0]->Fetch();
  PolicyEnvironment env;
  env.issuer_names = {"corp"};
  f.policy = *ExchangePolicy::Compile(
      {Rule("red", "red"), Rule("green", "green"), Rule("blue", "blue")}, env);
  f.core_policy.issuer = kIssuer;
  f.core_policy.audiences = {"tokend"};
  f.core_policy.max_token_bytes = 16 * 1024;
  f.token = SignToken(*f.key);
  AgoraService rtc;
  rtc.type = kAgoraRtc;
  rtc.channel = "team-blue-standup";
  rtc.privileges = {{1, 0}, {2, 0}};
  f.grants.services = {rtc};
  return f;
}

void BM_CoreVerify(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  const std::shared_ptr<const KeySet> keys =
      f.issuers->key_sets()[0]->Snapshot();
  for (auto _ : state) {
    absl::StatusOr<VerifiedJwt> jwt =
        VerifyJwt(f.token, *keys, f.core_policy, kNow);
    if (!jwt.ok()) state.SkipWithError("core verify failed");
    benchmark::DoNotOptimize(jwt);
  }
}

void BM_IdentityVerify(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) {
    absl::StatusOr<VerifiedIdentity> id = f.issuers->Verify(f.token, kNow);
    if (!id.ok()) state.SkipWithError("identity verify failed");
    benchmark::DoNotOptimize(id);
  }
}

void BM_Decide(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  const VerifiedIdentity id = *f.issuers->Verify(f.token, kNow);
  ExchangeRequest request;
  request.subject = &id;
  request.grants = f.grants;
  for (auto _ : state) {
    ExchangeDecision decision = f.policy->Decide(request, kNow);
    if (!decision.allowed) state.SkipWithError("not allowed");
    benchmark::DoNotOptimize(decision);
  }
}

void BM_Exchange(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) {
    absl::StatusOr<VerifiedIdentity> id = f.issuers->Verify(f.token, kNow);
    ExchangeRequest request;
    request.subject = &*id;
    request.grants = f.grants;
    ExchangeDecision decision = f.policy->Decide(request, kNow);
    if (!decision.allowed) state.SkipWithError("not allowed");
    benchmark::DoNotOptimize(decision);
  }
}

constexpr const char* kOps[] = {"core_verify", "identity_verify", "decide",
                                "exchange"};

void PrintTable(const bench::OpsReporter& reporter) {
  std::printf("\n%-6s %-16s %12s %14s\n", "alg", "operation", "ops/s",
              "vs core_verify");
  for (Algorithm alg : kAlgorithms) {
    const std::string name(AlgorithmName(alg));
    const double base = reporter.Get(name + "/core_verify");
    for (const char* op : kOps) {
      const double ops = reporter.Get(absl::StrCat(name, "/", op));
      std::printf("%-6s %-16s %12.0f %14.2f\n", name.c_str(), op, ops,
                  base > 0 ? ops / base : 0.0);
    }
  }
}

}  // namespace
}  // namespace tokend::identity

int main(int argc, char** argv) {
  using namespace tokend::identity;  // NOLINT: a benchmark's main
  tokend::bench::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  void (*const functions[])(benchmark::State&, tokend::Algorithm) = {
      BM_CoreVerify, BM_IdentityVerify, BM_Decide, BM_Exchange};
  for (tokend::Algorithm alg : kAlgorithms) {
    for (size_t i = 0; i < std::size(kOps); ++i) {
      benchmark::RegisterBenchmark(
          absl::StrCat(tokend::AlgorithmName(alg), "/", kOps[i]).c_str(),
          functions[i], alg)
          ->MinTime(kMinTimeSeconds)
          ->Repetitions(kRepetitions)
          ->ReportAggregatesOnly(true);
    }
  }
  tokend::bench::OpsReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  PrintTable(reporter);
  benchmark::Shutdown();
  return 0;
}
