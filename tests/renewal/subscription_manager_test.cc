#include "core/renewal/subscription_manager.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

// Test seam: delegates to a real JWT profile but fails issues on demand.
class FlakyProfile : public Profile {
 public:
  explicit FlakyProfile(std::shared_ptr<const Profile> inner)
      : inner_(std::move(inner)) {}
  absl::string_view name() const override { return inner_->name(); }
  absl::StatusOr<TokenInfo> Issue(const IssueInput& in,
                                  absl::Time now) const override {
    if (fail_.load()) return Error(Reason::kUnavailable, "injected failure");
    return inner_->Issue(in, now);
  }
  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& e,
                                   absl::Time now) const override {
    return inner_->Verify(token, e, now);
  }
  void set_fail(bool f) const { fail_.store(f); }

 private:
  std::shared_ptr<const Profile> inner_;
  mutable std::atomic<bool> fail_{false};
};

class Revocations : public RevocationChecker {
 public:
  bool IsRevoked(absl::string_view, absl::string_view id, absl::string_view,
                 absl::Time) const override {
    absl::MutexLock lock(&mu_);
    return ids_.count(std::string(id)) > 0;
  }
  void Revoke(const std::string& id) {
    absl::MutexLock lock(&mu_);
    ids_.insert(id);
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> ids_;
};

class RecordingSink : public SubscriptionSink {
 public:
  void OnEvent(const TokenEvent& e) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(e);
  }
  void OnEnd(const absl::Status& s) override {
    absl::MutexLock lock(&mu_);
    ++ends_;
    end_ = s;
  }
  std::vector<TokenEvent> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  absl::Status end() const {
    absl::MutexLock lock(&mu_);
    return end_;
  }
  int ends() const {
    absl::MutexLock lock(&mu_);
    return ends_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<TokenEvent> events_;
  absl::Status end_;
  int ends_ = 0;
};

class SubscriptionManagerTest : public ::testing::Test {
 protected:
  SubscriptionManagerTest() {
    JwtProfileConfig config;
    config.issuer = "https://tokend.test";
    config.audiences = {"svc"};
    config.signing_key = (*GenerateKey(Algorithm::kHS256))->WithKid("k");
    config.ttl = {absl::Minutes(10), absl::Hours(1)};
    profile_ = std::make_shared<FlakyProfile>(*NewJwtProfile(config));
    Tenant tenant{"demo", profile_, absl::InfiniteDuration(),
                  absl::ZeroDuration()};
    tokens_.SetTenants(
        std::make_shared<const TenantSet>(*TenantSet::Create({tenant})));
    tokens_.SetRevocationChecker(revocations_);
    SubscriptionManager::Options options;
    options.max_per_caller = 3;
    options.max_total = 5;
    options.uniform = [this] {
      // A fixed, evenly spread sequence of draws.
      draws_ = (draws_ + 7) % 100;
      return draws_ / 100.0;
    };
    manager_ = std::make_unique<SubscriptionManager>(tokens_, clock_, executor_,
                                                     options);
  }

  SubscriptionRequest Spec(std::string caller = "c1") {
    SubscriptionRequest r;
    r.tenant = "demo";
    r.caller = std::move(caller);
    IssueInput in;
    in.subject = "alice";
    r.spec = in;
    return r;
  }

  // Moves the fake clock to `t` and fires whatever is due.
  void RunUntil(absl::Time t) {
    clock_.Set(t);
    manager_->timer().RunDue(t);
  }

  int draws_ = 0;
  FakeClock clock_{kT0};
  InlineExecutor executor_;
  TokenService tokens_{clock_};
  std::shared_ptr<FlakyProfile> profile_;
  std::shared_ptr<Revocations> revocations_ = std::make_shared<Revocations>();
  std::unique_ptr<SubscriptionManager> manager_;
};

TEST_F(SubscriptionManagerTest, FirstEventIsSentAtOnce) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  auto events = sink->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence, 1u);
  EXPECT_EQ(events[0].reason, EventReason::kInitial);
  EXPECT_EQ(events[0].token.subject, "alice");
  // 10 min token: refresh in [7, 9) min, never within 30 s of expiry.
  EXPECT_GE(events[0].next_refresh_at, kT0 + absl::Minutes(7));
  EXPECT_LT(events[0].next_refresh_at, kT0 + absl::Minutes(9));
}

