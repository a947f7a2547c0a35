// Issue 14 item 3, the TLS listener: tokend accepts listeners.tls itself
// and hands each admitted fd to gRPC's ExternalConnectionAcceptor, so one
// source IP address holds at most limits.max_connections_per_peer TLS
// connections while mTLS callers are still identified by their SPIFFE ID.
// The real tokend, real TLS over real sockets, a throwaway CA made with the
// openssl CLI.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

// A CA, a server certificate for localhost/127.0.0.1, and client
// certificates with SPIFFE URI SANs ("client" is a configured caller,
// "stranger" is not), in `dir`/`sub`.
void MakeCertificates(const TempDir& dir, const std::string& sub = ".") {
  const std::string quiet = " >/dev/null 2>&1";
  const std::string path = dir.File(sub);
  ASSERT_EQ(Shell("mkdir -p " + path + " && cd " + path +
                  " && openssl req -x509 -newkey ec -pkeyopt "
                  "ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
                  "-days 2 -subj /CN=tokend-tls-test-ca" +
                  quiet),
            0);
  for (const auto& [name, san] :
       std::vector<std::pair<std::string, std::string>>{
           {"server", "DNS:localhost,IP:127.0.0.1"},
           {"client", "URI:spiffe://test.example/client"},
           {"stranger", "URI:spiffe://test.example/stranger"}}) {
    ASSERT_EQ(Shell("cd " + path +
                    " && openssl req -newkey ec -pkeyopt "
                    "ec_paramgen_curve:P-256 -nodes -keyout " +
                    name + ".key -out " + name + ".csr -subj /CN=" + name +
                    quiet + " && printf 'subjectAltName=" + san + "\\n' > " +
                    name + ".ext && openssl x509 -req -in " + name +
                    ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                    "-extfile " +
                    name + ".ext -out " + name + ".pem" + quiet),
              0)
        << name;
  }
}

// tokend with an mTLS listener on `tls_host` (callers by SPIFFE ID), the
// unix socket (to wait for it) and the HTTP port (metrics), at most 3
// connections per peer.
class TlsTokend {
 public:
  explicit TlsTokend(const std::string& tls_host = "127.0.0.1") {
    MakeCertificates(dir_);
    dir_.Write("hs.secret", "0123456789abcdef0123456789abcdef-shared-secret");
    dir_.Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                           dir_.File("run/tokend.sock"), R"(
  tls:
    address: )",
                                           tls_host, ":", tls_port_, R"(
    cert_file: server.pem
    key_file: server.key
    client_ca_file: ca.pem
  http: 127.0.0.1:)",
                                           http_port_, R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: hs.secret}
callers:
  - name: client
    spiffe_id: spiffe://test.example/client
    issue: [demo]
limits:
  max_connections_per_peer: 3
)"));
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    started_ = WaitServing("unix:" + dir_.File("run/tokend.sock"));
  }

  bool started() const { return started_; }
  int tls_port() const { return tls_port_; }
  const TempDir& dir() const { return dir_; }
  void Signal(int sig) const { process_->Signal(sig); }
  std::string Log() const { return process_->Log(); }

  // A new TLS channel (its own connection) to `host` presenting `client`'s
  // certificate.
  std::shared_ptr<grpc::Channel> Channel(
      const std::string& client, const std::string& host = "127.0.0.1") const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(dir_.File("ca.pem"));
    options.pem_private_key = ReadFile(dir_.File(client + ".key"));
    options.pem_cert_chain = ReadFile(dir_.File(client + ".pem"));
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat(host, ":", tls_port_),
                                     grpc::SslCredentials(options), args);
  }

  // tokend_connections_refused_total{listener="tls"}; -1 when absent.
  double TlsRefusals() const {
    const std::string series =
        "tokend_connections_refused_total{listener=\"tls\"} ";
    for (absl::string_view line :
         absl::StrSplit(HttpGet(http_port_, "/metrics"), '\n')) {
      double value = -1;
      if (absl::ConsumePrefix(&line, series) &&
          absl::SimpleAtod(line, &value)) {
        return value;
      }
    }
    return -1;
  }

 private:
  TempDir dir_;
  const int tls_port_ = FreePort();
  const int http_port_ = FreePort();
  std::unique_ptr<TokendProcess> process_;
  bool started_ = false;
};

// IssueToken for demo/alice on `channel` within 5 s.
grpc::Status Issue(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::TokenService::NewStub(channel);
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::IssueTokenRequest request;
  request.set_tenant("demo");
  request.mutable_subject()->set_user_id("alice");
  v1::IssueTokenResponse response;
  grpc::Status status = stub->IssueToken(&context, request, &response);
  if (status.ok() && response.token().empty()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "no token");
  }
  return status;
}

// A plain TCP connection to 127.0.0.1:`port` from the source `from`.
int ConnectFrom(int port, const char* from) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  inet_pton(AF_INET, from, &source.sin_addr);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closes `fd` within `timeout`. A TLS server waits for
// the ClientHello, so an admitted connection stays silent and open.
bool ClosedByPeer(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  while (true) {
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    pollfd p = {fd, POLLIN, 0};
    if (ms < 0 || poll(&p, 1, static_cast<int>(ms)) <= 0) return false;
    if (read(fd, buffer, sizeof(buffer)) <= 0) return true;
  }
}

