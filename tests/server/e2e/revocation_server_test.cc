// Durable and shared revocation through the real tokend binary: the SQLite
// default survives kill -9; three replicas share one real redis-server
// (revocations reach the others within a second, end their subscriptions,
// a late replica loads everything); Redis going away switches fail-closed
// and fail-open replicas as configured, visibly in health, readiness and
// metrics; Redis coming back heals everything and converges what was
// revoked meanwhile. Plus the config rules of the `revocation` section.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/revocation/redis_harness.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::tokend::testing::RedisCommand;
using ::tokend::testing::RedisSentinel;

constexpr char kHealthService[] = "tokend.v1.TokenService";

// One tokend with its own directory, ports and stub; all replicas of a test
// share the tenant's secret so tokens verify on every one.
class Replica {
 public:
  // `revocation` is the YAML body of the revocation section ("" for none).
  explicit Replica(const std::string& revocation,
                   const std::string& state_dir = "") {
    dir_.Write("hs.secret", "0123456789abcdef0123456789abcdef-shared-secret");
    config_ = absl::StrCat(
        R"(
listeners:
  unix_socket: )",
        dir_.File("run/tokend.sock"), R"(
  health: 127.0.0.1:)",
        health_port_, R"(
  http: 127.0.0.1:)",
        http_port_, R"(
)",
        state_dir.empty() ? "" : absl::StrCat("state_dir: ", state_dir, "\n"),
        R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: hs.secret}
    ttl: {default: 10m, max: 1h}
callers:
  - name: me
    uid: )",
        getuid(), R"(
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
)",
        revocation.empty() ? "" : absl::StrCat("revocation:\n", revocation));
    dir_.Write("tokend.yaml", config_);
  }

  // Starts (or restarts) the process and waits until it serves.
  ::testing::AssertionResult Start() {
    process_.reset();
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    if (!WaitServing(Target())) {
      return ::testing::AssertionFailure() << "not serving: " << Log();
    }
    stub_ = v1::TokenService::NewStub(Connect(Target()));
    return ::testing::AssertionSuccess();
  }
  void KillNine() {
    process_->Signal(SIGKILL);
    EXPECT_EQ(process_->WaitExit(), 128 + SIGKILL);
  }

  std::string Target() const { return "unix:" + dir_.File("run/tokend.sock"); }
  const TempDir& dir() const { return dir_; }
  const std::string& config() const { return config_; }
  int http_port() const { return http_port_; }
  int health_port() const { return health_port_; }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  TokendProcess& process() { return *process_; }

  grpc::Status Issue(const std::string& subject, v1::IssueTokenResponse* out) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant("demo");
    request.mutable_subject()->set_user_id(subject);
    return stub_->IssueToken(&context, request, out);
  }
  v1::IssueTokenResponse MustIssue(const std::string& subject) {
    v1::IssueTokenResponse out;
    const grpc::Status status = Issue(subject, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }
  grpc::Status Renew(const std::string& token, v1::RenewTokenResponse* out) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RenewTokenRequest request;
    request.set_tenant("demo");
    request.set_token(token);
    return stub_->RenewToken(&context, request, out);
  }
  // The verdict's reason: "" when valid, "RPC:<code>" when the call failed.
  std::string Verdict(const std::string& token) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant("demo");
    request.set_token(token);
    v1::VerifyTokenResponse response;
    const grpc::Status status =
        stub_->VerifyToken(&context, request, &response);
    if (!status.ok()) return absl::StrCat("RPC:", status.error_code());
    return response.valid() ? "" : response.reason();
  }
  grpc::Status RevokeTokenId(const std::string& token_id) {
    v1::RevokeTokenRequest request;
    request.set_tenant("demo");
    request.set_token_id(token_id);
    return Revoke(request);
  }
  grpc::Status RevokeSubject(const std::string& subject) {
    v1::RevokeTokenRequest request;
    request.set_tenant("demo");
    request.set_subject(subject);
    return Revoke(request);
  }
  grpc::Status RevokeTenant() {
    v1::RevokeTokenRequest request;
    request.set_tenant("demo");
    request.set_whole_tenant(true);
    return Revoke(request);
  }
  grpc::Status Revoke(const v1::RevokeTokenRequest& request,
                      v1::RevokeTokenResponse* out = nullptr) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RevokeTokenResponse response;
    return stub_->RevokeToken(&context, request, out ? out : &response);
  }
  std::unique_ptr<grpc::ClientReader<v1::TokenEvent>> Subscribe(
      grpc::ClientContext* context, const std::string& subject) {
    AddMarker(context);
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::SubscribeTokenRequest request;
    request.set_tenant("demo");
    request.mutable_spec()->set_tenant("demo");
    request.mutable_spec()->mutable_subject()->set_user_id(subject);
    return stub_->SubscribeToken(context, request);
  }
  int Health(const std::string& service) {
    return HealthCheck(Connect(absl::StrCat("127.0.0.1:", health_port_)),
                       service);
  }
  std::string Http(const std::string& path) {
    return HttpGet(http_port_, path);
  }

 private:
  TempDir dir_;
  const int health_port_ = FreePort();
  const int http_port_ = FreePort();
  std::string config_;
  std::unique_ptr<TokendProcess> process_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
};

