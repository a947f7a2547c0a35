// libFuzzer target for the proto-to-core grants conversions (server/
// wire/*grants_proto.cc): bytes -> IssueTokenRequest -> GrantsFromRequest for
// every vendor profile.
//
// Every conversion either succeeds or fails with INVALID_ARGUMENT naming a
// field under "grants" (the wire's field path); grants that convert are
// written back as VerifyToken would answer them (GrantsToResponse), which
// must not crash either. (A round trip is not an invariant: the response
// side describes verified grants, whose privileges are explicit, while a
// request may leave them to the profile's defaults.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/reason.h"
#include "server/wire/grants_proto.h"
#include "tokend/v1/token_service.pb.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_grants: %s\n", what);
  std::abort();
}

constexpr absl::string_view kProfiles[] = {
    "agora", "apirtc", "vonage", "daily", "livekit", "twilio", "zoom", "jwt"};

void CheckError(const absl::Status& status) {
  if (tokend::GetReason(status) != tokend::Reason::kInvalidArgument) {
    Fail("a grants error that is not INVALID_ARGUMENT");
  }
  if (!absl::StartsWith(tokend::GetField(status), "grants")) {
    Fail("a grants error not naming a field under grants");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tokend::v1::IssueTokenRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  for (absl::string_view profile : kProfiles) {
    const absl::StatusOr<tokend::Grants> grants =
        tokend::GrantsFromRequest(request, profile);
    if (!grants.ok()) {
      CheckError(grants.status());
      continue;
    }
    tokend::v1::VerifyTokenResponse response;
    tokend::GrantsToResponse(*grants, &response);
  }
  return 0;
}
