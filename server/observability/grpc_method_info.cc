#include "server/observability/grpc_method_info.h"

namespace tokend {

GrpcMethodInfo MethodInfo(absl::string_view method) {
  static constexpr absl::string_view kTokens = "tokend.v1.TokenService";
  static constexpr absl::string_view kKeys = "tokend.v1.KeyService";
  static constexpr absl::string_view kUnary = "unary";
  static constexpr absl::string_view kServerStream = "server_stream";
  if (method == "IssueToken" || method == "VerifyToken" ||
      method == "RenewToken" || method == "RevokeToken" ||
      method == "ExchangeToken") {
    return {kTokens, kUnary};
  }
  if (method == "SubscribeToken") return {kTokens, kServerStream};
  if (method == "GetJwks") return {kKeys, kUnary};
  if (method == "WatchJwks") return {kKeys, kServerStream};
  if (method == "Check") return {"envoy.service.auth.v3.Authorization", kUnary};
  return {"unknown", kUnary};
}

absl::string_view GoCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

}  // namespace tokend