TEST_F(SubscriptionManagerTest, RenewsRepeatedlyEachBeforeThePreviousExpires) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  for (int i = 0; i < 5; ++i) {
    TokenEvent last = sink->events().back();
    RunUntil(last.next_refresh_at);
    auto events = sink->events();
    ASSERT_EQ(events.size(), static_cast<size_t>(i + 2));
    const TokenEvent& e = events.back();
    EXPECT_EQ(e.sequence, static_cast<uint64_t>(i + 2));
    EXPECT_EQ(e.reason, EventReason::kScheduled);
    EXPECT_NE(e.token.token_id, last.token.token_id);
    EXPECT_LT(e.token.issued_at, last.token.expires_at);
    EXPECT_EQ(e.token.session_started, kT0);
    EXPECT_TRUE(tokens_.Verify("demo", e.token.token, {}).ok());
  }
  EXPECT_EQ(manager_->stats().renewals, 5u);
}

TEST_F(SubscriptionManagerTest, ResumeKeepsAFreshTokenWithoutReminting) {
  auto issued = tokens_.Issue("demo", *Spec().spec);
  ASSERT_TRUE(issued.ok());
  clock_.Advance(absl::Minutes(1));
  SubscriptionRequest resume;
  resume.tenant = "demo";
  resume.caller = "c1";
  resume.current_token = issued->token;
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(resume, sink).ok());
  auto events = sink->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].token.token_id, issued->token_id);
  EXPECT_EQ(events[0].token.token, issued->token);
  EXPECT_GT(events[0].next_refresh_at, clock_.Now());
}

TEST_F(SubscriptionManagerTest, ResumingAnInvalidTokenIsRefused) {
  SubscriptionRequest resume;
  resume.tenant = "demo";
  resume.current_token = "not.a.token";
  auto sink = std::make_shared<RecordingSink>();
  auto id = manager_->Subscribe(resume, sink);
  EXPECT_EQ(GetReason(id.status()), Reason::kBadBase64);
  EXPECT_TRUE(sink->events().empty());
  EXPECT_EQ(manager_->stats().active, 0u);
}

TEST_F(SubscriptionManagerTest, FailuresBackOffKeepTheTokenAndRecover) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  const TokenEvent first = sink->events().back();
  profile_->set_fail(true);
  RunUntil(first.next_refresh_at);
  EXPECT_EQ(sink->events().size(), 1u);  // still holding the first token
  EXPECT_EQ(manager_->stats().retries_scheduled, 1u);
  absl::Time retry1 = manager_->timer().NextDue();
  EXPECT_GE(retry1, first.next_refresh_at);
  EXPECT_LE(retry1, first.next_refresh_at + absl::Seconds(1));
  RunUntil(retry1);
  absl::Time retry2 = manager_->timer().NextDue();
  EXPECT_LE(retry2 - retry1, absl::Seconds(2));
  EXPECT_EQ(manager_->stats().retries_scheduled, 2u);
  profile_->set_fail(false);
  RunUntil(retry2);
  ASSERT_EQ(sink->events().size(), 2u);
  EXPECT_LT(sink->events().back().token.issued_at, first.token.expires_at);
  EXPECT_EQ(sink->ends(), 0);
}

TEST_F(SubscriptionManagerTest, FailingUntilExpiryEndsTheStreamUnavailable) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  const absl::Time exp = sink->events().back().token.expires_at;
  profile_->set_fail(true);
  // Fire every retry until the token is gone; retries never pass expiry.
  for (int i = 0; i < 1000 && sink->ends() == 0; ++i) {
    absl::Time next = manager_->timer().NextDue();
    ASSERT_LE(next, exp);
    RunUntil(next == clock_.Now() ? exp : next);
  }
  EXPECT_EQ(sink->ends(), 1);
  EXPECT_EQ(sink->end().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sink->events().size(), 1u);
}

