// Issue 14 item 2 end to end: key rotation that survives restarts. Two real
// tokend replicas share one key directory; `tokenctl rotate` (the real
// binary) schedules the rotation in the key files; replicas are restarted
// one, then both. Throughout, no token minted before or during the rotation
// is refused, both replicas sign with the same kid at every observation
// (the one the files' schedule names for that instant), and a verifier that
// caches the HTTP JWKS for its Cache-Control max-age never meets a kid it
// does not know.
//
// Plus: a one-step swap of the signing key (no retirement recorded) is
// warned about (file, kid) and counted, and the running process keeps
// verifying the dropped key; a bad schedule value is refused naming the
// file and the member, keeping the last good keys; `tokenctl rotate`
// converts a PEM signing key and refuses a (read-only) Secret mount.
//
// tokend has no test clock hook, so the schedule is real time a few seconds
// ahead (jwks_max_age 8s, publish_margin 1s: room for a restart within the
// publish delay on a loaded machine); every wait polls an
// observable with a deadline.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
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

constexpr int kMaxAgeSeconds = 8;
constexpr char kTenant[] = "acme";

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

// The kids of a JWKS document (tokend writes "kid":"..." members).
std::set<std::string> KidsIn(const std::string& jwks) {
  std::set<std::string> kids;
  for (size_t at = jwks.find("\"kid\":\""); at != std::string::npos;
       at = jwks.find("\"kid\":\"", at + 1)) {
    const size_t start = at + 7;
    kids.insert(jwks.substr(start, jwks.find('"', start) - start));
  }
  return kids;
}

std::string Body(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

double MetricValue(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double v = -1;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &v)) return v;
    }
  }
  return -1;
}

// Runs the real tokenctl; its stdout.
std::string Tokenctl(const std::string& args, const TempDir& scratch) {
  const std::string out = scratch.File("tokenctl.out");
  EXPECT_EQ(
      Shell(absl::StrCat(TOKENCTL_BINARY, " ", args, " > ", out, " 2>&1")), 0)
      << ReadFile(out);
  return ReadFile(out);
}

// One tokend replica of tenant acme, reading keys from `keys_dir`.
class Replica {
 public:
  Replica(std::string name, std::string keys_dir)
      : name_(std::move(name)), keys_dir_(std::move(keys_dir)) {}

  void Start() {
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
      dir: )",
                                           keys_dir_, R"(
      jwks_max_age: )",
                                           kMaxAgeSeconds, R"(s
      publish_margin: 1s
limits:
  rate_limit: {qps: 0}
callers:
  - name: me
    uid: )",
                                           getuid(), R"(
    issue: ["*"]
    verify: ["*"]
)"));
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File(absl::StrCat("tokend-", ++starts_, ".log")));
    ASSERT_TRUE(WaitServing(Target())) << process_->Log();
  }
  void Stop() {
    if (process_ == nullptr) return;
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(), 0) << process_->Log();
    process_.reset();
  }
  void Restart() {
    Stop();
    Start();
  }
  ~Replica() { Stop(); }

  std::string Target() const { return "unix:" + dir_.File("run/tokend.sock"); }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  const std::string& name() const { return name_; }

  std::string Issue() {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant(kTenant);
    request.mutable_subject()->set_user_id("alice");
    v1::IssueTokenResponse response;
    grpc::Status status = v1::TokenService::NewStub(Connect(Target()))
                              ->IssueToken(&context, request, &response);
    EXPECT_TRUE(status.ok()) << name_ << ": " << status.error_message();
    return response.token();
  }
  // "" when valid, else the reason.
  std::string Verify(const std::string& token) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(kTenant);
    request.set_token(token);
    v1::VerifyTokenResponse response;
    grpc::Status status = v1::TokenService::NewStub(Connect(Target()))
                              ->VerifyToken(&context, request, &response);
    if (!status.ok()) return "rpc: " + status.error_message();
    return response.valid() ? "" : response.reason();
  }
  std::set<std::string> PublishedKids() {
    return KidsIn(Body(HttpGet(http_port_, "/.well-known/jwks.json")));
  }
  std::string HttpJwks() {
    return Body(HttpGet(http_port_, "/.well-known/jwks.json"));
  }
  double Metric(const std::string& series) {
    return MetricValue(HttpGet(http_port_, "/metrics"), series);
  }

 private:
  std::string name_;
  std::string keys_dir_;
  TempDir dir_;
  int http_port_ = FreePort();
  int starts_ = 0;
  std::unique_ptr<TokendProcess> process_;
};