void ExpectUnavailable(const grpc::Status& status) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  const ErrorDetails details = DetailsOf(status);
  EXPECT_EQ(details.domain, "tokend");
  EXPECT_EQ(details.reason, "UNAVAILABLE");
}

// --- SQLite, the embedded default -------------------------------------------

TEST(SqliteRevocation, DefaultStoreSurvivesKillNine) {
  // No revocation section: the default sqlite file in the state folder,
  // which is relative to the config file's directory.
  Replica r("", "state");
  ASSERT_TRUE(r.Start());
  const v1::IssueTokenResponse by_id = r.MustIssue("alice");
  const v1::IssueTokenResponse by_subject = r.MustIssue("bob");
  const v1::IssueTokenResponse kept = r.MustIssue("carol");
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_token_id(by_id.token_id());
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(r.Revoke(request, &revoked).ok());
  // max TTL 1h + leeway 60 s + renew grace 0.
  EXPECT_EQ(
      revoked.entry_expires_at().seconds() - revoked.revoked_at().seconds(),
      3660);
  ASSERT_TRUE(r.RevokeSubject("bob").ok());
  EXPECT_TRUE(std::filesystem::exists(r.dir().File("state/revocations.db")));

  // Acknowledged means durable: kill -9 at once, then start again.
  r.KillNine();
  ASSERT_TRUE(r.Start());
  EXPECT_EQ(r.Verdict(by_id.token()), "REVOKED");
  EXPECT_EQ(r.Verdict(by_subject.token()), "REVOKED");
  EXPECT_EQ(r.Verdict(kept.token()), "");
  // The gauge is refreshed by the revocation monitor's periodic tick, which
  // may have run before the store's entries were loaded.
  EXPECT_TRUE(WaitFor([&] {
    return absl::StrContains(r.Http("/metrics"),
                             "tokend_revocation_entries 2\n");
  })) << r.Http("/metrics");
  EXPECT_THAT(r.Http("/readyz"), HasSubstr("200 OK"));
  EXPECT_EQ(r.Health(kHealthService), 1);
}

// A token answered from the verify cache is refused as soon as RevokeToken
// has answered, by id and by subject, while an unrevoked cached token keeps
// verifying: every hit asks the revocation index again.
TEST(SqliteRevocation, CachedTokensAreRefusedAtOnceAfterRevoke) {
  Replica r("", "state");
  ASSERT_TRUE(r.Start());
  const v1::IssueTokenResponse by_id = r.MustIssue("alice");
  const v1::IssueTokenResponse by_subject = r.MustIssue("bob");
  const v1::IssueTokenResponse kept = r.MustIssue("carol");
  // Twice each: the second verdict is a cache hit.
  for (const v1::IssueTokenResponse* t : {&by_id, &by_subject, &kept}) {
    ASSERT_EQ(r.Verdict(t->token()), "");
    ASSERT_EQ(r.Verdict(t->token()), "");
  }
  EXPECT_THAT(r.Http("/metrics"),
              HasSubstr("tokend_verify_cache_hits_total{tenant=\"demo\"} 3\n"));

  ASSERT_TRUE(r.RevokeTokenId(by_id.token_id()).ok());
  EXPECT_EQ(r.Verdict(by_id.token()), "REVOKED");
  ASSERT_TRUE(r.RevokeSubject("bob").ok());
  EXPECT_EQ(r.Verdict(by_subject.token()), "REVOKED");
  EXPECT_EQ(r.Verdict(kept.token()), "");
  EXPECT_THAT(r.Http("/metrics"),
              HasSubstr("tokend_verify_cache_hits_total{tenant=\"demo\"} 6\n"));
}

