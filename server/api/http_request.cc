#include "server/api/http_request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/random.h"
#include "server/observability/grpc_method_info.h"

namespace tokend {
namespace {

// The same rule as the gRPC call gate's x-request-id.
bool IsGoodRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._:+/=-", c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

CallContext HttpCallContext(ServerState& state, const HttpRequest& request,
                            absl::string_view method) {
  CallContext call;
  call.method = std::string(method);
  call.start = absl::Now();
  call.grpc = MethodInfo(method);
  const char* id = request.header ? request.header("X-Request-Id") : nullptr;
  call.request_id =
      id != nullptr && IsGoodRequestId(id) ? std::string(id) : NewTokenId();
  call.caller.kind = CallerIdentity::Kind::kUnknown;
  call.caller.peer = absl::StrCat("http:", request.remote_addr);
  call.snapshot = state.snapshot();
  call.state = &state;
  return call;
}

}  // namespace tokend
