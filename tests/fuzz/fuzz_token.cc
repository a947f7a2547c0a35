// libFuzzer target for VerifyJwt.
//
// 1. The raw input is verified against fixed keys generated at start-up (an
//    HS256 secret and an ES256 key, in two KeySets since a set may not mix
//    symmetric and asymmetric keys). The fuzzer never sees the keys, so no
//    input can verify: an OK verdict means a forgery and aborts.
// 2. When the input contains a newline, the bytes before it become the JOSE
//    header and the bytes after it the payload; the harness signs them with
//    the HS256 key and verifies the result. This drives the header rules and
//    claim checks past the signature; an accepted token must satisfy the
//    policy's invariants.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_token: %s\n", what);
  std::abort();
}

struct Fixture {
  std::shared_ptr<const tokend::Key> hs;
  tokend::KeySet hs_keys;
  tokend::KeySet ec_keys;
  tokend::ValidationPolicy policy;
  absl::Time now = absl::FromUnixSeconds(1700000000);
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    auto hs = tokend::GenerateKey(tokend::Algorithm::kHS256, "hs");
    auto ec = tokend::GenerateKey(tokend::Algorithm::kES256, "ec");
    if (!hs.ok() || !ec.ok()) Fail("key generation failed");
    f->hs = *hs;
    auto hs_keys = tokend::KeySet::Create({*hs});
    auto ec_keys = tokend::KeySet::Create({*ec});
    if (!hs_keys.ok() || !ec_keys.ok()) Fail("key set creation failed");
    f->hs_keys = *std::move(hs_keys);
    f->ec_keys = *std::move(ec_keys);
    f->policy.issuer = "fuzz-iss";
    f->policy.audiences = {"fuzz-aud"};
    f->policy.max_lifetime = absl::Hours(24);
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = GetFixture();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. Forgery attempt.
  for (const tokend::KeySet* keys : {&f.hs_keys, &f.ec_keys}) {
    auto verified = tokend::VerifyJwt(input, *keys, f.policy, f.now);
    if (verified.ok()) Fail("an unsigned input verified: forgery");
    if (tokend::GetReason(verified.status()) == tokend::Reason::kOk ||
        tokend::GetReason(verified.status()) == tokend::Reason::kInternal) {
      Fail("failure without a token reason");
    }
  }

  // 2. Signed by the harness: exercises everything after the signature.
  const size_t newline = input.find('\n');
  if (newline == absl::string_view::npos) return 0;
  std::string token =
      absl::StrCat(tokend::Base64UrlEncode(input.substr(0, newline)), ".",
                   tokend::Base64UrlEncode(input.substr(newline + 1)));
  auto signature = f.hs->Sign(token);
  if (!signature.ok()) Fail("signing failed");
  absl::StrAppend(&token, ".", tokend::Base64UrlEncode(*signature));
  auto verified = tokend::VerifyJwt(token, f.hs_keys, f.policy, f.now);
  if (!verified.ok()) {
    if (tokend::GetReason(verified.status()) == tokend::Reason::kInternal) {
      Fail("signed input failed without a token reason");
    }
    return 0;
  }
  // Invariants of an accepted token under this policy.
  if (verified->header.alg != tokend::Algorithm::kHS256) Fail("alg changed");
  if (verified->issuer != "fuzz-iss") Fail("issuer check bypassed");
  if (!(f.now < verified->expires_at + f.policy.leeway)) {
    Fail("expired token accepted");
  }
  if (verified->expires_at - (verified->issued_at == absl::InfinitePast()
                                  ? f.now
                                  : verified->issued_at) >
      f.policy.max_lifetime) {
    Fail("lifetime check bypassed");
  }
  bool audience = false;
  for (const std::string& aud : verified->audiences) {
    if (aud == "fuzz-aud") audience = true;
  }
  if (!audience) Fail("audience check bypassed");
  return 0;
}