// A relying party that caches the JWKS for the Cache-Control max-age it
// was served with and refetches only when that has passed.
class CachingVerifier {
 public:
  void Refresh(Replica& from) {
    fetched_at_ = absl::Now();
    kids_ = KidsIn(from.HttpJwks());
  }
  void MaybeRefresh(Replica& from) {
    if (absl::Now() >= fetched_at_ + absl::Seconds(kMaxAgeSeconds)) {
      Refresh(from);
    }
  }
  bool Knows(const std::string& kid) const { return kids_.count(kid) == 1; }

 private:
  absl::Time fetched_at_ = absl::InfinitePast();
  std::set<std::string> kids_;
};

int64_t ActivationIn(const std::string& jwk_file) {
  const std::string text = ReadFile(jwk_file);
  const size_t at = text.find("\"tokend_activate_at\":");
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + 21, nullptr, 10);
}

class KeyRotationRestartTest : public ::testing::Test {
 protected:
  TempDir scratch_;
  TempDir keys_;
};

TEST_F(KeyRotationRestartTest, RotateThenRestartOneThenBothRefusesNoToken) {
  Tokenctl(absl::StrCat("keygen --alg=ES256 --out=", keys_.File("old.jwk")),
           scratch_);
  Replica a("a", keys_.path()), b("b", keys_.path());
  a.Start();
  b.Start();
  const std::set<std::string> initial = a.PublishedKids();
  ASSERT_EQ(initial.size(), 1u);
  const std::string old_kid = *initial.begin();
  ASSERT_EQ(b.PublishedKids(), initial);

  std::vector<std::string> tokens;  // every token minted, by either replica
  CachingVerifier verifier;
  verifier.Refresh(a);  // cached before the rotation
  std::vector<Replica*> replicas = {&a, &b};
  // Every minted token verifies on both replicas.
  auto all_verify = [&](const std::string& when) {
    for (Replica* r : replicas) {
      for (const std::string& token : tokens) {
        EXPECT_EQ(r->Verify(token), "")
            << when << ": replica " << r->name() << ", kid " << KidOf(token);
      }
    }
  };
  absl::Time activation;
  std::string new_kid;
  int observations_before = 0, observations_after = 0;
  int observations_switching = 0;
  absl::Time last_observation = absl::InfinitePast();
  // One observation: a, b, a mint a token each (the verifier refreshing
  // per Cache-Control first). The replicas must agree, on the kid the
  // schedule names for that instant, except while each applies the switch
  // it computed for the activation instant (its key thread wakes at the
  // instant and rebuilds the tenant: milliseconds; kSwitchLatency bounds
  // it generously for a loaded machine). Then each token has one of the
  // two kids.
  const absl::Duration kSwitchLatency = absl::Seconds(2);
  auto observe = [&] {
    verifier.MaybeRefresh(tokens.size() % 2 == 0 ? a : b);
    const absl::Time start = absl::Now();
    const std::string t1 = a.Issue();
    const std::string t2 = b.Issue();
    const std::string t3 = a.Issue();
    const absl::Time end = absl::Now();
    for (const std::string& t : {t1, t2, t3}) {
      tokens.push_back(t);
      EXPECT_TRUE(verifier.Knows(KidOf(t)))
          << "a verifier with a cached JWKS met kid " << KidOf(t);
      EXPECT_TRUE(KidOf(t) == old_kid || KidOf(t) == new_kid) << KidOf(t);
    }
    if (end >= activation && start < activation + kSwitchLatency) {
      ++observations_switching;
      return;
    }
    const std::string expected = end < activation ? old_kid : new_kid;
    EXPECT_EQ(KidOf(t1), expected) << "replica a";
    EXPECT_EQ(KidOf(t2), expected) << "replica b";
    EXPECT_EQ(KidOf(t3), expected) << "replica a";
    ++(end < activation ? observations_before : observations_after);
  };

  activation = absl::InfiniteFuture();
  new_kid = "(none yet)";
  observe();
  all_verify("before the rotation");

  const std::string out = Tokenctl(
      absl::StrCat("rotate --alg=ES256 --dir=", keys_.path(),
                   " --jwks_max_age=", kMaxAgeSeconds, "s --publish_margin=1s"),
      scratch_);
  ASSERT_THAT(out, HasSubstr("retiring kid=" + old_kid));
  for (const std::string& kid : KidsIn(ReadFile(keys_.File("old.jwk")))) {
    ASSERT_EQ(kid, old_kid);
  }
  // The new key's file: the one other .jwk file.
  std::set<std::string> after_rotate;
  ASSERT_TRUE(WaitFor([&] {
    after_rotate = a.PublishedKids();
    return after_rotate.size() == 2 && b.PublishedKids() == after_rotate;
  })) << a.Log();
  for (const std::string& kid : after_rotate) {
    if (kid != old_kid) new_kid = kid;
  }
  const int64_t activate_at = ActivationIn(keys_.File(new_kid + ".jwk"));
  ASSERT_GT(activate_at, 0);
  activation = absl::FromUnixSeconds(activate_at);
  ASSERT_GE(activation - absl::Now(), absl::Seconds(kMaxAgeSeconds));

  // During the publish delay: restart one replica. It must still sign with
  // the old key (it has not signed the new one yet) and verify everything.
  observe();
  a.Restart();
  observe();
  ASSERT_LT(absl::Now(), activation)
      << "the restart took longer than the publish delay; the test cannot "
         "observe the pending key";
  EXPECT_EQ(a.PublishedKids(), after_rotate);
  all_verify("a restarted during the publish delay");

  // Across the activation, with no file event: observe until both replicas
  // have signed with the new key for a while.
  ASSERT_TRUE(WaitFor(
      [&] {
        // Every 100 ms, so that the token list stays small enough to
        // verify on both replicas under a sanitizer.
        if (absl::Now() >= last_observation + absl::Milliseconds(100)) {
          last_observation = absl::Now();
          observe();
        }
        return observations_after >= 5;
      },
      absl::Seconds(30)))
      << a.Log();
  EXPECT_GE(observations_before, 2);
  all_verify("after the activation");

  // Restart both: they agree from the files alone.
  a.Restart();
  observe();
  b.Restart();
  observe();
  a.Restart();
  b.Restart();
  observe();
  EXPECT_EQ(a.PublishedKids(), after_rotate);
  EXPECT_EQ(b.PublishedKids(), after_rotate);
  all_verify("both restarted after the activation");
  EXPECT_GE(observations_after, 8);
  std::printf(
      "observations: %d before the activation, %d within %s of it, "
      "%d after\n",
      observations_before, observations_switching,
      absl::FormatDuration(kSwitchLatency).c_str(), observations_after);
  for (Replica* r : replicas) {
    EXPECT_EQ(r->Metric("tokend_key_unsafe_removals_total{tenant=\"acme\"}"),
              -1);
  }
}

