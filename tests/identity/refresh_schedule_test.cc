// When a key set is fetched again: Cache-Control within bounds, jitter that
// only brings a refresh forward, and backoff that never drops to zero.
#include "core/identity/refresh_schedule.h"

#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend::identity {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

TEST(FreshnessTest, MaxAgeAndFriends) {
  EXPECT_EQ(FreshnessFromHeaders("public, max-age=300", ""),
            absl::Seconds(300));
  EXPECT_EQ(FreshnessFromHeaders("Max-Age = \"60\"", ""), absl::Seconds(60));
  EXPECT_EQ(FreshnessFromHeaders("max-age=300", "100"), absl::Seconds(200));
  EXPECT_EQ(FreshnessFromHeaders("max-age=300", "900"), absl::ZeroDuration());
  EXPECT_EQ(FreshnessFromHeaders("max-age=300", "junk"), absl::Seconds(300));
  EXPECT_EQ(FreshnessFromHeaders("max-age=300, max-age=10", ""),
            absl::Seconds(10));
  EXPECT_EQ(FreshnessFromHeaders("no-cache, max-age=300", ""),
            absl::ZeroDuration());
  EXPECT_EQ(FreshnessFromHeaders("no-store", ""), absl::ZeroDuration());
  EXPECT_EQ(FreshnessFromHeaders("max-age=99999999999999999999", ""),
            absl::Seconds(INT32_MAX));
  EXPECT_EQ(FreshnessFromHeaders("", ""), std::nullopt);
  EXPECT_EQ(FreshnessFromHeaders("public, s-maxage=60", ""), std::nullopt);
  EXPECT_EQ(FreshnessFromHeaders("max-age=-5", ""), std::nullopt);
  EXPECT_EQ(FreshnessFromHeaders("max-age=1e3", ""), std::nullopt);
  EXPECT_EQ(FreshnessFromHeaders("max-age", ""), std::nullopt);
}

TEST(NextRefreshTest, ClampedToBoundsAndOnlyEarlier) {
  KeyRefreshOptions options;  // 10 min default, [1 min, 24 h], jitter 0.1
  EXPECT_EQ(NextRefreshAfterSuccess(kNow, std::nullopt, options, 0.0),
            kNow + absl::Minutes(10));
  EXPECT_EQ(NextRefreshAfterSuccess(kNow, std::nullopt, options, 1.0),
            kNow + absl::Minutes(9));
  EXPECT_EQ(NextRefreshAfterSuccess(kNow, absl::Seconds(300), options, 0.0),
            kNow + absl::Minutes(5));
  // max-age 0 (or no-cache) cannot make tokend poll faster than the floor,
  // nor a year-long max-age keep keys past the ceiling.
  EXPECT_EQ(NextRefreshAfterSuccess(kNow, absl::ZeroDuration(), options, 0.0),
            kNow + absl::Minutes(1));
  EXPECT_EQ(NextRefreshAfterSuccess(kNow, absl::Hours(24 * 365), options, 0.0),
            kNow + absl::Hours(24));
  // Jitter draws in [0, 1) stay within (90 %, 100 %] of the period.
  for (double u : {0.0, 0.25, 0.5, 0.999}) {
    const absl::Time next =
        NextRefreshAfterSuccess(kNow, absl::Seconds(600), options, u);
    EXPECT_LE(next, kNow + absl::Seconds(600));
    EXPECT_GT(next, kNow + absl::Seconds(540));
  }
}

TEST(BackoffTest, ExponentialWithEqualJitterAndACap) {
  KeyRefreshOptions options;  // 1 s .. 5 min
  EXPECT_EQ(BackoffDelay(1, options, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(BackoffDelay(1, options, 0.5), absl::Milliseconds(750));
  EXPECT_EQ(BackoffDelay(2, options, 0.0), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(3, options, 0.0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(10, options, 0.0), absl::Seconds(150));
  EXPECT_EQ(BackoffDelay(1000000, options, 0.0), absl::Seconds(150));
  EXPECT_LT(BackoffDelay(1000000, options, 0.9999), absl::Minutes(5));
}

TEST(KeyRefreshOptionsTest, ValidationNamesTheField) {
  KeyRefreshOptions options;
  EXPECT_TRUE(ValidateKeyRefreshOptions(options, "issuers[0].refresh").ok());
  options.unknown_kid_min_interval = absl::ZeroDuration();
  absl::Status status =
      ValidateKeyRefreshOptions(options, "issuers[0].refresh");
  EXPECT_EQ(GetField(status), "issuers[0].refresh.unknown_kid_min_interval");
  options = KeyRefreshOptions();
  options.max_refresh_interval = absl::Seconds(1);
  EXPECT_EQ(GetField(ValidateKeyRefreshOptions(options, "r")),
            "r.max_refresh_interval");
  options = KeyRefreshOptions();
  options.refresh_jitter = 0.9;
  EXPECT_EQ(GetField(ValidateKeyRefreshOptions(options, "r")),
            "r.refresh_jitter");
  options = KeyRefreshOptions();
  options.max_body_bytes = 0;
  EXPECT_EQ(GetField(ValidateKeyRefreshOptions(options, "r")),
            "r.max_body_bytes");
}

}  // namespace
}  // namespace tokend::identity
