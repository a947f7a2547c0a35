// When a remote key set is fetched again: after a success, after a failure,
// and what an HTTP response's caching headers ask for. Pure functions: the
// caller supplies the clock reading and the random draws, so the whole
// schedule is testable without time or randomness.
#ifndef TOKEND_CORE_IDENTITY_REFRESH_SCHEDULE_H_
#define TOKEND_CORE_IDENTITY_REFRESH_SCHEDULE_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokend::identity {

struct KeyRefreshOptions {
  // Refresh period when the response gives no max-age.
  absl::Duration refresh_interval = absl::Minutes(10);
  // Bounds for a Cache-Control max-age (and the interval above): a max-age
  // of 0 or "no-cache" cannot make tokend fetch more often than the floor,
  // nor a year-long max-age keep a set that long.
  absl::Duration min_refresh_interval = absl::Minutes(1);
  absl::Duration max_refresh_interval = absl::Hours(24);
  // Each planned refresh comes up to this fraction of the period early, at
  // random, so replicas do not fetch in step. In [0, 0.5].
  double refresh_jitter = 0.1;
  // A token whose kid is not in the set triggers a fetch, but never sooner
  // than this after the previous fetch attempt (of any kind): random kids
  // cannot turn tokend into a flood against the issuer.
  absl::Duration unknown_kid_min_interval = absl::Minutes(1);
  // A kid still unknown after a fetch it triggered triggers no further
  // fetch for this long; at most negative_cache_size kids are remembered.
  absl::Duration negative_cache_ttl = absl::Minutes(5);
  size_t negative_cache_size = 1024;
  // Retry after a failed fetch: exponential from initial to max; each delay
  // is drawn uniformly from [d/2, d) ("equal jitter": never near zero).
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(5);
  // When finite: a set not refreshed successfully for this long is no longer
  // used (verification answers UNAVAILABLE, readiness fails) until a fetch
  // succeeds. Infinite (the default, as Envoy and Istio): the last good set
  // serves for as long as the issuer stays unreachable.
  absl::Duration max_stale = absl::InfiniteDuration();
  // Limits handed to the Fetcher for each request.
  size_t max_body_bytes = 512 * 1024;
  absl::Duration fetch_timeout = absl::Seconds(5);
  int max_redirects = 3;
};

// kInvalidArgument naming the field under `field_prefix` (e.g.
// "issuers[0].refresh.min_refresh_interval").
absl::Status ValidateKeyRefreshOptions(const KeyRefreshOptions& options,
                                       absl::string_view field_prefix);

// What a response's headers say about how long its body stays fresh.
// Cache-Control "max-age=N" (minus a valid "Age" header) gives N; "no-store"
// or "no-cache" give zero; otherwise (absent, unparseable) nullopt. Directive
// names are case-insensitive; s-maxage and Expires are not consulted.
std::optional<absl::Duration> FreshnessFromHeaders(
    absl::string_view cache_control, absl::string_view age);

// The time of the next planned fetch after a success at `now`: the
// freshness (or refresh_interval when nullopt) clamped to [min, max], then
// brought forward by up to refresh_jitter of itself, using `unit` in [0, 1).
absl::Time NextRefreshAfterSuccess(absl::Time now,
                                   std::optional<absl::Duration> freshness,
                                   const KeyRefreshOptions& options,
                                   double unit);

// The delay before the next attempt after `consecutive_failures` (≥ 1)
// failed ones: d = min(backoff_max, backoff_initial · 2^(n-1)), drawn from
// [d/2, d) with `unit` in [0, 1).
absl::Duration BackoffDelay(int consecutive_failures,
                            const KeyRefreshOptions& options, double unit);

// A uniform draw in [0, 1) from the CSPRNG: the production randomness.
double SecureUnitInterval();

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_REFRESH_SCHEDULE_H_
