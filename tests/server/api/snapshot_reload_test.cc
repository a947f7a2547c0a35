// One snapshot per call (issue 13): DoIssueToken and DoVerifyToken, in
// process, while another thread reloads the server's configuration in a
// tight loop through ServerState::SetSnapshot, the path a real reload takes
// (it installs the core's TenantSet and the ConfigSnapshot one after the
// other). The two configurations differ visibly in every result: generation A
// issues 10-minute tokens as https://a.test, B 20-minute ones as
// https://b.test. Each call is admitted with one ConfigSnapshot (as Admit
// does); its result must be that ConfigSnapshot's generation's, never a mix.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "gtest/gtest.h"
#include "server/api/call_gate.h"
#include "server/api/server_state.h"
#include "server/api/token_service_impl.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {
namespace {

constexpr int kCallers = 4;
constexpr int kCallsPerCaller = 150;
constexpr uint32_t kUid = 4242;

std::shared_ptr<const ConfigSnapshot> Generation(
    absl::string_view issuer, absl::string_view default_ttl) {
  const std::string yaml = absl::StrCat(R"(
tenants:
  - name: demo
    profile: jwt
    issuer: )",
                                        issuer, R"(
    algorithm: HS256
    credentials: {secret: "env:SNAPSHOT_RELOAD_TEST_SECRET"}
    ttl: {default: )",
                                        default_ttl, R"(, max: 1h}
callers:
  - name: test
    uid: 4242
    issue: ["*"]
    verify: ["*"]
)");
  absl::StatusOr<Config> config = ParseConfig(yaml, "/tmp/reload.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
      ConfigSnapshot::Build(*config);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : nullptr;
}

class SnapshotReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SNAPSHOT_RELOAD_TEST_SECRET",
           "0123456789abcdef0123456789abcdef-reload", 1);
    a_ = Generation("https://a.test", "10m");
    b_ = Generation("https://b.test", "20m");
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    state_.SetSnapshot(a_);
  }

  // What Admit does: the caller, and the ConfigSnapshot of the call.
  CallContext Admitted() const {
    CallContext call;
    call.method = "test";
    call.request_id = "reload-test";
    call.caller.kind = CallerIdentity::Kind::kUnix;
    call.caller.uid = kUid;
    call.snapshot = state_.snapshot();
    return call;
  }

  // A token issued with generation `gen` alone (no reload running).
  std::string TokenOf(const std::shared_ptr<const ConfigSnapshot>& gen) {
    state_.SetSnapshot(gen);
    v1::IssueTokenRequest request;
    request.set_tenant("demo");
    request.mutable_subject()->set_user_id("alice");
    v1::IssueTokenResponse response;
    EXPECT_TRUE(
        DoIssueToken(state_.core(), Admitted(), request, &response).ok());
    return response.token();
  }

  ServerState state_{RealClock::Get()};
  std::shared_ptr<const ConfigSnapshot> a_;
  std::shared_ptr<const ConfigSnapshot> b_;
};

TEST_F(SnapshotReloadTest, NoCallSeesTwoConfigurations) {
  const std::string token_a = TokenOf(a_);
  const std::string token_b = TokenOf(b_);
  ASSERT_FALSE(token_a.empty());
  ASSERT_FALSE(token_b.empty());

  std::atomic<int> running{kCallers};
  std::atomic<int> reloads{0};
  std::thread reloader([&] {
    bool to_b = true;
    while (running.load(std::memory_order_acquire) > 0) {
      state_.SetSnapshot(to_b ? b_ : a_);
      to_b = !to_b;
      reloads.fetch_add(1, std::memory_order_relaxed);
    }
  });

  std::atomic<int> mixed{0};
  std::atomic<int> seen_a{0};
  std::atomic<int> seen_b{0};
  std::vector<std::thread> callers;
  // The callers start once the reloader has installed both generations: on
  // a loaded machine it may otherwise not run before they finish.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (reloads.load(std::memory_order_relaxed) < 2 &&
         absl::Now() < deadline) {
    std::this_thread::yield();
  }
  if (reloads.load() < 2) {
    running.store(0);
    reloader.join();
    FAIL() << "the reloader did not run within 30 s";
  }
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < kCallsPerCaller; ++i) {
        const CallContext call = Admitted();
        const bool gen_a = call.snapshot == a_;
        (gen_a ? seen_a : seen_b).fetch_add(1, std::memory_order_relaxed);

        v1::IssueTokenRequest issue;
        issue.set_tenant("demo");
        issue.mutable_subject()->set_user_id("bob");
        v1::IssueTokenResponse issued;
        const absl::Status s =
            DoIssueToken(state_.core(), call, issue, &issued);
        const int64_t ttl =
            issued.expires_at().seconds() - issued.issued_at().seconds();
        if (!s.ok() || ttl != (gen_a ? 600 : 1200)) {
          mixed.fetch_add(1);
          ADD_FAILURE() << "issue under generation " << (gen_a ? "A" : "B")
                        << ": " << s << ", ttl " << ttl << " s";
        }

        // The other generation's token is refused (its issuer differs), the
        // own one accepted, with the snapshot's issuer.
        for (const bool of_a : {true, false}) {
          v1::VerifyTokenRequest verify;
          verify.set_tenant("demo");
          verify.set_token(of_a ? token_a : token_b);
          v1::VerifyTokenResponse verdict;
          const absl::Status v =
              DoVerifyToken(state_.core(), call, verify, &verdict);
          const bool want_valid = of_a == gen_a;
          std::string iss;
          if (verdict.valid()) {
            auto it = verdict.claims().fields().find("iss");
            if (it != verdict.claims().fields().end()) {
              iss = it->second.string_value();
            }
          }
          if (!v.ok() || verdict.valid() != want_valid ||
              (want_valid &&
               iss != (gen_a ? "https://a.test" : "https://b.test"))) {
            mixed.fetch_add(1);
            ADD_FAILURE() << "verify of the " << (of_a ? "A" : "B")
                          << " token under generation " << (gen_a ? "A" : "B")
                          << ": " << v << ", valid " << verdict.valid() << " ("
                          << verdict.reason() << "), iss " << iss;
          }
        }
      }
      running.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
  for (std::thread& t : callers) t.join();
  reloader.join();

  EXPECT_EQ(mixed.load(), 0);
  // The reloads really interleaved with the calls.
  EXPECT_GT(reloads.load(), 1);
  EXPECT_EQ(seen_a.load() + seen_b.load(), kCallers * kCallsPerCaller);
}

}  // namespace
}  // namespace tokend
