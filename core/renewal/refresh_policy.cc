#include "core/renewal/refresh_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {

absl::Status ValidateRefreshPolicy(const RefreshPolicy& policy,
                                   absl::string_view field_prefix) {
  auto bad = [&](absl::string_view field, absl::string_view what) {
    return Error(Reason::kInvalidArgument, what,
                 absl::StrCat(field_prefix, field));
  };
  if (!(policy.fraction > 0.0 && policy.fraction < 1.0)) {
    return bad("refresh_fraction", "must be in (0, 1)");
  }
  if (!(policy.jitter >= 0.0 && policy.jitter < 0.5)) {
    return bad("jitter", "must be in [0, 0.5)");
  }
  if (policy.min_lead < absl::ZeroDuration()) {
    return bad("min_lead", "must not be negative");
  }
  if (!(policy.max_lead_fraction > 0.0 && policy.max_lead_fraction < 1.0)) {
    return bad("max_lead_fraction", "must be in (0, 1)");
  }
  if (policy.retry_initial <= absl::ZeroDuration()) {
    return bad("retry_initial", "must be positive");
  }
  if (policy.retry_max < policy.retry_initial) {
    return bad("retry_max", "must be at least retry_initial");
  }
  return absl::OkStatus();
}

absl::Time NextRefresh(absl::Time issued_at, absl::Time expires_at,
                       absl::Time now, const RefreshPolicy& policy,
                       double unit) {
  const absl::Duration lifetime = expires_at - issued_at;
  if (lifetime <= absl::ZeroDuration()) return std::min(now, expires_at);
  unit = std::clamp(unit, 0.0, 1.0);
  // The lead: at least min_lead before expiry, but for short lifetimes only
  // max_lead_fraction of them, so a 10 s token is not refreshed at birth.
  const absl::Duration lead =
      std::min(policy.min_lead, lifetime * policy.max_lead_fraction);
  const absl::Time latest = expires_at - lead;
  // The jitter window [fraction - jitter, fraction + jitter] of the
  // lifetime, capped at `latest`. A capped window keeps at least
  // jitter × lifetime of width below the cap: clamping the draws onto the
  // cap instead would make every token issued in the same second with the
  // same lifetime refresh at one instant, a burst instead of an even rate.
  const auto at = [&](double share) {
    return issued_at + lifetime * std::clamp(share, 0.0, 1.0);
  };
  const absl::Time hi = std::min(at(policy.fraction + policy.jitter), latest);
  const absl::Time lo = std::min(at(policy.fraction - policy.jitter),
                                 hi - lifetime * policy.jitter);
  absl::Time planned = lo + (hi - lo) * unit;
  // Strictly before expiry even with a zero lead.
  planned = std::min(planned, expires_at - absl::Milliseconds(1));
  planned = std::max(planned, issued_at);
  return std::max(planned, std::min(now, expires_at - absl::Milliseconds(1)));
}

absl::Duration RetryDelay(int attempt, absl::Time now, absl::Time expires_at,
                          const RefreshPolicy& policy, double unit) {
  if (now >= expires_at) return absl::InfiniteDuration();
  attempt = std::max(attempt, 1);
  absl::Duration cap = policy.retry_initial;
  for (int i = 1; i < attempt && cap < policy.retry_max; ++i) cap *= 2;
  cap = std::min(cap, policy.retry_max);
  // Retry while the current token is still usable: never wait past expiry.
  cap = std::min(cap, expires_at - now);
  return cap * std::clamp(unit, 0.0, 1.0);
}

}  // namespace tokend