// Issue 14 item 1: the store's I/O runs on the revocation service's store
// thread, never on a thread that serves calls. With the store stalled,
// four concurrent RevokeToken calls (4 s deadline) stay outstanding while
// VerifyToken of `token`, gRPC health on both ports and HTTP /healthz each
// answer within 500 ms. Returns the revocations' codes once they end.
std::vector<grpc::StatusCode> ExpectStalledStoreDelaysNoOtherCall(
    Replica& r, const v1::IssueTokenResponse& token) {
  constexpr int kRevokes = 4;
  std::atomic<int> revokes_done{0};
  std::vector<grpc::StatusCode> revoke_codes(kRevokes);
  std::vector<std::thread> revokers;
  for (int i = 0; i < kRevokes; ++i) {
    revokers.emplace_back([&, i] {
      auto stub = v1::TokenService::NewStub(Connect(r.Target()));
      grpc::ClientContext context;
      AddMarker(&context);
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(4)));
      v1::RevokeTokenRequest request;
      request.set_tenant("demo");
      request.set_token_id(absl::StrCat("stalled-", i));
      v1::RevokeTokenResponse response;
      revoke_codes[i] =
          stub->RevokeToken(&context, request, &response).error_code();
      ++revokes_done;
    });
  }
  // All four reached tokend and wait for the store.
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(r.Http("/metrics"),
                                 "tokend_revocation_store_pending 4");
      },
      absl::Seconds(3)));
  auto stub = v1::TokenService::NewStub(Connect(r.Target()));
  const auto verdict = [&](const std::string& token_or_id,
                           absl::Duration* took) {
    grpc::ClientContext context;
    AddMarker(&context);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    v1::VerifyTokenRequest request;
    request.set_tenant("demo");
    request.set_token(token_or_id);
    v1::VerifyTokenResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status = stub->VerifyToken(&context, request, &response);
    *took = absl::Now() - start;
    if (!status.ok()) return absl::StrCat("RPC:", status.error_code());
    return response.valid() ? std::string() : response.reason();
  };
  const auto api = Connect(r.Target());
  const auto health = Connect(absl::StrCat("127.0.0.1:", r.health_port()));
  absl::Duration worst;
  for (int round = 0; round < 10; ++round) {
    absl::Duration took;
    EXPECT_EQ(verdict(token.token(), &took), "");
    worst = std::max(worst, took);
    absl::Time start = absl::Now();
    EXPECT_EQ(HealthCheck(api, ""), 1);
    EXPECT_EQ(HealthCheck(health, ""), 1);
    EXPECT_THAT(r.Http("/healthz"), HasSubstr("200 OK"));
    worst = std::max(worst, absl::Now() - start);
  }
  // The store stayed stalled all along: no revocation was answered.
  EXPECT_EQ(revokes_done.load(), 0);
  EXPECT_LT(worst, absl::Milliseconds(500));
  for (std::thread& t : revokers) t.join();
  return revoke_codes;
}

