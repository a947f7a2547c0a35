// libFuzzer target for the Agora profile's parsers and verifier.
//
// Each input is tried three ways:
// 1. As a whole token, through AgoraProfile::Verify for a tenant with the
//    app id of Agora's official vectors (so their tokens, the seeds, get
//    past the app id check) and a certificate generated at start-up. The
//    fuzzer never sees the certificate, so no input can verify: an OK
//    verdict means a forgery and aborts. AgoraTokenId must not crash either.
// 2. As an inflated AccessToken2 payload, through ParseAccessToken2Payload,
//    which reaches every service layout without the signature in the way;
//    a parse that succeeds must describe no more services than declared.
// 3. As a 006 token, through ParseAccessToken006.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/profiles/agora/agora_legacy.h"
#include "core/profiles/agora/agora_packer.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/random.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_agora: %s\n", what);
  std::abort();
}

const tokend::Profile& GetProfile() {
  static const std::shared_ptr<const tokend::Profile> profile = [] {
    tokend::AgoraProfileConfig config;
    config.app_id = "970CA35de60c44645bbae8a215061b33";
    std::string cert;
    for (int i = 0; i < 4; ++i) {
      const uint32_t r = tokend::SecureRandomUint32();
      cert += absl::BytesToHexString(
          absl::string_view(reinterpret_cast<const char*>(&r), sizeof r));
    }
    config.app_certificate = cert;
    config.ttl = {absl::Hours(1), absl::Hours(24)};
    auto made = tokend::NewAgoraProfile(config);
    if (!made.ok()) Fail("profile creation failed");
    return *std::move(made);
  }();
  return *profile;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // The official vectors' issue time, so their expiry checks pass.
  const absl::Time now = absl::FromUnixSeconds(1111111 + 60);
  tokend::VerifyExpectations expect;
  if (GetProfile().Verify(input, expect, now).ok()) {
    Fail("a forged token verified");
  }
  static_cast<void>(tokend::AgoraTokenId(input));

  tokend::agora::ParsedAccessToken2 parsed;
  if (tokend::agora::ParseAccessToken2Payload(input, &parsed).ok() &&
      parsed.services.size() > parsed.service_count) {
    Fail("more services parsed than the payload declares");
  }

  tokend::agora::ParsedAccessToken006 legacy;
  static_cast<void>(
      tokend::agora::ParseAccessToken006(input, 8 * 1024, &legacy));
  return 0;
}
