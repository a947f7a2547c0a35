#include "server/api/malformed_request.h"

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/observability/metrics.h"

namespace tokend {

absl::Status MalformedRequest(absl::string_view method) {
  Metrics::Get().MalformedRequest(method);
  return Error(Reason::kInvalidArgument,
               absl::StrCat("the request message of ", method,
                            " could not be parsed (not a valid protobuf "
                            "encoding of its request type)"),
               "request");
}

}  // namespace tokend