// SQLite: the file locked by another connection (every write waits out
// the busy timeout).
TEST(SqliteRevocation, AStalledStoreDelaysNoOtherCall) {
  Replica r("", "state");
  ASSERT_TRUE(r.Start());
  const v1::IssueTokenResponse token = r.MustIssue("alice");
  ASSERT_TRUE(r.RevokeTokenId("warm-up").ok());  // the file exists

  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open(r.dir().File("state/revocations.db").c_str(), &lock),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (grpc::StatusCode code : ExpectStalledStoreDelaysNoOtherCall(r, token)) {
    EXPECT_EQ(code, grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  ASSERT_EQ(sqlite3_exec(lock, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(lock);
  // Released: the queued writes land, and new revocations are durable.
  ASSERT_TRUE(r.RevokeTokenId(token.token_id()).ok());
  EXPECT_EQ(r.Verdict(token.token()), "REVOKED");
  EXPECT_TRUE(WaitFor([&] {
    return absl::StrContains(r.Http("/metrics"), "tokend_revocation_entries 6");
  })) << r.Http("/metrics");
}

// Token times are whole seconds: a subject or tenant revocation covers
// every token issued in its second, so a token issued after RevokeToken
// answered, in that same second, used to be refused (and SubscribeToken
// handed it out). Once RevokeToken has answered, what tokend issues
// verifies.
TEST(SqliteRevocation, TokensIssuedAfterTheAnswerVerify) {
  Replica r("");
  ASSERT_TRUE(r.Start());
  for (int i = 0; i < 3; ++i) {
    const v1::IssueTokenResponse before = r.MustIssue("alice");
    ASSERT_TRUE(r.RevokeSubject("alice").ok());
    EXPECT_EQ(r.Verdict(before.token()), "REVOKED");
    const v1::IssueTokenResponse after = r.MustIssue("alice");
    EXPECT_EQ(r.Verdict(after.token()), "") << "round " << i;
    // Renewing the token issued after the revocation works too.
    v1::RenewTokenResponse renewed;
    ASSERT_TRUE(r.Renew(after.token(), &renewed).ok());
    EXPECT_EQ(r.Verdict(renewed.token()), "") << "round " << i;
  }
  {
    const int i = 0;
    const v1::IssueTokenResponse before = r.MustIssue("bob");
    ASSERT_TRUE(r.RevokeTenant().ok());
    EXPECT_EQ(r.Verdict(before.token()), "REVOKED");
    EXPECT_EQ(r.Verdict(r.MustIssue("bob").token()), "") << "round " << i;
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(r.RevokeSubject("carol").ok());
    grpc::ClientContext context;
    auto stream = r.Subscribe(&context, "carol");
    v1::TokenEvent event;
    ASSERT_TRUE(stream->Read(&event)) << stream->Finish().error_message();
    EXPECT_EQ(r.Verdict(event.token()), "") << "round " << i;
    context.TryCancel();
  }
}

TEST(SqliteRevocation, ReloadThatMovesTheStoreIsRefusedAndTheOldStoreStays) {
  Replica r("  store: sqlite:first.db\n");
  ASSERT_TRUE(r.Start());
  std::string moved = r.config();
  moved.replace(moved.find("sqlite:first.db"), 15, "sqlite:second.db");
  r.dir().Write("tokend.yaml", moved);
  r.process().Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(r.Log(), "config reload refused");
  })) << r.Log();
  EXPECT_THAT(r.Log(), HasSubstr("revocation.store"));
  EXPECT_THAT(r.Log(), HasSubstr("needs a restart"));
  const v1::IssueTokenResponse token = r.MustIssue("dave");
  ASSERT_TRUE(r.RevokeTokenId(token.token_id()).ok());
  EXPECT_TRUE(std::filesystem::exists(r.dir().File("first.db")));
  EXPECT_FALSE(std::filesystem::exists(r.dir().File("second.db")));
}

TEST(RevocationConfig, BadValuesNameTheField) {
  struct Case {
    std::string section;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"  store: mysql://db/1\n", "revocation.store"},
      {"  store: redis://host:99999/0\n", "revocation.store"},
      {"  store: redis-sentinel://s1:26379,s2:26379/\n", "revocation.store"},
      {"  store: redis-sentinel://s1:26379/main/db\n", "revocation.store"},
      {"  on_store_unavailable: maybe\n", "revocation.on_store_unavailable"},
      {"  resync_interval: 1ms\n", "revocation.resync_interval"},
      {"  colour: blue\n", "revocation.colour"},
  };
  for (const Case& c : cases) {
    Replica r(c.section);
    TokendProcess p({"--config=" + r.dir().File("tokend.yaml")},
                    r.dir().File("tokend.log"));
    EXPECT_EQ(p.WaitExit(), 1) << c.section;
    EXPECT_THAT(p.Log(), HasSubstr(absl::StrCat(r.dir().File("tokend.yaml"),
                                                ": ", c.field, ": ")))
        << p.Log();
  }
}

// --- Redis, shared by replicas
// ------------------------------------------------

std::string RedisSection(const RedisServer& redis, bool fail_closed) {
  return absl::StrCat(
      "  store: ", redis.Url(), "\n",
      "  on_store_unavailable: ", fail_closed ? "closed" : "open", "\n",
      "  resync_interval: 1s\n");
}

