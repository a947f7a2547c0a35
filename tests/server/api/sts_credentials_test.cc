// gRPC's own RFC 8693 client against tokend's POST /oauth2/token: Debian's
// libgrpc++ grpc::experimental::StsCredentials fetches a token from a real
// tokend HttpServer (a real socket) and attaches it to a call to a test
// backend, which must see "authorization: Bearer <issued token>". The
// exchanger behind the route is a fake (http_test_env.h: DoExchange is
// being written in parallel), so this proves the wire contract (what
// StsCredentials sends, what it parses); the lead's e2e adds the real
// exchange. gRPC sends call credentials only over a secure channel: the
// backend listens on a unix socket with local credentials.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "server/api/http_server.h"
#include "tests/server/api/http_test_env.h"

namespace tokend {
namespace {

// The test backend: records the authorization metadata of each call.
// Runs on gRPC's threads; the test reads after the call returns.
class Backend final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    absl::MutexLock lock(&mu_);
    const auto& md = context->client_metadata();
    auto it = md.find("authorization");
    authorization_ = it == md.end()
                         ? "<none>"
                         : std::string(it->second.data(), it->second.size());
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class StsCredentialsTest : public HttpRouteTest {};

TEST_F(StsCredentialsTest, GrpcStsCredentialsGetsTheTokenAndSendsItAsBearer) {
  // tokend's HTTP port on a loopback port that was free a moment ago
  // (tried again on the rare collision).
  int port = 0;
  std::unique_ptr<HttpServer> http;
  for (int attempt = 0; attempt < 5 && http == nullptr; ++attempt) {
    port = FreeLoopbackPort();
    absl::StatusOr<std::unique_ptr<HttpServer>> started =
        HttpServer::Start(absl::StrCat("127.0.0.1:", port), &state_, Fake());
    if (started.ok()) http = *std::move(started);
  }
  ASSERT_NE(http, nullptr);

  char dir[] = "/tmp/sts-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string token_file = absl::StrCat(dir, "/subject.jwt");
  // A token file as a kubelet writes it, here with a trailing newline.
  std::ofstream(token_file) << kSubjectJwt << "\n";
  const std::string socket = absl::StrCat("unix:", dir, "/backend.sock");

  Backend backend;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(socket,
                           grpc::experimental::LocalServerCredentials(UDS));
  builder.RegisterService(&backend);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  grpc::experimental::StsCredentialsOptions options;
  options.token_exchange_service_uri =
      absl::StrCat("http://127.0.0.1:", port, "/oauth2/token");
  options.subject_token_path = token_file;
  options.subject_token_type = kTokenTypeJwt;
  options.audience = "demo";
  options.requested_token_type = kTokenTypeJwt;
  std::shared_ptr<grpc::CallCredentials> sts =
      grpc::experimental::StsCredentials(options);
  ASSERT_NE(sts, nullptr);
  auto channel = grpc::CreateChannel(
      socket, grpc::CompositeChannelCredentials(
                  grpc::experimental::LocalCredentials(UDS), sts));
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  EXPECT_EQ(backend.authorization(), absl::StrCat("Bearer ", token_));
  // What tokend was asked: the token file's token (newline dropped), its
  // type, the tenant from audience.
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].subject_token, kSubjectJwt);
  EXPECT_EQ(calls_[0].subject_token_type, kTokenTypeJwt);
  EXPECT_EQ(calls_[0].tenant, "demo");

  server->Shutdown();
  http.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokend
