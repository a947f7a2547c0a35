#include "server/tokenctl/request.h"

#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace tokend::tokenctl {
namespace {

google::protobuf::Value ClaimValue(const std::string& text) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(text, &value).ok()) {
    value.Clear();
    value.set_string_value(text);
  }
  return value;
}

}  // namespace

absl::Status BuildIssueRequest(const Options& options,
                               v1::IssueTokenRequest* request) {
  request->set_tenant(options.tenant);
  if (!options.sub.empty()) {
    request->mutable_subject()->set_user_id(options.sub);
  }
  if (options.ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--ttl must not be negative");
  }
  if (options.ttl > absl::ZeroDuration()) {
    const int64_t nanos = absl::ToInt64Nanoseconds(options.ttl);
    request->mutable_ttl()->set_seconds(nanos / 1000000000);
    request->mutable_ttl()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  }
  if (options.aud.empty() && options.claims.empty()) return absl::OkStatus();

  // --aud and --claim name JWT claims: they select the generic profile's
  // grants (tokend refuses them for a vendor tenant).
  v1::JwtGrants* jwt = request->mutable_jwt();
  for (absl::string_view aud :
       absl::StrSplit(options.aud, ',', absl::SkipWhitespace())) {
    jwt->add_audience(std::string(absl::StripAsciiWhitespace(aud)));
  }
  for (const std::string& claim : options.claims) {
    const size_t eq = claim.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--claim wants key=value");
    }
    (*jwt->mutable_extra_claims()->mutable_fields())[claim.substr(0, eq)] =
        ClaimValue(claim.substr(eq + 1));
  }
  return absl::OkStatus();
}

}  // namespace tokend::tokenctl
