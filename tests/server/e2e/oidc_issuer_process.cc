#include "tests/server/e2e/oidc_issuer_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/json/json.h"

namespace tokend::testing {
namespace {

std::string StringMember(const std::string& body, const std::string& name) {
  json::ParseLimits limits;
  limits.max_bytes = 1 << 20;
  absl::StatusOr<json::Object> object = json::ParseObject(body, limits);
  if (!object.ok()) return "";
  const json::Value* value = object->Find(name);
  return value != nullptr && value->is_string() ? value->as_string() : "";
}

}  // namespace

HttpAnswer HttpRequest(int port, const std::string& method,
                       const std::string& path, const std::string& body) {
  HttpAnswer answer;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return answer;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return answer;
  }
  const std::string request = absl::StrCat(
      method, " ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n",
      "Content-Type: application/json\r\nContent-Length: ", body.size(),
      "\r\nConnection: close\r\n\r\n", body);
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return answer;
  }
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  const size_t space = response.find(' ');
  const size_t end = response.find("\r\n\r\n");
  if (space == std::string::npos || end == std::string::npos) return answer;
  int status = 0;
  if (!absl::SimpleAtoi(response.substr(space + 1, 3), &status)) return answer;
  answer.status = status;
  answer.body = response.substr(end + 4);
  return answer;
}

OidcIssuerProcess::OidcIssuerProcess(int port, std::vector<std::string> args) {
  for (const std::string& a : args) tls_ = tls_ || a == "--tls-cert";
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  std::vector<std::string> argv = {
      "/usr/bin/python3",
      std::string(TOKEND_SOURCE_DIR) + "/tests/harness/oidc_issuer.py",
      "--port", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  close(out[1]);
  // The first line is "PORT <n>"; wait for it with a deadline.
  std::string line;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (line.find('\n') == std::string::npos && absl::Now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    const int ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (poll(&p, 1, ms > 0 ? ms : 0) <= 0) break;
    char c[256];
    const ssize_t n = read(out[0], c, sizeof(c));
    if (n <= 0) break;
    line.append(c, n);
  }
  close(out[0]);
  int parsed = 0;
  if (line.rfind("PORT ", 0) == 0 &&
      absl::SimpleAtoi(line.substr(5, line.find('\n') - 5), &parsed)) {
    port_ = parsed;
  }
}

OidcIssuerProcess::~OidcIssuerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string OidcIssuerProcess::base_url() const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_);
}

int OidcIssuerProcess::Count(const std::string& path) const {
  const HttpAnswer answer = HttpRequest(port_, "GET", "/control/counts");
  if (answer.status != 200) return -1;
  absl::StatusOr<json::Object> object = json::ParseObject(answer.body);
  if (!object.ok()) return -1;
  const json::Value* value = object->Find(path);
  return value != nullptr && value->is_int() ? static_cast<int>(value->as_int())
                                             : 0;
}

bool OidcIssuerProcess::SetMode(const std::string& which,
                                const std::string& mode,
                                const std::string& extra_json) const {
  const std::string body =
      absl::StrCat(R"({"path": ")", which, R"(", "mode": ")", mode, "\"",
                   extra_json.empty() ? "" : ", ", extra_json, "}");
  return HttpRequest(port_, "POST", "/control/mode", body).status == 200;
}

bool OidcIssuerProcess::SetCacheControl(const std::string& value) const {
  return HttpRequest(port_, "POST", "/control/cache_control",
                     absl::StrCat(R"({"value": ")", value, R"("})"))
             .status == 200;
}

std::string OidcIssuerProcess::Rotate(bool keep_old) const {
  return StringMember(
      HttpRequest(
          port_, "POST", "/control/rotate",
          absl::StrCat(R"({"keep_old": )", keep_old ? "true" : "false", "}"))
          .body,
      "kid");
}

std::string OidcIssuerProcess::Mint(const std::string& claims_json) const {
  return StringMember(
      HttpRequest(port_, "POST", "/control/mint",
                  absl::StrCat(R"({"claims": )", claims_json, "}"))
          .body,
      "token");
}

std::string OidcIssuerProcess::LastAuthorization() const {
  return StringMember(
      HttpRequest(port_, "GET", "/control/last_authorization").body, "value");
}

}  // namespace tokend::testing
