#include "server/api/malformed_request.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/reason.h"
#include "server/observability/metrics.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

constexpr char kOwnPrefix[] = "/tokend.v1.";

class MalformedRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(const char* method)
      : method_(method), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      if (sent.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          sent.error_message().empty()) {
        // "/tokend.v1.TokenService/VerifyToken" → "VerifyToken".
        const size_t slash = method_.rfind('/');
        const std::string name =
            slash == std::string::npos ? method_ : method_.substr(slash + 1);
        Metrics::Get().MalformedRequest(name);
        Metrics::Get().RpcHandled(name, "INVALID_ARGUMENT",
                                  absl::Now() - start_);
        methods->ModifySendStatus(ToGrpcStatus(
            Error(Reason::kInvalidArgument,
                  absl::StrCat("the request message of ", method_,
                               " could not be parsed (not a valid protobuf "
                               "encoding of its request type)"),
                  "request")));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const absl::Time start_;
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (!absl::StartsWith(info->method(), kOwnPrefix)) return nullptr;
    return new MalformedRequestInterceptor(info->method());
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory() {
  return std::make_unique<Factory>();
}

}  // namespace tokend
