// tokenctl: tokend's command-line tool.
//
// Until the gRPC server lands this works locally over core/:
//   tokenctl demo                      issue and verify with throwaway keys
//   tokenctl keygen --alg=ES256 --out=key.jwk
//   tokenctl issue  --key=key.jwk --sub=alice --aud=svc --ttl=10m
//   tokenctl verify --key=key.jwk --aud=svc --token=-     (token on stdin)
// It prints token ids and verdicts; secrets never reach stdout or stderr
// (keygen writes its key only to --out, mode 0600).
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

ABSL_FLAG(std::string, alg, "ES256", "JWS algorithm for keygen and demo");
ABSL_FLAG(std::string, key, "", "JWK file (private for issue, any for verify)");
ABSL_FLAG(std::string, out, "", "where keygen writes the private JWK");
ABSL_FLAG(std::string, kid, "", "key id for keygen (default: RFC 7638 thumbprint)");
ABSL_FLAG(std::string, iss, "tokend-dev", "issuer");
ABSL_FLAG(std::string, sub, "demo-user", "subject");
ABSL_FLAG(std::string, aud, "demo-service", "audience");
ABSL_FLAG(absl::Duration, ttl, absl::Minutes(10), "token lifetime");
ABSL_FLAG(std::string, token, "-", "token to verify, or - for stdin");

namespace tokend {
namespace {

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "tokenctl: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<Algorithm> AlgFlag() {
  std::string name = absl::GetFlag(FLAGS_alg);
  std::optional<Algorithm> alg = AlgorithmFromName(name);
  if (!alg) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unknown algorithm '", name, "'"), "--alg");
  }
  return *alg;
}

absl::StatusOr<std::shared_ptr<const Key>> NewKey(Algorithm alg) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  if (!key.ok()) return key.status();
  std::string kid = absl::GetFlag(FLAGS_kid);
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

absl::StatusOr<std::shared_ptr<const Key>> LoadKeyFlag() {
  std::string path = absl::GetFlag(FLAGS_key);
  if (path.empty()) return Error(Reason::kInvalidArgument, "required", "--key");
  std::ifstream in(path);
  if (!in) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("cannot read ", path), "--key");
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwkText(text);
  if (!key.ok()) {
    return Error(GetReason(key.status()),
                 absl::StrCat(path, ": ", key.status().message()), "--key");
  }
  return key;
}

JwtSpec SpecFromFlags() {
  JwtSpec spec;
  spec.issuer = absl::GetFlag(FLAGS_iss);
  spec.subject = absl::GetFlag(FLAGS_sub);
  spec.audiences = {absl::GetFlag(FLAGS_aud)};
  spec.ttl = absl::GetFlag(FLAGS_ttl);
  return spec;
}

ValidationPolicy PolicyFromFlags() {
  ValidationPolicy policy;
  policy.issuer = absl::GetFlag(FLAGS_iss);
  policy.audiences = {absl::GetFlag(FLAGS_aud)};
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

int Demo() {
  absl::StatusOr<Algorithm> alg = AlgFlag();
  if (!alg.ok()) return Fail("demo", alg.status());
  absl::StatusOr<std::shared_ptr<const Key>> key = NewKey(*alg);
  if (!key.ok()) return Fail("generate key", key.status());
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  if (!keys.ok()) return Fail("key set", keys.status());

  std::printf("tokend core demo (development only: throwaway %s key, kid %s)\n",
              std::string(AlgorithmName(*alg)).c_str(), (*key)->kid().c_str());
  absl::Time now = absl::Now();
  absl::StatusOr<IssuedJwt> issued = IssueJwt(**key, SpecFromFlags(), now);
  if (!issued.ok()) return Fail("issue", issued.status());
  std::printf("issued token id %s, expires %s\n%s\n", issued->jti.c_str(),
              absl::FormatTime(issued->expires_at).c_str(),
              issued->token.c_str());

  std::printf("verify the token:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, PolicyFromFlags(), now));

  std::string tampered = issued->token;
  tampered[tampered.find('.') + 2] ^= 1;
  std::printf("verify it with one payload character changed:\n");
  PrintVerdict(VerifyJwt(tampered, *keys, PolicyFromFlags(), now));

  std::printf("verify it an hour after expiry:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, PolicyFromFlags(),
                         issued->expires_at + absl::Hours(1)));

  ValidationPolicy other = PolicyFromFlags();
  other.audiences = {"another-service"};
  std::printf("verify it as another audience:\n");
  PrintVerdict(VerifyJwt(issued->token, *keys, other, now));
  return 0;
}

int Keygen() {
  absl::StatusOr<Algorithm> alg = AlgFlag();
  if (!alg.ok()) return Fail("keygen", alg.status());
  std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    return Fail("keygen", Error(Reason::kInvalidArgument,
                                "required (keys never go to stdout)", "--out"));
  }
  absl::StatusOr<std::shared_ptr<const Key>> key = NewKey(*alg);
  if (!key.ok()) return Fail("generate key", key.status());
  absl::StatusOr<json::Object> jwk = PrivateJwk(**key);
  if (!jwk.ok()) return Fail("export", jwk.status());
  umask(077);
  std::ofstream file(out, std::ios::trunc);
  file << json::Serialize(*jwk) << "\n";
  if (!file.good()) {
    return Fail("keygen", Error(Reason::kInvalidArgument,
                                absl::StrCat("cannot write ", out), "--out"));
  }
  std::printf("wrote %s key kid=%s to %s\n",
              std::string(AlgorithmName(*alg)).c_str(), (*key)->kid().c_str(),
              out.c_str());
  return 0;
}

int Issue() {
  absl::StatusOr<std::shared_ptr<const Key>> key = LoadKeyFlag();
  if (!key.ok()) return Fail("issue", key.status());
  absl::StatusOr<IssuedJwt> issued = IssueJwt(**key, SpecFromFlags(), absl::Now());
  if (!issued.ok()) return Fail("issue", issued.status());
  std::fprintf(stderr, "issued token id %s\n", issued->jti.c_str());
  std::printf("%s\n", issued->token.c_str());
  return 0;
}

int Verify() {
  absl::StatusOr<std::shared_ptr<const Key>> key = LoadKeyFlag();
  if (!key.ok()) return Fail("verify", key.status());
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  if (!keys.ok()) return Fail("verify", keys.status());
  std::string token = absl::GetFlag(FLAGS_token);
  if (token == "-") std::getline(std::cin, token);
  absl::StatusOr<VerifiedJwt> verified =
      VerifyJwt(token, *keys, PolicyFromFlags(), absl::Now());
  PrintVerdict(verified);
  return verified.ok() ? 0 : 2;
}

}  // namespace
}  // namespace tokend

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tokenctl <demo|keygen|issue|verify> [flags]   (see --help)");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  std::string command = args.size() > 1 ? args[1] : "demo";
  if (command == "demo") return tokend::Demo();
  if (command == "keygen") return tokend::Keygen();
  if (command == "issue") return tokend::Issue();
  if (command == "verify") return tokend::Verify();
  std::fprintf(stderr, "tokenctl: unknown command '%s'\n%s\n", command.c_str(),
               absl::ProgramUsageMessage());
  return 64;
}
