#include "bench/grpc_load_tokend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/free_port.h"
#include "core/crypto/key.h"
#include "core/keys/pem.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace tokend::bench {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  chmod(path.c_str(), 0600);
  return absl::OkStatus();
}

// A freshly generated private key of `alg`, as PKCS#8 PEM.
absl::StatusOr<std::string> KeyPem(Algorithm alg) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  if (!key.ok()) return key.status();
  return PrivateKeyToPem(**key);
}

std::string ConfigYaml(const std::string& dir, const std::string& socket,
                       int tcp_port, bool claims_metadata) {
  return absl::StrCat(R"(listeners:
  unix_socket: )",
                      socket, R"(
  tcp: 127.0.0.1:)",
                      tcp_port, R"(
state_dir: )",
                      dir, R"(/state
tenants:
  - {name: hs256, profile: jwt, issuer: grpc-load, algorithm: HS256,
     credentials: {secret: file:hs256.secret}}
  - {name: es256, profile: jwt, issuer: grpc-load, algorithm: ES256,
     credentials: {private_key: file:es256.pem}}
  - {name: eddsa, profile: jwt, issuer: grpc-load, algorithm: EdDSA,
     credentials: {private_key: file:eddsa.pem}}
  # The same keys without the verified-token cache: every VerifyToken runs
  # the signature check (the "cold" rows).
  - {name: hs256_cold, profile: jwt, issuer: grpc-load, algorithm: HS256,
     credentials: {secret: file:hs256.secret}, verify_cache: {max_entries: 0}}
  - {name: es256_cold, profile: jwt, issuer: grpc-load, algorithm: ES256,
     credentials: {private_key: file:es256.pem},
     verify_cache: {max_entries: 0}}
  - {name: eddsa_cold, profile: jwt, issuer: grpc-load, algorithm: EdDSA,
     credentials: {private_key: file:eddsa.pem},
     verify_cache: {max_entries: 0}}
ext_authz: {claims_metadata: )",
                      claims_metadata ? "true" : "false", R"(}
limits:
  rate_limit: {qps: 0}
callers:
  - {name: grpc-load, uid: )",
                      getuid(), R"(, issue: ["*"], revoke: ["*"], verify: ["*"]}
  - {name: grpc-load-tcp, loopback: true, issue: ["*"], revoke: ["*"], verify: ["*"]}
)");
}

}  // namespace

absl::StatusOr<std::unique_ptr<BenchTokend>> BenchTokend::Start(
    const std::string& binary, bool claims_metadata) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no tokend binary at ", binary, " (see --tokend)"));
  }
  std::unique_ptr<BenchTokend> t(new BenchTokend);
  char tmpl[] = "/dev/shm/grpc_load.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    return absl::InternalError("cannot create a directory under /dev/shm");
  }
  t->dir_ = tmpl;
  t->socket_ = t->dir_ + "/run/tokend.sock";
  t->log_ = t->dir_ + "/tokend.log";
  t->tcp_port_ = FreePort();

  absl::StatusOr<std::shared_ptr<const Key>> hmac =
      GenerateKey(Algorithm::kHS256);
  if (!hmac.ok()) return hmac.status();
  if (auto s = WriteFile(t->dir_ + "/hs256.secret", (*hmac)->secret());
      !s.ok()) {
    return s;
  }
  for (const auto& [name, alg] : {std::pair{"es256", Algorithm::kES256},
                                  std::pair{"eddsa", Algorithm::kEdDSA}}) {
    absl::StatusOr<std::string> pem = KeyPem(alg);
    if (!pem.ok()) return pem.status();
    if (auto s = WriteFile(absl::StrCat(t->dir_, "/", name, ".pem"), *pem);
        !s.ok()) {
      return s;
    }
  }
  const std::string config = t->dir_ + "/tokend.yaml";
  if (auto s = WriteFile(config, ConfigYaml(t->dir_, t->socket_, t->tcp_port_,
                                            claims_metadata));
      !s.ok()) {
    return s;
  }

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // The server must not outlive an interrupted bench.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = open(t->log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 2);
      close(fd);
    }
    std::string bin = binary;
    std::string arg = "--config=" + config;
    char* argv[] = {bin.data(), arg.data(), nullptr};
    execv(bin.c_str(), argv);
    _exit(127);
  }
  t->pid_ = pid;
  return t;
}

BenchTokend::~BenchTokend() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    bool exited = false;
    while (!exited && absl::Now() < deadline) {
      exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!exited) absl::SleepFor(absl::Milliseconds(20));
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string BenchTokend::tcp_target() const {
  return absl::StrCat("127.0.0.1:", tcp_port_);
}

bool WaitServing(const std::string& target, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (stub->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace tokend::bench
