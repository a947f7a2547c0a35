// tokenctl decode: a token's header, claims and vendor grants, read offline
// without verifying anything (no key, no server). Runs on tokenctl's only
// thread.
#ifndef TOKEND_SERVER_TOKENCTL_DECODE_H_
#define TOKEND_SERVER_TOKENCTL_DECODE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

// The decoded token as JSON: {"verified": false, "format": ..., ...} with
// "header", "claims" and "vendor"/"grants" for a JWT, or the Agora 007/006
// fields. kInvalidArgument (naming the part that failed) when it is none of
// the supported formats.
absl::StatusOr<std::string> DecodeToken(absl::string_view token, bool pretty);

// Reads --token (or stdin), prints a "NOT VERIFIED" banner to stderr and
// the decoded JSON to stdout. Exit 0, or kExitUsage when it cannot decode.
int Decode(const Options& options);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_DECODE_H_
