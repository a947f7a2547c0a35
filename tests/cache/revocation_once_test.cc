// TokenService asks the revocation checker exactly once per Verify and per
// Renew about the presented token, whether the verify cache misses, hits
// or is absent (a miss used to ask twice: once to decide whether to store
// the token, once for the verdict). A counting RevocationChecker stands in
// for the stores, which are tested on their own.
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/cache/verified_token_cache.h"
#include "core/clock.h"
#include "core/profiles/livekit_profile.h"
#include "core/reason.h"
#include "core/tenant_set.h"
#include "core/token_service.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// Counts IsRevoked calls by token id; revokes the ids in `revoked`.
class CountingChecker final : public RevocationChecker {
 public:
  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject,
                 absl::Time issued_at) const override {
    absl::MutexLock lock(&mu_);
    ++calls_[std::string(token_id)];
    return revoked_id_ == token_id;
  }
  int calls(absl::string_view token_id) const {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(std::string(token_id));
    return it == calls_.end() ? 0 : it->second;
  }
  void Revoke(absl::string_view token_id) {
    absl::MutexLock lock(&mu_);
    revoked_id_ = std::string(token_id);
  }

 private:
  mutable absl::Mutex mu_;
  mutable std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::string revoked_id_ ABSL_GUARDED_BY(mu_);
};

class RevocationOnceTest : public ::testing::TestWithParam<bool> {
 protected:
  RevocationOnceTest() : clock_(kNow), service_(clock_) {
    LiveKitProfileConfig config;
    config.api_key = "APIk3yExample";
    config.api_secret = std::string(32, 's');
    auto profile = NewLiveKitProfile(config);
    EXPECT_TRUE(profile.ok()) << profile.status();
    tenant_.name = "t";
    tenant_.profile = *profile;
    if (GetParam()) {
      tenant_.verify_cache =
          std::make_shared<VerifiedTokenCache>(VerifyCacheLimits{});
    }
    service_.SetRevocationChecker(checker_);
    IssueInput input;
    input.subject = "alice";
    auto issued = tenant_.profile->Issue(input, kNow);
    EXPECT_TRUE(issued.ok()) << issued.status();
    token_ = *issued;
  }

  FakeClock clock_;
  TokenService service_;
  Tenant tenant_;
  std::shared_ptr<CountingChecker> checker_ =
      std::make_shared<CountingChecker>();
  TokenInfo token_;
};

TEST_P(RevocationOnceTest, VerifyAsksOncePerCallOnMissAndHit) {
  ASSERT_TRUE(service_.Verify(tenant_, token_.token, {}).ok());
  EXPECT_EQ(checker_->calls(token_.token_id), 1);
  ASSERT_TRUE(service_.Verify(tenant_, token_.token, {}).ok());
  EXPECT_EQ(checker_->calls(token_.token_id), 2);
  if (GetParam()) EXPECT_EQ(tenant_.verify_cache->hits(), 1u);
}

TEST_P(RevocationOnceTest, RevokedTokenIsAskedOnceAndRefused) {
  checker_->Revoke(token_.token_id);
  absl::Status status = service_.Verify(tenant_, token_.token, {}).status();
  EXPECT_EQ(GetReason(status), Reason::kRevoked) << status;
  EXPECT_EQ(checker_->calls(token_.token_id), 1);
  // A revoked token is never stored.
  if (GetParam()) EXPECT_EQ(tenant_.verify_cache->entries(), 0);
}

TEST_P(RevocationOnceTest, RenewAsksOnceAboutThePresentedToken) {
  auto renewed = service_.Renew(tenant_, token_.token, absl::ZeroDuration());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(checker_->calls(token_.token_id), 1);
  // The fresh token is checked once too (Issue's own rule).
  EXPECT_EQ(checker_->calls(renewed->token_id), 1);
  ASSERT_TRUE(service_.Renew(tenant_, token_.token, absl::ZeroDuration()).ok());
  EXPECT_EQ(checker_->calls(token_.token_id), 2);
}

TEST_P(RevocationOnceTest, RenewOfRevokedTokenIsRefusedAfterOneAsk) {
  checker_->Revoke(token_.token_id);
  absl::Status status =
      service_.Renew(tenant_, token_.token, absl::ZeroDuration()).status();
  EXPECT_EQ(GetReason(status), Reason::kRevoked) << status;
  EXPECT_EQ(checker_->calls(token_.token_id), 1);
}

INSTANTIATE_TEST_SUITE_P(CacheOnAndOff, RevocationOnceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Cached" : "Uncached";
                         });

}  // namespace
}  // namespace tokend