// The one-step swap the issue reproduced: tokend names the file and kid,
// counts it, and this process keeps verifying the dropped key's tokens.
TEST_F(KeyRotationRestartTest, OneStepSwapIsWarnedCountedAndStillVerified) {
  Tokenctl(absl::StrCat("keygen --alg=ES256 --out=", keys_.File("key.jwk")),
           scratch_);
  Replica a("a", keys_.path());
  a.Start();
  const std::string old_token = a.Issue();
  const std::string old_kid = KidOf(old_token);
  ASSERT_FALSE(old_kid.empty());

  Tokenctl(absl::StrCat("keygen --alg=ES256 --out=", scratch_.File("new.jwk")),
           scratch_);
  ASSERT_EQ(unlink(keys_.File("key.jwk").c_str()), 0);
  ASSERT_EQ(
      rename(scratch_.File("new.jwk").c_str(), keys_.File("new.jwk").c_str()),
      0);
  const std::string series =
      "tokend_key_unsafe_removals_total{tenant=\"acme\"}";
  ASSERT_TRUE(WaitFor([&] { return a.Metric(series) >= 1; })) << a.Log();
  EXPECT_EQ(a.Metric(series), 1);
  EXPECT_THAT(a.Log(), HasSubstr("signing key removed unsafely"));
  EXPECT_THAT(a.Log(), HasSubstr(keys_.File("key.jwk")));
  EXPECT_THAT(a.Log(), HasSubstr(old_kid));
  EXPECT_EQ(a.Verify(old_token), "");
  EXPECT_EQ(a.PublishedKids().count(old_kid), 1u);
}

