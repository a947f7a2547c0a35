// tokend's JWT issue/verify path against the raw crypto primitive over the
// same signing input, for every algorithm, in one binary. The raw baselines
// are written here directly against the EVP/HMAC API (not through core/), so
// the ratio shows what tokend's parsing, checks and encoding cost on top of
// the unavoidable crypto. The HMAC baseline is the fastest thread-safe form
// (a per-thread keyed context re-initialised per call, like `openssl speed`);
// the older duplicated-context HMAC is printed as an informational row. The
// table at the end compares the ratio against the targets.
//
//   build/bench/core_bench                  # the whole table, ~30-50 s
//
// Exit status: 0 when every target is met, 2 otherwise.
//   build/bench/core_bench --benchmark_filter=HS256
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/ops_reporter.h"
#include "core/cache/verified_token_cache.h"
#include "core/clock.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/keys/key_set.h"
#include "core/profiles/agora/agora_grants.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/livekit_profile.h"
#include "core/tenant_set.h"
#include "core/token_service.h"

namespace tokend {
namespace {

// Each benchmark runs kRepetitions times for kMinTimeSeconds of CPU, the
// repetitions of all benchmarks interleaved in random order, and the table
// uses the median, which damps the noise from other processes.
constexpr double kMinTimeSeconds = 0.04;
constexpr int kRepetitions = 5;

constexpr Algorithm kAlgorithms[] = {
    Algorithm::kHS256, Algorithm::kHS384, Algorithm::kHS512, Algorithm::kRS256,
    Algorithm::kRS384, Algorithm::kRS512, Algorithm::kPS256, Algorithm::kPS384,
    Algorithm::kPS512, Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
    Algorithm::kEdDSA,
};

const uint8_t* Bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Everything one algorithm's four benchmarks share, prepared up front.
struct Fixture {
  Algorithm alg;
  std::shared_ptr<const Key> key;
  KeySet key_set;
  JwtSpec spec;
  ValidationPolicy policy;
  absl::Time now;
  std::string token;               // issued by tokend
  std::string signing_input;       // header.payload of `token`
  std::string raw_signature;       // the raw primitive's signature over it
  HMAC_CTX* keyed_hmac = nullptr;  // HMAC baseline: keyed once, never freed
};

JwtSpec RealisticSpec() {
  // About 230 bytes of claims once iat, exp and the jti are added.
  JwtSpec spec;
  spec.issuer = "https://auth.example.com";
  spec.subject = "user-1234567890";
  spec.audiences = {"api.example.com"};
  spec.ttl = absl::Hours(1);
  spec.extra_claims.Set("scope", "read:profile write:profile");
  spec.extra_claims.Set("tenant", "acme-corp");
  spec.extra_claims.Set("email", "alice@example.com");
  json::Array roles = {json::Value("admin"), json::Value("user")};
  spec.extra_claims.Set("roles", json::Value(std::move(roles)));
  return spec;
}

// --- Raw baselines --------------------------------------------------------

const EVP_MD* Digest(Algorithm alg) {
  if (alg == Algorithm::kEdDSA) return nullptr;
  switch (HashSize(alg)) {
    case 32:
      return EVP_sha256();
    case 48:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

void ConfigureRsa(EVP_PKEY_CTX* pctx, Algorithm alg) {
  if (FamilyOf(alg) == KeyFamily::kRsaPss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Digest(alg));
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, HashSize(alg));
  } else if (FamilyOf(alg) == KeyFamily::kRsa) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
  }
}

// The HMAC baseline: the fastest thread-safe form, as `openssl speed` runs
// it. Each thread keeps one context keyed from the fixture's and restarts it
// per call with HMAC_Init_ex(ctx, nullptr, 0, nullptr, nullptr), which
// reuses the stored key state: no allocation, copy or key hashing per call.
bool RawHmac(HMAC_CTX* keyed, const std::string& input, uint8_t* out,
             unsigned int* len) {
  struct PerThread {
    HMAC_CTX* keyed_from = nullptr;
    HMAC_CTX* ctx = HMAC_CTX_new();
    ~PerThread() { HMAC_CTX_free(ctx); }
  };
  thread_local PerThread slot;
  if (slot.keyed_from != keyed) {
    // A fresh destination: BoringSSL's HMAC_CTX_copy does not free it.
    HMAC_CTX_free(slot.ctx);
    slot.ctx = HMAC_CTX_new();
    slot.keyed_from = nullptr;
    if (slot.ctx == nullptr || HMAC_CTX_copy(slot.ctx, keyed) != 1) {
      return false;
    }
    slot.keyed_from = keyed;
  } else if (HMAC_Init_ex(slot.ctx, nullptr, 0, nullptr, nullptr) != 1) {
    return false;
  }
  return HMAC_Update(slot.ctx, Bytes(input), input.size()) == 1 &&
         HMAC_Final(slot.ctx, out, len) == 1;
}

// The previous baseline, kept as an informational row: one HMAC from a new
// copy of the pre-keyed context, freed after the call.
bool RawHmacDuplicated(HMAC_CTX* keyed, const std::string& input, uint8_t* out,
                       unsigned int* len) {
  HMAC_CTX* ctx = HMAC_CTX_new();
  const bool ok = HMAC_CTX_copy(ctx, keyed) == 1 &&
                  HMAC_Update(ctx, Bytes(input), input.size()) == 1 &&
                  HMAC_Final(ctx, out, len) == 1;
  HMAC_CTX_free(ctx);
  return ok;
}

std::string RawSign(const Fixture& f) {
  if (IsSymmetric(f.alg)) {
    uint8_t tag[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!RawHmac(f.keyed_hmac, f.signing_input, tag, &len)) return "";
    return std::string(reinterpret_cast<char*>(tag), len);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string sig(EVP_PKEY_size(f.key->pkey()), '\0');
  size_t len = sig.size();
  bool ok = EVP_DigestSignInit(ctx, &pctx, Digest(f.alg), nullptr,
                               f.key->pkey()) == 1;
  if (ok) ConfigureRsa(pctx, f.alg);
  ok =
      ok && EVP_DigestSign(ctx, reinterpret_cast<uint8_t*>(sig.data()), &len,
                           Bytes(f.signing_input), f.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  sig.resize(ok ? len : 0);
  return sig;
}

bool RawVerify(const Fixture& f) {
  if (IsSymmetric(f.alg)) {
    uint8_t tag[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    return RawHmac(f.keyed_hmac, f.signing_input, tag, &len) &&
           len == f.raw_signature.size() &&
           CRYPTO_memcmp(tag, f.raw_signature.data(), len) == 0;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, Digest(f.alg), nullptr,
                                 f.key->pkey()) == 1;
  if (ok) ConfigureRsa(pctx, f.alg);
  ok = ok &&
       EVP_DigestVerify(ctx, Bytes(f.raw_signature), f.raw_signature.size(),
                        Bytes(f.signing_input), f.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// --- Setup ----------------------------------------------------------------

std::unique_ptr<Fixture> MakeFixture(Algorithm alg) {
  auto f = std::make_unique<Fixture>();
  f->alg = alg;
  auto key = GenerateKey(alg, "bench-key");
  if (!key.ok()) {
    std::fprintf(stderr, "GenerateKey(%s): %s\n",
                 std::string(AlgorithmName(alg)).c_str(),
                 key.status().ToString().c_str());
    return nullptr;
  }
  f->key = *key;
  auto key_set = KeySet::Create({f->key});
  if (!key_set.ok()) {
    std::fprintf(stderr, "KeySet: %s\n", key_set.status().ToString().c_str());
    return nullptr;
  }
  f->key_set = *std::move(key_set);
  f->spec = RealisticSpec();
  f->policy.issuer = f->spec.issuer;
  f->policy.audiences = f->spec.audiences;
  f->now = absl::Now();
  auto issued = IssueJwt(*f->key, f->spec, f->now);
  if (!issued.ok()) {
    std::fprintf(stderr, "IssueJwt: %s\n", issued.status().ToString().c_str());
    return nullptr;
  }
  f->token = issued->token;
  f->signing_input = f->token.substr(0, f->token.rfind('.'));
  if (IsSymmetric(alg)) {
    f->keyed_hmac = HMAC_CTX_new();
    HMAC_Init_ex(f->keyed_hmac, f->key->secret().data(),
                 f->key->secret().size(), Digest(alg), nullptr);
  }
  f->raw_signature = RawSign(*f);
  auto verified = VerifyJwt(f->token, f->key_set, f->policy, f->now);
  if (!verified.ok() || !RawVerify(*f)) {
    std::fprintf(stderr, "%s: setup round trip failed: %s\n",
                 std::string(AlgorithmName(alg)).c_str(),
                 verified.status().ToString().c_str());
    return nullptr;
  }
  return f;
}

// --- Benchmarks -----------------------------------------------------------

// Fixtures are built on first use, outside the timed loop, so a filtered run
// (or one under valgrind) only generates the keys it needs.
const Fixture* GetFixture(Algorithm alg) {
  static auto* fixtures = new std::map<Algorithm, std::unique_ptr<Fixture>>();
  auto it = fixtures->find(alg);
  if (it == fixtures->end()) {
    it = fixtures->emplace(alg, MakeFixture(alg)).first;
  }
  return it->second.get();
}

void BM_TokendSign(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  for (auto _ : state) {
    auto issued = IssueJwt(*f->key, f->spec, f->now);
    if (!issued.ok()) {
      state.SkipWithError("IssueJwt failed");
      break;
    }
    benchmark::DoNotOptimize(issued->token.data());
  }
}

void BM_TokendVerify(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  for (auto _ : state) {
    auto verified = VerifyJwt(f->token, f->key_set, f->policy, f->now);
    if (!verified.ok()) {
      state.SkipWithError("VerifyJwt failed");
      break;
    }
    benchmark::DoNotOptimize(verified->jti.data());
  }
}

void BM_RawSign(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  for (auto _ : state) {
    std::string sig = RawSign(*f);
    if (sig.empty()) {
      state.SkipWithError("raw sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
  }
}

void BM_RawVerify(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  for (auto _ : state) {
    if (!RawVerify(*f)) {
      state.SkipWithError("raw verify failed");
      break;
    }
  }
}

// HMAC verify through the duplicated-context baseline (informational).
void BM_RawVerifyDuplicated(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  for (auto _ : state) {
    uint8_t tag[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!RawHmacDuplicated(f->keyed_hmac, f->signing_input, tag, &len) ||
        len != f->raw_signature.size() ||
        CRYPTO_memcmp(tag, f->raw_signature.data(), len) != 0) {
      state.SkipWithError("duplicated-context HMAC failed");
      break;
    }
  }
}

// A repeated token verified through TokenService with the tenant's
// verified-token cache: every call after the first is a hit (Check and
// the revocation check still run; no revocation checker is set here).
void BM_TokendVerifyCached(benchmark::State& state, Algorithm alg) {
  const Fixture* f = GetFixture(alg);
  if (f == nullptr) return state.SkipWithError("setup failed");
  FakeClock clock(f->now);
  JwtProfileConfig config;
  config.issuer = f->spec.issuer;
  config.audiences = f->spec.audiences;
  config.signing_key = f->key;
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewJwtProfile(config);
  if (!profile.ok()) return state.SkipWithError("profile failed");
  Tenant tenant{"bench", *profile};
  tenant.verify_cache =
      std::make_shared<VerifiedTokenCache>(VerifyCacheLimits{});
  TokenService service(clock);
  IssueInput input;
  input.subject = f->spec.subject;
  absl::StatusOr<TokenInfo> issued = service.Issue(tenant, input);
  if (!issued.ok()) return state.SkipWithError("issue failed");
  const VerifyExpectations expect;
  for (auto _ : state) {
    absl::StatusOr<TokenInfo> verified =
        service.Verify(tenant, issued->token, expect);
    if (!verified.ok()) {
      state.SkipWithError("cached verify failed");
      break;
    }
    benchmark::DoNotOptimize(verified->token_id.data());
  }
  if (tenant.verify_cache->hits() + 1 < state.iterations()) {
    state.SkipWithError("the repeated token missed the cache");
  }
}

// A repeated vendor token (LiveKit HS256 with a room grant, or Agora 007
// with an RTC service) verified through TokenService, with the tenant's
// verify cache (`cached`) or without (every call verifies in full).
enum class Vendor { kLiveKit, kAgora007 };

void BM_VendorVerify(benchmark::State& state, Vendor vendor, bool cached) {
  const absl::Time now = absl::FromUnixSeconds(1767225600);
  FakeClock clock(now);
  absl::StatusOr<std::shared_ptr<const Profile>> profile;
  IssueInput input;
  input.subject = "alice";
  if (vendor == Vendor::kLiveKit) {
    LiveKitProfileConfig config;
    config.api_key = "APIbench";
    config.api_secret = "bench-livekit-secret-0123456789abcdef";
    profile = NewLiveKitProfile(config);
    LiveKitGrants grants;
    grants.video.emplace();
    grants.video->room_join = true;
    grants.video->room = "room";
    input.grants = grants;
  } else {
    AgoraProfileConfig config;
    config.app_id = "0123456789abcdef0123456789abcdef";
    config.app_certificate = "fedcba9876543210fedcba9876543210";
    profile = NewAgoraProfile(config);
    AgoraGrants grants;
    AgoraService rtc;
    rtc.type = 1;
    rtc.channel = "room";
    grants.services.push_back(rtc);
    input.grants = grants;
  }
  if (!profile.ok()) return state.SkipWithError("profile failed");
  Tenant tenant{"bench", *profile};
  if (cached) {
    tenant.verify_cache =
        std::make_shared<VerifiedTokenCache>(VerifyCacheLimits{});
  }
  TokenService service(clock);
  absl::StatusOr<TokenInfo> issued = service.Issue(tenant, input);
  if (!issued.ok()) return state.SkipWithError("issue failed");
  VerifyExpectations expect;
  expect.channel = "room";
  for (auto _ : state) {
    absl::StatusOr<TokenInfo> verified =
        service.Verify(tenant, issued->token, expect);
    if (!verified.ok()) {
      state.SkipWithError("verify failed");
      break;
    }
    benchmark::DoNotOptimize(verified->token_id.data());
  }
  if (cached && tenant.verify_cache->hits() + 1 < state.iterations()) {
    state.SkipWithError("the repeated token missed the cache");
  }
}

// --- Report ---------------------------------------------------------------

// Minimum tokend/raw ratio; 0 when there is no target.
double TargetFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kHS256:
      return 0.5;
    case Algorithm::kES256:
    case Algorithm::kEdDSA:
    case Algorithm::kRS256:
      return 0.9;
    default:
      return 0;
  }
}

int PrintTable(const bench::OpsReporter& reporter) {
  int failures = 0;
  int rows = 0;
  std::printf("\n%-6s %-7s %15s %15s %7s %7s  %s\n", "alg", "op",
              "tokend op/cpu-s", "raw op/cpu-s", "ratio", "target", "result");
  for (Algorithm alg : kAlgorithms) {
    const std::string name(AlgorithmName(alg));
    for (const char* op : {"sign", "verify"}) {
      const double tokend = reporter.Get(absl::StrCat(name, "/tokend_", op));
      const double raw = reporter.Get(absl::StrCat(name, "/raw_", op));
      if (tokend == 0 && raw == 0) continue;  // filtered out
      ++rows;
      const double ratio = raw > 0 ? tokend / raw : 0;
      const double target = TargetFor(alg);
      const std::string target_text =
          target > 0 ? absl::StrCat(target) : std::string("-");
      const char* result = "-";
      if (tokend == 0 || raw == 0) {
        result = "ERROR";  // one side failed or was filtered out
      } else if (target > 0) {
        result = ratio >= target ? "PASS" : "FAIL";
      }
      if (result[0] == 'E' || result[0] == 'F') ++failures;
      std::printf("%-6s %-7s %15.0f %15.0f %7.2f %7s  %s\n", name.c_str(), op,
                  tokend, raw, ratio, target_text.c_str(), result);
    }
  }
  if (rows == 0) {
    std::printf("no results\n");
    return 1;
  }
  // Informational: tokend's HMAC verify against the old baseline, an HMAC
  // from a duplicated keyed context per call. No target.
  for (Algorithm alg : kAlgorithms) {
    if (!IsSymmetric(alg)) continue;
    const std::string name(AlgorithmName(alg));
    const double tokend = reporter.Get(absl::StrCat(name, "/tokend_verify"));
    const double dup = reporter.Get(absl::StrCat(name, "/raw_verify_dup"));
    if (tokend == 0 || dup == 0) continue;
    std::printf("%-6s %-7s %15.0f %15.0f %7.2f %7s  %s\n", name.c_str(),
                "verify", tokend, dup, tokend / dup, "-",
                "info: raw = duplicated-context HMAC (old baseline)");
  }
  {
    const double tokend = reporter.Get("HS256/tokend_verify");
    const double raw = reporter.Get("HS256/raw_verify");
    if (tokend > 0 && raw > 0) {
      std::printf(
          "\nHS256 verify vs the per-thread-context HMAC baseline: %.2f "
          "(target %.2f)\n",
          tokend / raw, TargetFor(Algorithm::kHS256));
    }
  }
  // A repeated token through the verified-token cache, against the raw
  // HMAC-SHA256 baseline (issue #17: cached ES256 >= 1.0x).
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kHS256}) {
    const std::string name(AlgorithmName(alg));
    const double cached =
        reporter.Get(absl::StrCat(name, "/tokend_verify_cached"));
    const double raw = reporter.Get("HS256/raw_verify");
    if (cached == 0 && raw == 0) continue;  // filtered out
    const double ratio = raw > 0 ? cached / raw : 0;
    const double target = alg == Algorithm::kES256 ? 1.0 : 0;
    const char* result = "-";
    if (cached == 0 || raw == 0) {
      result = "ERROR";
    } else if (target > 0) {
      result = ratio >= target ? "PASS" : "FAIL";
    }
    if (result[0] == 'E' || result[0] == 'F') ++failures;
    std::printf(
        "%s verify, repeated token (cached): %.0f op/cpu-s vs raw HMAC-SHA256 "
        "%.0f: %.2f (target %s) %s\n",
        name.c_str(), cached, raw, ratio,
        target > 0 ? absl::StrCat(target).c_str() : "-", result);
  }
  std::printf("\n%s (%d below target or missing)\n",
              failures == 0 ? "ALL TARGETS MET" : "SOME TARGETS MISSED",
              failures);
  return failures;
}

}  // namespace
}  // namespace tokend

int main(int argc, char** argv) {
  tokend::bench::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (tokend::Algorithm alg : tokend::kAlgorithms) {
    const std::string name(tokend::AlgorithmName(alg));
    // tokend and raw of one operation run back to back, so machine load
    // drifts affect both sides of a ratio alike.
    benchmark::RegisterBenchmark((name + "/tokend_sign").c_str(),
                                 tokend::BM_TokendSign, alg)
        ->MinTime(tokend::kMinTimeSeconds)
        ->Repetitions(tokend::kRepetitions)
        ->ReportAggregatesOnly(true);
    benchmark::RegisterBenchmark((name + "/raw_sign").c_str(),
                                 tokend::BM_RawSign, alg)
        ->MinTime(tokend::kMinTimeSeconds)
        ->Repetitions(tokend::kRepetitions)
        ->ReportAggregatesOnly(true);
    benchmark::RegisterBenchmark((name + "/tokend_verify").c_str(),
                                 tokend::BM_TokendVerify, alg)
        ->MinTime(tokend::kMinTimeSeconds)
        ->Repetitions(tokend::kRepetitions)
        ->ReportAggregatesOnly(true);
    benchmark::RegisterBenchmark((name + "/raw_verify").c_str(),
                                 tokend::BM_RawVerify, alg)
        ->MinTime(tokend::kMinTimeSeconds)
        ->Repetitions(tokend::kRepetitions)
        ->ReportAggregatesOnly(true);
    if (alg == tokend::Algorithm::kES256 || alg == tokend::Algorithm::kHS256) {
      benchmark::RegisterBenchmark((name + "/tokend_verify_cached").c_str(),
                                   tokend::BM_TokendVerifyCached, alg)
          ->MinTime(tokend::kMinTimeSeconds)
          ->Repetitions(tokend::kRepetitions)
          ->ReportAggregatesOnly(true);
    }
    if (tokend::IsSymmetric(alg)) {
      benchmark::RegisterBenchmark((name + "/raw_verify_dup").c_str(),
                                   tokend::BM_RawVerifyDuplicated, alg)
          ->MinTime(tokend::kMinTimeSeconds)
          ->Repetitions(tokend::kRepetitions)
          ->ReportAggregatesOnly(true);
    }
  }
  // Repeated vendor tokens, uncached and cached (informational rows).
  for (const auto& [vendor, label] :
       {std::pair{tokend::Vendor::kLiveKit, "livekit_hs256"},
        std::pair{tokend::Vendor::kAgora007, "agora_007"}}) {
    for (bool cached : {false, true}) {
      benchmark::RegisterBenchmark(
          absl::StrCat(label,
                       cached ? "/tokend_verify_cached" : "/tokend_verify")
              .c_str(),
          tokend::BM_VendorVerify, vendor, cached)
          ->MinTime(tokend::kMinTimeSeconds)
          ->Repetitions(tokend::kRepetitions)
          ->ReportAggregatesOnly(true);
    }
  }
  tokend::bench::OpsReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const int failures = tokend::PrintTable(reporter);
  benchmark::Shutdown();
  return failures == 0 ? 0 : 2;
}
