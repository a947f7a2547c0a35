// The HTTP port's exchange routes over a real tokend socket: what a client
// or an attacker sends before any exchange happens (a huge or unsized
// body, a repeated parameter, a wrong content type, CORS preflights from
// an allowed and a refused origin, /ping, no Bearer token) and the worker
// cap that keeps the probes answering while exchange callers trickle
// their bodies. None of these needs a working exchange; the lead adds the
// exchange end to end once DoExchange is merged.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kForm[] = "application/x-www-form-urlencoded";
// server/api/http_server.h's kExchangeWorkers.
constexpr int kExchangeWorkersForTest = 48;

// One tokend with a jwt tenant, the HTTP port and one allowed CORS origin.
class Tokend {
 public:
  Tokend() {
    dir_.Write("hs.secret", "0123456789abcdef0123456789abcdef-shared-secret");
    dir_.Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                           dir_.File("tokend.sock"), R"(
  http: 127.0.0.1:)",
                                           http_port_, R"(
  http_cors:
    allowed_origins: ["https://app.example.com"]
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: hs.secret}
)"));
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    started_ = WaitServing("unix:" + dir_.File("tokend.sock"));
  }
  bool started() const { return started_; }
  int http_port() const { return http_port_; }
  std::string Log() const { return process_->Log(); }

 private:
  TempDir dir_;
  const int http_port_ = FreePort();
  std::unique_ptr<TokendProcess> process_;
  bool started_ = false;
};

int ConnectTcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads `fd` until the peer closes it; "" when `deadline` passes first.
std::string ReadUntilClosed(int fd, absl::Time deadline) {
  std::string response;
  char buffer[4096];
  while (absl::Now() < deadline) {
    pollfd p = {fd, POLLIN, 0};
    const int ms = static_cast<int>(std::max<int64_t>(
        1, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (poll(&p, 1, ms) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return response;
    response.append(buffer, n);
  }
  return "";
}

// Reads one response from `fd`: its head and Content-Length bytes of
// body; "" when `deadline` passes first.
std::string ReadResponse(int fd, absl::Time deadline) {
  std::string response;
  char buffer[4096];
  while (absl::Now() < deadline) {
    const size_t head_end = response.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t cl = response.find("Content-Length: ");
      size_t length = 0;
      if (cl != std::string::npos && cl < head_end) {
        length = std::stoul(response.substr(cl + 16));
      }
      if (response.size() >= head_end + 4 + length) return response;
    }
    pollfd p = {fd, POLLIN, 0};
    const int ms = static_cast<int>(std::max<int64_t>(
        1, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (poll(&p, 1, ms) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return response;
    response.append(buffer, n);
  }
  return "";
}

// Sends `raw` (a whole request, or its beginning) and returns the whole
// response, "" when none arrives within `timeout`.
std::string Exchange(int port, const std::string& raw,
                     absl::Duration timeout = absl::Seconds(5)) {
  const int fd = ConnectTcp(port);
  if (fd < 0) return "";
  (void)!write(fd, raw.data(), raw.size());
  std::string response = ReadUntilClosed(fd, absl::Now() + timeout);
  close(fd);
  return response;
}

std::string Post(const std::string& path, const std::string& content_type,
                 const std::string& body) {
  return absl::StrCat(
      "POST ", path,
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ", content_type,
      "\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
}

std::string TokenExchangeBody(const std::string& extra = "") {
  return absl::StrCat(
      "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
      "&subject_token=eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
      "&subject_token_type=urn:ietf:params:oauth:token-type:jwt",
      extra);
}

TEST(HttpExchangeRoutes, HugeBodyIsRefusedWithoutBeingRead) {
  Tokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  // Ten MiB announced, 1 KiB sent: the answer comes at once (well inside
  // the 2 s request timeout), without waiting for the rest.
  const int fd = ConnectTcp(tokend.http_port());
  ASSERT_GE(fd, 0);
  const std::string head = absl::StrCat(
      "POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ", kForm,
      "\r\nContent-Length: 10485760\r\n\r\n", std::string(1024, 'a'));
  ASSERT_EQ(write(fd, head.data(), head.size()),
            static_cast<ssize_t>(head.size()));
  const absl::Time start = absl::Now();
  const std::string response = ReadResponse(fd, start + absl::Seconds(5));
  close(fd);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 400 Bad Request"));
  EXPECT_THAT(response, HasSubstr("Cache-Control: no-store"));
  EXPECT_THAT(response,
              HasSubstr(R"({"error":"invalid_request","error_description":)"
                        R"("the body is over 65536 bytes"})"));
  // Chunked (no Content-Length) is refused the same way.
  EXPECT_THAT(
      Exchange(tokend.http_port(),
               absl::StrCat("POST /oauth2/token HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: ",
                            kForm,
                            "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"
                            "\r\n0\r\n\r\n")),
      HasSubstr("the body needs a Content-Length"));
}

TEST(HttpExchangeRoutes, RepeatedParameterAndWrongContentTypeAreRfc6749Errors) {
  Tokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  std::string response =
      Exchange(tokend.http_port(),
               Post("/oauth2/token", kForm,
                    TokenExchangeBody(
                        "&subject_token=eyJhbGciOiJFUzI1NiJ9.e30.b3RoZXI")));
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 400 Bad Request"));
  EXPECT_THAT(response, HasSubstr("Content-Type: application/json"));
  EXPECT_THAT(response,
              HasSubstr("{\"error\":\"invalid_request\",\"error_description\":"
                        "\"subject_token: repeated (at most once)\"}"));
  EXPECT_THAT(response, Not(HasSubstr("b3RoZXI")));  // never echoes a token

  response =
      Exchange(tokend.http_port(), Post("/oauth2/token", "application/json",
                                        R"({"grant_type":"token-exchange"})"));
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 400 Bad Request"));
  EXPECT_THAT(response, HasSubstr("Content-Type must be "
                                  "application/x-www-form-urlencoded"));

  response = Exchange(tokend.http_port(),
                      "GET /oauth2/token HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 405 Method Not Allowed"));
  EXPECT_THAT(response, HasSubstr("Allow: POST, OPTIONS"));
}

TEST(HttpExchangeRoutes, PreflightFromAnAllowedAndARefusedOrigin) {
  Tokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  const auto preflight = [&](const std::string& origin) {
    return Exchange(
        tokend.http_port(),
        absl::StrCat("OPTIONS /rtc/room/publisher/uid/1/ HTTP/1.1\r\n"
                     "Host: tokend.example.com\r\nOrigin: ",
                     origin,
                     "\r\nAccess-Control-Request-Method: GET\r\n"
                     "Access-Control-Request-Headers: authorization\r\n\r\n"));
  };
  std::string response = preflight("https://app.example.com");
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 204 No Content"));
  EXPECT_THAT(response, HasSubstr("Access-Control-Allow-Origin: "
                                  "https://app.example.com\r\n"));
  EXPECT_THAT(response,
              HasSubstr("Access-Control-Allow-Methods: GET, OPTIONS\r\n"));
  EXPECT_THAT(response, HasSubstr("Access-Control-Allow-Headers: "
                                  "Authorization, Content-Type, X-Request-Id"));
  EXPECT_THAT(response, HasSubstr("Access-Control-Max-Age: 600\r\n"));
  EXPECT_THAT(response, HasSubstr("Vary: Origin\r\n"));

  response = preflight("https://evil.example.com");
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 403 Forbidden"));
  EXPECT_THAT(response, Not(HasSubstr("Access-Control-")));
}

TEST(HttpExchangeRoutes, PingAnswersAndTokenRoutesWantABearerToken) {
  Tokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  std::string response =
      Exchange(tokend.http_port(), "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(response, HasSubstr("\r\n\r\n{\"message\":\"pong\"}"));
  response = Exchange(tokend.http_port(),
                      "GET /rtc/room/publisher/uid/1/?expiry=600 HTTP/1.1\r\n"
                      "Host: x\r\n\r\n");
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 401 Unauthorized"));
  EXPECT_THAT(response, HasSubstr("WWW-Authenticate: Bearer"));
  EXPECT_THAT(response,
              HasSubstr(R"({"error":"Authorization: Bearer <identity token> )"
                        R"(is required","status":401})"));
}

TEST(HttpExchangeRoutes, ProbesAnswerWhileExchangeCallersTrickleBodies) {
  Tokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  // 70 exchange requests whose bodies never finish: more than the 64
  // workers. 48 are served, each waiting up to the 2 s request timeout for
  // its body; the other 22 are answered 503 at once (and, as real clients
  // do, close), so workers stay free for the probes.
  std::vector<int> held;
  for (int i = 0; i < 70; ++i) {
    const int fd = ConnectTcp(tokend.http_port());
    ASSERT_GE(fd, 0);
    const std::string start = absl::StrCat(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: ", kForm,
        "\r\nContent-Length: 1000\r\n\r\ngrant_type=");
    ASSERT_EQ(write(fd, start.data(), start.size()),
              static_cast<ssize_t>(start.size()));
    held.push_back(fd);
  }
  const absl::Time opened = absl::Now();
  // Wait (poll on all, with a deadline) for the 22 answers; the served
  // ones stay silent.
  int busy = 0;
  std::vector<int> served = held;
  const absl::Time deadline = opened + absl::Milliseconds(1500);
  while (busy < 70 - kExchangeWorkersForTest && absl::Now() < deadline) {
    std::vector<pollfd> polls;
    for (int fd : served) polls.push_back({fd, POLLIN, 0});
    const int ms = static_cast<int>(std::max<int64_t>(
        1, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (poll(polls.data(), polls.size(), ms) <= 0) break;
    std::vector<int> still;
    for (const pollfd& p : polls) {
      if ((p.revents & (POLLIN | POLLHUP)) == 0) {
        still.push_back(p.fd);
        continue;
      }
      const std::string answer =
          ReadResponse(p.fd, absl::Now() + absl::Seconds(1));
      EXPECT_THAT(answer, HasSubstr("HTTP/1.1 503 Service Unavailable"));
      EXPECT_THAT(answer, HasSubstr("temporarily_unavailable"));
      EXPECT_THAT(answer, HasSubstr("Retry-After: 1"));
      ++busy;
      close(p.fd);
    }
    served = std::move(still);
  }
  EXPECT_EQ(busy, 70 - kExchangeWorkersForTest);
  // Still inside the 2 s the served ones may wait: the probes answer at
  // once.
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(Exchange(tokend.http_port(),
                         absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n"),
                         absl::Seconds(1)),
                HasSubstr("200 OK"))
        << path;
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << path;
  }
  EXPECT_LT(absl::Now() - opened, absl::Seconds(2));
  for (int fd : served) {
    EXPECT_THAT(ReadResponse(fd, absl::Now() + absl::Seconds(10)),
                HasSubstr("408 Request Timeout"));
    close(fd);
  }
}

}  // namespace
}  // namespace tokend::testing
