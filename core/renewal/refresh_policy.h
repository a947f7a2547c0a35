// When to refresh a token, and how long to wait after a failed attempt.
// Pure functions: the caller supplies the clock reading and the random
// draws, so the whole schedule is testable without time or randomness.
#ifndef TOKEND_CORE_RENEWAL_REFRESH_POLICY_H_
#define TOKEND_CORE_RENEWAL_REFRESH_POLICY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace tokend {

struct RefreshPolicy {
  // Refresh at this fraction of the lifetime...
  double fraction = 0.8;
  // ...moved by up to ± this fraction of the lifetime, per subscription.
  double jitter = 0.1;
  // ...but never later than this before expiry. For short lifetimes the
  // lead shrinks to max_lead_fraction of the lifetime.
  absl::Duration min_lead = absl::Seconds(30);
  double max_lead_fraction = 0.25;
  // Retry after a failed issue: exponential from initial to max, with full
  // jitter, never past the point where the current token has expired.
  absl::Duration retry_initial = absl::Seconds(1);
  absl::Duration retry_max = absl::Seconds(30);
};

// Refuses fractions outside (0, 1), jitter outside [0, 0.5), non-positive
// durations; the error names the field under `field_prefix`.
absl::Status ValidateRefreshPolicy(const RefreshPolicy& policy,
                                   absl::string_view field_prefix);

// The planned refresh time for a token valid over [issued_at, expires_at).
// `unit` in [0, 1) is this subscription's jitter draw (0.5 = no jitter): it
// places the refresh in the window fraction ± jitter of the lifetime. When
// the lead caps that window, the window keeps jitter × lifetime of width
// below the cap, so capped refreshes stay spread instead of coinciding.
// Always strictly before expires_at, and at or after issued_at. When `now`
// is already past the planned time (a resumed subscription), returns `now`.
absl::Time NextRefresh(absl::Time issued_at, absl::Time expires_at,
                       absl::Time now, const RefreshPolicy& policy,
                       double unit);

// The delay before retry number `attempt` (1 for the first retry) after a
// failed issue, with full jitter: uniform in [0, min(max, initial·2^(n-1))],
// scaled by `unit` in [0, 1). Returns InfiniteDuration when the current
// token expires before any retry could help (now ≥ expires_at).
absl::Duration RetryDelay(int attempt, absl::Time now, absl::Time expires_at,
                          const RefreshPolicy& policy, double unit);

}  // namespace tokend

#endif  // TOKEND_CORE_RENEWAL_REFRESH_POLICY_H_
