#include "tools/tokenctl/local.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

namespace tokend::tokenctl {
namespace {

// The demo's claims when the flags leave them empty (the RPC commands give
// --sub, --aud and --ttl no defaults: the tenant decides there).
constexpr char kDemoSubject[] = "demo-user";
constexpr char kDemoAudience[] = "demo-service";
constexpr absl::Duration kDemoTtl = absl::Minutes(10);

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "tokenctl: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return kExitUsage;
}

absl::StatusOr<Algorithm> AlgOf(const Options& options) {
  std::optional<Algorithm> alg = AlgorithmFromName(options.alg);
  if (!alg) {
    std::vector<std::string> valid;
    for (int a = static_cast<int>(Algorithm::kHS256);
         a <= static_cast<int>(Algorithm::kEdDSA); ++a) {
      valid.emplace_back(AlgorithmName(static_cast<Algorithm>(a)));
    }
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unknown algorithm '", options.alg,
                              "'; valid: ", absl::StrJoin(valid, ", ")),
                 "--alg");
  }
  return *alg;
}

absl::StatusOr<std::shared_ptr<const Key>> NewKey(const Options& options,
                                                  Algorithm alg) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  if (!key.ok()) return key.status();
  std::string kid = options.kid;
  if (kid.empty()) {
    if (IsSymmetric(alg)) {
      kid = "hmac-dev";
    } else {
      absl::StatusOr<std::string> thumbprint = Thumbprint(**key);
      if (!thumbprint.ok()) return thumbprint.status();
      kid = *thumbprint;
    }
  }
  return (*key)->WithKid(kid);
}

std::string DemoAudience(const Options& options) {
  return options.aud.empty() ? kDemoAudience : options.aud;
}

JwtSpec DemoSpec(const Options& options) {
  JwtSpec spec;
  spec.issuer = options.iss;
  spec.subject = options.sub.empty() ? kDemoSubject : options.sub;
  spec.audiences = {DemoAudience(options)};
  spec.ttl = options.ttl == absl::ZeroDuration() ? kDemoTtl : options.ttl;
  return spec;
}

ValidationPolicy DemoPolicy(const Options& options) {
  ValidationPolicy policy;
  policy.issuer = options.iss;
  policy.audiences = {DemoAudience(options)};
  return policy;
}

void PrintVerdict(const absl::StatusOr<VerifiedJwt>& verified) {
  if (verified.ok()) {
    std::printf("  valid: jti=%s sub=%s kid=%s expires=%s\n",
                verified->jti.c_str(), verified->subject.c_str(),
                verified->kid.c_str(),
                absl::FormatTime(verified->expires_at).c_str());
  } else {
    std::printf("  invalid: reason=%s\n",
                std::string(ReasonName(GetReason(verified.status()))).c_str());
  }
}

}  // namespace

int Demo(const Options& options) {
  absl::StatusOr<Algorithm> alg = AlgOf(options);
  if (!alg.ok()) return Fail("demo", alg.status());
  absl::StatusOr<std::shared_ptr<const Key>> key = NewKey(options, *alg);
  if (!key.ok()) return Fail("generate key", key.status());
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  if (!keys.ok()) return Fail("key set", keys.status());

  std::printf("tokend core demo (development only: throwaway %s key, kid %s)\n",
              std::string(AlgorithmName(*alg)).c_str(), (*key)->kid().c_str());
  const ValidationPolicy policy = DemoPolicy(options);
  absl::Time now = absl::Now();
  absl::StatusOr<IssuedJwt> issued = IssueJwt(**key, DemoSpec(options), now);
  if (!issued.ok()) return Fail("issue", issued.status());
  std::printf("issued token id %s, expires %s\n%s\n", issued->jti.c_str(),
              absl::FormatTime(issued->expires_at).c_str(),
              issued->token.c_str());

  std::printf("verify the token:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, policy, now));

  std::string tampered = issued->token;
  tampered[tampered.find('.') + 2] ^= 1;
  std::printf("verify it with one payload character changed:\n");
  PrintVerdict(VerifyJwt(tampered, *keys, policy, now));

  std::printf("verify it an hour after expiry:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, policy,
                         issued->expires_at + absl::Hours(1)));

  ValidationPolicy other = policy;
  other.audiences = {"another-service"};
  std::printf("verify it as another audience:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, other, now));
  return kExitOk;
}

int Keygen(const Options& options) {
  absl::StatusOr<Algorithm> alg = AlgOf(options);
  if (!alg.ok()) return Fail("keygen", alg.status());
  if (options.out.empty()) {
    return Fail("keygen", Error(Reason::kInvalidArgument,
                                "required (keys never go to stdout)", "--out"));
  }
  absl::StatusOr<std::shared_ptr<const Key>> key = NewKey(options, *alg);
  if (!key.ok()) return Fail("generate key", key.status());
  absl::StatusOr<json::Object> jwk = PrivateJwk(**key);
  if (!jwk.ok()) return Fail("export", jwk.status());
  umask(077);
  std::ofstream file(options.out, std::ios::trunc);
  file << json::Serialize(*jwk) << "\n";
  if (!file.good()) {
    return Fail("keygen",
                Error(Reason::kInvalidArgument,
                      absl::StrCat("cannot write ", options.out), "--out"));
  }
  std::printf("wrote %s key kid=%s to %s\n",
              std::string(AlgorithmName(*alg)).c_str(), (*key)->kid().c_str(),
              options.out.c_str());
  return kExitOk;
}

}  // namespace tokend::tokenctl
