// The C++ receiving side for run_verifier_test.py: a server with local
// (UDS) credentials whose TokenAuthProcessor verifies each call through
// tokend; the generic handlers answer "hello <VerifiedSubject>", once for
// Hello and twice for Stream.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "tokend/client/auth_processor.h"

namespace {

// Reads the one request, then writes the replies and finishes. Runs on
// gRPC's callback threads.
class Echo
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit Echo(grpc::GenericCallbackServerContext* context)
      : replies_(context->method() == "/tokend.test.Echo/Stream" ? 2 : 1) {
    const std::string text = "hello " + tokend::VerifiedSubject(*context);
    grpc::Slice slice(text);
    reply_ = grpc::ByteBuffer(&slice, 1);
    if (context->method() != "/tokend.test.Echo/Hello" && replies_ == 1) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method"));
      return;
    }
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    StartWrite(&reply_);
  }
  void OnWriteDone(bool ok) override {
    if (ok && --replies_ > 0) {
      StartWrite(&reply_);
    } else {
      Finish(grpc::Status::OK);
    }
  }
  void OnDone() override { delete this; }

 private:
  int replies_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer reply_;
};

class Service : public grpc::CallbackGenericService {
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Echo(context);
  }
};

}  // namespace

int main() {
  tokend::VerifierOptions options;  // target: $TOKEND_TARGET
  options.tenant = std::getenv("VERIFIER_TENANT");
  auto creds = grpc::experimental::LocalServerCredentials(UDS);
  creds->SetAuthMetadataProcessor(std::make_shared<tokend::TokenAuthProcessor>(
      std::make_shared<tokend::TokenVerifier>(options)));
  Service service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::getenv("VERIFIER_ADDRESS"), creds);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  std::cout << "LISTENING" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }  // until the harness closes our stdin
  server->Shutdown();
  return 0;
}
