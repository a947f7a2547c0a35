// Requests whose protobuf message cannot be parsed. tokend's unary methods
// are registered raw (raw_messages.h) and parse their request themselves, so
// such a request reaches tokend's handler instead of being answered by gRPC
// with a bare UNIMPLEMENTED (no message, no ErrorInfo, outside the metrics).
// The handler answers it with this error and records the call like any
// other refusal (tokend_rpcs_total / tokend_rpc_handled_total).
//
// Threads: any; keeps no state.
#ifndef TOKEND_SERVER_API_MALFORMED_REQUEST_H_
#define TOKEND_SERVER_API_MALFORMED_REQUEST_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tokend {

// INVALID_ARGUMENT with ErrorInfo{reason INVALID_ARGUMENT, field "request"}
// saying `method`'s request message could not be parsed; counts it in
// tokend_malformed_requests_total{method}. Never echoes the bytes.
absl::Status MalformedRequest(absl::string_view method);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_MALFORMED_REQUEST_H_