TEST_F(KeyRotationRestartTest, BadScheduleValueIsRefusedNamingFileAndMember) {
  Tokenctl(absl::StrCat("keygen --alg=ES256 --out=", keys_.File("a.jwk")),
           scratch_);
  Replica a("a", keys_.path());
  a.Start();
  const std::string kid = KidOf(a.Issue());
  const std::set<std::string> before = a.PublishedKids();

  Tokenctl(absl::StrCat("keygen --alg=ES256 --out=", scratch_.File("b.jwk")),
           scratch_);
  std::string text = ReadFile(scratch_.File("b.jwk"));
  text.insert(1, "\"tokend_activate_at\":\"next week\",");
  scratch_.Write("b.tmp", text);
  ASSERT_EQ(rename(scratch_.File("b.tmp").c_str(), keys_.File("b.jwk").c_str()),
            0);
  const std::string failures =
      "tokend_key_reload_failures_total{tenant=\"acme\"}";
  ASSERT_TRUE(WaitFor([&] { return a.Metric(failures) >= 1; })) << a.Log();
  EXPECT_THAT(a.Log(), HasSubstr(keys_.File("b.jwk")));
  EXPECT_THAT(a.Log(), HasSubstr("tokend_activate_at"));
  EXPECT_EQ(a.PublishedKids(), before);
  EXPECT_EQ(KidOf(a.Issue()), kid);
}

// `tokenctl rotate` on a directory holding a PEM signing key: the key
// becomes a JWK file with the same kid and the retirement, the PEM file is
// gone, and the new key activates jwks_max_age + publish_margin ahead. A
// Kubernetes Secret mount (read-only) is refused, naming it.
TEST_F(KeyRotationRestartTest, RotateConvertsPemKeysAndRefusesSecretMounts) {
  ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                  "ec_paramgen_curve:P-256 -out " +
                  keys_.File("key.pem") + " 2>/dev/null"),
            0);
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  const std::string out =
      Tokenctl(absl::StrCat("rotate --dir=", keys_.path(),
                            " --jwks_max_age=1m --publish_margin=10s"),
               scratch_);
  const int64_t after = absl::ToUnixSeconds(absl::Now());
  EXPECT_THAT(out, HasSubstr("converted to " + keys_.File("key.jwk")));
  EXPECT_NE(access(keys_.File("key.pem").c_str(), F_OK), 0);
  const std::string old_jwk = ReadFile(keys_.File("key.jwk"));
  const size_t at = old_jwk.find("\"tokend_retire_at\":");
  ASSERT_NE(at, std::string::npos) << old_jwk;
  const int64_t retire = std::strtoll(old_jwk.c_str() + at + 19, nullptr, 10);
  EXPECT_GE(retire, before + 70);
  EXPECT_LE(retire, after + 71);
  const std::set<std::string> old_kids = KidsIn(old_jwk);
  ASSERT_EQ(old_kids.size(), 1u);
  EXPECT_THAT(out, HasSubstr("retiring kid=" + *old_kids.begin()));
  // The new key: the other .jwk file, activating at the old one's
  // retirement.
  const size_t wrote = out.find("key kid=");
  ASSERT_NE(wrote, std::string::npos) << out;
  const std::string new_kid =
      out.substr(wrote + 8, out.find(' ', wrote + 8) - wrote - 8);
  EXPECT_EQ(ActivationIn(keys_.File(new_kid + ".jwk")), retire);

  ASSERT_EQ(Shell("mkdir -p " + scratch_.File("mount/..v1") +
                  " && ln -s ..v1 " + scratch_.File("mount/..data")),
            0);
  const std::string refused = scratch_.File("refused.out");
  EXPECT_NE(Shell(absl::StrCat(TOKENCTL_BINARY,
                               " rotate --dir=", scratch_.File("mount"), " > ",
                               refused, " 2>&1")),
            0);
  EXPECT_THAT(ReadFile(refused), HasSubstr("Kubernetes Secret mount"));
}

}  // namespace
}  // namespace tokend::testing
