// What the in-process handler tests (renew_token_test, revoke_token_test,
// subscribe_token_test, get_jwks_test) share: a ConfigSnapshot built from one
// YAML config, the core on a fake clock, an in-memory revocation checker whose
// store can be "down", and the CallContext Admit would make for a caller.
// No gRPC server, no socket.
#ifndef TOKEND_TESTS_SERVER_UNIT_HANDLER_TEST_ENV_H_
#define TOKEND_TESTS_SERVER_UNIT_HANDLER_TEST_ENV_H_

#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/reason.h"
#include "core/token_service.h"
#include "gtest/gtest.h"
#include "server/api/call_gate.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {

// uid 4242 ("issuer") may issue, verify and revoke demo; uid 5151
// ("reader") may only verify it; uid 6161 ("admin") may issue and revoke
// in any tenant, configured or not. "other" is a tenant the first two may not
// use.
inline constexpr uint32_t kIssuerUid = 4242;
inline constexpr uint32_t kReaderUid = 5151;
inline constexpr uint32_t kAdminUid = 6161;

inline constexpr char kHandlerTestConfig[] = R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://demo.test
    algorithm: HS256
    credentials: {secret: "env:HANDLER_TEST_SECRET"}
    ttl: {default: 10m, max: 1h}
    session_cap: 2h
    renew_grace: 5m
  - name: other
    profile: jwt
    issuer: https://other.test
    algorithm: HS256
    credentials: {secret: "env:HANDLER_TEST_SECRET"}
callers:
  - name: issuer
    uid: 4242
    issue: [demo]
    verify: [demo]
    revoke: [demo]
  - name: reader
    uid: 5151
    verify: [demo]
  - name: admin
    uid: 6161
    issue: ["*"]
    revoke: ["*"]
)";

// The in-memory revocation view: token ids revoked, and whether the store
// lets new tokens be minted (fail-closed with the store down: no).
class FakeRevocations final : public RevocationChecker {
 public:
  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override {
    absl::MutexLock lock(&mu_);
    return revoked_.contains(std::string(token_id));
  }
  absl::Status IssuingAllowed() const override {
    absl::MutexLock lock(&mu_);
    return issuing_;
  }
  void Revoke(absl::string_view token_id) {
    absl::MutexLock lock(&mu_);
    revoked_.insert(std::string(token_id));
  }
  void SetStoreDown() {
    absl::MutexLock lock(&mu_);
    issuing_ = Error(Reason::kUnavailable,
                     "the revocation store is unavailable (fail-closed)");
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  absl::Status issuing_ ABSL_GUARDED_BY(mu_);
};

// Test thread only.
class HandlerTestEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("HANDLER_TEST_SECRET", "0123456789abcdef0123456789abcdef-unit", 1);
    absl::StatusOr<Config> config =
        ParseConfig(kHandlerTestConfig, "/tmp/handler-test.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *snapshot;
    core_.SetTenants(snapshot_->tenants());
    core_.SetRevocationChecker(revocations_);
  }

  // What Admit makes for a unix-socket caller with `uid`.
  CallContext Call(uint32_t uid = kIssuerUid) const {
    CallContext call;
    call.method = "test";
    call.request_id = "handler-test";
    call.start = clock_.Now();
    call.caller.kind = CallerIdentity::Kind::kUnix;
    call.caller.uid = uid;
    call.snapshot = snapshot_;
    return call;
  }

  // A demo token for `subject`, issued now by the fake clock.
  TokenInfo Issue(absl::string_view subject = "alice",
                  absl::string_view tenant = "demo") {
    IssueInput input;
    input.subject = std::string(subject);
    absl::StatusOr<TokenInfo> info = core_.Issue(tenant, input);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? *info : TokenInfo();
  }

  static std::string ReasonOf(const absl::Status& s) {
    return std::string(ReasonName(GetReason(s)));
  }

  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  TokenService core_{clock_};
  std::shared_ptr<FakeRevocations> revocations_ =
      std::make_shared<FakeRevocations>();
  std::shared_ptr<const ConfigSnapshot> snapshot_;
};

}  // namespace tokend

#endif  // TOKEND_TESTS_SERVER_UNIT_HANDLER_TEST_ENV_H_