// Redis: the server paused with SIGSTOP (it keeps its connections open,
// so every command waits out the command timeout).
TEST(RedisRevocation, AHungRedisDelaysNoOtherCall) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  RedisServer& redis = **started;
  Replica r(RedisSection(redis, /*fail_closed=*/false));
  ASSERT_TRUE(r.Start());
  const v1::IssueTokenResponse token = r.MustIssue("alice");
  redis.Pause();
  for (grpc::StatusCode code : ExpectStalledStoreDelaysNoOtherCall(r, token)) {
    EXPECT_TRUE(code == grpc::StatusCode::DEADLINE_EXCEEDED ||
                code == grpc::StatusCode::UNAVAILABLE)
        << code;
  }
  redis.Resume();
  // Back: revocations are durable again, and the paused ones were kept.
  EXPECT_TRUE(WaitFor([&] { return r.RevokeTokenId(token.token_id()).ok(); }));
  EXPECT_EQ(r.Verdict(token.token()), "REVOKED");
}

// A replica that hears of a subject revocation through Redis issues, right
// after the revoking replica answered, tokens that every replica accepts.
TEST(RedisRevocation, TokensIssuedElsewhereAfterTheAnswerVerify) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  Replica a(RedisSection(**started, /*fail_closed=*/true));
  Replica b(RedisSection(**started, /*fail_closed=*/true));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  for (int i = 0; i < 3; ++i) {
    const v1::IssueTokenResponse before = b.MustIssue("dora");
    ASSERT_TRUE(a.RevokeSubject("dora").ok());
    const v1::IssueTokenResponse after = b.MustIssue("dora");
    // B has heard of it once it refuses the earlier token.
    ASSERT_TRUE(
        WaitFor([&] { return b.Verdict(before.token()) == "REVOKED"; }));
    EXPECT_EQ(a.Verdict(after.token()), "") << "round " << i;
    EXPECT_EQ(b.Verdict(after.token()), "") << "round " << i;
  }
}

// Redis loses everything while a replica runs (FLUSHALL, then a restart
// without persistence); a replica that starts right after each loss
// refuses every revoked token as soon as it serves, and the running one
// says in its log that it wrote its entries back.
TEST(RedisRevocation, ANewReplicaRightAfterRedisLostItsDataRefusesRevoked) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  RedisServer& redis = **started;
  Replica a(RedisSection(redis, /*fail_closed=*/true));
  ASSERT_TRUE(a.Start());
  std::vector<std::string> revoked;
  for (int i = 0; i < 10; ++i) {
    const v1::IssueTokenResponse token = a.MustIssue(absl::StrCat("u", i));
    ASSERT_TRUE(a.RevokeTokenId(token.token_id()).ok());
    revoked.push_back(token.token());
  }
  const auto refused_by = [&](Replica& r) {
    int n = 0;
    for (const std::string& token : revoked) n += r.Verdict(token) == "REVOKED";
    return n;
  };

  ASSERT_TRUE(RedisCommand(redis.port(), {"FLUSHALL"}).ok());
  Replica c(RedisSection(redis, /*fail_closed=*/true));
  ASSERT_TRUE(c.Start());
  EXPECT_EQ(refused_by(c), 10);
  EXPECT_THAT(a.Log(), HasSubstr("revocation store had lost entries"));

  ASSERT_TRUE(redis.Restart().ok());
  Replica d(RedisSection(redis, /*fail_closed=*/true));
  ASSERT_TRUE(d.Start());
  EXPECT_EQ(refused_by(d), 10);
  EXPECT_EQ(refused_by(a), 10);
}

