// Managed keys end to end, through the real tokend binary: a key directory
// laid out like a Kubernetes Secret mount (`..data` symlink swaps), rotation
// under continuous verification, bad and half-written files, a tenant
// without a signing key, WatchJwks pushes, the HTTP JWKS (ETag, 304,
// Cache-Control), openid-configuration, and jose's createRemoteJWKSet and
// PyJWT's PyJWKClient verifying tokend's tokens from the HTTP endpoint.
//
// Every tenant uses keys.jwks_max_age 1s and publish_margin 0s, so a new
// key may sign one second after it is published. Every wait polls a real
// observable with a deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/key_service.grpc.pb.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTenant[] = "acme";

std::string MakeEcPem(const TempDir& dir, const std::string& name) {
  const std::string path = dir.File(name);
  EXPECT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                  "ec_paramgen_curve:P-256 -out " +
                  path + " 2>/dev/null"),
            0);
  return ReadFile(path);
}

std::string PublicPem(const TempDir& dir, const std::string& private_name) {
  const std::string out = dir.File(private_name + ".pub");
  EXPECT_EQ(Shell("openssl pkey -in " + dir.File(private_name) +
                  " -pubout -out " + out + " 2>/dev/null"),
            0);
  return ReadFile(out);
}

// A directory managed the way the kubelet's atomic writer manages a Secret
// volume: the files live in a `..<version>` directory, `..data` points at
// it, and each visible name is a symlink through `..data`. Publish()
// writes a new version and swaps `..data` with one rename.
class SecretMount {
 public:
  explicit SecretMount(std::string path) : path_(std::move(path)) {
    EXPECT_EQ(Shell("mkdir -p " + path_), 0);
  }
  const std::string& path() const { return path_; }

  void Publish(const std::vector<std::pair<std::string, std::string>>& files) {
    const std::string version = absl::StrCat("..v", ++version_);
    const std::string dir = absl::StrCat(path_, "/", version);
    ASSERT_EQ(Shell("mkdir " + dir), 0);
    for (const auto& [name, content] : files) {
      FILE* f = fopen(absl::StrCat(dir, "/", name).c_str(), "w");
      ASSERT_NE(f, nullptr);
      fwrite(content.data(), 1, content.size(), f);
      fclose(f);
    }
    ASSERT_EQ(symlink(version.c_str(), (path_ + "/..data_tmp").c_str()), 0);
    ASSERT_EQ(
        rename((path_ + "/..data_tmp").c_str(), (path_ + "/..data").c_str()),
        0);
    // Visible names: add the new ones, drop the gone ones, then the old
    // version, as the kubelet does after the swap.
    ASSERT_EQ(Shell("cd " + path_ +
                    " && find . -maxdepth 1 -type l ! -name "
                    "'..*' -delete"),
              0);
    for (const auto& [name, content] : files) {
      ASSERT_EQ(
          symlink(("..data/" + name).c_str(), (path_ + "/" + name).c_str()), 0);
    }
    if (version_ > 1) {
      ASSERT_EQ(Shell(absl::StrCat("rm -rf ", path_, "/..v", version_ - 1)), 0);
    }
  }

 private:
  std::string path_;
  int version_ = 0;
};

// The "kid" of a compact JWS's header.
std::string KidOf(const std::string& token) {
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string header;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[0], &header)) {
    return "";
  }
  const size_t at = header.find("\"kid\":\"");
  if (at == std::string::npos) return "";
  const size_t start = at + 7;
  return header.substr(start, header.find('"', start) - start);
}

// GET with extra request headers; the whole response.
std::string HttpGetWith(int port, const std::string& path,
                        const std::string& headers) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = absl::StrCat(
      "GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n", headers, "\r\n");
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

std::string Header(const std::string& response, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(response, "\r\n")) {
    if (line.empty()) break;
    if (absl::StartsWithIgnoreCase(line, name + ": ")) {
      return std::string(line.substr(name.size() + 2));
    }
  }
  return "";
}

std::string Body(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// The value of one series in a /metrics scrape; -1 when absent.
double MetricValue(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double v = -1;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &v)) return v;
    }
  }
  return -1;
}