TEST(TlsListener, ConnectionsPerSourceAddressAreCappedAndCallersKeepTheirId) {
  TlsTokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  EXPECT_EQ(tokend.TlsRefusals(), 0);

  // Three mTLS connections from 127.0.0.1, each a call by the configured
  // SPIFFE ID (the identity comes through the acceptor's handshake).
  std::vector<std::shared_ptr<grpc::Channel>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(tokend.Channel("client"));
    const grpc::Status status = Issue(held.back());
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
  }
  // The 4th connection from 127.0.0.1 is closed at accept and counted.
  const int fourth = ConnectFrom(tokend.tls_port(), "127.0.0.1");
  ASSERT_GE(fourth, 0);
  EXPECT_TRUE(ClosedByPeer(fourth, absl::Seconds(5)));
  close(fourth);
  EXPECT_TRUE(WaitFor([&] { return tokend.TlsRefusals() == 1; }))
      << tokend.TlsRefusals();
  // A 4th TLS client fails to connect at all.
  const grpc::Status refused = Issue(tokend.Channel("client"));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.error_message();
  EXPECT_GE(tokend.TlsRefusals(), 2);

  // Another source address is another peer: admitted (and left waiting for
  // its ClientHello).
  const int other = ConnectFrom(tokend.tls_port(), "127.0.0.2");
  ASSERT_GE(other, 0);
  EXPECT_FALSE(ClosedByPeer(other, absl::Milliseconds(300)));
  close(other);

  // The three held connections still complete calls, with their identity.
  for (size_t i = 0; i < held.size(); ++i) {
    const grpc::Status status = Issue(held[i]);
    EXPECT_TRUE(status.ok()) << i << ": " << status.error_message();
    EXPECT_EQ(held[i]->GetState(false), GRPC_CHANNEL_READY) << i;
  }

  // Closing one frees its slot: a new mTLS client gets in (once tokend has
  // seen the close), and a stranger's certificate is PERMISSION_DENIED.
  held.pop_back();
  std::shared_ptr<grpc::Channel> next;
  grpc::Status last;
  EXPECT_TRUE(WaitFor([&] {
    next = tokend.Channel("client");
    last = Issue(next);
    return last.ok();
  })) << last.error_message();
  next.reset();
  grpc::Status stranger;
  EXPECT_TRUE(WaitFor([&] {
    stranger = Issue(tokend.Channel("stranger"));
    return stranger.error_code() != grpc::StatusCode::UNAVAILABLE;
  }));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << stranger.error_message();
}

// 0.0.0.0 is bound dual-stack, as gRPC bound it before tokend accepted the
// port itself: IPv6 and IPv4 clients are served, and an IPv4 peer (seen as
// an IPv4-mapped address) is still capped per address.
TEST(TlsListener, AWildcardAddressServesIpv6AndIpv4ClientsCappedPerAddress) {
  TlsTokend tokend("0.0.0.0");
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  const grpc::Status v6 = Issue(tokend.Channel("client", "[::1]"));
  EXPECT_TRUE(v6.ok()) << v6.error_message();
  const grpc::Status v4 = Issue(tokend.Channel("client", "127.0.0.1"));
  EXPECT_TRUE(v4.ok()) << v4.error_message();
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(ConnectFrom(tokend.tls_port(), "127.0.0.3"));
    ASSERT_GE(held.back(), 0);
  }
  for (int fd : held) EXPECT_FALSE(ClosedByPeer(fd, absl::Milliseconds(100)));
  const int fourth = ConnectFrom(tokend.tls_port(), "127.0.0.3");
  ASSERT_GE(fourth, 0);
  EXPECT_TRUE(ClosedByPeer(fourth, absl::Seconds(5)));
  close(fourth);
  EXPECT_TRUE(WaitFor([&] { return tokend.TlsRefusals() == 1; }))
      << tokend.TlsRefusals();
  for (int fd : held) close(fd);
}

// The TLS files are read once at start, as before tokend accepted the port
// itself: a reload (SIGHUP) after the server certificate was replaced by
// one from another CA keeps serving the original one, through the same
// acceptor, and the refusal count carries on.
TEST(TlsListener, AReloadKeepsTheListenerAndItsCertificate) {
  TlsTokend tokend;
  ASSERT_TRUE(tokend.started()) << tokend.Log();
  MakeCertificates(tokend.dir(), "other");
  ASSERT_EQ(
      Shell("cp " + tokend.dir().File("other/server.pem") + " " +
            tokend.dir().File("other/server.key") + " " + tokend.dir().path()),
      0);
  tokend.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(tokend.Log(), "config reloaded");
  })) << tokend.Log();
  const grpc::Status status = Issue(tokend.Channel("client"));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(tokend.TlsRefusals(), 0);
}

}  // namespace
}  // namespace tokend::testing