// Replicas that find Redis through Sentinel keep sharing revocations
// across a failover: the master killed, Sentinel promotes its replica,
// and what was revoked before is still refused, by a new replica too.
TEST(RedisRevocation, ReplicasBehindSentinelFollowAFailover) {
  auto master = RedisServer::Start();
  ASSERT_TRUE(master.ok()) << master.status();
  auto replica = RedisServer::Start(
      absl::Seconds(10),
      {"--replicaof", "127.0.0.1", absl::StrCat((*master)->port())});
  ASSERT_TRUE(replica.ok()) << replica.status();
  auto sentinel = RedisSentinel::Start((*master)->port(), "tokend");
  ASSERT_TRUE(sentinel.ok()) << sentinel.status();
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(
               RedisCommand((*replica)->port(), {"ROLE"}).value_or(""),
               " connected ") &&
           (*sentinel)->ReplicasUp() == 1;
  }));
  const std::string section = absl::StrCat("  store: ", (*sentinel)->Url(),
                                           "\n", "  resync_interval: 1s\n");
  Replica a(section);
  Replica b(section);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  const v1::IssueTokenResponse first = a.MustIssue("olga");
  ASSERT_TRUE(a.RevokeTokenId(first.token_id()).ok());
  ASSERT_TRUE(WaitFor([&] { return b.Verdict(first.token()) == "REVOKED"; }));

  (*master)->Kill();
  ASSERT_TRUE(
      WaitFor([&] { return (*sentinel)->MasterPort() == (*replica)->port(); }));
  // Fail-closed: issuing resumes once the store has found the new master.
  v1::IssueTokenResponse second;
  ASSERT_TRUE(WaitFor([&] { return b.Issue("pia", &second).ok(); })) << b.Log();
  ASSERT_TRUE(b.RevokeTokenId(second.token_id()).ok());
  EXPECT_TRUE(WaitFor([&] { return a.Verdict(second.token()) == "REVOKED"; }));
  Replica c(section);
  ASSERT_TRUE(c.Start());
  EXPECT_EQ(c.Verdict(first.token()), "REVOKED");
  EXPECT_EQ(c.Verdict(second.token()), "REVOKED");
}

// SIGTERM while the store is down: a revocation enforced here but not yet
// durable is gone with the process. It is not dropped silently: the
// shutdown waits for the store until the drain deadline, then logs each
// one it could not write and counts them.
TEST(RedisRevocation, RevocationsNotDurableAtShutdownAreLoggedAndCounted) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  RedisServer& redis = **started;
  Replica r(absl::StrCat(RedisSection(redis, /*fail_closed=*/false),
                         "shutdown:\n  drain_timeout: 1s\n"));
  ASSERT_TRUE(r.Start());
  EXPECT_THAT(r.Http("/metrics"),
              HasSubstr("tokend_revocations_dropped_at_shutdown_total{kind="
                        "\"token_id\"} 0"));
  const v1::IssueTokenResponse token = r.MustIssue("quinn");
  redis.Kill();
  ASSERT_TRUE(WaitFor([&] {
    return r.RevokeTokenId(token.token_id()).error_code() ==
           grpc::StatusCode::UNAVAILABLE;
  }));
  EXPECT_EQ(r.Verdict(token.token()), "REVOKED");  // enforced here

  r.process().Signal(SIGTERM);
  EXPECT_EQ(r.process().WaitExit(), 0) << r.Log();
  EXPECT_THAT(r.Log(), HasSubstr("revocations not durable at shutdown"));
  bool named = false;
  for (absl::string_view line : absl::StrSplit(r.Log(), '\n')) {
    named =
        named || (absl::StrContains(line, "revocation dropped at shutdown") &&
                  absl::StrContains(line, token.token_id()));
  }
  EXPECT_TRUE(named) << r.Log();
}

