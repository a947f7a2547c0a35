// Builds tokend requests from tokenctl's claim-named flags.
#ifndef TOKEND_SERVER_TOKENCTL_REQUEST_H_
#define TOKEND_SERVER_TOKENCTL_REQUEST_H_

#include "absl/status/status.h"
#include "tokend/v1/token_service.pb.h"
#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

// --tenant, --sub (subject.user_id), --ttl, and for the generic JWT profile
// --aud (comma separated) and --claim key=value (repeated). A claim value
// that parses as JSON (number, true/false/null, "quoted", object, array) is
// written as that JSON value, anything else as a string. --not_before, and
// the vendor grants: --daily_* (one Daily room), --livekit_* (a video grant)
// or --agora_* (one RTC service with a role or explicit privileges); the
// flags of two profiles together are refused.
absl::Status BuildIssueRequest(const Options& options,
                               v1::IssueTokenRequest* request);

// exchange: --tenant, --ttl and the grant flags (as issue reads them) into
// an ExchangeTokenRequest (the grants oneof has IssueTokenRequest's field
// numbers and messages). The tokens are set by the caller.
absl::Status BuildExchangeRequest(const Options& options,
                                  v1::ExchangeTokenRequest* request);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_REQUEST_H_
