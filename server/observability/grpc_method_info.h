// The labels of the go-grpc-prometheus metrics (grpc_server_started_total,
// grpc_server_handled_total, grpc_server_handling_seconds) for tokend's
// methods, so that dashboards built for gRPC services work unchanged:
//   grpc_service  the full service name ("tokend.v1.TokenService")
//   grpc_method   the method name ("IssueToken")
//   grpc_type     unary | client_stream | server_stream | bidi_stream
//   grpc_code     Go's code names ("OK", "InvalidArgument", ...)
// Stateless; any thread.
#ifndef TOKEND_SERVER_OBSERVABILITY_GRPC_METHOD_INFO_H_
#define TOKEND_SERVER_OBSERVABILITY_GRPC_METHOD_INFO_H_

#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace tokend {

struct GrpcMethodInfo {
  absl::string_view service;  // static storage
  absl::string_view type;     // static storage
};

// The service and type of a TokenService, KeyService or (Envoy ext_authz)
// Authorization method name;
// {"unknown", "unary"} for a name tokend does not serve.
GrpcMethodInfo MethodInfo(absl::string_view method);

// The code's name as grpc-go's codes.Code.String() spells it.
absl::string_view GoCodeName(grpc::StatusCode code);

}  // namespace tokend

#endif  // TOKEND_SERVER_OBSERVABILITY_GRPC_METHOD_INFO_H_