class KeysServerTest : public ::testing::Test {
 protected:
  // Starts tokend with one jwt tenant whose keys are `keys_yaml` (the
  // fields under `keys:`).
  void StartTokend(const std::string& keys_yaml) {
    dir_.Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                           dir_.File("run/tokend.sock"), R"(
  http: 127.0.0.1:)",
                                           http_port_, R"(
  http_public_url: http://127.0.0.1:)",
                                           http_port_, R"(
tenants:
  - name: acme
    profile: jwt
    issuer: https://acme.test
    audience: [svc]
    ttl: {default: 10m, max: 1h}
    keys:
)",
                                           keys_yaml, R"(
      jwks_max_age: 1s
      publish_margin: 0s
limits:
  rate_limit: {qps: 0}  # the rotation test verifies as fast as it can
callers:
  - name: me
    uid: )",
                                           getuid(), R"(
    issue: ["*"]
    verify: ["*"]
)"));
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    ASSERT_TRUE(WaitServing(Target())) << process_->Log();
  }

  void TearDown() override {
    if (process_ == nullptr) return;
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(), 0) << process_->Log();
  }

  std::string Target() const { return "unix:" + dir_.File("run/tokend.sock"); }

  grpc::Status Issue(v1::IssueTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant(kTenant);
    request.mutable_subject()->set_user_id("alice");
    return v1::TokenService::NewStub(Connect(Target()))
        ->IssueToken(&context, request, response);
  }

  // The issued token, or "" (with a test failure) when the issue fails.
  std::string IssueToken() {
    v1::IssueTokenResponse response;
    grpc::Status status = Issue(&response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  v1::VerifyTokenResponse Verify(const std::string& token) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(kTenant);
    request.set_token(token);
    v1::VerifyTokenResponse response;
    grpc::Status status = v1::TokenService::NewStub(Connect(Target()))
                              ->VerifyToken(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::GetJwksResponse GetJwks() {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::GetJwksRequest request;
    request.set_tenant(kTenant);
    v1::GetJwksResponse response;
    grpc::Status status = v1::KeyService::NewStub(Connect(Target()))
                              ->GetJwks(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::set<std::string> PublishedKids() {
    std::set<std::string> kids;
    const v1::GetJwksResponse jwks = GetJwks();
    for (const v1::PublishedKey& key : jwks.keys()) kids.insert(key.kid());
    return kids;
  }

  double ReloadFailures() {
    return MetricValue(HttpGet(http_port_, "/metrics"),
                       "tokend_key_reload_failures_total{tenant=\"acme\"}");
  }

  // Waits until a freshly issued token carries `kid`.
  bool WaitSigner(const std::string& kid) {
    return WaitFor([&] { return KidOf(IssueToken()) == kid; },
                   absl::Seconds(30));
  }

  TempDir dir_;
  int http_port_ = FreePort();
  std::unique_ptr<TokendProcess> process_;
};

// A verifier calls VerifyToken in a loop on fresh tokens (and on a token
// signed before the swap) while the Secret swaps the old key for a new one
// in one step: no verification fails, and once the new key has been
// published for jwks_max_age, new tokens carry its kid.
TEST_F(KeysServerTest, RotationUnderLoadThroughDataSymlinkSwapOK) {
  TempDir keys;
  SecretMount mount(keys.File("acme"));
  mount.Publish({{"key.pem", MakeEcPem(dir_, "a.pem")}});
  StartTokend("      dir: " + mount.path());
  const std::set<std::string> before = PublishedKids();
  ASSERT_EQ(before.size(), 1u);
  const std::string kid_a = *before.begin();
  const std::string token_a = IssueToken();
  ASSERT_EQ(KidOf(token_a), kid_a);

  std::atomic<bool> stop{false};
  std::atomic<int> verified{0}, failures{0};
  absl::Mutex mu;
  std::set<std::string> kids_seen;
  std::vector<std::string> failure_details;
  std::thread verifier([&] {
    while (!stop.load()) {
      v1::IssueTokenResponse issued;
      grpc::Status status = Issue(&issued);
      for (const std::string& token : {issued.token(), token_a}) {
        const v1::VerifyTokenResponse r =
            status.ok() ? Verify(token) : v1::VerifyTokenResponse();
        absl::MutexLock lock(&mu);
        if (status.ok() && r.valid()) {
          ++verified;
        } else {
          ++failures;
          if (failure_details.size() < 10)
            failure_details.push_back(status.ok() ? r.reason()
                                                  : status.error_message());
        }
      }
      absl::MutexLock lock(&mu);
      kids_seen.insert(KidOf(issued.token()));
    }
  });

  // One swap: the new version holds only the new key.
  mount.Publish({{"key.pem", MakeEcPem(dir_, "b.pem")}});
  std::string kid_b;
  ASSERT_TRUE(WaitFor([&] {
    const std::set<std::string> kids = PublishedKids();
    for (const std::string& kid : kids) {
      if (kid != kid_a) kid_b = kid;
    }
    return !kid_b.empty();
  })) << process_->Log();
  ASSERT_TRUE(WaitSigner(kid_b)) << process_->Log();
  // Keep verifying a little on the new key.
  const int mark = verified.load();
  ASSERT_TRUE(WaitFor([&] { return verified.load() >= mark + 20; }));
  stop = true;
  verifier.join();

  EXPECT_EQ(failures.load(), 0) << absl::StrJoin(failure_details, "; ");
  EXPECT_GT(verified.load(), 20);
  EXPECT_TRUE(kids_seen.count(kid_b) == 1);
  // The old key is retired, still published, and still verifies its token.
  const v1::GetJwksResponse jwks = GetJwks();
  ASSERT_EQ(jwks.keys_size(), 2);
  for (const v1::PublishedKey& key : jwks.keys()) {
    EXPECT_EQ(key.state(), key.kid() == kid_b ? v1::KEY_STATE_ACTIVE
                                              : v1::KEY_STATE_RETIRED);
  }
  EXPECT_TRUE(Verify(token_a).valid());
  EXPECT_THAT(process_->Log(), HasSubstr("signing key changed"));
}

// A corrupt file, then a half-written one, keep the last good keys; each
// failure is logged with the file and counted; completing the file brings
// the new key.
TEST_F(KeysServerTest, CorruptAndHalfWrittenFilesKeepTheOldKeys) {
  TempDir keys;
  const std::string a = MakeEcPem(dir_, "a.pem");
  keys.Write("a.pem", a);
  StartTokend("      dir: " + keys.path());
  const std::string etag = GetJwks().etag();
  const std::string kid_a = *PublishedKids().begin();
  EXPECT_EQ(ReloadFailures(), -1);

  keys.Write("broken.pem",
             "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n"
             "-----END PRIVATE KEY-----\n");
  ASSERT_TRUE(WaitFor([&] { return ReloadFailures() >= 1; }))
      << process_->Log();
  EXPECT_EQ(GetJwks().etag(), etag);
  EXPECT_EQ(KidOf(IssueToken()), kid_a);
  EXPECT_THAT(process_->Log(), HasSubstr("broken.pem"));
  ASSERT_EQ(unlink(keys.File("broken.pem").c_str()), 0);

  // Half of a valid PEM, written in place.
  const std::string b = MakeEcPem(dir_, "b.pem");
  const double failed = ReloadFailures();
  keys.Write("b.pem", b.substr(0, b.size() / 2));
  ASSERT_TRUE(WaitFor([&] { return ReloadFailures() > failed; }))
      << process_->Log();
  EXPECT_EQ(GetJwks().etag(), etag);
  const std::string token = IssueToken();
  EXPECT_EQ(KidOf(token), kid_a);
  EXPECT_TRUE(Verify(token).valid());
  EXPECT_THAT(process_->Log(), HasSubstr("b.pem"));
  EXPECT_THAT(process_->Log(), Not(HasSubstr(b.substr(40, 30))));

  keys.Write("b.pem", b);
  ASSERT_TRUE(WaitFor([&] { return PublishedKids().size() == 2; }))
      << process_->Log();
}

TEST_F(KeysServerTest, UnknownKidIsRefusedUnknownKid) {
  TempDir keys;
  keys.Write("a.pem", MakeEcPem(dir_, "a.pem"));
  StartTokend("      dir: " + keys.path());
  const std::string token = IssueToken();
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  const std::string header =
      absl::WebSafeBase64Escape(R"({"alg":"ES256","kid":"nope","typ":"JWT"})");
  const v1::VerifyTokenResponse r =
      Verify(absl::StrCat(header, ".", parts[1], ".", parts[2]));
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(r.reason(), "UNKNOWN_KID");
}

// Only a public key: verify-only, issue refused UNAVAILABLE NO_SIGNING_KEY,
// /readyz degraded naming the tenant; a private key file fixes both.
TEST_F(KeysServerTest, NoSigningKeyIsUnavailableAndNotReady) {
  TempDir keys;
  MakeEcPem(dir_, "a.pem");
  keys.Write("a.pub", PublicPem(dir_, "a.pem"));
  StartTokend("      dir: " + keys.path());
  v1::IssueTokenResponse issued;
  const grpc::Status status = Issue(&issued);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "NO_SIGNING_KEY");
  const std::string ready = HttpGet(http_port_, "/readyz");
  EXPECT_THAT(ready, HasSubstr("503"));
  EXPECT_THAT(ready, HasSubstr("acme"));

  keys.Write("b.pem", MakeEcPem(dir_, "b.pem"));
  ASSERT_TRUE(WaitFor([&] { return Issue(&issued).ok(); })) << process_->Log();
  EXPECT_TRUE(Verify(issued.token()).valid());
  EXPECT_THAT(HttpGet(http_port_, "/readyz"), HasSubstr("200 OK"));
}

TEST_F(KeysServerTest, WatchJwksPushesTheSetAfterARotationOK) {
  TempDir keys;
  SecretMount mount(keys.File("acme"));
  mount.Publish({{"a.pem", MakeEcPem(dir_, "a.pem")}});
  StartTokend("      dir: " + mount.path());
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  v1::WatchJwksRequest request;
  request.set_tenant(kTenant);
  auto stream =
      v1::KeyService::NewStub(Connect(Target()))->WatchJwks(&context, request);
  v1::WatchJwksResponse first;
  ASSERT_TRUE(stream->Read(&first));
  EXPECT_EQ(first.sequence(), 1u);
  ASSERT_EQ(first.keys_size(), 1);
  EXPECT_EQ(first.keys(0).state(), v1::KEY_STATE_ACTIVE);
  EXPECT_EQ(first.max_age().seconds(), 1);

  mount.Publish({{"a.pem", ReadFile(dir_.File("a.pem"))},
                 {"b.pem", MakeEcPem(dir_, "b.pem")}});
  // The new key arrives pending, then becomes the signer.
  v1::WatchJwksResponse next;
  ASSERT_TRUE(stream->Read(&next));
  EXPECT_EQ(next.sequence(), 2u);
  ASSERT_EQ(next.keys_size(), 2);
  EXPECT_NE(next.etag(), first.etag());
  bool pending = false;
  for (const auto& key : next.keys()) {
    pending = pending || key.state() == v1::KEY_STATE_PENDING;
  }
  EXPECT_TRUE(pending);
  v1::WatchJwksResponse rotated;
  ASSERT_TRUE(stream->Read(&rotated));
  EXPECT_EQ(rotated.sequence(), 3u);
  EXPECT_EQ(rotated.etag(), next.etag());  // same keys, new states
  for (const auto& key : rotated.keys()) {
    EXPECT_NE(key.state(), v1::KEY_STATE_PENDING);
  }
  context.TryCancel();
  stream->Finish();
}

TEST_F(KeysServerTest, HttpJwksEtagCacheControlAndOpenIdConfigurationOK) {
  StartTokend("      generate: true");
  const std::string jwks = HttpGet(http_port_, "/.well-known/jwks.json");
  EXPECT_THAT(jwks, HasSubstr("200 OK"));
  EXPECT_EQ(Header(jwks, "Cache-Control"), "public, max-age=1");
  EXPECT_EQ(Header(jwks, "Content-Type"), "application/jwk-set+json");
  const std::string etag = Header(jwks, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag, GetJwks().etag());
  EXPECT_THAT(Body(jwks), HasSubstr(KidOf(IssueToken())));

  const std::string cached = HttpGetWith(http_port_, "/.well-known/jwks.json",
                                         "If-None-Match: " + etag + "\r\n");
  EXPECT_THAT(cached, HasSubstr("304 Not Modified"));
  EXPECT_EQ(Header(cached, "ETag"), etag);
  EXPECT_EQ(Body(cached), "");
  const std::string stale = HttpGetWith(http_port_, "/.well-known/jwks.json",
                                        "If-None-Match: \"other\"\r\n");
  EXPECT_THAT(stale, HasSubstr("200 OK"));

  const std::string base = absl::StrCat("http://127.0.0.1:", http_port_);
  EXPECT_EQ(
      Body(HttpGet(http_port_, "/.well-known/openid-configuration")),
      absl::StrCat(R"({"id_token_signing_alg_values_supported":["ES256"],)"
                   R"("issuer":"https://acme.test","jwks_uri":")",
                   base, R"(/.well-known/jwks.json"})"));
  EXPECT_THAT(
      Body(HttpGet(http_port_, "/t/acme/.well-known/openid-configuration")),
      HasSubstr(absl::StrCat(R"("jwks_uri":")", base,
                             R"(/t/acme/.well-known/jwks.json")")));
  EXPECT_EQ(Body(HttpGet(http_port_, "/t/acme/.well-known/jwks.json")),
            Body(jwks));
  EXPECT_THAT(HttpGet(http_port_, "/t/nobody/.well-known/jwks.json"),
              HasSubstr("404"));
}

// jose's createRemoteJWKSet and PyJWT's PyJWKClient fetch the HTTP JWKS
// and verify tokend's tokens, before and after a rotation.
TEST_F(KeysServerTest, RemoteJwksConsumersVerifyAcrossARotationOK) {
  TempDir keys;
  SecretMount mount(keys.File("acme"));
  mount.Publish({{"key.pem", MakeEcPem(dir_, "a.pem")}});
  StartTokend("      dir: " + mount.path());
  const std::string url =
      absl::StrCat("http://127.0.0.1:", http_port_, "/.well-known/jwks.json");
  const std::string interop = std::string(TOKEND_SOURCE_DIR) + "/tests/interop";
  // Each tool prints the kid it verified, one line per token.
  auto verify_all = [&](const std::vector<std::string>& tokens) {
    std::string input;
    for (const std::string& t : tokens) absl::StrAppend(&input, t, "\n");
    dir_.Write("tokens.txt", input);
    const std::string args =
        absl::StrCat(url, " https://acme.test svc < ", dir_.File("tokens.txt"));
    const std::string node_out = dir_.File("node.out");
    const std::string py_out = dir_.File("py.out");
    EXPECT_EQ(Shell("cd " + interop + " && node remote_jwks.mjs " + args +
                    " > " + node_out + " 2>&1"),
              0)
        << ReadFile(node_out);
    EXPECT_EQ(Shell("/usr/bin/python3 " + interop + "/remote_jwks.py " + args +
                    " > " + py_out + " 2>&1"),
              0)
        << ReadFile(py_out);
    std::string expected;
    for (const std::string& t : tokens)
      absl::StrAppend(&expected, KidOf(t), "\n");
    EXPECT_EQ(ReadFile(node_out), expected);
    EXPECT_EQ(ReadFile(py_out), expected);
  };
  const std::string token_a = IssueToken();
  verify_all({token_a});

  mount.Publish({{"key.pem", MakeEcPem(dir_, "b.pem")}});
  ASSERT_TRUE(WaitFor([&] { return PublishedKids().size() == 2; }));
  std::string token_b;
  ASSERT_TRUE(WaitFor(
      [&] {
        token_b = IssueToken();
        return KidOf(token_b) != KidOf(token_a);
      },
      absl::Seconds(30)));
  verify_all({token_b, token_a});
}

// Bad key settings stop the start with the file and the field.
TEST(KeysConfigTest, BadKeySettingsNameTheField) {
  struct Case {
    std::string keys;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{dir: /nonexistent/tokend-keys}", "tenants[0].keys.dir"},
      {"{generate: true, file: k.pem}", "tenants[0].keys: set exactly one"},
      {"{dir: ., rotation_period: 1h}", "tenants[0].keys.rotation_period"},
      {"{generate: true, jwks_max_age: soon}", "tenants[0].keys.jwks_max_age"},
      {"{generate: true, publish_delay: 1s}",
       "tenants[0].keys.publish_delay: unknown field"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    dir.Write("bad.yaml", absl::StrCat(R"(
listeners: {unix_socket: )",
                                       dir.File("tokend.sock"), R"(}
tenants:
  - {name: acme, profile: jwt, issuer: https://acme.test, keys: )",
                                       c.keys, "}\n"));
    TokendProcess p({"--config=" + dir.File("bad.yaml")}, dir.File("log"));
    EXPECT_EQ(p.WaitExit(), 1) << c.keys;
    EXPECT_THAT(p.Log(), HasSubstr(dir.File("bad.yaml") + ": " + c.field))
        << p.Log();
  }
}

}  // namespace
}  // namespace tokend::testing
