#include "core/token_service.h"

#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);

// Test seam: an in-memory revocation list of token ids and subjects.
class FakeRevocations : public RevocationChecker {
 public:
  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject, absl::Time) const override {
    absl::MutexLock lock(&mu_);
    return ids_.count(std::string(token_id)) > 0 ||
           subjects_.count(std::string(subject)) > 0;
  }
  void RevokeId(std::string id) {
    absl::MutexLock lock(&mu_);
    ids_.insert(std::move(id));
  }
  void RevokeSubject(std::string s) {
    absl::MutexLock lock(&mu_);
    subjects_.insert(std::move(s));
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> ids_, subjects_;
};

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTenant(absl::InfiniteDuration(), absl::ZeroDuration());
    service_.SetRevocationChecker(revocations_);
  }

  void SetTenant(absl::Duration session_cap, absl::Duration grace) {
    JwtProfileConfig config;
    config.issuer = "https://tokend.test";
    config.audiences = {"svc"};
    config.signing_key = (*GenerateKey(Algorithm::kHS256))->WithKid("h1");
    config.ttl = {absl::Minutes(10), absl::Hours(1)};
    auto profile = NewJwtProfile(config);
    ASSERT_TRUE(profile.ok()) << profile.status();
    Tenant tenant{"demo", *profile, session_cap, grace};
    auto set = TenantSet::Create({tenant});
    ASSERT_TRUE(set.ok());
    service_.SetTenants(std::make_shared<const TenantSet>(*std::move(set)));
  }

  TokenInfo IssueAlice() {
    IssueInput in;
    in.subject = "alice";
    JwtGrants grants;
    grants.extra_claims.Set("room", json::Value("r1"));
    in.grants = grants;
    auto issued = service_.Issue("demo", in);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return *issued;
  }

  FakeClock clock_{kStart};
  TokenService service_{clock_};
  std::shared_ptr<FakeRevocations> revocations_ =
      std::make_shared<FakeRevocations>();
};

TEST_F(TokenServiceTest, UnknownOrMissingTenantNamesTheField) {
  auto issued = service_.Issue("nope", {});
  EXPECT_EQ(GetReason(issued.status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(issued.status()), "tenant");
  EXPECT_EQ(GetField(service_.Verify("", "x.y.z", {}).status()), "tenant");
}

TEST_F(TokenServiceTest, VerifyChecksRevocationByIdAndSubject) {
  TokenInfo a = IssueAlice();
  EXPECT_TRUE(service_.Verify("demo", a.token, {}).ok());
  revocations_->RevokeId(a.token_id);
  auto v = service_.Verify("demo", a.token, {});
  EXPECT_EQ(GetReason(v.status()), Reason::kRevoked);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kPermissionDenied);

  TokenInfo b = IssueAlice();
  revocations_->RevokeSubject("alice");
  EXPECT_EQ(GetReason(service_.Verify("demo", b.token, {}).status()),
            Reason::kRevoked);
}

TEST_F(TokenServiceTest, RenewKeepsSubjectAndGrantsWithFreshTimesAndId) {
  TokenInfo first = IssueAlice();
  clock_.Advance(absl::Minutes(8));
  auto renewed = service_.Renew("demo", first.token, absl::ZeroDuration());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_NE(renewed->token_id, first.token_id);
  EXPECT_EQ(renewed->subject, "alice");
  EXPECT_EQ(renewed->issued_at, kStart + absl::Minutes(8));
  EXPECT_EQ(renewed->expires_at, kStart + absl::Minutes(18));
  EXPECT_EQ(renewed->session_started, kStart);
  auto verified = service_.Verify("demo", renewed->token, {});
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(std::get<JwtGrants>(verified->grants)
                .extra_claims.Find("room")
                ->as_string(),
            "r1");
  EXPECT_EQ(verified->session_started, kStart);  // carried in tokend_sst
}

TEST_F(TokenServiceTest, RenewRefusesRevokedTokens) {
  TokenInfo first = IssueAlice();
  revocations_->RevokeId(first.token_id);
  auto renewed = service_.Renew("demo", first.token, absl::ZeroDuration());
  EXPECT_EQ(GetReason(renewed.status()), Reason::kRevoked);
}

TEST_F(TokenServiceTest, RenewAfterExpiryNeedsTheGraceWindow) {
  TokenInfo first = IssueAlice();
  // Past exp plus the 60 s leeway, no grace configured.
  clock_.Set(first.expires_at + absl::Seconds(90));
  EXPECT_EQ(
      GetReason(
          service_.Renew("demo", first.token, absl::ZeroDuration()).status()),
      Reason::kTokenExpired);
}

TEST_F(TokenServiceTest, SessionCapClampsTheLastRenewalThenRefuses) {
  SetTenant(absl::Minutes(25), absl::ZeroDuration());
  TokenInfo t = IssueAlice();  // 10 min token, session ends at +25 min
  clock_.Advance(absl::Minutes(9));
  auto second = service_.Renew("demo", t.token, absl::ZeroDuration());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->expires_at, kStart + absl::Minutes(19));
  clock_.Advance(absl::Minutes(9));  // +18 min: only 7 min of session left
  auto third = service_.Renew("demo", second->token, absl::ZeroDuration());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->expires_at, kStart + absl::Minutes(25));
  clock_.Set(kStart + absl::Minutes(25));
  auto fourth = service_.Renew("demo", third->token, absl::ZeroDuration());
  EXPECT_EQ(GetReason(fourth.status()), Reason::kSessionLimit);
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TokenServiceTest, TenantSwapTakesEffectForNewCalls) {
  TokenInfo before = IssueAlice();
  SetTenant(absl::InfiniteDuration(), absl::ZeroDuration());  // new key
  EXPECT_EQ(GetReason(service_.Verify("demo", before.token, {}).status()),
            Reason::kBadSignature);
}

TEST(TenantSetTest, RefusesDuplicatesEmptyNamesAndMissingProfiles) {
  JwtProfileConfig config;
  config.issuer = "i";
  config.signing_key = *GenerateKey(Algorithm::kHS256);
  auto profile = *NewJwtProfile(config);
  auto dup = TenantSet::Create({{"a", profile}, {"a", profile}});
  EXPECT_EQ(GetReason(dup.status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(TenantSet::Create({{"", profile}}).status()),
            "tenants[0].name");
  EXPECT_EQ(GetField(TenantSet::Create({{"a", nullptr}}).status()),
            "tenants[0].profile");
  auto ok = TenantSet::Create({{"b", profile}, {"a", profile}});
  ASSERT_TRUE(ok.ok());
  EXPECT_NE(ok->Find("a"), nullptr);
  EXPECT_EQ(ok->Find("A"), nullptr);
}

}  // namespace
}  // namespace tokend
