#include "core/renewal/refresh_policy.h"

#include <set>

#include "absl/time/time.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

TEST(RefreshPolicyTest, NoJitterRefreshesAtTheFraction) {
  RefreshPolicy p;  // 0.8, ±10 %, 30 s lead
  EXPECT_EQ(NextRefresh(kT0, kT0 + absl::Hours(1), kT0, p, 0.5),
            kT0 + absl::Minutes(48));
}

TEST(RefreshPolicyTest, JitterStaysWithinTenPercentOfTheLifetime) {
  RefreshPolicy p;
  const absl::Time exp = kT0 + absl::Hours(1);
  EXPECT_EQ(NextRefresh(kT0, exp, kT0, p, 0.0), kT0 + absl::Minutes(42));
  // unit → 1 approaches 0.9 of the lifetime (54 min).
  absl::Time high = NextRefresh(kT0, exp, kT0, p, 0.999999);
  EXPECT_LE(high, kT0 + absl::Minutes(54));
  EXPECT_GT(high, kT0 + absl::Minutes(53));
  for (int i = 0; i <= 100; ++i) {
    absl::Time t = NextRefresh(kT0, exp, kT0, p, i / 101.0);
    EXPECT_GE(t, kT0 + absl::Minutes(42));
    EXPECT_LE(t, kT0 + absl::Minutes(54));
  }
}

TEST(RefreshPolicyTest, MinimumLeadBeforeExpiryWins) {
  RefreshPolicy p;
  p.fraction = 0.95;
  p.jitter = 0.0;
  // 10 min token: 0.95 would be 30 s before expiry... use 0.99 → 6 s.
  p.fraction = 0.99;
  const absl::Time exp = kT0 + absl::Minutes(10);
  EXPECT_EQ(NextRefresh(kT0, exp, kT0, p, 0.5), exp - absl::Seconds(30));
}

TEST(RefreshPolicyTest, ShortTtlsScaleTheLeadDown) {
  RefreshPolicy p;
  p.jitter = 0.0;
  p.fraction = 0.9;
  // 3 s token: lead = min(30 s, 25 % of 3 s) = 750 ms → refresh at 2.25 s.
  const absl::Time exp = kT0 + absl::Seconds(3);
  EXPECT_EQ(NextRefresh(kT0, exp, kT0, p, 0.5), kT0 + absl::Milliseconds(2250));
  // Always strictly before expiry, even with every knob at its extreme.
  p.max_lead_fraction = 1e-9;
  p.fraction = 0.999;
  EXPECT_LT(NextRefresh(kT0, exp, kT0, p, 0.99), exp);
}

TEST(RefreshPolicyTest, RefreshesClampedByTheLeadStaySpreadOut) {
  RefreshPolicy p;  // 0.8 ± 0.1; a 60 s token's lead is 15 s (25 %)
  const absl::Time exp = kT0 + absl::Seconds(60);
  const absl::Time latest = exp - absl::Seconds(15);
  // The window [42 s, 54 s] is capped at 45 s and keeps 6 s (the jitter's
  // 10 % of the lifetime) of width below the cap: [39 s, 45 s).
  std::set<absl::Time> distinct;
  int at_latest = 0;
  for (int i = 0; i < 100; ++i) {
    const absl::Time t = NextRefresh(kT0, exp, kT0, p, i / 100.0);
    EXPECT_GE(t, kT0 + absl::Seconds(39));
    EXPECT_LT(t, latest);
    distinct.insert(t);
    if (t == latest) ++at_latest;
  }
  // Without the spread, every draw above 0.75 would land on `latest`.
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_EQ(at_latest, 0);
  EXPECT_EQ(NextRefresh(kT0, exp, kT0, p, 0.0), kT0 + absl::Seconds(39));
  EXPECT_EQ(NextRefresh(kT0, exp, kT0, p, 0.5), kT0 + absl::Seconds(42));
}

TEST(RefreshPolicyTest, ResumingALateTokenRefreshesNow) {
  RefreshPolicy p;
  const absl::Time exp = kT0 + absl::Hours(1);
  const absl::Time now = kT0 + absl::Minutes(55);
  EXPECT_EQ(NextRefresh(kT0, exp, now, p, 0.5), now);
  // A fresh token is not re-minted early.
  EXPECT_EQ(NextRefresh(kT0, exp, kT0 + absl::Minutes(1), p, 0.5),
            kT0 + absl::Minutes(48));
}

TEST(RefreshPolicyTest, RetryBackoffDoublesWithFullJitterAndIsCapped) {
  RefreshPolicy p;  // 1 s initial, 30 s max
  const absl::Time now = kT0;
  const absl::Time exp = kT0 + absl::Hours(1);
  EXPECT_EQ(RetryDelay(1, now, exp, p, 0.999999) <= absl::Seconds(1), true);
  EXPECT_EQ(RetryDelay(3, now, exp, p, 0.5), absl::Seconds(2));    // 4 s cap
  EXPECT_EQ(RetryDelay(10, now, exp, p, 0.5), absl::Seconds(15));  // 30 s cap
  EXPECT_EQ(RetryDelay(1000, now, exp, p, 0.5), absl::Seconds(15));
  EXPECT_EQ(RetryDelay(5, now, exp, p, 0.0), absl::ZeroDuration());
}

TEST(RefreshPolicyTest, RetryNeverWaitsPastExpiry) {
  RefreshPolicy p;
  const absl::Time exp = kT0 + absl::Seconds(4);
  EXPECT_EQ(RetryDelay(10, kT0, exp, p, 0.5), absl::Seconds(2));
  EXPECT_EQ(RetryDelay(1, exp, exp, p, 0.5), absl::InfiniteDuration());
}

TEST(RefreshPolicyTest, ValidationNamesTheField) {
  RefreshPolicy p;
  p.fraction = 1.0;
  EXPECT_EQ(GetField(ValidateRefreshPolicy(p, "renewal.")),
            "renewal.refresh_fraction");
  p = RefreshPolicy();
  p.jitter = 0.5;
  EXPECT_EQ(GetField(ValidateRefreshPolicy(p, "renewal.")), "renewal.jitter");
  p = RefreshPolicy();
  p.retry_max = absl::Milliseconds(10);
  EXPECT_EQ(GetField(ValidateRefreshPolicy(p, "")), "retry_max");
  EXPECT_TRUE(ValidateRefreshPolicy(RefreshPolicy(), "").ok());
}

}  // namespace
}  // namespace tokend