TEST_F(SubscriptionManagerTest, RevocationBetweenRenewalsEndsTheStream) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  const TokenEvent first = sink->events().back();
  revocations_->Revoke(first.token.token_id);
  RunUntil(first.next_refresh_at);
  EXPECT_EQ(sink->events().size(), 1u);
  EXPECT_EQ(sink->end().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetReason(sink->end()), Reason::kRevoked);
  EXPECT_EQ(manager_->stats().active, 0u);
}

TEST_F(SubscriptionManagerTest, RevocationPushEndsMatchingStreamsAtOnce) {
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), a).ok());
  SubscriptionRequest other = Spec("c2");
  other.spec->subject = "bob";
  ASSERT_TRUE(manager_->Subscribe(other, b).ok());
  manager_->OnRevoked("demo", "", "alice");
  EXPECT_EQ(GetReason(a->end()), Reason::kRevoked);
  EXPECT_EQ(b->ends(), 0);
  manager_->OnRevoked("demo", b->events().back().token.token_id, "");
  EXPECT_EQ(GetReason(b->end()), Reason::kRevoked);
}

TEST_F(SubscriptionManagerTest, KeyRotationReissuesSpreadOverTheWindow) {
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 5; ++i) {
    sinks.push_back(std::make_shared<RecordingSink>());
    ASSERT_TRUE(
        manager_->Subscribe(Spec("caller" + std::to_string(i)), sinks.back())
            .ok());
  }
  clock_.Advance(absl::Minutes(1));
  const absl::Time rotated_at = clock_.Now();
  manager_->OnTenantChanged("demo", EventReason::kKeyRotated);
  // Fire one at a time and record when each went: they must not coincide.
  std::set<absl::Time> times;
  for (int i = 0; i < 5; ++i) {
    absl::Time next = manager_->timer().NextDue();
    ASSERT_LE(next, rotated_at + absl::Seconds(30));
    times.insert(next);
    RunUntil(next);
  }
  EXPECT_GE(times.size(), 4u);
  for (const auto& sink : sinks) {
    ASSERT_EQ(sink->events().size(), 2u);
    EXPECT_EQ(sink->events().back().reason, EventReason::kKeyRotated);
  }
}

TEST_F(SubscriptionManagerTest, PerCallerAndGlobalCapsAreEnforced) {
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 3; ++i) {
    sinks.push_back(std::make_shared<RecordingSink>());
    ASSERT_TRUE(manager_->Subscribe(Spec("c1"), sinks.back()).ok());
  }
  auto over =
      manager_->Subscribe(Spec("c1"), std::make_shared<RecordingSink>());
  EXPECT_EQ(GetReason(over.status()), Reason::kResourceExhausted);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        manager_->Subscribe(Spec("c2"), std::make_shared<RecordingSink>())
            .ok());
  }
  auto global =
      manager_->Subscribe(Spec("c3"), std::make_shared<RecordingSink>());
  EXPECT_EQ(GetReason(global.status()), Reason::kResourceExhausted);
}

TEST_F(SubscriptionManagerTest, UnsubscribeFreesTheSlotWithoutEnding) {
  auto sink = std::make_shared<RecordingSink>();
  auto id = manager_->Subscribe(Spec(), sink);
  ASSERT_TRUE(id.ok());
  manager_->Unsubscribe(*id);
  EXPECT_EQ(sink->ends(), 0);
  EXPECT_EQ(manager_->stats().active, 0u);
  EXPECT_EQ(manager_->timer().NextDue(), absl::InfiniteFuture());
}

TEST_F(SubscriptionManagerTest, ShutdownEndsStreamsUnavailableAndRefusesNew) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(manager_->Subscribe(Spec(), sink).ok());
  manager_->Shutdown();
  EXPECT_EQ(sink->end().code(), absl::StatusCode::kUnavailable);
  auto late = manager_->Subscribe(Spec(), std::make_shared<RecordingSink>());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tokend