TEST(RedisRevocation, ThreeReplicasShareConvergeAndSurviveARedisOutage) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  RedisServer& redis = **started;
  Replica a(RedisSection(redis, /*fail_closed=*/true));
  Replica b(RedisSection(redis, /*fail_closed=*/true));
  Replica c(RedisSection(redis, /*fail_closed=*/false));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());

  // A revocation on one replica is refused by the other within 1 s.
  const v1::IssueTokenResponse early = a.MustIssue("erin");
  ASSERT_EQ(b.Verdict(early.token()), "");
  ASSERT_TRUE(a.RevokeTokenId(early.token_id()).ok());
  const absl::Time acked = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return b.Verdict(early.token()) == "REVOKED"; },
                      absl::Seconds(1)))
      << "not refused by b within 1 s";
  EXPECT_EQ(a.Verdict(early.token()), "REVOKED");
  EXPECT_LE(absl::Now() - acked, absl::Seconds(1));

  // A replica that starts late loads the whole set.
  ASSERT_TRUE(c.Start());
  EXPECT_EQ(c.Verdict(early.token()), "REVOKED");

  // Revoking on one replica ends a subscription on another.
  {
    grpc::ClientContext context;
    auto stream = b.Subscribe(&context, "frank");
    v1::TokenEvent event;
    ASSERT_TRUE(stream->Read(&event));
    ASSERT_TRUE(c.RevokeSubject("frank").ok());
    EXPECT_FALSE(stream->Read(&event));
    const grpc::Status ended = stream->Finish();
    EXPECT_EQ(ended.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << ended.error_message();
    EXPECT_EQ(DetailsOf(ended).reason, "REVOKED");
  }

  // Redis goes away.
  const v1::IssueTokenResponse held = a.MustIssue("grace");
  const v1::IssueTokenResponse meanwhile = c.MustIssue("heidi");
  redis.Kill();
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(WaitFor([&] {
    return a.Issue("ivan", &issued).error_code() ==
           grpc::StatusCode::UNAVAILABLE;
  })) << a.Log();
  // Fail-closed: Issue, Renew and Subscribe refuse with UNAVAILABLE.
  ExpectUnavailable(a.Issue("ivan", &issued));
  v1::RenewTokenResponse renewed;
  ExpectUnavailable(a.Renew(held.token(), &renewed));
  {
    grpc::ClientContext context;
    auto stream = a.Subscribe(&context, "judy");
    v1::TokenEvent event;
    EXPECT_FALSE(stream->Read(&event));
    ExpectUnavailable(stream->Finish());
  }
  // ... while Verify answers from the local index.
  EXPECT_EQ(a.Verdict(held.token()), "");
  EXPECT_EQ(a.Verdict(early.token()), "REVOKED");
  // Visible: TokenService NOT_SERVING ("" stays SERVING), /readyz 503,
  // the gauges.
  ASSERT_TRUE(WaitFor([&] { return a.Health(kHealthService) == 2; }));
  EXPECT_EQ(a.Health(""), 1);
  EXPECT_THAT(a.Http("/readyz"), HasSubstr("503"));
  EXPECT_THAT(a.Http("/readyz"), HasSubstr("not ready"));
  const std::string a_metrics = a.Http("/metrics");
  EXPECT_THAT(a_metrics, HasSubstr("tokend_revocation_issuing_refused 1"));
  EXPECT_THAT(a_metrics,
              HasSubstr("tokend_revocation_store_healthy{store=\"redis\"} 0"));

  // Fail-open keeps issuing; a revocation there is enforced locally but
  // answered UNAVAILABLE because it is not durable yet.
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(c.Http("/readyz"), "degraded"); }));
  EXPECT_THAT(c.Http("/readyz"), HasSubstr("200 OK"));
  EXPECT_EQ(c.Health(kHealthService), 1);
  ASSERT_TRUE(c.Issue("kate", &issued).ok());
  ExpectUnavailable(c.RevokeTokenId(meanwhile.token_id()));
  EXPECT_EQ(c.Verdict(meanwhile.token()), "REVOKED");
  EXPECT_EQ(a.Verdict(meanwhile.token()), "");  // cannot know yet
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(c.Http("/metrics"),
                             "tokend_revocation_store_pending 1");
  }));
  const std::string c_metrics = c.Http("/metrics");
  EXPECT_THAT(c_metrics, HasSubstr("tokend_revocation_issuing_refused 0"));
  EXPECT_THAT(c_metrics,
              HasSubstr("tokend_revocation_store_write_failures_total"));

  // Redis returns (empty: no persistence): every replica heals by itself
  // and the revocation made meanwhile reaches the others.
  ASSERT_TRUE(redis.Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return a.Issue("leo", &issued).ok(); })) << a.Log();
  ASSERT_TRUE(WaitFor([&] { return b.Issue("mia", &issued).ok(); })) << b.Log();
  ASSERT_TRUE(WaitFor([&] {
    return a.Verdict(meanwhile.token()) == "REVOKED" &&
           b.Verdict(meanwhile.token()) == "REVOKED";
  })) << "a: "
      << a.Log() << "\nc: " << c.Log();
  ASSERT_TRUE(WaitFor([&] { return a.Health(kHealthService) == 1; }));
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(c.Http("/readyz"), "ready\n") &&
           absl::StrContains(a.Http("/readyz"), "200 OK");
  }));
  // The gauges are published every 200 ms.
  EXPECT_TRUE(WaitFor([&] {
    return absl::StrContains(c.Http("/metrics"),
                             "tokend_revocation_store_pending 0");
  }));
  EXPECT_EQ(b.Verdict(held.token()), "");
  EXPECT_TRUE(a.RevokeTokenId(held.token_id()).ok());
  EXPECT_TRUE(WaitFor([&] { return c.Verdict(held.token()) == "REVOKED"; },
                      absl::Seconds(1)));
}

}  // namespace
}  // namespace tokend::testing
